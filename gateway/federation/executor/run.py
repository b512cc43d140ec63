"""Running a plan's fetches: root fetches merge at the root, entity fetches under a Flatten merge into
the objects their representations came from; Sequence in order, Parallel concurrently.

Failures stay local: a fetch that fails (no usable answer, too many representations, the wrong number
of entities) merges nothing and leaves an error at every path it would have filled; the shaping then
makes those fields null (bubbling where they are non-null) and the rest of the response stands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.federation.executor.errors import Path, error_entry, from_subgraph, subgraph_path
from gateway.federation.executor.filled import filled_keys
from gateway.federation.executor.merge import apply_renames, deep_merge
from gateway.federation.executor.representations import Batch, Target, build_batch, objects_at
from gateway.federation.executor.type_conditions import type_matches
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


@dataclass
class PlanRun:
    supergraph: Supergraph
    variables: dict[str, Any]
    transport: SubgraphTransport
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Errors added per fetch (by the id() of the plan's Fetch, alive as long as the plan).
    _reported: dict[int, int] = field(default_factory=dict)

    async def run(self, node: PlanNode) -> None:
        if isinstance(node, Sequence):
            for child in node.nodes:
                await self.run(child)
        elif isinstance(node, Parallel):
            await asyncio.gather(*(self.run(child) for child in node.nodes))
        elif isinstance(node, Flatten):
            await self._entity_fetch(node.node, node.path)
        elif node.is_entity_fetch:
            await self._entity_fetch(node, ())
        else:
            await self._root_fetch(node)

    def _variables_of(self, fetch: Fetch) -> dict[str, Any]:
        return {name: self.variables[name] for name in fetch.variable_usages if name in self.variables}

    async def _root_fetch(self, fetch: Fetch) -> None:
        try:
            answer = await self.transport.send(
                fetch.subgraph, fetch.operation, self._variables_of(fetch), operation_kind=fetch.operation_kind
            )
        except SubgraphUnavailable as failed:
            keys = filled_keys(fetch.operation).root
            self._report(fetch, (error_entry(str(failed), failed.code, (key,), fetch.subgraph) for key in keys))
            return
        data = answer.get("data")
        if isinstance(data, dict):
            try:
                apply_renames(data, fetch.output_rewrites, self.supergraph.schema)
                deep_merge(self.data, data, self.supergraph.schema)
            except RecursionError:
                # JSON nested deeper than Python recurses (orjson reads up to 1024 levels): no client's
                # operation is that deep, so the answer cannot be one to it.
                message = f"subgraph {fetch.subgraph!r} answered data nested too deeply"
                keys = filled_keys(fetch.operation).root
                self._report(fetch, (error_entry(message, SUBGRAPH_BAD_RESPONSE, (k,), fetch.subgraph) for k in keys))
        raw_errors = answer.get("errors") or ()
        self._report(
            fetch, (e for raw in raw_errors for e in from_subgraph(raw, fetch.subgraph, [_tuple(subgraph_path(raw))]))
        )

    async def _entity_fetch(self, fetch: Fetch, path: tuple[str, ...]) -> None:
        schema = self.supergraph.schema
        batch = build_batch(objects_at(self.data, path, schema), fetch, self.supergraph)
        if not batch.representations:
            return
        if len(batch.representations) > MAX_REPRESENTATIONS_PER_FETCH:
            message = (
                f"{len(batch.representations)} objects at {_shown(path)} need subgraph {fetch.subgraph!r}; "
                f"one fetch is limited to {MAX_REPRESENTATIONS_PER_FETCH}"
            )
            self._report(fetch, [error_entry(message, LIMIT_EXCEEDED, _concrete_prefix(path), fetch.subgraph)])
            return
        variables = {**self._variables_of(fetch), "representations": batch.representations}
        try:
            answer = await self.transport.send(
                fetch.subgraph, fetch.operation, variables, operation_kind=fetch.operation_kind
            )
        except SubgraphUnavailable as failed:
            self._fail_all(fetch, batch, str(failed), failed.code)
            return
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
        sent = batch.representations[index].get("__typename")
        if not isinstance(entity, dict):
            self._fail_one(fetch, batch, index, f"subgraph {fetch.subgraph!r} answered a non-object entity")
            return
        got = entity.get("__typename", sent)
        if not self._same_entity_type(sent, got):
            message = f"subgraph {fetch.subgraph!r} answered a {got} for a {sent} representation; it was not used"
            self._fail_one(fetch, batch, index, message)
            return
        if _contradicts(entity, batch.representations[index]):
            message = f"subgraph {fetch.subgraph!r} answered another entity than the one asked for; it was not used"
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
        return [(*at, *rest) for _, at in batch.origins[index]]

    def _filled_paths(self, fetch: Fetch, batch: Batch, index: int) -> list[Path]:
        targets: list[Target] = batch.origins[index]
        typenames = (batch.representations[index].get("__typename"), *(obj.get("__typename") for obj, _ in targets[:1]))
        keys = filled_keys(fetch.operation).for_entity(self.supergraph.schema, typenames)
        return [(*at, key) for _, at in targets for key in keys] or [at for _, at in targets]

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


def _contradicts(entity: dict[str, Any], representation: dict[str, Any]) -> bool:
    """Does the entity carry a field of its representation (a key) with another value? Entities are
    matched to representations by position only: a subgraph answering in another order shows here."""
    for key, sent in representation.items():
        if key == "__typename" or key not in entity:
            continue
        got = entity[key]
        if isinstance(sent, dict) and isinstance(got, dict):
            if _contradicts(got, sent):
                return True
        elif not isinstance(sent, dict | list) and not isinstance(got, dict | list) and got != sent:
            return True
    return False


def _tuple(path: list[str | int] | None) -> Path | None:
    return tuple(path) if path else None


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
