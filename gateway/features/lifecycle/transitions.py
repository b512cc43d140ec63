"""Moving a workflow row from state to state: checked against its :class:`Workflow`, safe under
concurrency, and logged with who and when.

Every workflow table has ``id``, ``state`` and ``version`` columns. :func:`advance` reads the row,
asks the workflow for the next state (``INVALID_TRANSITION`` if the action is illegal), then updates
``WHERE id = … AND version = <the version it read>``. Of two departments acting on one dispute at
once, the second's update matches no row (PostgreSQL re-checks the WHERE after the first commits),
and it gets ``CONFLICT`` naming the state the row is in now, instead of a silent double transition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.principal import Principal
from gateway.db.tables import workflow_transition
from gateway.features.lifecycle.workflow import Workflow
from gateway.kernel.errors import CONFLICT, NOT_FOUND, GatewayError
from gateway.kernel.limits import MAX_NOTE


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: logged with every transition."""

    role: str
    client_id: int | None
    name: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.role.value, principal.client_id, principal.name[:200])


async def _log(
    conn: AsyncConnection,
    workflow: Workflow,
    item_id: int,
    action: str,
    from_state: str | None,
    to_state: str,
    actor: Actor,
    at: dt.datetime,
    note: str | None,
) -> None:
    await conn.execute(
        workflow_transition.insert().values(
            workflow=workflow.name,
            item_id=item_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_role=actor.role,
            actor_client_id=actor.client_id,
            actor_name=actor.name,
            at=at,
            note=(note or None) and note[:MAX_NOTE],
        )
    )


async def create(
    conn: AsyncConnection,
    table: sa.Table,
    workflow: Workflow,
    values: Mapping[str, Any],
    *,
    actor: Actor,
    at: dt.datetime,
    action: str = "CREATE",
    note: str | None = None,
) -> Any:
    """Insert a row in the workflow's initial state and log its creation; returns the row."""
    row = (
        await conn.execute(table.insert().values(**values, state=workflow.initial, version=1).returning(table))
    ).one()
    await _log(conn, workflow, row.id, action, None, workflow.initial, actor, at, note)
    return row


async def load(conn: AsyncConnection, table: sa.Table, item_id: int, what: str) -> Any:
    row = (await conn.execute(sa.select(table).where(table.c.id == item_id))).first()
    if row is None:
        raise GatewayError(f"No {what} {item_id}.", NOT_FOUND, argument="id")
    return row


async def advance(
    conn: AsyncConnection,
    table: sa.Table,
    workflow: Workflow,
    row: Any,
    action: str,
    *,
    actor: Actor,
    at: dt.datetime,
    values: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> Any:
    """Take ``action`` on ``row`` (as read in this transaction); returns the updated row."""
    new_state = workflow.next_state(row.state, action)
    result = await conn.execute(
        table.update()
        .where(table.c.id == row.id, table.c.version == row.version)
        .values(**(values or {}), state=new_state, version=row.version + 1)
    )
    if result.rowcount != 1:
        now = (await conn.execute(sa.select(table.c.state).where(table.c.id == row.id))).scalar_one_or_none()
        raise GatewayError(
            f"Another action changed this {workflow.name} at the same time; it is now {now}. "
            "Reload it and act again if that still makes sense.",
            CONFLICT,
            workflow=workflow.name,
            state=now,
        )
    await _log(conn, workflow, row.id, action, row.state, new_state, actor, at, note)
    return (await conn.execute(sa.select(table).where(table.c.id == row.id))).one()


async def history(conn: AsyncConnection, workflow: Workflow, item_ids: list[int]) -> dict[int, list[Any]]:
    """Every transition of these items, oldest first: one statement."""
    rows = (
        await conn.execute(
            sa.select(workflow_transition)
            .where(workflow_transition.c.workflow == workflow.name, workflow_transition.c.item_id.in_(item_ids))
            .order_by(workflow_transition.c.id)
        )
    ).all()
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.item_id, []).append(row)
    return found
