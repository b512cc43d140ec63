"""Credit commitments (信用承诺): placeholder, filled in by the commitments work."""

from typing import Any

QUERY_FIELDS: dict[str, Any] = {}
MUTATION_FIELDS: dict[str, Any] = {}
POLICIES: dict[str, str] = {}
