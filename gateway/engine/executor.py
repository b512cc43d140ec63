"""The planned engine inside strawberry: a graphql-core executor whose queries run from plans.

Strawberry runs every request through its schema extensions (parsing, validation, the abuse
limits, the query record …) and then hands the operation to a graphql-core executor; this one
runs a query from its compiled plan, level by level (gateway.engine.run), and leaves the rest to
graphql-core itself: mutations and subscriptions, introspection (``__schema``, ``__type``),
``@defer``/``@stream``, and any operation under a middleware that cannot say which fields it wraps.

Plans are cached per audience schema in a bounded LRU (:class:`PlanCache`), keyed by the very
document object (the parse cache hands out one per distinct text), the operation name and the
values of the variables that ``@include``/``@skip`` read.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLObjectType, GraphQLResolveInfoHelpers, OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.engine.plan import Compiler, Plan, Unsupported, directive_variables
from gateway.engine.run import LevelRunner

PLAN_CACHE_KEY = "credit-gateway-plan-cache"
PLAN_REQUEST_KEY = "query_plan"  # context.extras: set to a dict to receive the plan and its run
PLANNED_KEY = "planned"  # context.extras: True while the planned engine runs the request's operation


class PlanCache:
    """Compiled plans of one audience schema, least recently used dropped beyond ``maxsize``.

    Entries are per operation node (the parse cache hands out one document per distinct text, so
    identity is cheap and exact; an entry holds its node, so an id is never reused while it is
    kept). Within one, a plan per combination of the ``@include``/``@skip`` variables' values, at
    most ``VARIANTS``: beyond that the operation is compiled per request rather than kept, so a
    flood of distinct documents or variable values cannot grow memory beyond the bound.
    """

    VARIANTS = 16

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, operation: Any, fragments: dict[str, Any]) -> _Entry:
        entry = self._entries.get(id(operation))
        if entry is not None and entry.operation is operation:
            self._entries.move_to_end(id(operation))
            return entry
        entry = _Entry(operation, directive_variables(operation, fragments))
        self._entries[id(operation)] = entry
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return entry


class _Entry:
    __slots__ = ("directive_variables", "operation", "plans")

    def __init__(self, operation: Any, names: tuple[str, ...]) -> None:
        self.operation = operation
        self.directive_variables = names
        self.plans: dict[tuple[Any, ...], Plan | None] = {}


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with queries run from plans (see the module's documentation)."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self.operation.operation is not OperationType.QUERY or serially:
            return super().execute_operation(serially)
        plan = self._plan()
        if plan is None:
            return super().execute_operation(serially)
        return self._run(plan)

    async def _run(self, plan: Plan) -> ExecutionResult:
        request_plan = _requested_plan(self.context_value)
        extras = getattr(self.context_value, "extras", None)
        if isinstance(extras, dict):
            extras[PLANNED_KEY] = True
        runner = LevelRunner(self, plan, timed=request_plan is not None)
        try:
            data = await runner.run(self.root_value)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        finally:
            # graphql-core's executor refers to itself through its resolve-info helpers (bound methods):
            # a cycle that would keep the request's context, and all it refers to, alive until the
            # cyclic collector runs. Once the plan has run, no resolve info is built any more.
            self.async_helpers = _SPENT_HELPERS
        for error, _slot in runner.errors:
            self.collected_errors.errors.append(error)
        if request_plan is not None:
            from gateway.engine.explain import describe_plan

            request_plan.update(describe_plan(plan, runner))
        return self.build_response(data)

    def _plan(self) -> Plan | None:
        cache = _cache_of(self.schema)
        if cache is None:
            return None
        entry = cache.entry(self.operation, self.fragments)
        coerced = self.variable_values.coerced
        flags = tuple(_flag(coerced.get(name)) for name in entry.directive_variables)
        if flags in entry.plans:
            cache.hits += 1
            return entry.plans[flags]
        cache.misses += 1
        try:
            plan: Plan | None = Compiler(
                self.schema,
                self.fragments,
                self.operation,
                self.variable_values,
                self._wrapped,
                entry.directive_variables,
            ).compile()
        except Unsupported:
            plan = None  # remembered too: graphql-core runs it every time
        if len(entry.plans) < cache.VARIANTS:
            entry.plans[flags] = plan
        return plan

    def _wrapped(self, parent_type: GraphQLObjectType, field_name: str) -> bool:
        """Whether a middleware wraps this field. A middleware must say (``planned_field_wrapped``)
        or the operation runs on graphql-core, which wraps every field."""
        manager = self.middleware_manager
        if manager is None:
            return False
        wrapped = False
        for middleware in manager.middlewares or ():
            says = getattr(middleware, "planned_field_wrapped", None)
            if says is None:
                raise Unsupported(f"middleware {type(middleware).__name__} does not say which fields it wraps")
            wrapped = wrapped or bool(says(parent_type, field_name))
        return wrapped


def _spent(*_: Any) -> Any:
    raise RuntimeError("this operation has finished: no more work can be gathered or tracked for it")


_SPENT_HELPERS = GraphQLResolveInfoHelpers(gather=_spent, track=_spent)


def _flag(value: Any) -> Any:
    return value if isinstance(value, bool) or value is None else repr(value)


def _cache_of(schema: Any) -> PlanCache | None:
    extensions = schema.extensions or {}
    return extensions.get(PLAN_CACHE_KEY)


def _requested_plan(context: Any) -> dict[str, Any] | None:
    extras = getattr(context, "extras", None)
    if not isinstance(extras, dict):
        return None
    found = extras.get(PLAN_REQUEST_KEY)
    return found if isinstance(found, dict) else None


def install_plan_cache(graphql_schema: Any, maxsize: int) -> PlanCache:
    """Give an audience schema its plan cache (the engine runs only schemas that have one)."""
    cache = PlanCache(maxsize)
    extensions = dict(graphql_schema.extensions or {})
    extensions[PLAN_CACHE_KEY] = cache
    graphql_schema.extensions = extensions
    return cache
