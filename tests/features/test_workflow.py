"""The lifecycle state machines: every legal path, and every illegal (state, action) pair generated from the
definitions, so a new state or action is covered without editing these tests."""

from __future__ import annotations

from itertools import product

import pytest

from gateway.features.lifecycle.workflow import (
    COMMITMENT,
    COMPLAINT,
    COMPLAINT_CONCLUSIONS,
    DISPUTE,
    DISPUTE_OUTCOMES,
    FULFILMENT_LEVELS,
    INVALID_TRANSITION,
    REPAIR,
    WORKFLOWS,
    InvalidTransition,
    Workflow,
)

ALL = list(WORKFLOWS.values())

# The complete paths from the initial state to a terminal one, written out so a change to a definition is
# a deliberate change here too.
EXPECTED_PATHS = {
    "dispute": {
        ("FILED", "FORWARD", "FORWARDED", "VERIFY", "VERIFIED", "CLOSE", "CLOSED"),
        ("FILED", "WITHDRAW", "WITHDRAWN"),
        ("FILED", "FORWARD", "FORWARDED", "WITHDRAW", "WITHDRAWN"),
    },
    "repair": {
        ("APPLIED", "APPROVE", "APPROVED", "BREACH", "BREACHED"),
        ("APPLIED", "REJECT", "REJECTED"),
    },
    "commitment": {
        ("ACTIVE", "FULFIL", "FULFILLED"),
        ("ACTIVE", "BREACH", "BREACHED"),
        ("ACTIVE", "EXPIRE", "EXPIRED"),
    },
    "complaint": {("RECEIVED", "INVESTIGATE", "INVESTIGATING", "CONCLUDE", "CONCLUDED")},
}


def paths(workflow: Workflow) -> set[tuple[str, ...]]:
    """Every path from the initial state to a terminal state (the workflows are acyclic)."""
    found: set[tuple[str, ...]] = set()

    def walk(path: tuple[str, ...]) -> None:
        state = path[-1]
        if workflow.is_terminal(state):
            found.add(path)
            return
        for action in workflow.allowed_actions(state):
            walk((*path, action, workflow.next_state(state, action)))

    walk((workflow.initial,))
    return found


def test_the_four_workflows() -> None:
    assert set(WORKFLOWS) == {"dispute", "repair", "commitment", "complaint"}
    assert (DISPUTE.initial, REPAIR.initial, COMMITMENT.initial, COMPLAINT.initial) == (
        "FILED",
        "APPLIED",
        "ACTIVE",
        "RECEIVED",
    )
    assert DISPUTE.terminal == {"CLOSED", "WITHDRAWN"}
    assert REPAIR.terminal == {"REJECTED", "BREACHED"}
    assert COMMITMENT.terminal == {"FULFILLED", "BREACHED", "EXPIRED"}
    assert COMPLAINT.terminal == {"CONCLUDED"}
    assert DISPUTE_OUTCOMES == ("UPHELD", "CORRECTED", "REVOKED")
    assert FULFILMENT_LEVELS == ("FULL", "PARTIAL", "NONE")
    assert COMPLAINT_CONCLUSIONS == ("SUBSTANTIATED", "UNSUBSTANTIATED")


@pytest.mark.parametrize("workflow", ALL, ids=lambda w: w.name)
def test_every_legal_path(workflow: Workflow) -> None:
    assert paths(workflow) == EXPECTED_PATHS[workflow.name]


ILLEGAL = [
    pytest.param(w, state, action, id=f"{w.name}-{state}-{action}")
    for w in ALL
    for state, action in sorted(product(w.states, w.actions))
    if (state, action) not in w.transitions
]


@pytest.mark.parametrize(("workflow", "state", "action"), ILLEGAL)
def test_every_illegal_transition(workflow: Workflow, state: str, action: str) -> None:
    with pytest.raises(InvalidTransition) as info:
        workflow.next_state(state, action)
    error = info.value
    allowed = sorted(a for s, a in workflow.transitions if s == state)
    assert error.code == INVALID_TRANSITION
    assert error.extensions == {
        "code": INVALID_TRANSITION,
        "workflow": workflow.name,
        "fromState": state,
        "action": action,
        "allowed": allowed,
    }
    assert f"in state {state}" in error.message
    assert error.message.endswith(f"allowed: {', '.join(allowed) or 'none'}")


def test_message_for_a_person() -> None:
    with pytest.raises(InvalidTransition) as info:
        DISPUTE.next_state("CLOSED", "FORWARD")
    assert info.value.message == "A dispute in state CLOSED cannot take the action FORWARD; allowed: none"
    with pytest.raises(InvalidTransition) as info:
        DISPUTE.next_state("FILED", "VERIFY")
    assert info.value.extensions["allowed"] == ["FORWARD", "WITHDRAW"]


def test_unknown_action_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition) as info:
        COMPLAINT.next_state("RECEIVED", "ESCALATE")
    assert info.value.extensions["allowed"] == ["INVESTIGATE"]


def test_unknown_state_is_a_bug_not_a_client_error() -> None:
    with pytest.raises(ValueError, match="not a state of the repair workflow"):
        REPAIR.next_state("REPAIRED", "BREACH")
    with pytest.raises(ValueError):
        REPAIR.allowed_actions("REPAIRED")


def test_allowed_actions() -> None:
    assert DISPUTE.allowed_actions("FORWARDED") == ("VERIFY", "WITHDRAW")
    assert COMMITMENT.allowed_actions("ACTIVE") == ("BREACH", "EXPIRE", "FULFIL")
    assert all(w.allowed_actions(t) == () for w in ALL for t in w.terminal)


def test_definition_cannot_be_changed_after_validation() -> None:
    table = {("A", "GO"): "B"}
    workflow = Workflow(name="test", initial="A", transitions=table, terminal=frozenset({"B"}))
    table[("B", "BACK")] = "A"  # would give the terminal state a way out
    assert workflow.allowed_actions("B") == ()
    with pytest.raises(TypeError):
        workflow.transitions[("B", "BACK")] = "A"  # type: ignore[index]
    assert hash(workflow) == hash(
        Workflow(name="test", initial="A", transitions=dict(workflow.transitions), terminal=frozenset({"B"}))
    )


@pytest.mark.parametrize(
    ("transitions", "terminal", "problem"),
    [
        ({("A", "GO"): "B", ("C", "GO"): "B"}, {"B"}, "state C cannot be reached from A"),
        ({("A", "GO"): "B", ("B", "BACK"): "A"}, {"B"}, "terminal state B has outgoing transitions"),
        ({("A", "GO"): "B", ("A", "STOP"): "C"}, {"B"}, "state C has no way out and is not terminal"),
        ({("A", "GO"): "B"}, {"B", "Z"}, "state Z cannot be reached from A"),
        ({("A", "go"): "B"}, {"B"}, "'go' is not UPPER_SNAKE"),
    ],
)
def test_malformed_definition(transitions: dict[tuple[str, str], str], terminal: set[str], problem: str) -> None:
    with pytest.raises(ValueError, match="invalid broken workflow") as info:
        Workflow(name="broken", initial="A", transitions=transitions, terminal=frozenset(terminal))
    assert problem in str(info.value)
