"""Every plugin's say over the subjects a request hands out (hook ``subject_access``), called in one place:
the core's entry points and the features that hand subjects out (measures, credit products) alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.types import Info


async def admit_subjects(info: Info, codes: Sequence[Any], rows: Sequence[Any]) -> list[Any]:
    """Each plugin's ``SubjectAccess.admit`` in turn (partner access: a partner's or an agency's unauthorised
    subjects become errors in place, and are written to the query record as refused)."""
    admitted = list(rows)
    for access in info.context.graph.composition.subject_access:
        if access.admit is not None:
            admitted = await access.admit(info, codes, admitted)
    return admitted


def note_served(info: Info, subject_ids: Sequence[int], path: tuple[str, ...] = ()) -> None:
    """Each plugin's ``SubjectAccess.served``: the query record notes every subject handed out."""
    for access in info.context.graph.composition.subject_access:
        if access.served is not None:
            access.served(info, subject_ids, path)
