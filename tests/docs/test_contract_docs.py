"""The published contract reads right to whoever codes against it: schema/audience-partner.graphql holds
every field a partner may be granted, says which partner:<group> each belongs to and lists the groups up
front; money fields say their unit (万元 or yuan)."""

from __future__ import annotations

from graphql import build_schema

from gateway.cli.schema_export import render_all
from gateway.features.partners.field_notes import partner_note
from gateway.kernel.settings import Settings
from gateway.server.app import compose_plugins
from gateway.testing import GatewayHarness
from testsupport.paths import ROOT


def test_the_partner_file_shows_every_grantable_field_with_its_group() -> None:
    groups = compose_plugins(Settings()).policies.partner_groups()
    assert set(groups) >= {"tax.rating", "urban_management.inspection"}  # what the README names today
    text = render_all(Settings())["audience-partner.graphql"]
    header = text.split("\nschema ", 1)[0]
    schema = build_schema(text, assume_valid_sdl=True)  # federation directives are not declared in it
    for group, declarations in groups.items():
        assert f"#   {group}: {', '.join(declarations)}" in header
        for declaration in declarations:
            type_name, field_name = declaration.split(".")
            field = schema.type_map[type_name].fields[field_name]  # the partner may be granted it: it is there
            assert partner_note(group) in (field.description or ""), declaration
    # Only those fields carry a group's note.
    assert text[len(header) :].count("(partner:") == sum(len(fields) for fields in groups.values())


async def test_introspection_shows_a_fields_group(gw: GatewayHarness) -> None:
    """GraphiQL's docs (introspection) say the same as the file."""
    admin = await gw.create_key("admin")
    body = await gw.graphql('{ __type(name: "TaxCreditRating") { fields { name description } } }', key=admin)
    described = {f["name"]: f["description"] or "" for f in body["data"]["__type"]["fields"]}
    assert partner_note("tax.rating") in described["score"]
    assert described["score"].startswith("Points out of 100")  # the plugin's own description comes first
    assert "partner:" not in described["year"]


def test_amounts_say_their_unit() -> None:
    """fineAmount is 万元 in the double-publicity format and yuan in construction's conduct records: the
    schema and the README say which."""
    schema = build_schema(render_all(Settings())["credit-gateway.graphql"], assume_valid_sdl=True)
    for type_name in ("AdministrativePenalty", "AdministrativePenaltyInput"):
        fields = schema.type_map[type_name].fields
        for name in ("fineAmount", "confiscatedAmount"):
            assert "万元 (ten thousand yuan" in (fields[name].description or ""), (type_name, name)
    assert "in yuan (not 万元" in (schema.type_map["ConstructionConductRecord"].fields["fineAmount"].description or "")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`fineAmount` and `confiscatedAmount`" in readme and "万元 (ten thousand yuan)" in readme
