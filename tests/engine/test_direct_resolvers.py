"""Resolvers that take ``info`` (or their parent by name) run directly on the planned engine.

Strawberry's wrapper converts a field's arguments on every call; the plan converts constant ones once
and variable ones once per level, then calls the plugin's function as strawberry would (parent first
when it takes ``self``, by name when it takes ``root`` or ``parent``, the info by name). Each case is
answered by both engines and held to the same answer; the query plan shows the field as ``direct``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.api import SubjectField, hookimpl
from gateway.host.demo import demo_subjects, seed
from gateway.testing import GatewayHarness


@strawberry.enum
class ProbeTone(Enum):
    LOUD = "loud"
    QUIET = "quiet"


@strawberry.input
class ProbeStyle:
    tone: ProbeTone
    suffix: str = "!"


class DirectPlugin:
    """Subject fields whose resolvers take info and arguments: enums, an input type, a default, and an
    argument named ``parent``, which must not clash with how the engine passes the parent."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        plugin = self

        async def resolve_echo(root: Any, info: Info, tone: ProbeTone, times: int = 1) -> str | None:
            plugin.calls += 1
            return f"{root.name}:{tone.value}:{times}:{info.path.key}"

        def resolve_styled(root: Any, info: Info, style: ProbeStyle, parent: str = "none") -> str | None:
            plugin.calls += 1
            return f"{root.name}:{style.tone.value}{style.suffix}:{parent}:{info.field_name}"

        def resolve_failing(root: Any, info: Info) -> str | None:
            raise ValueError(f"no answer for {root.name}")

        return [
            SubjectField("probeEcho", resolve_echo, "Echoes its arguments."),
            SubjectField("probeStyled", resolve_styled, "Echoes an input object."),
            SubjectField("probeFailing", resolve_failing, "Always fails."),
        ]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {f"CreditSubject.{name}": "public" for name in ("probeEcho", "probeStyled", "probeFailing")}


QUERY = """query($codes: [String!]!, $tone: ProbeTone!, $style: ProbeStyle!) {
  subjects(codes: $codes) {
    name
    constant: probeEcho(tone: LOUD)
    variable: probeEcho(tone: $tone, times: 3)
    styled: probeStyled(style: {tone: QUIET}, parent: "p")
    styledVariable: probeStyled(style: $style)
    probeFailing
  }
}"""
VARIABLES = {"tone": "QUIET", "style": {"tone": "LOUD", "suffix": "?"}}


async def _answers(engine: str, headers: dict[str, str] | None = None) -> tuple[dict[str, Any], int]:
    plugin = DirectPlugin()
    async with GatewayHarness.start(
        plugins=["tax", "urban_management", "culture", "construction", "direct"],
        extra_plugins=[("direct", plugin)],
        execution_engine=engine,
    ) as gw:
        await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=6)
        codes = [s.code.value for s in demo_subjects(6) if s.code.type.value == "USCC"][:3]
        key = await gw.create_key("admin")
        body = (await gw.post(QUERY, {"codes": codes, **VARIABLES}, key=key, headers=headers)).json()
    return body, plugin.calls


async def test_direct_resolvers_answer_as_strawberry_calls_them() -> None:
    planned, planned_calls = await _answers("planned", {"X-Query-Plan": "1"})
    oracle, oracle_calls = await _answers("graphql-core")

    subjects = planned["data"]["subjects"]
    assert len(subjects) == 3
    first = subjects[0]
    assert first["constant"] == f"{first['name']}:loud:1:constant"
    assert first["variable"] == f"{first['name']}:quiet:3:variable"
    assert first["styled"] == f"{first['name']}:quiet!:p:probeStyled"
    assert first["styledVariable"] == f"{first['name']}:loud?:none:probeStyled"
    assert planned["data"] == oracle["data"]
    # The failing field is null at its own path, with the same error, on both engines.
    paths = sorted(tuple(error["path"]) for error in planned["errors"])
    assert paths == [("subjects", index, "probeFailing") for index in range(3)]
    assert paths == sorted(tuple(error["path"]) for error in oracle["errors"])
    assert planned_calls == oracle_calls == 12  # four aliased fields × three subjects, once each

    fields = {f["field"]: f for level in planned["extensions"]["queryPlan"]["levels"] for f in level["fields"]}
    assert fields["CreditSubject.probeEcho"]["kind"] == "direct"
    assert fields["CreditSubject.probeStyled"]["kind"] == "direct"
