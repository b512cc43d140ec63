"""The per-request context: who asks, the loaders made for this request, and the composition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.clock import today
from gateway.contributions import LoaderSpec
from gateway.db.tables import subject as subject_table
from gateway.lifecycle.publicity import current_rules
from gateway.observability.metrics import loader_batch_observer
from gateway.policy.publication import record_filter
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.graph.schema import Graph

_UNKNOWN = object()
# Keys per statement: far under SQLite's and asyncpg's bind-parameter limits.
MAX_LOADER_BATCH = 1_000


class Loaders:
    """One DataLoader per loader spec, made lazily and only for this request (no cross-request cache)."""

    def __init__(
        self,
        specs: Mapping[str, LoaderSpec],
        engine: AsyncEngine,
        *,
        record_loaders: frozenset[str] = frozenset(),
        principal: Principal | None = None,
    ) -> None:
        self._specs = specs
        self._engine = engine
        self._made: dict[str, DataLoader] = {}
        # Record sources pass through the publication filter here, so a plugin's own fields and the
        # cross-domain records field show the same rows, and no plugin can forget the filter.
        self._record_loaders = record_loaders
        self._principal = principal
        self._record_filter: Any = None
        self._own_subject_id: object = _UNKNOWN

    def get(self, name: str) -> DataLoader:
        loader = self._made.get(name)
        if loader is None:
            spec = self._specs.get(name)
            if spec is None:
                raise KeyError(f"No loader named {name!r}; declared: {', '.join(sorted(self._specs))}")
            loader = DataLoader(batch_load_fn=self._batch(spec), max_batch_size=MAX_LOADER_BATCH)
            self._made[name] = loader
        return loader

    async def load(self, name: str, key: Any) -> Any:
        return await self.get(name).load(key)

    def _batch(self, spec: LoaderSpec) -> Any:
        engine = self._engine
        filtered = spec.name in self._record_loaders
        observe_batch_size = loader_batch_observer(spec.name)

        async def batch(keys: list[Any]) -> list[Any]:
            observe_batch_size(len(keys))
            async with engine.connect() as connection:
                found = await spec.load(connection, keys)
                shown = await self._shown(connection) if filtered else None
            values = [found.get(key, spec.default) for key in keys]
            if shown is None:
                return values
            return [tuple(r for r in value if shown(key, r)) for key, value in zip(keys, values, strict=True)]

        return batch

    async def _shown(self, connection: Any) -> Any:
        if self._record_filter is None:
            self._record_filter = record_filter(
                self._principal or PUBLIC, await self.own_subject_id(connection), today(), current_rules()
            )
        return self._record_filter

    async def own_subject_id(self, connection: Any = None) -> int | None:
        """For a subject principal, its subject's id (one statement, once per request); else None."""
        principal = self._principal or PUBLIC
        if principal.role is not Role.SUBJECT or not principal.subject_lookup_hash:
            return None
        if self._own_subject_id is _UNKNOWN:
            query = sa.select(subject_table.c.id).where(subject_table.c.lookup_hash == principal.subject_lookup_hash)
            if connection is None:
                async with self._engine.connect() as conn:
                    self._own_subject_id = (await conn.execute(query)).scalar_one_or_none()
            else:
                self._own_subject_id = (await connection.execute(query)).scalar_one_or_none()
        return self._own_subject_id  # type: ignore[return-value]


@dataclass(slots=True)
class GatewayContext:
    graph: Graph
    principal: Principal
    request_id: str
    loaders: Loaders
    request: Any = None
    response: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.graph.settings

    @property
    def engine(self) -> AsyncEngine:
        return self.graph.engine
