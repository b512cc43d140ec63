"""Running a plan level by level (breadth first).

At each level the engine holds, per selection, every parent object of that level. For each field
it reads attributes and calls plain methods directly, calls a plugin's batch form once with all the
parents, and calls full resolvers per parent; the awaitables of a level (batch forms, async
resolvers that did not finish at once) are awaited together, once. Then the values complete: leaves
are coerced into the response, and child objects become the parents of the next level.

Errors follow the GraphQL specification, as graphql-core does: each error is located (path,
locations) and keeps its ``extensions``; a ``null`` or an error in a non-null position makes the
nearest nullable enclosing position ``null`` (up to ``data`` itself). An object that went ``null``
runs no further level: the errors of its own fields are reported (graphql-core runs an object's
fields together and reports each), those of deeper fields cannot arise. graphql-core may report a
few of the latter, from fields its scheduling happened to run before the null; the specification
leaves them open, and the differential tests compare everything else.

Over 400 lines on purpose: the level loop, error bubbling and value completion share the slot
representation and its hot-path invariants; the plan (plan.py) and the executor live apart.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLError, located_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from gateway.engine.eager import run_eagerly
from gateway.engine.plan import Completion, CompletionKind, FieldKind, Plan, PlanField, Selection, python_arguments

LEAF, LIST, OBJECT, ABSTRACT = CompletionKind.LEAF, CompletionKind.LIST, CompletionKind.OBJECT, CompletionKind.ABSTRACT


# Where a composite value sits in the response, for null propagation: [enclosing slot, container,
# key, whether that position is nullable, whether it went null]. A list, not an object: one is
# made per object and per list of the response, and a list literal costs a tenth of an instance.
Slot = list
PARENT, CONTAINER, KEY, NULLABLE, DEAD = range(5)


class _Violation(Exception):
    """A located error in a non-null position, on its way up to the nearest nullable one."""

    def __init__(self, error: GraphQLError) -> None:
        self.error = error


class Work:
    """The parents of one selection at one level, with where each one's response object goes."""

    __slots__ = ("parents", "paths", "selection", "slots", "targets")

    def __init__(self, selection: Selection) -> None:
        self.selection = selection
        self.parents: list[Any] = []
        self.targets: list[dict[str, Any]] = []
        self.slots: list[Slot] = []
        self.paths: list[Path | None] = []

    def columns(self) -> tuple[list[Any], list[dict[str, Any]], list[Slot], list[Path | None]]:
        """The parents, targets, slots and paths, for a loop that appends to all four."""
        return self.parents, self.targets, self.slots, self.paths


