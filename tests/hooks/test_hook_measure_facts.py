"""``measure_facts``: a plugin's facts trigger the measures of the catalogue (core.measures), each source
loaded once per level of subjects (one statement for them all), facts of kinds it did not name dropped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from fixture_plugins import ANCHOR, LOADER, RecordsPlugin, TablesPlugin, load_records, record_input, started
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import (
    ConfigurationError,
    Fact,
    FactSource,
    LoaderSpec,
    any_of,
    credit_record,
    hookimpl,
    published_now,
    subject,
)
from gateway.db.engine import count_statements
from gateway.host.demo import demo_subjects
from gateway.testing import GatewayHarness

QUERY = """query($c: [String!]!) { subjects(codes: $c) {
  measures { measure { id } facts { kind description attributes { name value } } } } }"""


class SupervisionPlugin:
    """Grades every subject D in credit-risk supervision (信用风险分类), the kind no built-in plugin provides."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[int], dt.date]] = []

    async def load(self, conn: AsyncConnection, subject_ids: Sequence[int], today: dt.date) -> Mapping[int, list[Fact]]:
        self.calls.append((list(subject_ids), today))
        rows = await conn.execute(
            sa.select(subject.c.id, subject.c.name.label("hookfix_name")).where(any_of(subject.c.id, name="ids")),
            {"ids": list(subject_ids)},
        )
        return {
            row.id: [
                Fact("supervision_grade", {"grade": "D", "domain": "hookfix"}, None, f"{row.hookfix_name}: D 类"),
                Fact("tax_grade", {"grade": "A"}, None, "not this source's kind: dropped"),
            ]
            for row in rows
        }

    @hookimpl
    def measure_facts(self) -> Sequence[FactSource]:
        return [FactSource(("supervision_grade",), self.load)]


async def test_hook_measure_facts(database_url: str | None) -> None:
    plugin = SupervisionPlugin()
    async with started(database_url, ("hookfix", plugin)) as gw:
        assert list(gw.graph.composition.measure_facts) == [
            "core.measures.measure_facts.0",
            "core.supervision.measure_facts.0",
            "hookfix.measure_facts.0",
        ]
        admin = await gw.create_key("admin")
        codes = [s.code.value for s in demo_subjects(20)][:10]
        for batch in (codes[:1], codes):
            plugin.calls.clear()
            with count_statements(gw.engine) as counter:
                body = await gw.graphql(QUERY, {"c": batch}, key=admin)
            assert "errors" not in body, body
            assert len(plugin.calls) == 1 and len(plugin.calls[0][0]) == len(batch)  # one call for the level
            assert plugin.calls[0][1] == gw.clock.today()
            assert sum("hookfix_name" in s for s in counter.statements) == 1  # one statement
            for found in body["data"]["subjects"]:
                [measure] = found["measures"]
                assert measure["measure"]["id"] == "SUPERVISION_GRADE_D_INSPECTION"
                [fact] = measure["facts"]  # the tax_grade fact was dropped: not a kind the source named
                assert fact["kind"] == "supervision_grade" and fact["description"].endswith("D 类")
        catalogue = await gw.graphql("{ measureCatalogue { measures { id triggers { kind sourced } } } }")
        sourced = {
            t["kind"]: t["sourced"] for m in catalogue["data"]["measureCatalogue"]["measures"] for t in m["triggers"]
        }
        assert sourced["supervision_grade"] is True and sourced["tax_grade"] is False  # no tax plugin loaded here
        assert body["data"]["subjects"][0] is not None and codes[0] == ANCHOR


class BrokenPlugin:
    @hookimpl
    def measure_facts(self) -> Sequence[object]:
        return ["not a FactSource"]


async def test_a_source_that_is_not_a_fact_source_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match="measure_facts must return FactSource items"):
        async with GatewayHarness.start(plugins=["hookfix"], extra_plugins=[("hookfix", BrokenPlugin())]):
            pass


# --- FactSource.from_records: facts that follow from the records a record loader reads -------------------

PROFILE_AND_MEASURES = """query($c: String!) { subject(code: $c) {
  hookfix { records { note } } measures { measure { id } facts { kind description } } } }"""
MEASURES_ONLY = (
    """query($c: String!) { subject(code: $c) { measures { measure { id } facts { kind description } } } }"""
)
SUBMIT = "mutation($r: [HookfixRecordInput!]!) { submitHookfixRecords(records: $r) { created } }"


