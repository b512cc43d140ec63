"""The per-request context: who asks, the loaders made for this request, and the composition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.principal import Principal
from gateway.contributions import LoaderSpec
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.graph.schema import Graph

# Keys per statement: far under SQLite's and asyncpg's bind-parameter limits.
MAX_LOADER_BATCH = 1_000


class Loaders:
    """One DataLoader per loader spec, made lazily and only for this request (no cross-request cache)."""

    def __init__(self, specs: Mapping[str, LoaderSpec], engine: AsyncEngine) -> None:
        self._specs = specs
        self._engine = engine
        self._made: dict[str, DataLoader] = {}

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

        async def batch(keys: list[Any]) -> list[Any]:
            async with engine.connect() as connection:
                found = await spec.load(connection, keys)
            return [found.get(key, spec.default) for key in keys]

        return batch


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
