"""Capture the SQL our gateway issues for each workload request, for the floor to run verbatim.

The gateway runs in process on the bench database, started as ``serve`` starts it (its lifespan: the
plugins' startup, among them the measures catalogue's watch, which spares a serving process the version
check). Each workload is sent twice and every statement of the second request is recorded (text and
parameters) through the engine's ``before_cursor_execute`` event, as gateway.db.engine.count_statements
does: what a warm serving process issues, which is what the load measures.
"""

from __future__ import annotations

import asyncio
import os
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import event

from cgbench.dataset import Dataset
from cgbench.util import product_env
from cgbench.workloads import Workload


async def capture(dataset: Dataset, workloads: list[Workload], out: Path) -> dict[str, list[dict[str, Any]]]:
    os.environ.update(product_env(dataset.url))
    from gateway.kernel.settings import Settings
    from gateway.server.app import create_app

    app = create_app(Settings())
    engine = app.state.graph.engine
    seen: list[dict[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append({"sql": statement, "params": [_plain(p) for p in parameters or ()]})

    captured: dict[str, list[dict[str, Any]]] = {}
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://capture") as client,
        ):
            await _until_watching(engine)
            for workload in workloads:
                for _warm_then_recorded in range(2):
                    seen.clear()
                    response = await client.post(
                        "/graphql", content=workload.body, headers={"content-type": "application/json"}
                    )
                    if response.status_code != 200 or response.json().get("errors"):
                        raise RuntimeError(f"{workload.key} failed while capturing its SQL: {response.text[:500]}")
                captured[workload.key] = list(seen)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        await engine.dispose()
    out.write_bytes(orjson.dumps(captured, option=orjson.OPT_INDENT_2))
    return captured


async def _until_watching(engine: Any) -> None:
    from gateway.features.measures.watch import watch_of

    async with asyncio.timeout(10):
        await watch_of(engine).wait_listening()


def _plain(value: Any) -> Any:
    # Tagged, so the floor can tell a date parameter from a string one.
    return {"date": value.isoformat()} if isinstance(value, date) else value
