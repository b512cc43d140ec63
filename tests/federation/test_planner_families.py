"""The planner over every family of tests/federation/families/: each case (valid against the family's
API schema) planned against the family's composed supergraph.

Every plan must pass :func:`planner_checks.check_plan` (each fetch valid for its subgraph, entity fetches
only by resolvable keys) and have the expected outline: which subgraphs, in which order, how many
fetches. The end-to-end results are test_ours_families.py's; this file pins the plans' structure.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, validate

from gateway.federation.planner import plan_operation
from tests.federation.oracle import family_names, load_cases
from tests.federation.planner_checks import check_plan, outline
from tests.federation.planner_supergraphs import family_subgraph_schemas, family_supergraph

# Cases the API schema refuses (the serving layer answers them; the planner never sees them).
INVALID = {
    ("shareable_override_inaccessible", "an inaccessible field cannot be queried"),
    ("type_conflicts", "without the alias the operation is invalid"),
}

OUTLINES = {
    ("abstract_types", "interface list with a member's field from another subgraph"): "Seq[media, media.@:extras]",
    ("abstract_types", "union whose members come from the other subgraph"): "Seq[extras, featured.@:media]",
    ("abstract_types", "fragment on the interface inside a union selection"): "Seq[media, search.@:extras]",
    ("abstract_types", "interface field on an implementation that only one subgraph has"): "extras",
    (
        "abstract_types",
        "inline fragment on the interface, member from the other subgraph",
    ): "Seq[extras, featured.@:media]",
    ("abstract_types", "named fragments on the union and the interface"): "Seq[Par[extras, media], featured.@:media]",
    ("interface_object", "interface object fields on every implementation"): "Seq[accounts, accounts.@:risk]",
    (
        "interface_object",
        "from the interface object subgraph, __typename and fields come from the interface's owner",
    ): "Seq[risk, riskiest:accounts]",
    (
        "interface_object",
        "a list from the interface object subgraph with type conditions",
    ): "Seq[risk, watchlist.@:accounts]",
    ("interface_object", "only the interface object's own fields: no trip to the owner needed"): "risk",
    ("gathered_keys", "a field behind a key that two subgraphs give together"): (
        "Seq[catalogue, products.@:codes, products.@:pricing]"
    ),
    ("gathered_keys", "the gathered key's fields selected by the client as well"): (
        "Seq[catalogue, products.@:codes, products.@:pricing]"
    ),
    ("keys", "entity fetched by its second key (email)"): "Seq[orders, orders.@.buyer:accounts]",
    ("keys", "from the id key to a subgraph that only knows the email key"): "Seq[accounts, user:orders]",
    ("keys", "user with no orders, and a missing user"): "Seq[accounts, Par[a:orders, b:orders]]",
    ("keys", "nested key from the owner"): "Seq[accounts, branches.@:orders]",
    ("keys", "nested key as a reference"): "Seq[orders, orders.@.branch:accounts]",
    ("keys", "resolvable: false reference resolved by the owner"): "Seq[reviews, reviews.@.author:accounts]",
    (
        "keys",
        "two hops: id key to accounts, then email key to orders",
    ): "Seq[reviews, reviews.@.author:accounts, reviews.@.author:orders]",
    ("keys", "composite key; a reference with a null key field is not fetched"): "Seq[reviews, reviews.@.sku:orders]",
    ("keys", "an error in an entity fetch has the client's path"): "Seq[orders, orders.@.buyer:accounts]",
    ("mutations", "mutations of two subgraphs alternate and run in order"): "Seq[ledger, audit, ledger, audit]",
    ("mutations", "consecutive mutations of one subgraph, then another"): "Seq[ledger, audit]",
    (
        "mutations",
        "a failing mutation does not stop the ones after it, which see the effects of the earlier ones",
    ): "Seq[audit, ledger, audit]",
    ("provides_external", "a provided field is read from the providing subgraph"): "reviews",
    (
        "provides_external",
        "provided field beside a field only its owner has",
    ): "Seq[reviews, reviews.@.author:accounts]",
    (
        "provides_external",
        "outside the provided path the external field comes from its owner",
    ): "Seq[accounts, me:reviews]",
    ("provides_external", "back into reviews from a provided author"): "reviews",
    ("requires", "requires two scalars"): "Seq[inventory, products.@:shipping]",
    ("requires", "requires a nested selection"): "Seq[inventory, products.@:shipping]",
    ("requires", "requires with inline fragments on a union"): "Seq[inventory, products.@:shipping]",
    ("requires", "requires with an inline fragment on an interface"): "Seq[inventory, products.@:shipping]",
    ("requires", "required field with an argument, from a variable"): "Seq[inventory, products.@:shipping]",
    (
        "requires",
        "the same field with two arguments under aliases, beside the required fields themselves",
    ): "Seq[inventory, products.@:shipping]",
    ("root_fields", "root fields of two subgraphs and a shareable one"): "Par[left, right]",
    ("root_fields", "aliases, arguments, default values and __typename at the root"): "Par[left, right]",
    ("root_fields", "@include and @skip on root fields of different subgraphs"): "Par[left, right]",
    (
        "root_fields",
        "entities from two root fields, each completed by the other subgraph",
    ): "Seq[Par[right, left], Par[things.@:left, thing:right]]",
    ("root_fields", "a named operation among several, chosen by operationName"): "right",
    (
        "shareable_override_inaccessible",
        "an overridden field comes from the overriding subgraph",
    ): "Seq[catalog, products.@:pricing]",
    ("shareable_override_inaccessible", "a shareable root field and shareable fields"): "pricing",
    (
        "shareable_override_inaccessible",
        "a field that requires an inaccessible field",
    ): "Seq[catalog, products.@:pricing]",
    ("shareable_override_inaccessible", "an accessible enum value"): "catalog",
    ("shareable_override_inaccessible", "an inaccessible enum value returned by a subgraph is an error"): "catalog",
    (
        "type_conflicts",
        "same field name, Int on one member and String on another, under an alias",
    ): "Seq[files, attachments.@:docs]",
    ("type_conflicts", "the String size through the entity subgraph's own root field"): "docs",
    ("type_conflicts", "a field nullable in one subgraph and non-null in the other"): "Seq[files, item:docs]",
    (
        "aliased_error_paths",
        "an error under a field aliased after another field of the entity is at the client's key",
    ): "Seq[shop, orders.@.buyer:people]",
    (
        "aliased_error_paths",
        "the same with the entity's own key asked too, under another alias",
    ): "Seq[shop, orders.@.buyer:people]",
    ("aliased_error_paths", "without an alias the path is the client's as it is"): "Seq[shop, orders.@.buyer:people]",
    (
        "field_shapes",
        "fragments on every member of the union, sent to the subgraph where the field is one member",
    ): "catalog",
    ("field_shapes", "a member the subgraph's field can never be, only"): "catalog",
    (
        "field_shapes",
        "a required field with arguments, asked by the client with other arguments",
    ): "Seq[catalog, posts.@:store]",
    ("field_shapes", "the same, the client's field first and through a variable"): "Seq[catalog, posts.@:store]",
    ("field_shapes", "an object of a type the API schema hides is null, with an error not naming it"): "catalog",
    ("field_shapes", "the same inside a fragment on the visible member"): "catalog",
    (
        "field_shapes",
        "a value type's field from the subgraph where it is an entity, by a key another subgraph gives",
    ): "Seq[catalog, posts.@:store, posts.@.category:labels]",
    ("field_shapes", "the same with the key asked too"): "Seq[catalog, posts.@:store, posts.@.category:labels]",
    (
        "field_shapes",
        "one field required with two sets of arguments by two fields of one fetch",
    ): "Seq[catalog, Par[posts.@:store, posts.@:store]]",
    (
        "parent_fragments",
        "a field of the objects under both parents' type conditions, from a third subgraph",
    ): "Seq[shelf, items.@:notes, Par[items.@.notes.@.item:shelf, items.@.notes.@.item:labels]]",
}

CASES = [(family, case) for family in family_names() for case in load_cases(family)]


def test_every_case_has_an_expected_outline() -> None:
    named = {(family, case["name"]) for family, case in CASES}
    assert named == set(OUTLINES) | INVALID


@pytest.mark.parametrize(("family", "case"), CASES, ids=[f"{f}:{c['name']}" for f, c in CASES])
def test_the_case_plans_as_expected(family: str, case: dict[str, Any]) -> None:
    supergraph = family_supergraph(family)
    document = parse(case["query"])
    if (family, case["name"]) in INVALID:
        assert validate(supergraph.api_schema, document)
        return
    assert not validate(supergraph.api_schema, document)
    plan = plan_operation(supergraph, document, case.get("operationName"))
    check_plan(plan, supergraph, family_subgraph_schemas(family))
    assert outline(plan.node) == OUTLINES[(family, case["name"])]
    assert plan.operation_kind == ("mutation" if family == "mutations" else "query")
