"""The record-level filter point: which records each principal is shown, in a domain's own fields and
in the cross-domain records field alike. The lifecycle decides what is published; until then a
record is published while ACTIVE, so a test marks one REPAIRED directly in the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.host.demo import seed
from gateway.testing import GatewayHarness

SHOWCASE = "91350100M000100Y43"
QUERY = """query($c: String!) { subject(code: $c) {
  tax { ratings { id } } records(domain: "tax") { id } } }"""


@pytest.fixture
async def repaired(gw: GatewayHarness) -> tuple[GatewayHarness, str]:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    body = await gw.graphql(QUERY, {"c": SHOWCASE})
    record_id = body["data"]["subject"]["tax"]["ratings"][0]["id"]
    async with gw.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE credit_record SET status = 'REPAIRED' WHERE id = :i"), {"i": int(record_id)})
    return gw, record_id


@pytest.mark.parametrize(
    ("role", "domain", "subject", "shown"),
    [
        (None, None, None, False),
        ("portal", None, None, False),
        ("partner", None, None, False),
        ("agency", None, None, False),  # the public credit supervision information: published records only
        ("department", "culture", None, False),
        ("department", "tax", None, True),  # its own domain: everything
        ("subject", None, SHOWCASE, True),  # itself: everything
        ("subject", None, "91110000600037341L", False),  # another subject's key
        ("admin", None, None, True),
    ],
)
async def test_unpublished_records_are_shown_only_to_those_who_may_see_them(
    repaired: tuple[GatewayHarness, str], role: str | None, domain: str | None, subject: str | None, shown: bool
) -> None:
    gw, record_id = repaired
    key = await gw.create_key(role, domain=domain, subject=subject) if role else None
    headers = {}
    if role in ("partner", "agency"):  # sees a subject only with its authorisation, for the stated purpose
        await gw.authorize(SHOWCASE, key, groups=[], purpose="loan application")
        headers = {"X-Purpose": "loan application"}
    body = await gw.graphql(QUERY, {"c": SHOWCASE}, key=key, headers=headers)
    profile = body["data"]["subject"]
    in_tax = record_id in {r["id"] for r in profile["tax"]["ratings"]}
    in_records = record_id in {r["id"] for r in profile["records"]}
    assert in_tax == in_records == shown
    assert profile["tax"]["ratings"], "the published ratings stay"
