"""The lifecycle's GraphQL, gathered for the core schema: each workflow module exports its query
fields, mutation fields and visibility declarations; this module only collects them."""

from typing import Any

from gateway.features.lifecycle import commitments, complaints, disputes, repairs

_MODULES = (disputes, repairs, complaints, commitments)

LIFECYCLE_QUERY_FIELDS: dict[str, Any] = {name: f for m in _MODULES for name, f in m.QUERY_FIELDS.items()}
LIFECYCLE_MUTATION_FIELDS: dict[str, Any] = {name: f for m in _MODULES for name, f in m.MUTATION_FIELDS.items()}
LIFECYCLE_POLICIES: dict[str, str] = {key: v for m in _MODULES for key, v in m.POLICIES.items()}
