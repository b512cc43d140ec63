"""The repository's root, found from this file rather than from a test's own depth, so a test reads
README.md, schema/ or samples/ the same wherever it sits."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
