"""The README's table of what each audience may call says what the published schemas hold, so it cannot
drift from them: the queries every audience has, each audience's further queries and its mutations."""

from __future__ import annotations

import re

from graphql import ObjectTypeDefinitionNode, parse

from testsupport.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
HEADER = "| audience | more queries | mutations |"
NAME = re.compile(r"`([_a-z][A-Za-z_]*)")  # a field named in backticks (``complaint(trackingToken:)`` too)
ROLES = {
    "public (no key)": "public",
    "portal": "portal",
    "partner": "partner",
    "subject": "subject",
    "agency": "agency",
}


def root_fields(role: str, type_name: str) -> set[str]:
    document = parse((ROOT / "schema" / f"audience-{role}.graphql").read_text(encoding="utf-8"))
    return {
        field.name.value
        for node in document.definitions
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value == type_name
        for field in node.fields or ()
    }


def table() -> dict[str, tuple[set[str], set[str]]]:
    """audience → (the further queries, the mutations) the README names."""
    lines = README[README.index(HEADER) :].splitlines()[2:]
    rows: dict[str, tuple[set[str], set[str]]] = {}
    for line in lines:
        if not line.startswith("|"):
            break
        audience, queries, mutations = (cell.strip() for cell in line.strip("|").split(" | "))
        rows[audience] = (set(NAME.findall(queries)), set(NAME.findall(mutations)))
    return rows


def test_the_queries_every_audience_has_are_the_publics() -> None:
    paragraph = README[README.index("What each audience may call") : README.index(HEADER)]
    common = root_fields("public", "Query")
    assert set(NAME.findall(paragraph)) == common | {"fileComplaint"}
    assert root_fields("public", "Mutation") == {"fileComplaint"}


def test_each_audience_row_names_its_schema() -> None:
    rows = table()
    common = root_fields("public", "Query")
    for audience, role in ROLES.items():
        queries, mutations = rows[audience]
        assert queries == root_fields(role, "Query") - common, audience
        assert mutations == root_fields(role, "Mutation"), audience
    queries, mutations = rows["department"]
    assert queries == root_fields("department", "Query") - common
    # Submissions are named as a group (`submit…`): the rest one by one.
    assert mutations == {m for m in root_fields("department", "Mutation") if not m.startswith("submit")} | {"submit"}


def test_the_admin_row_names_only_what_exists() -> None:
    queries, mutations = table()["admin"]
    document = parse((ROOT / "schema" / "credit-gateway.graphql").read_text(encoding="utf-8"))
    fields = {
        field.name.value
        for node in document.definitions
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value in ("Query", "Mutation")
        for field in node.fields or ()
    }
    assert queries | mutations <= fields
