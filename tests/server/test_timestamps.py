"""Every timestamp the API shows is China time with its offset written out (+08:00), the same instant
the database holds in UTC; a timestamp given without an offset is read as China time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from graphql import GraphQLObjectType, GraphQLScalarType, get_named_type

from gateway.auth.principal import Role
from gateway.db.tables import query_record
from gateway.graph.datetimes import CHINA_DATETIME
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"
CHINA = ZoneInfo("Asia/Shanghai")
LOOKED_AT = "query($c: String!) { subject(code: $c) { name } }"
SEARCH = """query($f: DateTime, $t: DateTime) { queryRecords(from: $f, to: $t) { edges { node { id recordedAt } } } }"""


def test_every_datetime_of_every_audience_is_china_time(gw: GatewayHarness) -> None:
    """One scalar for all: the core's timestamps and any a plugin declares, in every audience's schema."""
    for role in Role:
        scalar = gw.graph.schema_for(role)._schema.type_map["DateTime"]
        assert isinstance(scalar, GraphQLScalarType) and scalar.serialize is CHINA_DATETIME.serialize, role
    fields = [
        f"{gql_type.name}.{name}"
        for gql_type in gw.graph.schema._schema.type_map.values()
        if isinstance(gql_type, GraphQLObjectType)
        for name, gql_field in gql_type.fields.items()
        if get_named_type(gql_field.type).name == "DateTime"
    ]
    assert {"QueryRecord.recordedAt", "PartnerAuthorization.grantedAt"} <= set(fields), fields
    sample = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)
    assert CHINA_DATETIME.serialize(sample) == "2026-03-02T01:30:00+08:00"
    assert CHINA_DATETIME.serialize(sample.replace(tzinfo=None)) == "2026-03-02T01:30:00+08:00"  # naive: UTC


async def test_a_query_record_shows_china_time_and_searches_by_it(gw: GatewayHarness) -> None:
    await seed_subjects(gw.engine, demo_subjects(5), gw.settings.secret_key)
    portal, admin = await gw.create_key("portal"), await gw.create_key("admin")
    assert "errors" not in await gw.graphql(LOOKED_AT, {"c": SHOWCASE}, key=portal)
    async with gw.engine.connect() as conn:
        stored = (await conn.execute(sa.select(query_record.c.recorded_at))).scalar_one()
    stored_utc = stored if stored.tzinfo else stored.replace(tzinfo=dt.UTC)

    me = await gw.create_key("subject", subject=SHOWCASE)
    body = await gw.graphql("{ me { queryRecords { edges { node { recordedAt } } } } }", key=me)
    [edge] = body["data"]["me"]["queryRecords"]["edges"]
    shown = edge["node"]["recordedAt"]
    assert shown.endswith("+08:00"), shown
    assert dt.datetime.fromisoformat(shown) == stored_utc  # the same instant
    assert shown == stored_utc.astimezone(CHINA).isoformat()

    # A time without an offset is China's: the record's own wall-clock time in China finds it…
    china_wall_clock = dt.datetime.fromisoformat(shown).replace(tzinfo=None).isoformat()
    found = await gw.graphql(SEARCH, {"f": china_wall_clock}, key=admin)
    assert [e["node"]["recordedAt"] for e in found["data"]["queryRecords"]["edges"]] == [shown]
    # …and ends a window just before it. Read as UTC, it would be eight hours off either way.
    assert (await gw.graphql(SEARCH, {"t": china_wall_clock}, key=admin))["data"]["queryRecords"]["edges"] == []
    # An explicit offset is honoured as given.
    utc_form = stored_utc.isoformat().replace("+00:00", "Z")
    assert len((await gw.graphql(SEARCH, {"f": utc_form}, key=admin))["data"]["queryRecords"]["edges"]) == 1
    for wrong in ("yesterday", "0001-01-01T00:00:00", "9999-12-31T23:59:59-08:00"):  # the last two: out of range
        bad = await gw.graphql(SEARCH, {"f": wrong}, key=admin)
        assert error_codes(bad) == ["GRAPHQL_VALIDATION_FAILED"] and "DateTime" in bad["errors"][0]["message"], bad


async def test_authorisations_and_complaints_show_china_time(gw: GatewayHarness) -> None:
    await seed_subjects(gw.engine, demo_subjects(5), gw.settings.secret_key)
    partner = await gw.create_key("partner", contract=["tax.rating"])
    await gw.authorize(SHOWCASE, partner, groups=["tax.rating"])
    subject = await gw.create_key("subject", subject=SHOWCASE)
    body = await gw.graphql("{ authorizations { edges { node { grantedAt revokedAt } } } }", key=subject)
    [edge] = body["data"]["authorizations"]["edges"]
    assert edge["node"]["grantedAt"].endswith("+08:00") and edge["node"]["revokedAt"] is None

    filed = await gw.graphql(
        'mutation { fileComplaint(input: {subjectCode: "91350100M000100Y43", domain: "tax", matter: "虚开发票"}) '
        "{ complaint { filedAt updatedAt concludedAt } } }"
    )
    complaint = filed["data"]["fileComplaint"]["complaint"]
    assert complaint["filedAt"].endswith("+08:00") and complaint["updatedAt"].endswith("+08:00"), complaint
    # The clock is pinned to a day (conftest): noon in China, which is what the API says.
    assert complaint["filedAt"] == dt.datetime.combine(gw.clock.today(), dt.time(12), CHINA).isoformat()
