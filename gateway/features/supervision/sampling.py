"""The reproducible weighted draw of 双随机 inspections (Efraimidis–Spirakis, without replacement).

Each subject gets a uniform ``u`` in (0, 1) from SHA-256 of the seed and its id, and the key ``u ** (1 / w)``
with ``w`` its grade's ratio; the ``size`` largest keys are drawn. The same seed, population and grades give
the same sample on any machine (no process-wide random state), and a subject whose grade is inspected more
often is drawn more often. Compared as ``log(u) / w``, which orders the same and does not underflow.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Mapping, Sequence

_SCALE = float(1 << 53)


def uniform(seed: str, subject_id: int) -> float:
    """A uniform number in (0, 1) fixed by the seed and the subject."""
    digest = hashlib.sha256(f"{seed}\x1f{subject_id}".encode()).digest()
    return ((int.from_bytes(digest[:8], "big") >> 11) + 0.5) / _SCALE


def draw(
    seed: str, population: Sequence[tuple[int, str]], ratios: Mapping[str, float], size: int
) -> list[tuple[int, str]]:
    """``size`` of the ``(subject id, grade)`` pairs, weighted by their grades' ratios, largest key first
    (ties, which need equal 53-bit draws, by subject id)."""
    keyed = ((math.log(uniform(seed, sid)) / ratios[g], -sid, sid, g) for sid, g in population)
    return [(sid, g) for _, _, sid, g in heapq.nlargest(size, keyed)]
