"""Complaints (投诉举报): placeholder, filled in by the complaints work."""

from typing import Any

QUERY_FIELDS: dict[str, Any] = {}
MUTATION_FIELDS: dict[str, Any] = {}
POLICIES: dict[str, str] = {}
