"""The record-level filter point: which records each principal is shown, in a domain's own fields and
in the cross-domain records field alike. The lifecycle decides what is published; until then a
record is published while ACTIVE, so a test marks one REPAIRED directly in the database."""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from gateway.host.demo import seed
from gateway.kernel.rules import PublicityRules
from gateway.records.enums import Polarity, RecordStatus
from gateway.records.publicity import is_published, published_on
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


def test_published_on_agrees_with_is_published() -> None:
    """The per-day predicate the record filter uses (its cutoff worked out once) decides as is_published does,
    for every status and polarity (as enum members, as stored strings, as another enum's values), window
    and age around the withholding cutoff."""

    class Other(enum.Enum):  # a plugin's own enum with the stored values
        ACTIVE = RecordStatus.ACTIVE.value
        NEGATIVE = Polarity.NEGATIVE.value

    day = dt.date(2026, 6, 15)
    rules = PublicityRules(dishonesty_withheld_after_years=3)
    statuses = [*RecordStatus, *(s.value for s in RecordStatus), Other.ACTIVE]
    polarities = [*Polarity, *(p.value for p in Polarity), Other.NEGATIVE]
    decided = [dt.date(2023, 6, 14), dt.date(2023, 6, 15), dt.date(2023, 6, 16), dt.date(2026, 1, 1)]
    until = [None, dt.date(2026, 6, 14), day, dt.date(2027, 1, 1)]
    published = published_on(day, rules)
    cases = 0
    for status, polarity, decision, published_until in itertools.product(statuses, polarities, decided, until):
        record = SimpleNamespace(
            status=status, polarity=polarity, decision_date=decision, published_until=published_until
        )
        assert published(record) == is_published(record, day, rules), record
        cases += 1
    assert cases > 500
    shown = SimpleNamespace(
        status="ACTIVE", polarity="NEGATIVE", decision_date=dt.date(2024, 1, 1), published_until=None
    )
    assert published(shown)  # the grid holds both answers
    assert not published(SimpleNamespace(**{**vars(shown), "decision_date": dt.date(2023, 1, 1)}))
