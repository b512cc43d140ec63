"""Running a plan's fetches: root fetches merge at the root, entity fetches under a Flatten merge into
the objects their representations came from; Sequence in order, Parallel concurrently, with the
query fetches of one Parallel node bound for one subgraph merged into one request (:mod:`.wave`).

Failures stay local: a fetch that fails (no usable answer, too many representations, the wrong number
of entities) merges nothing and leaves an error at every path it would have filled; the shaping then
makes those fields null (bubbling where they are non-null) and the rest of the response stands. So does
one entity that is not the one its representation names (another type, another key: an answer in
another order): it is merged nowhere, and its objects get the error.

Every error's path is the client's (:mod:`.client_operation`): the planner's aliases renamed back as
the data is, and a key the planner added for itself (a later fetch's key, a @requires input) never
named: a fetch that filled none of the client's fields leaves its error on the objects themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.federation.executor.client_operation import ClientOperation
from gateway.federation.executor.errors import Path, error_entry, from_subgraph, renamed_path, subgraph_path
from gateway.federation.executor.filled import filled_keys
from gateway.federation.executor.merge import apply_renames, deep_merge
from gateway.federation.executor.representations import (
    Batch,
    Target,
    asked_back,
    build_batch,
    foreign_entity,
    objects_at,
)
from gateway.federation.executor.type_conditions import type_matches
from gateway.federation.executor.wave import merge
from gateway.federation.model import Supergraph
from gateway.federation.query_plan import (
    LIST_ELEMENT,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    Sequence,
    SubgraphTransport,
    SubgraphUnavailable,
)
from gateway.kernel.errors import LIMIT_EXCEEDED, SUBGRAPH_BAD_RESPONSE
from gateway.kernel.limits import MAX_ERRORS_PER_FETCH, MAX_REPRESENTATIONS_PER_FETCH

_ENTITIES = "_entities"


@dataclass(frozen=True)
class _Request:
    """A fetch ready to send: its variables, and for an entity fetch the representations' batch."""

    fetch: Fetch
    variables: dict[str, Any]
    batch: Batch | None


