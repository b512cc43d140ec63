"""Declarative state machines for the lifecycle workflows, rejecting illegal steps with one stable code.

Each workflow is a table ``(state, action) -> new state``, checked when the module is imported: an
unreachable state, a dead end or a way out of a terminal state fails at import, so a bad definition never
ships. Outcomes (a dispute's UPHELD/CORRECTED/REVOKED, a commitment's fulfilment level, a complaint's
conclusion) are data carried by a transition, not states: the path through the workflow is the same
whatever the outcome, and keeping them out of the table keeps it small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from gateway.kernel.errors import GatewayError

INVALID_TRANSITION = "INVALID_TRANSITION"

_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")  # states and actions are UPPER_SNAKE: they double as GraphQL enum values


class InvalidTransition(GatewayError):
    """The action is not allowed from the current state; ``allowed`` tells the client what is."""

    def __init__(self, workflow: str, state: str, action: str, allowed: Sequence[str]) -> None:
        allowed_sorted = sorted(allowed)
        article = "An" if workflow[:1].lower() in "aeiou" else "A"
        super().__init__(
            f"{article} {workflow} in state {state} cannot take the action {action}; "
            f"allowed: {', '.join(allowed_sorted) or 'none'}",
            INVALID_TRANSITION,
            workflow=workflow,
            fromState=state,
            action=action,
            allowed=allowed_sorted,
        )


@dataclass(frozen=True)
class Workflow:
    """A state machine: ``transitions`` maps (state, action) to the new state."""

    name: str
    initial: str
    # Excluded from the hash (a mapping is not hashable); copied into a read-only view so the table that was
    # validated is the table that runs.
    transitions: Mapping[tuple[str, str], str] = field(hash=False)
    terminal: frozenset[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "transitions", MappingProxyType(dict(self.transitions)))
        object.__setattr__(self, "terminal", frozenset(self.terminal))
        self._validate()

    @property
    def states(self) -> frozenset[str]:
        """Every state named by the definition."""
        named = {self.initial, *self.terminal}
        for (state, _action), target in self.transitions.items():
            named.update((state, target))
        return frozenset(named)

    @property
    def actions(self) -> frozenset[str]:
        """Every action named by the definition."""
        return frozenset(action for _state, action in self.transitions)

    def is_terminal(self, state: str) -> bool:
        return state in self.terminal

    def allowed_actions(self, state: str) -> tuple[str, ...]:
        """The actions allowed from ``state``, sorted (empty for a terminal state)."""
        self._require_state(state)
        return tuple(sorted(action for source, action in self.transitions if source == state))

    def next_state(self, state: str, action: str) -> str:
        """The state after ``action``; :class:`InvalidTransition` if the action is not allowed from ``state``.

        An unknown *state* is a ValueError instead: it can only come from a bug or corrupt data, never from a
        client, and should surface as an internal error rather than as advice to the user.
        """
        self._require_state(state)
        target = self.transitions.get((state, action))
        if target is None:
            raise InvalidTransition(self.name, state, action, self.allowed_actions(state))
        return target

    def _require_state(self, state: str) -> None:
        if state not in self.states:
            raise ValueError(f"{state!r} is not a state of the {self.name} workflow")

    def _validate(self) -> None:
        problems: list[str] = []
        for name in sorted(self.states | self.actions):
            if not _NAME.match(name):
                problems.append(f"{name!r} is not UPPER_SNAKE")
        sources = {state for state, _action in self.transitions}
        for state in sorted(self.terminal & sources):
            problems.append(f"terminal state {state} has outgoing transitions")
        for state in sorted(self.states - self.terminal - sources):
            problems.append(f"state {state} has no way out and is not terminal")
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            current = frontier.pop()
            for (state, _action), target in self.transitions.items():
                if state == current and target not in reachable:
                    reachable.add(target)
                    frontier.append(target)
        for state in sorted(self.states - reachable):
            problems.append(f"state {state} cannot be reached from {self.initial}")
        if problems:
            raise ValueError(f"invalid {self.name} workflow: " + "; ".join(problems))


# 异议: the credit centre forwards to the provider (3 working days), the provider verifies (15), the applicant
# is told (2). The subject may withdraw its objection until the provider has verified it.
DISPUTE = Workflow(
    name="dispute",
    initial="FILED",
    transitions={
        ("FILED", "FORWARD"): "FORWARDED",
        ("FILED", "WITHDRAW"): "WITHDRAWN",
        ("FORWARDED", "VERIFY"): "VERIFIED",
        ("FORWARDED", "WITHDRAW"): "WITHDRAWN",
        ("VERIFIED", "CLOSE"): "CLOSED",
    },
    terminal=frozenset({"CLOSED", "WITHDRAWN"}),
)
DISPUTE_OUTCOMES = ("UPHELD", "CORRECTED", "REVOKED")  # carried by VERIFY

# 信用修复: APPROVED is not terminal because a broken repair commitment (BREACH) republishes the record.
REPAIR = Workflow(
    name="repair",
    initial="APPLIED",
    transitions={
        ("APPLIED", "APPROVE"): "APPROVED",
        ("APPLIED", "REJECT"): "REJECTED",
        ("APPROVED", "BREACH"): "BREACHED",
    },
    terminal=frozenset({"REJECTED", "BREACHED"}),
)

# 信用承诺: partial fulfilment updates are data on an ACTIVE commitment; only the end of its life is a state.
COMMITMENT = Workflow(
    name="commitment",
    initial="ACTIVE",
    transitions={
        ("ACTIVE", "FULFIL"): "FULFILLED",
        ("ACTIVE", "BREACH"): "BREACHED",
        ("ACTIVE", "EXPIRE"): "EXPIRED",
    },
    terminal=frozenset({"FULFILLED", "BREACHED", "EXPIRED"}),
)
FULFILMENT_LEVELS = ("FULL", "PARTIAL", "NONE")

# 投诉举报: intake, investigation, feedback; the conclusion is carried by CONCLUDE.
COMPLAINT = Workflow(
    name="complaint",
    initial="RECEIVED",
    transitions={
        ("RECEIVED", "INVESTIGATE"): "INVESTIGATING",
        ("INVESTIGATING", "CONCLUDE"): "CONCLUDED",
    },
    terminal=frozenset({"CONCLUDED"}),
)
COMPLAINT_CONCLUSIONS = ("SUBSTANTIATED", "UNSUBSTANTIATED")

WORKFLOWS: Mapping[str, Workflow] = MappingProxyType({w.name: w for w in (DISPUTE, REPAIR, COMMITMENT, COMPLAINT)})
