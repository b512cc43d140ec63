"""The federated plan executor: runs a :class:`~gateway.federation.query_plan.QueryPlan` against the
subgraphs and answers the client's operation.

    transport = HttpTransport({"accounts": "http://accounts:4001/graphql", ...}, timeout_s=5.0)
    response = await execute_plan(plan, supergraph=supergraph, document=document, operation_name=None,
                                  variables=variables, transport=transport)

Steps: the client's variables are coerced against the API schema (defaults applied); the plan's fetches
run (:mod:`.run`), their data merged into one tree (:mod:`.merge`); the tree is shaped to the client's
operation (:mod:`.shape`). Remote subgraphs are reached by :class:`HttpTransport` (:mod:`.transport`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import get_variable_values

from gateway.federation.executor.client_operation import ClientOperation
from gateway.federation.executor.errors import TrustedError
from gateway.federation.executor.run import PlanRun
from gateway.federation.executor.shape import ShapeMemo, Shaper, shape_memo
from gateway.federation.executor.transport import HttpTransport
from gateway.federation.model import Supergraph
from gateway.federation.query_plan import QueryPlan, SubgraphTransport
from gateway.kernel.errors import BAD_USER_INPUT, GRAPHQL_VALIDATION_FAILED, OPERATION_NAME_REQUIRED

__all__ = ["HttpTransport", "ShapeMemo", "execute_plan", "shape_memo"]


async def execute_plan(
    plan: QueryPlan,
    *,
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
    transport: SubgraphTransport,
    mask_error: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    audience_schema: GraphQLSchema | None = None,
    shaping: ShapeMemo | None = None,
) -> dict[str, Any]:
    """``{"data": ..., "errors": [...]}`` (``errors`` only when there are some).

    ``document`` must be valid against ``supergraph.api_schema`` (the serving layer validated it).
    ``mask_error`` sees every error of the response, the subgraphs' ones with
    ``extensions.serviceName``, and returns what the client may see of it. ``audience_schema`` (the
    caller's schema, default the API schema) bounds the types of the objects the response may hold.
    ``shaping``: what shaping this document learnt in earlier requests (:func:`~.shape.shape_memo`), for
    a document the caller keeps; by default, nothing."""
    operation = _operation(document, operation_name)
    if operation is None:
        message = f"Unknown operation named {operation_name!r}." if operation_name else "Must provide operation name."
        return _finish(None, [_request_error(message, OPERATION_NAME_REQUIRED)], mask_error, with_data=False)
    schema = supergraph.api_schema
    root_type = schema.get_root_type(operation.operation)
    if root_type is None:
        message = f"The schema has no {operation.operation.value} type."
        return _finish(None, [_request_error(message, GRAPHQL_VALIDATION_FAILED)], mask_error, with_data=False)
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        errors = [_request_error(error.message, BAD_USER_INPUT) for error in coerced]
        return _finish(None, errors, mask_error, with_data=False)
    # graphql-core 3.3 answers a VariableValues (the dict in .coerced), 3.2 the dict itself.
    values: dict[str, Any] = getattr(coerced, "coerced", coerced)
    memo = shaping if shaping is not None else ShapeMemo()
    fragments = memo.fragments_of(document)
    client = ClientOperation(operation.selection_set, fragments, values)
    run = PlanRun(supergraph, _jsonable(values), transport, client)
    if plan.node is not None:
        await run.run(plan.node)
    shaper = Shaper(schema, fragments, values, run.errors, visible=audience_schema, memo=memo)
    data = shaper.shape_root(root_type, operation.selection_set, run.data)
    return _finish(data, run.errors, mask_error)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name is not None and op.name.value == name), None)


def _request_error(message: str, code: str) -> dict[str, Any]:
    """An error before any fetch ran: the response has no data (the spec's request error)."""
    return TrustedError(message=message, extensions={"code": code})


def _jsonable(value: Any) -> Any:
    """Coerced variables as the subgraphs receive them (JSON: tuples and other sequences as lists)."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _finish(
    data: dict[str, Any] | None,
    errors: list[dict[str, Any]],
    mask_error: Callable[[dict[str, Any]], dict[str, Any]] | None,
    *,
    with_data: bool = True,
) -> dict[str, Any]:
    response: dict[str, Any] = {"data": data} if with_data else {}
    if errors:
        response["errors"] = [mask_error(error) for error in errors] if mask_error else errors
    return response