class LevelRunner:
    """Runs one plan for one request. ``host`` is the graphql-core executor of the request, which
    supplies what resolvers need (their ``info``, the variables, the middleware)."""

    def __init__(self, host: Any, plan: Plan, *, timed: bool = False) -> None:
        self.host = host
        self.plan = plan
        self.errors: list[tuple[GraphQLError, Slot | None]] = []
        self.deaths = 0
        self.data: dict[str, Any] | None = None
        self.timed = timed
        self.levels: list[dict[str, Any]] = []  # what ran at each level, for the admin's query plan
        self.calls: dict[int, int] = {}  # per plan field: the parents it ran for (when timed)
        self._type_names: dict[tuple[int, type], str] = {}
        self._type_checks: dict[tuple[int, type], bool] = {}
        middleware = host.middleware_manager
        self._guarded_resolver: Callable[[Callable[..., Any]], Callable[..., Any]] | None = (
            middleware.get_field_resolver if middleware is not None else None
        )

    async def run(self, root_value: Any) -> dict[str, Any] | None:
        root = self.plan.root
        self.data = data = dict.fromkeys(root.keys)
        top = Work(root)
        top.parents.append(root_value)
        top.targets.append(data)
        top.slots.append([None, None, None, False, False])
        top.paths.append(None)
        level: list[Work] = [top]
        while level:
            started = time.perf_counter() if self.timed else 0.0
            statements_before = len(self._statement_log) if self.timed else 0
            following: dict[int, Work] = {}
            pending: list[tuple[Awaitable[Any], Callable[[Any], None]]] = []
            for work in level:
                if self.deaths:
                    self._drop_dead(work)
                    if not work.parents:
                        continue
                for plan_field in work.selection.fields:
                    self._run_field(plan_field, work, following, pending)
            if pending:
                await self._settle(pending)
            if self.timed:
                self._note_level(level, started, statements_before)
            level = list(following.values())
        return self.data

    # --- fields ---------------------------------------------------------------------------

    def _run_field(
        self,
        plan_field: PlanField,
        work: Work,
        following: dict[int, Work],
        pending: list[tuple[Awaitable[Any], Callable[[Any], None]]],
    ) -> None:
        kind = plan_field.kind
        parents = work.parents
        if self.timed:
            self.calls[id(plan_field)] = self.calls.get(id(plan_field), 0) + len(parents)
        if kind is FieldKind.TYPENAME:
            name = work.selection.type.name
            key = plan_field.key
            for target in work.targets:
                target[key] = name
            return
        if kind is FieldKind.ATTRIBUTE:
            attribute = plan_field.attribute
            assert attribute is not None
            completion = plan_field.completion
            if completion is not None and completion.exact is not None and len(parents) > 1:
                self._attribute_leaves(plan_field, attribute, work, following)
                return
            self._complete_all(plan_field, work, _attribute_values(parents, attribute), following)
            return
        if kind is FieldKind.METHOD:
            function = plan_field.function
            assert function is not None
            values = []
            takes_parent = plan_field.method_takes_parent
            arguments = plan_field.method_arguments
            for parent in parents:
                try:
                    values.append(function(parent, **arguments) if takes_parent else function(**arguments))
                except Exception as error:
                    values.append(_Failed(error))
            self._complete_all(plan_field, work, values, following)
            return
        if kind is FieldKind.BATCH:
            self._run_batch(plan_field, work, following, pending)
            return
        self._run_resolvers(plan_field, work, following, pending)  # RESOLVER and DIRECT

    def _attribute_leaves(self, plan_field: PlanField, attribute: str, work: Work, following: dict[int, Work]) -> None:
        """A leaf read from an attribute of many parents (a list's records): read and stored in one pass,
        the value stored as it is when its type is the leaf's exact one (a str for a String). A value
        of any other type, and a failed read, take the general way with the rest of the level."""
        completion = plan_field.completion
        assert completion is not None
        exact = completion.exact
        nullable = completion.nullable
        key = plan_field.key
        targets = work.targets
        parents = work.parents
        for index, parent in enumerate(parents):
            try:
                value = getattr(parent, attribute)
            except Exception:
                break
            if type(value) is not exact:
                if value is None and nullable:
                    continue  # the target already holds None
                break
            targets[index][key] = value
        else:
            return
        # From the first value that needs more than storing: the general way, for that one and the rest.
        values = [None] * index + _attribute_values(parents[index:], attribute)
        self._complete_all(plan_field, work, values, following, start=index)

    def _arguments(self, plan_field: PlanField) -> dict[str, Any]:
        if plan_field.arguments is not None:
            return plan_field.arguments
        host = self.host
        assert plan_field.definition is not None
        return get_argument_values(plan_field.definition, plan_field.nodes[0], host.variable_values)

    def _run_resolvers(
        self,
        plan_field: PlanField,
        work: Work,
        following: dict[int, Work],
        pending: list[tuple[Awaitable[Any], Callable[[Any], None]]],
    ) -> None:
        host = self.host
        definition = plan_field.definition
        assert definition is not None
        resolve = definition.resolve or host.field_resolver
        if self._guarded_resolver is not None:
            resolve = self._guarded_resolver(resolve)
        try:
            arguments = self._arguments(plan_field)
            if plan_field.kind is FieldKind.DIRECT:  # never guarded (plan.py): the plugin's function itself
                resolve = self._direct_call(plan_field, arguments)
        except Exception as error:
            self._complete_all(plan_field, work, [_Failed(error)] * len(work.parents), following)
            return
        values: list[Any] = []
        waiting: list[tuple[int, Awaitable[Any]]] = []
        for index, (parent, path) in enumerate(zip(work.parents, work.paths, strict=True)):
            info = host.build_resolve_info(
                definition,
                plan_field.nodes,
                plan_field.parent_type,
                Path(_graphql_path(path), plan_field.key, plan_field.parent_type.name),
            )
            try:
                value = resolve(parent, info, **arguments)
                if inspect.iscoroutine(value):
                    value = run_eagerly(value)
                elif type(value) is list and any(inspect.isawaitable(item) for item in value):
                    value = _settled_items(value)  # _entities: a list of references, some awaited
                if inspect.isawaitable(value):
                    waiting.append((index, value))
                    value = None
            except Exception as error:
                value = _Failed(error)
            values.append(value)
        if not waiting:
            self._complete_all(plan_field, work, values, following)
            return

        async def gather() -> list[Any]:
            return await asyncio.gather(*(awaitable for _, awaitable in waiting), return_exceptions=True)

        def settle(results: Any) -> None:
            for (index, _), result in zip(waiting, results, strict=True):
                values[index] = _Failed(result) if isinstance(result, BaseException) else result
            self._complete_all(plan_field, work, values, following)

        pending.append((gather(), settle))

    def _direct_call(self, plan_field: PlanField, arguments: dict[str, Any]) -> Callable[..., Any]:
        """``resolve(parent, raw_info, **arguments)`` for a DIRECT field: the plugin's function called as
        strawberry's wrapper would call it, with the arguments converted once for the level."""
        function = plan_field.function
        assert function is not None
        python = (
            plan_field.method_arguments
            if plan_field.arguments is not None
            else python_arguments(self.host.schema, plan_field.strawberry_field, arguments)
        )
        takes_self = plan_field.method_takes_parent
        sources = plan_field.source_parameters
        info_parameter = plan_field.info_parameter
        info_class = self.host.schema._strawberry_schema.config.info_class
        strawberry_field = plan_field.strawberry_field

        def call(parent: Any, raw_info: Any, /, **_: Any) -> Any:  # a GraphQL argument may be named parent
            keywords = dict(python)
            for name in sources:
                keywords[name] = parent
            if info_parameter is not None:
                keywords[info_parameter] = info_class(_raw_info=raw_info, _field=strawberry_field)
            return function(parent, **keywords) if takes_self else function(**keywords)

        return call

    def _run_batch(
        self,
        plan_field: PlanField,
        work: Work,
        following: dict[int, Work],
        pending: list[tuple[Awaitable[Any], Callable[[Any], None]]],
    ) -> None:
        host = self.host
        definition = plan_field.definition
        assert definition is not None and plan_field.function is not None
        count = len(work.parents)
        try:
            arguments = python_arguments(host.schema, plan_field.strawberry_field, self._arguments(plan_field))
            raw_info = host.build_resolve_info(
                definition,
                plan_field.nodes,
                plan_field.parent_type,
                Path(_graphql_path(work.paths[0]), plan_field.key, plan_field.parent_type.name),
            )
            info = _strawberry_info(host, raw_info, plan_field)
            result = plan_field.function(work.parents, info, **arguments)
        except Exception as error:
            self._complete_all(plan_field, work, [_Failed(error)] * count, following)
            return

        def settle(values: Any) -> None:
            if isinstance(values, BaseException):
                values = [_Failed(values)] * count
            elif len(values) != count:
                failure = _Failed(
                    RuntimeError(
                        f"The batch form of {plan_field.parent_type.name}.{plan_field.name} returned "
                        f"{len(values)} values for {count} parents"
                    )
                )
                values = [failure] * count
            else:
                values = [_Failed(v) if isinstance(v, Exception) else v for v in values]
            self._complete_all(plan_field, work, values, following)

        if inspect.isawaitable(result):
            pending.append((_capture(result), settle))
        else:
            settle(result)

    async def _settle(self, pending: list[tuple[Awaitable[Any], Callable[[Any], None]]]) -> None:
        """Await every awaitable of the level together, then complete each in the plan's order."""
        if len(pending) == 1:
            results = [await _capture(pending[0][0])]
        else:
            results = await asyncio.gather(*(awaitable for awaitable, _ in pending), return_exceptions=True)
        for (_, settle), result in zip(pending, results, strict=True):
            settle(result)

    # --- completion -----------------------------------------------------------------------

    def _complete_all(
        self, plan_field: PlanField, work: Work, values: list[Any], following: dict[int, Work], start: int = 0
    ) -> None:
        """Complete the field's value of every parent of the level (from the parent ``start`` on: the
        ones before it are done)."""
        key = plan_field.key
        completion = plan_field.completion
        assert completion is not None
        kind = completion.kind
        nullable = completion.nullable
        targets = work.targets
        if kind is LEAF:  # the common case, without a call per value
            coerce = completion.coerce
            assert coerce is not None
            exact = completion.exact
            for index, value in enumerate(values[start:] if start else values, start):
                if type(value) is exact:  # a str for a String, a bool for a Boolean: as it is
                    targets[index][key] = value
                    continue
                if value is None:
                    if not nullable:
                        self._field_error(_null_in_non_null(plan_field), plan_field, work, index)
                    continue  # the target already holds None
                if type(value) is _Failed:
                    self._field_error(value.error, plan_field, work, index)
                    continue
                try:
                    targets[index][key] = coerce(value)
                except Exception as error:
                    # A resolver may return an exception instead of raising it: graphql-core raises it.
                    self._field_error(value if isinstance(value, Exception) else error, plan_field, work, index)
            return
        assert start == 0, "only leaves complete from a later parent"
        if kind is OBJECT:
            self._complete_objects(plan_field, work, values, following)
            return
        item = completion.item
        if kind is LIST and item is not None and item.kind is OBJECT and item.selection is not None:
            self._complete_object_lists(plan_field, work, values, following)
            return
        for index, value in enumerate(values):
            self._complete_at(plan_field, work, index, value, following)

    def _complete_objects(
        self, plan_field: PlanField, work: Work, values: list[Any], following: dict[int, Work]
    ) -> None:
        """An object-typed field of every parent of a level, the second commonest case after leaves: each
        value becomes a parent of the next level here, with the selection's bookkeeping looked up once
        for the field rather than once per value. Anything unusual (null, an error, a failed type
        check) takes the general way, value by value."""
        key = plan_field.key
        completion = plan_field.completion
        assert completion is not None and completion.selection is not None
        selection = completion.selection
        keys = selection.keys
        checked = selection.is_type_of is not None
        nullable = completion.nullable
        type_name = plan_field.parent_type.name
        parents, next_targets, next_slots, next_paths = _following_work(following, selection).columns()
        targets, slots, paths = work.targets, work.slots, work.paths
        for index, value in enumerate(values):
            if (
                value is None
                or type(value) is _Failed
                or isinstance(value, Exception)
                or (checked and not self._is_type_of(selection, value))
            ):
                self._complete_at(plan_field, work, index, value, following)
                continue
            container = targets[index]
            target = container[key] = dict.fromkeys(keys)
            parents.append(value)
            next_targets.append(target)
            next_slots.append([slots[index], container, key, nullable, False])
            next_paths.append((paths[index], key, type_name))

    def _complete_object_lists(
        self, plan_field: PlanField, work: Work, values: list[Any], following: dict[int, Work]
    ) -> None:
        """A list-of-objects field of every parent of a level (a profile's records): each item becomes a
        parent of the next level here, with the selection's bookkeeping looked up once for the field.
        A value that is not a plain list or tuple of plain objects (null, an error, a failed type
        check in it) takes the general way, value by value, as in :meth:`_complete`."""
        key = plan_field.key
        completion = plan_field.completion
        assert completion is not None and completion.item is not None
        item = completion.item
        selection = item.selection
        assert selection is not None
        keys = selection.keys
        checked = selection.is_type_of is not None
        nullable = completion.nullable
        item_nullable = item.nullable
        type_name = plan_field.parent_type.name
        parents, next_targets, next_slots, next_paths = _following_work(following, selection).columns()
        targets, slots, paths = work.targets, work.slots, work.paths
        for index, value in enumerate(values):
            value_type = type(value)
            plain = value_type is list or value_type is tuple
            if plain:  # every item passes the test _complete_objects puts to a value, written out for speed
                for entry in value:
                    if (
                        entry is None
                        or type(entry) is _Failed
                        or isinstance(entry, Exception)
                        or (checked and not self._is_type_of(selection, entry))
                    ):
                        plain = False
                        break
            if not plain:
                self._complete_at(plan_field, work, index, value, following)
                continue
            container = targets[index]
            slot = [slots[index], container, key, nullable, False]
            path = (paths[index], key, type_name)
            items: list[Any] = []
            for position, entry in enumerate(value):
                target = dict.fromkeys(keys)
                items.append(target)
                parents.append(entry)
                next_targets.append(target)
                next_slots.append([slot, items, position, item_nullable, False])
                next_paths.append((path, position, None))
            container[key] = items

    def _complete_at(
        self, plan_field: PlanField, work: Work, index: int, value: Any, following: dict[int, Work]
    ) -> None:
        """The value of one parent's field, any kind, with its errors located and bubbled."""
        key = plan_field.key
        completion = plan_field.completion
        assert completion is not None
        targets = work.targets
        if type(value) is _Failed:
            self._field_error(value.error, plan_field, work, index)
            return
        slot = work.slots[index]
        try:
            targets[index][key] = self._complete(
                completion, value, plan_field, slot, targets[index], key, work.paths[index], key, following
            )
        except _Violation as violation:
            self._record(violation.error, slot)
            if completion.nullable:
                targets[index][key] = None
            else:
                self._bubble(slot)
        except Exception as error:
            self._field_error(error, plan_field, work, index)

    def _complete(
        self,
        completion: Completion,
        value: Any,
        plan_field: PlanField,
        owner: Slot,
        container: Any,
        position: Any,
        parent_path: Path | None,
        path_key: Any,
        following: dict[int, Work],
    ) -> Any:
        """The response value of ``value`` at ``container[position]``; raises _Violation for a null
        (or an error) in a non-null position, located at that position's path."""
        if value is None:
            if completion.nullable:
                return None
            raise _Violation(self._locate(_null_in_non_null(plan_field), plan_field, (parent_path, path_key, None)))
        if isinstance(value, Exception):
            raise value  # returned instead of raised: graphql-core raises it
        kind = completion.kind
        if kind is LEAF:
            assert completion.coerce is not None
            return completion.coerce(value)
        path = (parent_path, path_key, plan_field.parent_type.name if type(path_key) is str else None)
        if kind is LIST:
            if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
                owner_name = f"{plan_field.parent_type.name}.{plan_field.name}"
                raise TypeError(f"Expected Iterable, but did not find one for field '{owner_name}'.")
            item = completion.item
            assert item is not None
            items: list[Any] = []
            slot = [owner, container, position, completion.nullable, False]
            # A list of plain objects completes in _complete_object_lists; this way is for the rest (a list
            # with a null or an error among its items, lists of leaves, of lists, of abstract types).
            for index, entry in enumerate(value):
                items.append(None)
                if type(entry) is _Failed or isinstance(entry, Exception):
                    error = entry.error if type(entry) is _Failed else entry
                    located = self._locate(error, plan_field, (path, index, None))
                    if item.nullable:
                        self._record(located, slot)
                        continue
                    raise _Violation(located)
                try:
                    items[index] = self._complete(item, entry, plan_field, slot, items, index, path, index, following)
                except _Violation as violation:
                    if not item.nullable:
                        raise
                    self._record(violation.error, slot)
                except Exception as error:
                    located = self._locate(error, plan_field, (path, index, None))
                    if not item.nullable:
                        raise _Violation(located) from None
                    self._record(located, slot)
            return items
        if kind is ABSTRACT:
            selection = self._runtime_selection(completion, value, plan_field, path)
        else:
            selection = completion.selection
            assert selection is not None
            if selection.is_type_of is not None and not self._is_type_of(selection, value):
                raise GraphQLError(
                    f"Expected value of type '{selection.type.name}' but got: {_describe(value)}.", plan_field.nodes
                )
        target = dict.fromkeys(selection.keys)
        work = _following_work(following, selection)
        work.parents.append(value)
        work.targets.append(target)
        work.slots.append([owner, container, position, completion.nullable, False])
        work.paths.append(path)
        return target

    def _runtime_selection(self, completion: Completion, value: Any, plan_field: PlanField, path: Path) -> Selection:
        """The selection of the value's runtime type; strawberry decides by class, so the answer is
        kept per class (a value cast with strawberry.cast is asked every time)."""
        abstract = completion.abstract_type
        assert abstract is not None
        cache_key = (id(completion), type(value))
        name = None if hasattr(value, TYPE_CAST_ATTRIBUTE) else self._type_names.get(cache_key)
        if name is None:
            host = self.host
            assert plan_field.definition is not None
            info = host.build_resolve_info(
                plan_field.definition, plan_field.nodes, plan_field.parent_type, _graphql_path(path)
            )
            resolve_type = abstract.resolve_type or host.type_resolver
            name = resolve_type(value, info, abstract)
            if inspect.isawaitable(name):  # pragma: no cover (strawberry's resolve_type is sync)
                raise GraphQLError("An asynchronous resolve_type is not supported by the planned engine")
            runtime = host.ensure_valid_runtime_type(name, abstract, plan_field.details, info, value)
            name = runtime.name
            if not hasattr(value, TYPE_CAST_ATTRIBUTE):
                self._type_names[cache_key] = name
        selection = completion.selections.get(name)
        if selection is None:
            assert completion.compile_for is not None
            runtime = self.host.schema.get_type(name)
            selection = completion.selections[name] = completion.compile_for(runtime)
        return selection

    def _is_type_of(self, selection: Selection, value: Any) -> bool:
        if hasattr(value, TYPE_CAST_ATTRIBUTE):
            return bool(selection.is_type_of(value, None))  # type: ignore[misc]
        cache_key = (id(selection), type(value))
        known = self._type_checks.get(cache_key)
        if known is None:
            known = self._type_checks[cache_key] = bool(selection.is_type_of(value, None))  # type: ignore[misc]
        return known

    # --- errors ---------------------------------------------------------------------------

    def _locate(self, error: BaseException, plan_field: PlanField, path: Any) -> GraphQLError:
        return located_error(error, plan_field.nodes, _graphql_path(path).as_list())  # type: ignore[arg-type]

    def _field_error(self, error: BaseException, plan_field: PlanField, work: Work, index: int) -> None:
        slot = work.slots[index]
        located = self._locate(error, plan_field, (work.paths[index], plan_field.key, plan_field.parent_type.name))
        self._record(located, slot)
        completion = plan_field.completion
        if completion is None or completion.nullable:
            work.targets[index][plan_field.key] = None
        else:
            self._bubble(slot)

    def _record(self, error: GraphQLError, slot: Slot | None) -> None:
        # Recorded even in an object a sibling field nulled this level: graphql-core runs an object's
        # fields together and reports each one's error. Deeper levels of a nulled object never run.
        self.errors.append((error, slot))

    def _bubble(self, slot: Slot | None) -> None:
        """A non-null position under ``slot`` failed: null the nearest nullable position up from it."""
        while slot is not None and not slot[NULLABLE]:
            slot[DEAD] = True
            slot = slot[PARENT]
        self.deaths += 1
        if slot is None or slot[CONTAINER] is None:
            self.data = None
            return
        slot[DEAD] = True
        slot[CONTAINER][slot[KEY]] = None

    def _drop_dead(self, work: Work) -> None:
        alive = [i for i, slot in enumerate(work.slots) if not _is_dead(slot)]
        if len(alive) == len(work.slots):
            return
        work.parents = [work.parents[i] for i in alive]
        work.targets = [work.targets[i] for i in alive]
        work.paths = [work.paths[i] for i in alive]
        work.slots = [work.slots[i] for i in alive]

    @property
    def _statement_log(self) -> list[tuple[str, float]]:
        loaders = getattr(self.host.context_value, "loaders", None)
        return getattr(loaders, "statement_log", None) or []

    def _note_level(self, level: list[Work], started: float, statements_before: int) -> None:
        statements = self._statement_log[statements_before:]
        self.levels.append(
            {
                "selections": [{"type": work.selection.type.name, "objects": len(work.parents)} for work in level],
                "ms": round((time.perf_counter() - started) * 1000, 3),
                "statements": len(statements),
                "statementMs": round(sum(ms for _, ms in statements), 3),
            }
        )


