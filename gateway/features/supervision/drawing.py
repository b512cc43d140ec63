"""A draw from the materialised grades: the population (subjects holding records of the domain, in the division)
and the weighted sample, with one indexed query each.

On PostgreSQL the weighted selection is SQL, so that Python never touches the population's rows: the key
``ln(u) / ratio`` with ``u`` derived from ``sha256(seed || '\\x1f' || subject_id)`` exactly as
:func:`gateway.features.supervision.sampling.uniform` derives it (the first 8 bytes, big-endian, shifted
right by 11, plus 0.5, over 2**53: every step exact in double precision), ordered by key descending then
subject id, ``LIMIT size``. Elsewhere (SQLite) the rows are read and :func:`sampling.draw` picks the same
sample (tests compare the two on the same data).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.features.supervision import sampling
from gateway.features.supervision.rules import GRADES
from gateway.features.supervision.tables import ANYWHERE, supervision_scope
from gateway.kernel.divisions import significant_prefix


def population(domain: str, division: str | None) -> sa.Subquery:
    """Each subject holding records of ``domain`` in ``division`` (and below) once, with its grade: the rows of
    the division's significant prefix (everywhere: ``ANYWHERE``), by equality on the covering index."""
    scope = supervision_scope.c
    code = ANYWHERE if division is None else significant_prefix(division)
    rows = sa.select(scope.subject_id, scope.grade).where(scope.domain == domain, scope.division_code == code)
    return rows.subquery("population")


async def grade_counts(conn: AsyncConnection, domain: str, division: str | None) -> dict[str, int]:
    found = population(domain, division)
    rows = await conn.execute(sa.select(found.c.grade, sa.func.count()).group_by(found.c.grade))
    counts = dict.fromkeys(GRADES, 0)
    counts.update({row[0]: int(row[1]) for row in rows if row[0] in counts})
    return counts


def _sql_key(seed: str, ratios: Mapping[str, float], subject_id: Any, grade: Any) -> sa.ColumnElement[float]:
    """``ln(u) / ratio`` in PostgreSQL, bit for bit as :func:`sampling.uniform` and :func:`sampling.draw`."""
    message = sa.func.convert_to(sa.literal(f"{seed}\x1f", sa.Text) + sa.cast(subject_id, sa.Text), "UTF8")
    first8 = sa.func.substring(sa.func.sha256(message), 1, 8)
    bits = sa.cast(sa.literal("x", sa.Text) + sa.func.encode(first8, "hex"), sa.dialects.postgresql.BIT(64))
    shifted = sa.cast(sa.cast(bits.op(">>")(11), sa.BigInteger), sa.Float(53))
    uniform = (shifted + 0.5) / float(1 << 53)
    ratio = sa.case({g: sa.literal(ratios[g], sa.Float(53)) for g in GRADES}, value=grade)
    return sa.func.ln(uniform) / ratio


async def draw(
    conn: AsyncConnection, seed: str, domain: str, division: str | None, ratios: Mapping[str, float], size: int
) -> list[tuple[int, str]]:
    """``size`` (subject id, grade) pairs of the population, weighted by their grades' ratios, in draw order."""
    found = population(domain, division)
    if conn.dialect.name != "postgresql":
        rows = await conn.execute(sa.select(found.c.subject_id, found.c.grade).order_by(found.c.subject_id))
        return sampling.draw(seed, [(int(r[0]), r[1]) for r in rows], ratios, size)
    key = _sql_key(seed, ratios, found.c.subject_id, found.c.grade).label("key")
    query = sa.select(found.c.subject_id, found.c.grade).order_by(key.desc(), found.c.subject_id).limit(size)
    return [(int(r[0]), r[1]) for r in await conn.execute(query)]