class ListedPlugin(RecordsPlugin):
    """The hookfix domain, whose records marked "black" list their subject on its black list: facts derived
    from the domain's records, through the loader its profile reads."""

    def __init__(self) -> None:
        super().__init__()
        self.derived: list[list[str]] = []  # the notes of each subject's records derive() received

    def derive(self, records: Sequence[Any], today: dt.date) -> list[Fact]:
        self.derived.append(sorted(r.note for r in records))
        return [
            Fact("list", {"domain": "hookfix", "list_type": "BLACK"}, int(r.id), f"hookfix 黑名单：{r.note}")
            for r in records
            if r.note.startswith("black") and published_now(r)
        ]

    @hookimpl
    def measure_facts(self) -> Sequence[FactSource]:
        return [FactSource.from_records(("list",), LoaderSpec(LOADER, load_records, default=()), self.derive)]


async def _listed(gw: GatewayHarness) -> None:
    department = await gw.create_key("department", domain="hookfix")
    records = [
        record_input(ANCHOR, "福州闽都信用示范科技有限公司", n, note) for n, note in enumerate(["black", "plain"])
    ]
    records.append(record_input(ANCHOR, "福州闽都信用示范科技有限公司", 2, "black but repaired"))
    assert (await gw.graphql(SUBMIT, {"r": records}, key=department))["data"]["submitHookfixRecords"]["created"] == 3
    async with gw.engine.begin() as conn:
        await conn.execute(
            sa.update(credit_record).where(credit_record.c.document_number == "HF-0002").values(status="REPAIRED")
        )


def _hookfix_facts(body: dict[str, Any]) -> set[str]:
    return {
        fact["description"]
        for measure in body["data"]["subject"]["measures"]
        for fact in measure["facts"]
        if fact["description"].startswith("hookfix")
    }


async def test_facts_from_records_cost_no_statement_beside_the_profile(database_url: str | None) -> None:
    plugin = ListedPlugin()
    async with started(database_url, ("hookfix", plugin)) as gw:
        await _listed(gw)
        # Another domain's department: it sees the measures, and of hookfix's records the published ones.
        reader = await gw.create_key("department", domain="tax")
        for query in (PROFILE_AND_MEASURES, MEASURES_ONLY):
            plugin.derived.clear()
            with count_statements(gw.engine) as counter:
                body = await gw.graphql(query, {"c": ANCHOR}, key=reader)
            assert "errors" not in body, body
            # The black-listed record is a fact; the repaired one is not, though derive() saw it (it gets
            # every record, not what the caller's record filter shows), and the plain one is none.
            assert _hookfix_facts(body) == {"hookfix 黑名单：black"}
            assert plugin.derived == [["black", "black but repaired", "plain"]]
            # One statement of the domain's loader, whether or not the profile shows the domain.
            assert sum("hookfix_record" in s for s in counter.statements) == 1
        shown = await gw.graphql(PROFILE_AND_MEASURES, {"c": ANCHOR}, key=reader)
        assert sorted(r["note"] for r in shown["data"]["subject"]["hookfix"]["records"]) == ["black", "plain"]


async def test_facts_from_records_load_alone_outside_a_request(database_url: str | None) -> None:
    # FactSource.load: one call of the loader's batch function (what supervision's nightly grades use); a
    # subject without records is derived from the loader's default, as in a request.
    plugin = ListedPlugin()
    async with started(database_url, ("hookfix", plugin)) as gw:
        await _listed(gw)
        [source] = [s for s in gw.graph.composition.measure_facts.values() if s.records is not None]
        async with gw.engine.connect() as conn:
            anchor = (await conn.execute(sa.select(subject.c.id).limit(1).order_by(subject.c.id))).scalar_one()
            found = await source.load(conn, [anchor, -1], gw.clock.today())
        assert [f.description for f in found[anchor]] == ["hookfix 黑名单：black"] and found[-1] == []


class NotARecordLoaderPlugin(TablesPlugin):
    @hookimpl
    def loaders(self) -> Sequence[LoaderSpec]:
        return [LoaderSpec(LOADER, load_records, default=())]

    @hookimpl
    def measure_facts(self) -> Sequence[FactSource]:
        return [FactSource.from_records(("list",), LoaderSpec(LOADER, load_records, default=()), lambda r, d: [])]


async def test_facts_from_a_loader_without_a_record_source_stop_the_start() -> None:
    with pytest.raises(ConfigurationError, match="no record loader"):
        async with started(None, ("hookfix", NotARecordLoaderPlugin())):
            pass


async def _no_facts(conn: AsyncConnection, keys: Sequence[int]) -> Mapping[int, Any]:
    return {}


class AnotherLoaderPlugin(RecordsPlugin):
    """Derives facts from a loader of the records loader's name that is not the one it registered."""

    @hookimpl
    def measure_facts(self) -> Sequence[FactSource]:
        return [FactSource.from_records(("list",), LoaderSpec(LOADER, _no_facts, default=()), lambda r, d: [])]


async def test_facts_from_another_loader_than_the_registered_one_stop_the_start() -> None:
    with pytest.raises(ConfigurationError, match="another loader than the one registered"):
        async with started(None, ("hookfix", AnotherLoaderPlugin())):
            pass