def _attribute_values(parents: list[Any], attribute: str) -> list[Any]:
    """The attribute of each parent; a parent whose attribute cannot be read gets a _Failed in its place."""
    try:
        # One parent is the commonest level of a profile: no comprehension (a call of its own) for it.
        if len(parents) == 1:
            return [getattr(parents[0], attribute)]
        return [getattr(parent, attribute) for parent in parents]
    except Exception:  # rare: find which parent, and fail only its field
        values: list[Any] = []
        for parent in parents:
            try:
                values.append(getattr(parent, attribute))
            except Exception as error:
                values.append(_Failed(error))
        return values


def _following_work(following: dict[int, Work], selection: Selection) -> Work:
    """The next level's parents of ``selection``, made when its first one comes."""
    work = following.get(id(selection))
    if work is None:
        work = following[id(selection)] = Work(selection)
    return work


def _null_in_non_null(plan_field: PlanField) -> TypeError:
    return TypeError(f"Cannot return null for non-nullable field {plan_field.parent_type.name}.{plan_field.name}.")


class _Failed:
    """An error in place of a value, until it is located."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _graphql_path(path: Any) -> Path | None:
    """graphql-core's Path of a response position, which the engine keeps as plain (previous, key,
    type name) tuples until someone needs it (a resolver's info, an error)."""
    if path is None or type(path) is Path:
        return path
    return Path(_graphql_path(path[0]), path[1], path[2])


def _is_dead(slot: Slot | None) -> bool:
    while slot is not None:
        if slot[DEAD]:
            return True
        slot = slot[PARENT]
    return False


def _settled_items(items: list[Any]) -> Any:
    """The list with its awaitable items awaited together (each failure in its own place), or the
    list itself when every coroutine among them finishes at once."""
    items = [_eagerly(item) if inspect.iscoroutine(item) else item for item in items]
    waiting = [index for index, item in enumerate(items) if inspect.isawaitable(item)]
    if not waiting:
        return items

    async def settle() -> list[Any]:
        results = await asyncio.gather(*(items[index] for index in waiting), return_exceptions=True)
        for index, result in zip(waiting, results, strict=True):
            items[index] = _Failed(result) if isinstance(result, BaseException) else result
        return items

    return settle()


def _eagerly(coroutine: Any) -> Any:
    try:
        return run_eagerly(coroutine)
    except Exception as error:  # failed before its first wait: this item only
        return _Failed(error)


async def _capture(awaitable: Awaitable[Any]) -> Any:
    try:
        return await awaitable
    except Exception as error:
        return error


def _describe(value: Any) -> str:
    from graphql.pyutils import inspect as graphql_inspect

    return graphql_inspect(value)


def _strawberry_info(host: Any, raw_info: Any, plan_field: PlanField) -> Any:
    strawberry_schema = host.schema._strawberry_schema
    return strawberry_schema.config.info_class(_raw_info=raw_info, _field=plan_field.strawberry_field)
