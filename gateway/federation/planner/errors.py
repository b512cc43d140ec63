"""The one error of planning: the operation is valid against the API schema, yet the supergraph gives
no way to fetch it (no subgraph or no key route reaches a field, or too many fetches would be needed)."""

from __future__ import annotations

from gateway.kernel.errors import OPERATION_NOT_PLANNABLE, GatewayError


class PlanningError(GatewayError):
    def __init__(self, message: str) -> None:
        super().__init__(message, OPERATION_NOT_PLANNABLE)
