"""Pieces the GraphQL of every lifecycle workflow shares (disputes, repair, complaints, commitments):
argument checks that fail with a code, the per-request cap on costly calls, and
``WorkflowTransition``, a workflow item's history as clients read it.

The history is loaded through one DataLoader per workflow and request (kept in the context's extras),
so a page of complaints or commitments costs one statement for all their transitions, not one each.
Disputes and repairs can expose their history with the same type and :func:`transitions_of`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from aiodataloader import DataLoader
from strawberry.types import Info

from gateway.errors import BadUserInput, LimitExceeded
from gateway.graph.arguments import MAX_TEXT, int_id, require, text, utc
from gateway.lifecycle.transitions import history
from gateway.lifecycle.workflow import Workflow


def known_domain(info: Info, domain: str, argument: str = "domain") -> str:
    """A domain is a loaded plugin; anything else is refused with the list of those known."""
    known = info.context.graph.composition.plugin_names
    if domain not in known:
        shown = domain[:64]
        raise BadUserInput(f"Unknown domain {shown!r}; known: {', '.join(known) or 'none'}", argument=argument)
    return domain


def count_call(info: Info, what: str, maximum: int) -> None:
    """At most ``maximum`` calls of ``what`` per request: aliases cannot multiply a costly call."""
    key = f"gateway.lifecycle.calls.{what}"
    extras = info.context.extras
    extras[key] = extras.get(key, 0) + 1
    if extras[key] > maximum:
        raise LimitExceeded(f"{what} calls in one request", extras[key], maximum)


@strawberry.type(description="One step of a workflow item's life: who took which action, and when.")
class WorkflowTransition:
    action: str = strawberry.field(description="CREATE, or the action taken (INVESTIGATE, CONCLUDE, BREACH …).")
    from_state: str | None = strawberry.field(description="Null for the creating step.")
    to_state: str
    actor_role: str = strawberry.field(description="The role of the client that acted (public, department …).")
    actor_name: str = strawberry.field(description="The acting client's name ('anonymous' for the public).")
    at: dt.datetime
    note: str | None

    @classmethod
    def from_row(cls, row: Any) -> WorkflowTransition:
        return cls(
            action=row.action,
            from_state=row.from_state,
            to_state=row.to_state,
            actor_role=row.actor_role,
            actor_name=row.actor_name,
            at=utc(row.at),  # type: ignore[arg-type]
            note=row.note,
        )


def _loader(info: Info, workflow: Workflow) -> DataLoader:
    key = f"gateway.lifecycle.history.{workflow.name}"
    loader = info.context.extras.get(key)
    if loader is None:
        engine = info.context.engine

        async def batch(ids: list[int]) -> list[list[WorkflowTransition]]:
            async with engine.connect() as conn:
                found = await history(conn, workflow, ids)
            return [[WorkflowTransition.from_row(row) for row in found.get(item_id, [])] for item_id in ids]

        loader = info.context.extras[key] = DataLoader(batch_load_fn=batch, max_batch_size=1_000)
    return loader


async def transitions_of(info: Info, workflow: Workflow, item_id: int) -> list[WorkflowTransition]:
    """The item's transitions, oldest first, batched with every other item asked for in this request."""
    return await _loader(info, workflow).load(item_id)


__all__ = [
    "MAX_TEXT",
    "WorkflowTransition",
    "count_call",
    "int_id",
    "known_domain",
    "require",
    "text",
    "transitions_of",
    "utc",
]
