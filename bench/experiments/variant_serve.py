"""Serve credit-gateway with candidate product changes patched in, to measure them before anyone
changes the product (see BENCHMARKS.md, "What the candidate fixes buy").

    VARIANT=caches,pool,noping python bench/experiments/variant_serve.py PORT

caches: strawberry's ParserCache and ValidationCache on every audience schema; pool: 40 connections
and no overflow; noping: no pool_pre_ping. The patches reach into gateway.server.app, so they follow the
product only as long as its factory keeps its shape.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import gateway.server.app as app_module
import uvicorn
from gateway.db.engine import is_sqlite
from gateway.kernel.settings import Settings
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

VARIANT = set(filter(None, os.environ.get("VARIANT", "").split(",")))


def _create_engine(url: str) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    if not is_sqlite(url):
        kwargs = {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}  # the product's
        if "pool" in VARIANT:
            kwargs.update(pool_size=40, max_overflow=0)
        if "noping" in VARIANT:
            kwargs.update(pool_pre_ping=False)
    return create_async_engine(url, **kwargs)


def main() -> None:
    if "caches" in VARIANT:
        from strawberry.extensions import ParserCache, ValidationCache

        caches = [lambda: ParserCache(maxsize=1000), lambda: ValidationCache(maxsize=1000)]
        app_module.build_graph = functools.partial(app_module.build_graph, extensions=caches)  # type: ignore[assignment]
    if VARIANT & {"pool", "noping"}:
        app_module.create_engine = _create_engine  # type: ignore[assignment]
    uvicorn.run(app_module.create_app(Settings()), host="127.0.0.1", port=int(sys.argv[1]), log_level="info")


if __name__ == "__main__":
    main()
