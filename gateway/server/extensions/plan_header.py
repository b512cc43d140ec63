"""``X-Query-Plan: 1`` from an admin: the plan of the query, as it ran, in ``extensions.queryPlan``.

What it shows, per level of the plan: the selections run (type and how many objects), each field
with how it is obtained (attribute, method, batch form, resolver) and for how many parents, the
level's milliseconds, and the SQL statements the level issued on the request's connection with
their milliseconds. Anyone else sending the header gets the ordinary response: the plan names
tables and fields that only the admin may know of.

An operation that the engine leaves to graphql-core (a mutation, introspection …) reports
``{"engine": "graphql-core"}`` with its statements.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.auth.principal import Role
from gateway.engine.executor import PLAN_REQUEST_KEY

QUERY_PLAN_HEADER = "x-query-plan"


class QueryPlanExtension(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        requested = _asked_for(context)
        if requested:
            context.extras[PLAN_REQUEST_KEY] = {}
            context.loaders.statement_log = []
        yield

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        extras = getattr(context, "extras", None)
        if not isinstance(extras, dict) or PLAN_REQUEST_KEY not in extras:
            return {}
        plan = extras[PLAN_REQUEST_KEY] or {"engine": "graphql-core"}
        statements = context.loaders.statement_log or []
        plan["statements"] = len(statements)
        plan["statementMs"] = round(sum(ms for _, ms in statements), 3)
        plan["sql"] = [{"sql": sql, "ms": round(ms, 3)} for sql, ms in statements]
        return {"queryPlan": plan}


def _asked_for(context: Any) -> bool:
    principal = getattr(context, "principal", None)
    request = getattr(context, "request", None)
    if principal is None or principal.role is not Role.ADMIN or request is None:
        return False
    return request.headers.get(QUERY_PLAN_HEADER, "").strip().lower() in ("1", "true", "yes")
