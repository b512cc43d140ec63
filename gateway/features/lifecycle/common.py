"""Pieces the GraphQL of every lifecycle workflow shares (disputes, repair, complaints, commitments):
argument checks that fail with a code, the per-request cap on costly calls, ``WorkflowTransition``,
a workflow item's history as clients read it, and :class:`WorkflowView`, which gives every item its
``dueOn``, ``overdue`` and ``allowedActions`` the same way.

The history is loaded through one DataLoader per workflow and request (kept in the context's extras),
so a page of complaints or commitments costs one statement for all their transitions, not one each.
Disputes and repairs can expose their history with the same type and :func:`transitions_of`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import strawberry
from aiodataloader import DataLoader
from strawberry.types import Info

from gateway.auth.principal import Role
from gateway.db.tables import workflow_transition
from gateway.features.lifecycle.record_access import working_calendar
from gateway.features.lifecycle.transitions import history
from gateway.features.lifecycle.workflow import Workflow
from gateway.graph.arguments import MAX_TEXT, int_id, require, text, utc
from gateway.kernel.errors import BadUserInput, LimitExceeded
from gateway.kernel.workdays import WorkingCalendar


def known_domain(info: Info, domain: str, argument: str = "domain") -> str:
    """A domain is a loaded plugin; anything else is refused with the list of those known."""
    known = info.context.graph.composition.plugin_names
    if domain not in known:
        shown = domain[:64]
        raise BadUserInput(f"Unknown domain {shown!r}; known: {', '.join(known) or 'none'}", argument=argument)
    return domain


def count_call(info: Info, what: str, maximum: int) -> None:
    """At most ``maximum`` calls of ``what`` per request: aliases cannot multiply a costly call."""
    key = f"gateway.features.lifecycle.calls.{what}"
    extras = info.context.extras
    extras[key] = extras.get(key, 0) + 1
    if extras[key] > maximum:
        raise LimitExceeded(f"{what} calls in one request", extras[key], maximum)


def state_since(table: sa.Table, workflow: Workflow) -> sa.Label[Any]:
    """A column for a workflow row's query: when the row entered its current state (``state_since``).

    It is the latest logged transition into that state from another one (steps that keep the state, such as a
    complaint's LINK_RECORD, do not restart a stage), one indexed look-up per row in the same statement, so
    a stage's deadline is worked out from the log and needs no column of its own.
    """
    log = workflow_transition
    return (
        sa.select(sa.func.max(log.c.at))
        .where(
            log.c.workflow == workflow.name,
            log.c.item_id == table.c.id,
            log.c.to_state == table.c.state,
            sa.or_(log.c.from_state.is_(None), log.c.from_state != log.c.to_state),
        )
        .scalar_subquery()
        .label("state_since")
    )


@dataclass(frozen=True, slots=True)
class Stage:
    """Where a workflow item stands, as every workflow's GraphQL type shows it."""

    due_on: dt.date | None
    overdue: bool
    allowed_actions: list[str]


@dataclass(frozen=True, slots=True)
class WorkflowView:
    """How a workflow item looks to the asking principal today: its stage's deadline, whether it is past it,
    and the actions this principal may take now. One per request, shared by every item of a page."""

    calendar: WorkingCalendar
    today: dt.date
    role: Role

    @classmethod
    def of(cls, info: Info) -> WorkflowView:
        return cls(working_calendar(info), info.context.graph.clock.today(), info.context.principal.role)

    def due_on(self, since: dt.date | dt.datetime | None, days: int | None) -> dt.date | None:
        """``days`` working days after the stage began; None for a stage without a deadline."""
        if since is None or days is None:
            return None
        return self.calendar.add_working_days(since, days)

    def overdue(self, due_on: dt.date | None) -> bool:
        """Past the deadline: the day after it, not the day itself."""
        return due_on is not None and self.today > due_on

    def allowed_actions(self, workflow: Workflow, state: str, takers: Mapping[str, Collection[Role]]) -> list[str]:
        """The actions the workflow allows from ``state`` that this principal's role may take.

        ``takers`` maps each action to the roles that may take it (the same roles its mutation requires), so
        a subject is never offered a department's step. Rows are scoped before they are shown (a department
        reads only its domain's items, in its division when bound to one; a subject only its own), so the role
        is all that is left to judge.
        """
        return [action for action in workflow.allowed_actions(state) if self.role in takers.get(action, ())]

    def stage(
        self,
        workflow: Workflow,
        state: str,
        since: dt.date | dt.datetime | None,
        deadlines: Mapping[str, int],
        takers: Mapping[str, Collection[Role]],
    ) -> Stage:
        """The item's :class:`Stage`: ``deadlines`` gives the working days of each state that has one."""
        due_on = self.due_on(since, deadlines.get(state))
        return Stage(due_on, self.overdue(due_on), self.allowed_actions(workflow, state, takers))


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
    key = f"gateway.features.lifecycle.history.{workflow.name}"
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
    "Stage",
    "WorkflowTransition",
    "WorkflowView",
    "count_call",
    "int_id",
    "known_domain",
    "require",
    "state_since",
    "text",
    "transitions_of",
    "utc",
]
