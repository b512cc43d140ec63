"""``schema_extensions``: a plugin's extension runs around the operations of the audiences it chose."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fixture_plugins import ANCHOR, started
from strawberry.extensions import SchemaExtension

from gateway.api import Role, hookimpl


class OperationCounter:
    """A plugin whose extension counts the operations of one audience, and notes what it received."""

    def __init__(self, audience: Role) -> None:
        self.audience = audience
        self.operations: list[str] = []
        self.asked: list[tuple[Role, bool]] = []

    @hookimpl
    def schema_extensions(self, role: Role, policies: Any) -> Sequence[Any]:
        self.asked.append((role, policies.visibility("Query", "subject") == "public"))
        if role is not self.audience:
            return []
        counter = self

        class Count(SchemaExtension):
            def on_operation(self) -> Iterator[None]:
                yield
                counter.operations.append(self.execution_context.query or "")

        return [Count]


async def test_hook_schema_extensions(database_url: str | None) -> None:
    plugin = OperationCounter(Role.PORTAL)
    async with started(database_url, ("counter", plugin)) as gw:
        portal = await gw.create_key("portal")
        query = "query($c: String!) { subject(code: $c) { name } }"
        for _ in range(3):
            body = await gw.graphql(query, {"c": ANCHOR}, key=portal)
            assert body["data"]["subject"]["name"], body
        anonymous = await gw.graphql(query, {"c": ANCHOR})  # the public audience: not counted
        assert anonymous["data"]["subject"]["name"]
    assert plugin.operations == [query] * 3
    # Asked once per audience schema built, with the composed policies (Query.subject is public).
    assert (Role.PORTAL, True) in plugin.asked and (Role.PUBLIC, True) in plugin.asked
    assert len(plugin.asked) == len(set(plugin.asked))


class EagerExtension:
    """A plugin that asks to come first (tryfirst): it still comes after the core's own extensions."""

    class Noop(SchemaExtension):
        pass

    @hookimpl(tryfirst=True)
    def schema_extensions(self) -> Sequence[Any]:
        return [self.Noop]


async def test_the_core_extensions_come_first(database_url: str | None) -> None:
    from gateway.features.audit.recorder import QueryRecordExtension
    from gateway.server.schema import _contributed_extensions

    async with started(database_url, ("eager", EagerExtension())) as gw:
        composition = gw.graph.composition
        extensions = _contributed_extensions(composition, Role.PARTNER, composition.policies)
    names = [getattr(e, "__qualname__", type(e).__qualname__) for e in extensions]
    assert len(extensions) == 3 and "PartnerFieldGuard" in names[0], names
    assert extensions[1] is QueryRecordExtension and extensions[2] is EagerExtension.Noop