@dataclass
class PlanRun:
    supergraph: Supergraph
    variables: dict[str, Any]
    transport: SubgraphTransport
    # The client's operation, where errors may point; None (a run without one, in tests): any path.
    client: ClientOperation | None = None
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Errors added per fetch (by the id() of the plan's Fetch, alive as long as the plan).
    _reported: dict[int, int] = field(default_factory=dict)

    async def run(self, node: PlanNode) -> None:
        if isinstance(node, Sequence):
            for child in node.nodes:
                await self.run(child)
        elif isinstance(node, Parallel):
            await self._wave(node.nodes)
        elif isinstance(node, Flatten):
            await self._fetch(node.node, node.path)
        else:
            await self._fetch(node, ())

    async def _wave(self, nodes: tuple[PlanNode, ...]) -> None:
        """Run a Parallel node's children concurrently, its query fetches to one subgraph as one request."""
        others: list[PlanNode] = []
        by_subgraph: dict[str, list[tuple[Fetch, tuple[str, ...]]]] = {}
        for child in nodes:
            direct = _direct_fetch(child)
            if direct is None or direct[0].operation_kind != "query":
                others.append(child)  # mutations are never merged: each is sent alone, once
            else:
                by_subgraph.setdefault(direct[0].subgraph, []).append(direct)
        runs = [self.run(child) for child in others]
        for group in by_subgraph.values():
            runs.append(self._fetch(*group[0]) if len(group) == 1 else self._merged(group))
        await _together(runs)

    async def _fetch(self, fetch: Fetch, path: tuple[str, ...]) -> None:
        request = self._prepare(fetch, path)
        if request is not None:
            await self._send_alone(request)

    async def _send_alone(self, request: _Request) -> None:
        fetch = request.fetch
        try:
            answer = await self.transport.send(
                fetch.subgraph, fetch.operation, request.variables, operation_kind=fetch.operation_kind
            )
        except SubgraphUnavailable as failed:
            self._failed(request, str(failed), failed.code)
            return
        self._take(request, answer)

    async def _merged(self, group: list[tuple[Fetch, tuple[str, ...]]]) -> None:
        """One request for the group's fetches (all queries to one subgraph); each takes its share of the
        answer as if it had been sent alone, and a request that fails fails each of them."""
        requests = [r for r in (self._prepare(fetch, path) for fetch, path in group) if r is not None]
        merged = merge(tuple((r.fetch.operation, r.batch is not None) for r in requests)) if len(requests) > 1 else None
        if merged is None:
            await _together([self._send_alone(request) for request in requests])
            return
        subgraph = requests[0].fetch.subgraph
        variables = merged.variables([request.variables for request in requests])
        try:
            answer = await self.transport.send(subgraph, merged.text, variables, operation_kind="query")
        except SubgraphUnavailable as failed:
            for request in requests:
                self._failed(request, str(failed), failed.code)
            return
        if answer.get("data") is None and answer.get("errors"):
            # One part's error nulled the whole answer (a non-null root field such as _entities): which
            # part failed cannot be told, and the others would read "no entities". They are queries, so
            # each is sent again alone: only the failing one fails.
            await _together([self._send_alone(request) for request in requests])
            return
        for request, own in zip(requests, merged.split(answer), strict=True):
            self._take(request, own)

    def _prepare(self, fetch: Fetch, path: tuple[str, ...]) -> _Request | None:
        """The fetch's variables (and representations), or None when there is nothing to send."""
        variables = {name: self.variables[name] for name in fetch.variable_usages if name in self.variables}
        if not fetch.is_entity_fetch:
            return _Request(fetch, variables, None)
        batch = build_batch(objects_at(self.data, path, self.supergraph.schema), fetch, self.supergraph)
        if not batch.representations:
            return None
        if len(batch.representations) > MAX_REPRESENTATIONS_PER_FETCH:
            message = (
                f"{len(batch.representations)} objects at {_shown(path)} need subgraph {fetch.subgraph!r}; "
                f"one fetch is limited to {MAX_REPRESENTATIONS_PER_FETCH}"
            )
            self._report(fetch, [error_entry(message, LIMIT_EXCEEDED, _concrete_prefix(path), fetch.subgraph)])
            return None
        return _Request(fetch, {**variables, "representations": batch.representations}, batch)

    def _take(self, request: _Request, answer: dict[str, Any]) -> None:
        if request.batch is None:
            self._take_root(request.fetch, answer)
        else:
            self._take_entities(request.fetch, request.batch, answer)

    def _failed(self, request: _Request, message: str, code: str) -> None:
        """No usable answer: an error at every path the fetch would have filled."""
        fetch = request.fetch
        if request.batch is not None:
            self._fail_all(fetch, request.batch, message, code)
            return
        self._report(fetch, (error_entry(message, code, path, fetch.subgraph) for path in self._root_paths(fetch)))

    def _take_root(self, fetch: Fetch, answer: dict[str, Any]) -> None:
        data = answer.get("data")
        if isinstance(data, dict):
            try:
                apply_renames(data, fetch.output_rewrites, self.supergraph.schema)
                deep_merge(self.data, data, self.supergraph.schema)
            except RecursionError:
                # JSON nested deeper than Python recurses (orjson reads up to 1024 levels): no client's
                # operation is that deep, so the answer cannot be one to it.
                message = f"subgraph {fetch.subgraph!r} answered data nested too deeply"
                paths = self._root_paths(fetch)
                self._report(fetch, (error_entry(message, SUBGRAPH_BAD_RESPONSE, p, fetch.subgraph) for p in paths))
        raw_errors = answer.get("errors") or ()
        self._report(
            fetch,
            (
                e
                for raw in raw_errors
                for e in from_subgraph(raw, fetch.subgraph, [self._clip(_renamed(_tuple(subgraph_path(raw)), fetch))])
            ),
        )

    def _take_entities(self, fetch: Fetch, batch: Batch, answer: dict[str, Any]) -> None:
        data = answer.get("data")
        entities = data.get(_ENTITIES) if isinstance(data, dict) else None
        raw_errors = answer.get("errors") or []
        if entities is None and not raw_errors:
            self._fail_all(fetch, batch, f"subgraph {fetch.subgraph!r} answered no entities", SUBGRAPH_BAD_RESPONSE)
            return
        if entities is not None and (not isinstance(entities, list) or len(entities) != len(batch.representations)):
            count = len(entities) if isinstance(entities, list) else "no list of"
            message = (
                f"subgraph {fetch.subgraph!r} answered {count} entities for {len(batch.representations)} "
                "representations; none was used"
            )
            self._fail_all(fetch, batch, message, SUBGRAPH_BAD_RESPONSE)
            self._report(fetch, (e for raw in raw_errors for e in from_subgraph(raw, fetch.subgraph, [None])))
            return
        self._report(
            fetch,
            (
                e
                for raw in raw_errors
                for e in from_subgraph(raw, fetch.subgraph, self._client_paths(fetch, batch, raw))
            ),
        )
        for index, entity in enumerate(entities or ()):
            self._merge_entity(fetch, batch, index, entity)

    def _merge_entity(self, fetch: Fetch, batch: Batch, index: int, entity: Any) -> None:
        if entity is None:
            return  # the subgraph resolved nothing for it (its errors, if any, say why)
        representation = batch.representations[index]
        sent = representation.get("__typename")
        if not isinstance(entity, dict):
            self._fail_one(fetch, batch, index, f"subgraph {fetch.subgraph!r} answered a non-object entity")
            return
        got = entity.get("__typename", sent)  # a missing one, when asked for, fails the key check below
        if not self._same_entity_type(sent, got):
            message = f"subgraph {fetch.subgraph!r} answered a {got} for a {sent} representation; it was not used"
            self._fail_one(fetch, batch, index, message)
            return
        foreign = foreign_entity(entity, representation, fetch.keys, self.supergraph.schema)
        if foreign is not None:
            message = f"subgraph {fetch.subgraph!r} answered an entity {foreign}; it was not used"
            self._fail_one(fetch, batch, index, message)
            return
        try:
            apply_renames(entity, fetch.output_rewrites, self.supergraph.schema)
            for obj, _ in batch.origins[index]:
                # Each origin gets its own copy: merged objects must not share nested dicts (a later merge
                # into one would show in the other).
                deep_merge(obj, _fresh(entity) if len(batch.origins[index]) > 1 else entity, self.supergraph.schema)
        except RecursionError:
            self._fail_one(fetch, batch, index, f"subgraph {fetch.subgraph!r} answered an entity nested too deeply")

    def _same_entity_type(self, sent: Any, got: Any) -> bool:
        schema = self.supergraph.schema
        # An abstract representation (an @interfaceObject's) comes back as one of its types, and an
        # interface object subgraph answers with the interface's name.
        return got == sent or type_matches(schema, sent, got) or type_matches(schema, got, sent)

    def _client_paths(self, fetch: Fetch, batch: Batch, raw: Any) -> list[Path | None]:
        """Where a subgraph's ``_entities`` error lands: at the objects of its representation."""
        path = subgraph_path(raw)
        if not path or path[0] != _ENTITIES:
            return [None]
        if len(path) == 1:
            return [p for index in range(len(batch.representations)) for p in self._filled_paths(fetch, batch, index)]
        index, rest = path[1], tuple(path[2:])
        if not isinstance(index, int) or not 0 <= index < len(batch.representations):
            return [None]
        if not rest:
            return list(self._filled_paths(fetch, batch, index))
        rest = renamed_path(rest, fetch.output_rewrites)
        return [self._clip((*at, *rest)) for _, at in batch.origins[index]]

    def _filled_paths(self, fetch: Fetch, batch: Batch, index: int) -> list[Path | None]:
        """Where a failed fetch leaves representation ``index``'s objects unfilled: the client's keys
        among those it fills (renamed back from the planner's aliases, as the data would have been), or
        the objects themselves when it fills none of the client's (only keys of later fetches)."""
        targets: list[Target] = batch.origins[index]
        sent = batch.representations[index].get("__typename")
        typenames = (sent, *(obj.get("__typename") for obj, _ in targets[:1]))
        schema = self.supergraph.schema
        had = asked_back(fetch.keys, sent, schema)
        filled = filled_keys(fetch.operation).for_entity(schema, typenames)
        keys = [_renamed_key(key, fetch) for key in filled if key not in had]
        paths: list[Path | None] = []
        for _, at in targets:
            own = self.client.keys_at(at) if self.client is not None else None
            inside = [(*at, key) for key in keys if own is None or key in own]
            paths.extend(inside or [self._clip(at)])
        return paths

    def _root_paths(self, fetch: Fetch) -> list[Path | None]:
        """Where a failed root fetch leaves the response unfilled: its top-level keys, the client's."""
        keys = [_renamed_key(key, fetch) for key in filled_keys(fetch.operation).root]
        own = self.client.keys_at(()) if self.client is not None else None
        return [(key,) for key in keys if own is None or key in own] or [None]

    def _clip(self, path: Path | None) -> Path | None:
        """``path`` cut to a position of the client's response (None: the response as a whole)."""
        if path is None or self.client is None:
            return path
        return self.client.clip(path) or None

    def _fail_one(self, fetch: Fetch, batch: Batch, index: int, message: str) -> None:
        paths = self._filled_paths(fetch, batch, index)
        self._report(fetch, (error_entry(message, SUBGRAPH_BAD_RESPONSE, path, fetch.subgraph) for path in paths))

    def _fail_all(self, fetch: Fetch, batch: Batch, message: str, code: str) -> None:
        self._report(
            fetch,
            (
                error_entry(message, code, path, fetch.subgraph)
                for index in range(len(batch.representations))
                for path in self._filled_paths(fetch, batch, index)
            ),
        )

    def _report(self, fetch: Fetch, errors: Iterable[dict[str, Any]]) -> None:
        """Add a fetch's errors, at most MAX_ERRORS_PER_FETCH of them (counted per fetch)."""
        count = self._reported.get(id(fetch), 0)
        for error in errors:
            if count >= MAX_ERRORS_PER_FETCH:
                if count == MAX_ERRORS_PER_FETCH:
                    message = (
                        f"more errors of subgraph {fetch.subgraph!r} were left out (at most {MAX_ERRORS_PER_FETCH})"
                    )
                    self.errors.append(error_entry(message, LIMIT_EXCEEDED, None, fetch.subgraph))
                    count += 1
                break
            self.errors.append(error)
            count += 1
        self._reported[id(fetch)] = count


async def _together(runs: list[Coroutine[Any, Any, None]]) -> None:
    """Run ``runs`` concurrently. The first to raise (an unexpected failure: a subgraph's own failures
    are errors in the response) cancels the others, which are awaited, and its exception is raised as
    it is (not in an ExceptionGroup, as TaskGroup would: the server maps some, an outage to its 503):
    no fetch keeps running for a request that has ended."""
    if len(runs) == 1:
        await runs[0]
        return
    tasks = [asyncio.ensure_future(run) for run in runs]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        raise


def _direct_fetch(node: PlanNode) -> tuple[Fetch, tuple[str, ...]] | None:
    """The fetch (and its flatten path) a Parallel child is, when it is one fetch."""
    if isinstance(node, Flatten):
        return node.node, node.path
    if isinstance(node, Fetch):
        return node, ()
    return None


def _tuple(path: list[str | int] | None) -> Path | None:
    return tuple(path) if path else None


def _renamed(path: Path | None, fetch: Fetch) -> Path | None:
    return renamed_path(path, fetch.output_rewrites) if path else None


def _renamed_key(key: str, fetch: Fetch) -> str:
    """A response key of a fetch's data (top-level, or of each entity) as the client's."""
    renamed = renamed_path((key,), fetch.output_rewrites)[0]
    assert isinstance(renamed, str)
    return renamed


def _fresh(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def _concrete_prefix(path: tuple[str, ...]) -> Path:
    prefix: list[str] = []
    for element in path:
        if element == LIST_ELEMENT or element.startswith("... on "):
            break
        prefix.append(element)
    return tuple(prefix)


def _shown(path: tuple[str, ...]) -> str:
    return ".".join(path) or "the root"
