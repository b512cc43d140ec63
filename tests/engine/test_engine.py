"""The planned engine (gateway.engine): batch forms, errors and nulls, the plan cache, the query plan.

Each test runs the same request on both engines where it can (``execution_engine="planned"``, the
default, and ``"graphql-core"``) and holds them to the same answer; the differential suite
(tests/differential) does that for every operation the tests send.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from gateway.api import LoaderSpec, SubjectField, batch_resolver, hookimpl
from gateway.db.engine import count_statements
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.document_memo import DOCUMENTS
from gateway.testing import GatewayHarness

ENGINES = ("planned", "graphql-core")
CODES = [s.code.value for s in demo_subjects(12) if s.code.type.value == "USCC"][:5]
PROBE_SUBJECTS = """query($codes: [String!]!) { subjects(codes: $codes) { name probe { label } } }"""


@strawberry.type
class ProbeBadge:
    label: str

    @strawberry.field
    def strict(self) -> str:  # non-null, and fails for the subject named in FAILING
        if self.label.startswith("fail"):
            raise ValueError("strict failed")
        return self.label


@strawberry.type
class ProbeReport:
    badges: list[ProbeBadge]


class ProbePlugin:
    """A subject field with a batch form, counting how each form is called."""

    def __init__(self, fail_index: int | None = None, raise_all: bool = False, wrong_length: bool = False) -> None:
        self.per_parent_calls = 0
        self.batch_calls: list[int] = []
        self.fail_index = fail_index
        self.raise_all = raise_all
        self.wrong_length = wrong_length

    def _badge(self, root: Any) -> ProbeBadge:
        return ProbeBadge(label=f"badge of {root.name}")

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        plugin = self

        async def probes(roots: Sequence[Any], info: Info) -> list[Any]:
            plugin.batch_calls.append(len(roots))
            if plugin.raise_all:
                raise RuntimeError("the whole batch failed")
            values: list[Any] = [plugin._badge(root) for root in roots]
            if plugin.fail_index is not None:
                values[plugin.fail_index] = ValueError("no badge for this one")
            return values[:-1] if plugin.wrong_length else values

        @batch_resolver(probes)
        async def resolve_probe(root: Any, info: Info) -> ProbeBadge | None:
            plugin.per_parent_calls += 1
            if plugin.raise_all:
                raise RuntimeError("the whole batch failed")
            return plugin._badge(root)

        return [SubjectField("probe", resolve_probe, "A probe with a batch form.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.probe": "public", "ProbeBadge": "public"}


class NestingPlugin:
    """Non-null positions that fail at several depths, for null propagation."""

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        def resolve_report(root: Any, info: Info) -> ProbeReport | None:
            return ProbeReport(badges=[ProbeBadge(label="ok"), ProbeBadge(label=f"fail {root.name}")])

        def resolve_single(root: Any, info: Info) -> ProbeBadge | None:
            return ProbeBadge(label=f"fail {root.name}")

        return [
            SubjectField("probeReport", resolve_report, "Badges, one of which fails."),
            SubjectField("probeSingle", resolve_single, "A badge that fails."),
        ]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {
            "CreditSubject.probeReport": "public",
            "CreditSubject.probeSingle": "public",
            "ProbeReport": "public",
            "ProbeBadge": "public",
        }


@strawberry.type
class ProbeShelf:
    """Lists of badges in the shapes the engine completes apart: plain lists and tuples of objects,
    and lists with a null or an error among their items."""

    badges: list[ProbeBadge]
    loose: list[ProbeBadge | None]


class _BrokenBadge(ProbeBadge):
    """A badge whose ``label`` attribute cannot be read."""

    @property  # type: ignore[misc]
    def label(self) -> str:
        raise ValueError("this badge's label cannot be read")


def _broken_badge() -> ProbeBadge:
    return object.__new__(_BrokenBadge)


class ShelfPlugin:
    """One shelf per subject; which shape each list takes depends on the order in which the subject was
    first seen (the same under both engines: graphql-core asks per subject, in the batch's order)."""

    def __init__(self) -> None:
        self.order: dict[int, int] = {}

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        plugin = self

        async def shelves(roots: Sequence[Any], info: Info) -> list[Any]:
            found = []
            for root in roots:
                index = plugin.order.setdefault(root.id, len(plugin.order))
                plain = [ProbeBadge(label=f"{root.name} {n}") for n in range(3)]
                badges: Any = plain
                loose: list[Any] = list(plain)
                if index == 1:  # a label that cannot be read
                    badges = [*plain, _broken_badge()]
                elif index == 2:  # a null and an error among the items
                    loose = [plain[0], None, ValueError("no badge here")]
                elif index == 3:  # a tuple, and a label that is not a str (String coerces it)
                    badges, loose = tuple(plain), [ProbeBadge(label=7), *plain]  # type: ignore[arg-type]
                found.append(ProbeShelf(badges=badges, loose=loose))
            return found

        @batch_resolver(shelves)
        async def resolve_shelf(root: Any, info: Info) -> ProbeShelf | None:
            return (await shelves([root], info))[0]

        return [SubjectField("probeShelf", resolve_shelf, "Badges in several list shapes.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.probeShelf": "public", "ProbeShelf": "public", "ProbeBadge": "public"}


class OldStylePlugin:
    """A plugin written before batch forms: a per-parent resolver on its own DataLoader."""

    @hookimpl
    def loaders(self) -> Sequence[LoaderSpec]:
        async def names(conn: Any, keys: Sequence[int]) -> dict[int, str]:
            import sqlalchemy as sa

            from gateway.api import subject

            rows = (await conn.execute(sa.select(subject.c.id, subject.c.name).where(subject.c.id.in_(keys)))).all()
            return {row.id: row.name for row in rows}

        return [LoaderSpec("oldstyle.names", names)]

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        async def resolve_echo(root: Any, info: Info) -> ProbeBadge | None:
            return ProbeBadge(label=await info.context.loaders.load("oldstyle.names", root.id))

        return [SubjectField("echo", resolve_echo, "The subject's name, read again through a loader.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.echo": "public", "ProbeBadge": "public"}


async def _gateway(engine: str, plugins: dict[str, Any], **settings: Any) -> AsyncIterator[GatewayHarness]:
    names = ["tax", "urban_management", "culture", "construction", *plugins]
    async with GatewayHarness.start(
        plugins=names, extra_plugins=list(plugins.items()), execution_engine=engine, **settings
    ) as gw:
        await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=12)
        yield gw


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_batch_form_runs_once_per_level_with_every_parent(engine: str) -> None:
    probe = ProbePlugin()
    async for gw in _gateway(engine, {"probe": probe}):
        body = await gw.graphql(PROBE_SUBJECTS, {"codes": CODES})
    assert "errors" not in body, body
    labels = [s["probe"]["label"] for s in body["data"]["subjects"]]
    assert labels == [f"badge of {s['name']}" for s in body["data"]["subjects"]]
    if engine == "planned":
        assert (probe.batch_calls, probe.per_parent_calls) == ([len(CODES)], 0)
    else:  # graphql-core calls the ordinary resolver, once per subject
        assert (probe.batch_calls, probe.per_parent_calls) == ([], len(CODES))


async def test_a_value_the_batch_form_fails_is_null_at_that_parent_only() -> None:
    async for gw in _gateway("planned", {"probe": ProbePlugin(fail_index=1)}):
        body = await gw.graphql(PROBE_SUBJECTS, {"codes": CODES})
    subjects = body["data"]["subjects"]
    assert subjects[1]["probe"] is None and subjects[1]["name"]
    assert all(s["probe"] is not None for i, s in enumerate(subjects) if i != 1)
    assert [e["path"] for e in body["errors"]] == [["subjects", 1, "probe"]]


@pytest.mark.parametrize("failure", ["raise_all", "wrong_length"])
async def test_a_failing_batch_form_nulls_its_field_for_every_parent_and_nothing_else(failure: str) -> None:
    async for gw in _gateway("planned", {"probe": ProbePlugin(**{failure: True})}):
        body = await gw.graphql(PROBE_SUBJECTS, {"codes": CODES})
    subjects = body["data"]["subjects"]
    assert all(s["probe"] is None and s["name"] for s in subjects)
    assert sorted(e["path"][1] for e in body["errors"]) == list(range(len(CODES)))
    assert {e["extensions"]["code"] for e in body["errors"]} == {"INTERNAL_SERVER_ERROR"}


async def _both(plugins: dict[str, Any], query: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    bodies = []
    for engine in ENGINES:
        async for gw in _gateway(engine, plugins):
            bodies.append(await gw.graphql(query, variables))
    return bodies


def _errors(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(path, message, code) of each error; a masked error's request id differs from run to run."""
    return sorted(
        (tuple(e["path"]), re.sub(r"request id \w+", "request id …", e["message"]), e["extensions"].get("code"))
        for e in body.get("errors", [])
    )


async def test_null_propagates_to_the_nearest_nullable_position_as_in_graphql_core() -> None:
    query = """query($codes: [String!]!) { subjects(codes: $codes) {
        name probeSingle { label strict } probeReport { badges { label strict } } } }"""
    planned, oracle = await _both({"nesting": NestingPlugin()}, query, {"codes": CODES[:2]})
    subjects = planned["data"]["subjects"]
    # strict is String! on a nullable badge: the badge goes null; in a list of non-null badges,
    # the list goes null, and with it (badges is non-null) the nullable report.
    assert all(s["probeSingle"] is None and s["probeReport"] is None and s["name"] for s in subjects)
    assert ("subjects", 0, "probeReport", "badges", 1, "strict") in [p for p, _, _ in _errors(planned)]
    assert planned["data"] == oracle["data"]
    assert _errors(planned) == _errors(oracle)


async def test_lists_of_objects_and_leaves_of_many_parents_complete_as_in_graphql_core() -> None:
    # The engine completes a list of plain objects, and a leaf read from an attribute of many parents,
    # in one pass per field; a null or an error in a list, a leaf that needs coercion and an attribute
    # that cannot be read take the general way. Either way the answer is graphql-core's.
    query = """query($codes: [String!]!) { subjects(codes: $codes) {
        name probeShelf { badges { label } loose { label } } } }"""
    planned, oracle = await _both({"shelf": ShelfPlugin()}, query, {"codes": CODES[:4]})
    subjects = planned["data"]["subjects"]
    shelves = [s["probeShelf"] for s in subjects]
    assert [b["label"] for b in shelves[0]["badges"]] == [f"{subjects[0]['name']} {n}" for n in range(3)]
    # label is String!: the unreadable one nulls its badge, and the non-null list of badges with it
    assert shelves[1] is None
    assert shelves[2]["loose"][1] is None and shelves[2]["loose"][2] is None and shelves[2]["loose"][0]["label"]
    assert len(shelves[3]["badges"]) == 3  # a tuple is a list too
    assert shelves[3]["loose"][0]["label"] == "7"
    assert ("subjects", 1, "probeShelf", "badges", 3, "label") in [p for p, _, _ in _errors(planned)]
    assert ("subjects", 2, "probeShelf", "loose", 2) in [p for p, _, _ in _errors(planned)]
    assert planned["data"] == oracle["data"]
    assert _errors(planned) == _errors(oracle)


async def test_a_plugin_written_before_batch_forms_works_and_still_batches() -> None:
    query = """query($codes: [String!]!) { subjects(codes: $codes) { name echo { label } } }"""
    counts = []
    bodies = []
    for engine in ENGINES:
        async for gw in _gateway(engine, {"oldstyle": OldStylePlugin()}):
            with count_statements(gw.engine) as counter:
                bodies.append(await gw.graphql(query, {"codes": CODES}))
            counts.append(counter.count)
    planned, oracle = bodies
    assert "errors" not in planned, planned
    assert [s["echo"]["label"] for s in planned["data"]["subjects"]] == [s["name"] for s in planned["data"]["subjects"]]
    assert planned == oracle
    assert counts[0] == counts[1] == 2  # the subjects, then one statement for every echo


async def test_the_plan_cache_is_bounded_and_reused() -> None:
    async for gw in _gateway("planned", {}, plan_cache_size=3):
        cache = gw.graph.schema_for(_public()).plan_cache
        for size in range(1, 21):
            body = await gw.graphql(f"{{ majorTaxViolations(first: {size}) {{ edges {{ cursor }} }} }}")
            assert "errors" not in body
        assert len(cache) == 3
        hits = cache.hits
        for _ in range(5):
            await gw.graphql("{ majorTaxViolations(first: 20) { edges { cursor } } }")
        assert cache.hits == hits + 5


async def test_the_document_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Empty first: documents an earlier test memoised stay put when their text comes again (the parse cache
    # hands out the same document), and only a new document makes the memo drop its oldest.
    monkeypatch.setattr(DOCUMENTS, "_entries", OrderedDict())
    monkeypatch.setattr(DOCUMENTS, "maxsize", 4)
    async for gw in _gateway("planned", {}):
        for size in range(1, 13):
            await gw.graphql(f"{{ memoBound: majorTaxViolations(first: {size}) {{ pageInfo {{ hasNextPage }} }} }}")
        assert 0 < len(DOCUMENTS) <= 4


def _public() -> Any:
    from gateway.auth.principal import Role

    return Role.PUBLIC


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { queryType { name } } }",  # introspection: graphql-core
        '{ __type(name: "CreditSubject") { name } }',
    ],
)
async def test_what_the_engine_leaves_to_graphql_core_answers_as_before(query: str) -> None:
    bodies = []
    for engine in ENGINES:
        async for gw in _gateway(engine, {}):
            key = await gw.create_key("admin")
            bodies.append((await gw.post(query, key=key)).json())
    assert "errors" not in bodies[0], bodies[0]
    assert bodies[0] == bodies[1]


async def test_an_admin_sees_the_query_plan_with_its_statements() -> None:
    query = """query($codes: [String!]!) { subjects(codes: $codes) { name tax { latestRating { grade } } } }"""
    async for gw in _gateway("planned", {}):
        admin = await gw.create_key("admin")
        with count_statements(gw.engine) as counter:
            shown = (await gw.post(query, {"codes": CODES}, key=admin, headers={"X-Query-Plan": "1"})).json()
        plain = (await gw.post(query, {"codes": CODES}, key=admin)).json()
        public = (await gw.post(query, {"codes": CODES}, headers={"X-Query-Plan": "1"})).json()
    plan = shown["extensions"]["queryPlan"]
    assert plan["engine"] == "planned"
    assert [level["selections"][0]["type"] for level in plan["levels"][:3]] == ["Query", "CreditSubject", "TaxProfile"]
    assert plan["levels"][1]["selections"][0]["objects"] == len(CODES)
    by_field = {f["field"]: f for level in plan["levels"] for f in level["fields"]}
    assert by_field["CreditSubject.tax"]["kind"] == "batch"
    assert by_field["CreditSubject.name"] == {"field": "CreditSubject.name", "kind": "attribute", "parents": len(CODES)}
    # Every statement of the request's read connection, the level's among them.
    assert plan["statements"] == sum(level["statements"] for level in plan["levels"]) == 2
    assert counter.count >= plan["statements"]
    assert shown["data"] == plain["data"]
    assert "queryPlan" not in (plain.get("extensions") or {})
    assert "queryPlan" not in (public.get("extensions") or {})  # not for anyone but the admin
    assert public["data"] == plain["data"]


async def test_a_list_page_statement_is_built_once_per_day() -> None:
    from gateway.graph import records

    async for gw in _gateway("planned", {}):
        records._PAGE_STATEMENTS.clear()
        first = await gw.graphql("{ majorTaxViolations(first: 2) { edges { cursor } pageInfo { endCursor } } }")
        cursor = first["data"]["majorTaxViolations"]["pageInfo"]["endCursor"]
        for size in (3, 5):
            await gw.graphql(f"{{ majorTaxViolations(first: {size}) {{ edges {{ cursor }} }} }}")
        after = await gw.graphql(
            "query($a: String) { majorTaxViolations(first: 2, after: $a) { edges { cursor } } }", {"a": cursor}
        )
        # One statement without a cursor and one with, whatever the page sizes: the sizes are parameters.
        assert len(records._PAGE_STATEMENTS) == 2
        assert [e["cursor"] for e in after["data"]["majorTaxViolations"]["edges"]] != [
            e["cursor"] for e in first["data"]["majorTaxViolations"]["edges"]
        ]
        gw.clock.travel_to(gw.clock.today() + __import__("datetime").timedelta(days=1))
        await gw.graphql("{ majorTaxViolations(first: 2) { edges { cursor } } }")
        assert len(records._PAGE_STATEMENTS) == 3  # a new day: published_clause reads another date


async def test_serve_freezes_what_startup_built() -> None:
    import gc

    from gateway.kernel.settings import Settings
    from gateway.server.app import create_app

    app = create_app(Settings(database_url="sqlite+aiosqlite://"), settle_heap=True)
    before, threshold = gc.get_freeze_count(), gc.get_threshold()
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > before
            assert gc.get_threshold()[0] == __import__("gateway.server.heap", fromlist=["x"]).YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
