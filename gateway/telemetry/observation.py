"""What the GraphQL layer tells the middleware about one request, read once the response is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.telemetry.metrics import outcome_label

OBSERVATION_KEY = "observation"  # in scope["state"]
OK = "OK"


@dataclass(slots=True)
class Observation:
    # strawberry's ExecutionContext of the operation, once GraphQL has seen the request.
    execution: Any = None
    # A keyed client's operation that parsed, validated and ran: its name may become a label value.
    may_label: bool = False
    # The code of a request the endpoint refused before GraphQL ran it (OPERATION_NAME_REQUIRED …).
    refused_with: str | None = None

    @property
    def operation_name(self) -> str | None:
        return self.execution.operation_name if self.execution is not None else None

    def outcome(self) -> str | None:
        """OK or the first error's code; None when GraphQL never saw the request. Read after the
        response: by then every extension has had its say (masking, the query record's failure)."""
        if self.refused_with is not None:
            return outcome_label(self.refused_with)
        if self.execution is None:
            return None
        result = self.execution.result
        errors = (result.errors if result is not None else None) or self.execution.pre_execution_errors
        return outcome_label((errors[0].extensions or {}).get("code")) if errors else OK
