"""``measure_facts``: a plugin's facts trigger the measures of the catalogue (core.measures), each source
loaded once per level of subjects (one statement for them all), facts of kinds it did not name dropped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pytest
import sqlalchemy as sa
from fixture_plugins import ANCHOR, started
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import ConfigurationError, Fact, FactSource, any_of, hookimpl, subject
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
