"""The query plan an admin can ask for: ``extensions.queryPlan`` (see gateway.server.extensions.plan_header).

It shows what the plan does per level (which selections, how many objects, how each field is
obtained) and what the run cost: the milliseconds of each level, the loader batches and the SQL
statements with their time.
"""

from __future__ import annotations

from typing import Any

from gateway.engine.plan import CompletionKind, FieldKind, Plan, PlanField, Selection
from gateway.engine.run import LevelRunner

_KIND_NAMES = {
    FieldKind.TYPENAME: "typename",
    FieldKind.ATTRIBUTE: "attribute",
    FieldKind.METHOD: "method",
    FieldKind.BATCH: "batch",
    FieldKind.RESOLVER: "resolver",
    FieldKind.DIRECT: "direct",
}


def describe_plan(plan: Plan, runner: LevelRunner) -> dict[str, Any]:
    return {
        "engine": "planned",
        "fields": plan.fields_count,
        "levels": [
            {**ran, "fields": _fields_at(plan.root, depth, runner.calls)} for depth, ran in enumerate(runner.levels)
        ],
    }


def _fields_at(root: Selection, depth: int, calls: dict[int, int]) -> list[dict[str, Any]]:
    """The fields the plan runs at ``depth``, once each (a selection reached two ways counts once)."""
    selections = [root]
    for _ in range(depth):
        selections = [child for selection in selections for f in selection.fields for child in _children(f)]
    seen: set[int] = set()
    described: list[dict[str, Any]] = []
    for selection in selections:
        for plan_field in selection.fields:
            if id(plan_field) in seen or plan_field.kind is FieldKind.TYPENAME:
                continue
            seen.add(id(plan_field))
            described.append(
                {
                    "field": f"{plan_field.parent_type.name}.{plan_field.name}",
                    "kind": _KIND_NAMES[plan_field.kind],
                    "parents": calls.get(id(plan_field), 0),
                }
            )
    return described


def _children(plan_field: PlanField) -> list[Selection]:
    completion = plan_field.completion
    while completion is not None and completion.kind is CompletionKind.LIST:
        completion = completion.item
    if completion is None or completion.kind is CompletionKind.LEAF:
        return []
    if completion.kind is CompletionKind.OBJECT:
        return [completion.selection] if completion.selection is not None else []
    return list(completion.selections.values())
