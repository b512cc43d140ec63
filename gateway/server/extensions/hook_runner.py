"""Schema extensions' lifecycle hooks, run without wrapping them again on every request.

Strawberry's own runner (``strawberry.extensions.context``) inspects every hook of every extension
on every request, for each of the four phases (operation, parsing, validation, execution): it asks
``inspect`` what kind of function the hook is, wraps it with ``contextlib.contextmanager`` (which
copies the function's metadata through ``functools.update_wrapper``) and enters it on an
``ExitStack``. With the dozen extensions an audience schema carries, that was some 44 hook look-ups
and a dozen wrappers per request, the largest part of strawberry's fixed cost per request.

:class:`LifecycleRunner` does the same work with what is known ahead: a hook's kind is worked out
once per list of extension classes and phase (:func:`phase_hooks`), and a generator hook is driven directly (``next``,
``throw``), with the semantics of ``contextlib`` and ``ExitStack``:

- hooks are entered in the extensions' order and left in reverse;
- an exception raised inside the phase is thrown into each generator on the way out; a generator
  that finishes instead of re-raising hides it from the hooks outside it, and one that raises
  another exception replaces it (the first becomes its ``__context__``). As with strawberry's
  runner, a phase never swallows its body's exception: it propagates unless replaced;
- when entering a hook fails, the hooks already entered are left with that exception (strawberry
  abandons them to the garbage collector), and the failure propagates;
- a plain (non-generator) hook runs on entry only, and its coroutine is awaited.

A synchronous phase (``execute_sync``) uses strawberry's own manager: the served path is async.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from functools import lru_cache
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner


class HookKind(Enum):
    GENERATOR = "generator"  # ``def on_x(self): ...; yield; ...``
    ASYNC_GENERATOR = "async generator"  # ``async def on_x(self): ...; yield; ...``
    FUNCTION = "function"  # ``def on_x(self)``: runs on entry
    COROUTINE = "coroutine"  # ``async def on_x(self)``: awaited on entry


def hook_kind(extension_class: type, hook_name: str) -> HookKind | None:
    """What kind of hook ``extension_class`` has for a phase, or None when it keeps the base class's
    no-op. Asked once per list of extension classes (:func:`phase_hooks` keeps the answers)."""
    hook = getattr(extension_class, hook_name)
    if hook is getattr(SchemaExtension, hook_name):
        return None
    if inspect.isgeneratorfunction(hook):
        return HookKind.GENERATOR
    if inspect.isasyncgenfunction(hook):
        return HookKind.ASYNC_GENERATOR
    if inspect.iscoroutinefunction(hook):
        return HookKind.COROUTINE
    if callable(hook):
        return HookKind.FUNCTION
    raise ValueError(f"Hook {hook_name} on {extension_class.__name__} must be callable, received {hook!r}")


# One schema's extension classes, each phase's hooks among them: (position, hook, kind). Bounded for a
# schema whose factories hand out classes made per request; a schema's list is fixed in practice.
_PHASE_HOOKS_KEPT = 256


@lru_cache(maxsize=_PHASE_HOOKS_KEPT)
def phase_hooks(classes: tuple[type, ...], hook_name: str) -> tuple[tuple[int, Callable[[Any], Any], HookKind], ...]:
    """The hooks of one phase among extensions of these classes, in order: which extension (its
    position), its function and its kind; those that keep the base class's no-op are left out."""
    found = []
    for position, extension_class in enumerate(classes):
        kind = hook_kind(extension_class, hook_name)
        if kind is not None:
            found.append((position, getattr(extension_class, hook_name), kind))
    return tuple(found)


@lru_cache(maxsize=_PHASE_HOOKS_KEPT)
def result_hooks(classes: tuple[type, ...]) -> tuple[tuple[int, bool], ...]:
    """The extensions among these classes that give results (override ``get_results``): each one's
    position and whether its ``get_results`` is a coroutine function."""
    base = SchemaExtension.get_results
    return tuple(
        (position, inspect.iscoroutinefunction(extension_class.get_results))
        for position, extension_class in enumerate(classes)
        if extension_class.get_results is not base
    )


class _Phase:
    """One phase's hooks for one request: an async context manager (and, for a synchronous phase,
    strawberry's own one behind ``with``)."""

    __slots__ = ("_entered", "_sync", "classes", "extensions", "hook_name", "sync_manager")

    def __init__(
        self,
        extensions: list[SchemaExtension],
        classes: tuple[type, ...],
        hook_name: str,
        sync_manager: type[ExtensionContextManagerBase],
    ) -> None:
        self.extensions = extensions
        self.classes = classes
        self.hook_name = hook_name
        self.sync_manager = sync_manager
        self._entered: list[tuple[Any, bool]] = []  # (generator, whether async), in entry order
        self._sync: ExtensionContextManagerBase | None = None

    async def __aenter__(self) -> None:
        name = self.hook_name
        entered = self._entered
        extensions = self.extensions
        for position, hook, kind in phase_hooks(self.classes, name):
            extension = extensions[position]
            try:
                if kind is HookKind.GENERATOR:
                    generator = hook(extension)
                    try:
                        next(generator)
                    except StopIteration:
                        raise RuntimeError(f"{type(extension).__name__}.{name} did not yield") from None
                    entered.append((generator, False))
                elif kind is HookKind.ASYNC_GENERATOR:
                    generator = hook(extension)
                    try:
                        await generator.__anext__()
                    except StopAsyncIteration:
                        raise RuntimeError(f"{type(extension).__name__}.{name} did not yield") from None
                    entered.append((generator, True))
                elif kind is HookKind.COROUTINE:
                    await hook(extension)
                else:
                    hook(extension)
            except BaseException as exc:
                # As ExitStack does: what was entered is left with the failure, which then propagates.
                await self._leave(exc)
                raise

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        await self._leave(exc)
        return False  # never swallowed here, as strawberry's runner never does

    async def _leave(self, exc: BaseException | None) -> None:
        """Leave the entered hooks, innermost first; raises what a hook raised in place of ``exc``."""
        entered, self._entered = self._entered, []
        pending = exc
        while entered:
            generator, is_async = entered.pop()
            try:
                if pending is None:
                    if is_async:
                        await generator.__anext__()
                    else:
                        next(generator)
                else:
                    if is_async:
                        await generator.athrow(pending)
                    else:
                        generator.throw(pending)
            except (StopIteration, StopAsyncIteration):
                pending = None  # finished: it left cleanly, or swallowed what was thrown into it
                continue
            except BaseException as raised:
                if raised is not pending:
                    _chain(raised, pending, exc)
                pending = raised
                continue
            # It yielded a second time: contextlib's error, in place of whatever was on its way out.
            error = RuntimeError("an extension hook did not stop after its yield")
            _chain(error, pending, exc)
            pending = error
        if pending is not None and pending is not exc:
            fixed_context = pending.__context__
            try:
                raise pending  # sets the exception being handled as its context: put ours back
            except BaseException:
                pending.__context__ = fixed_context
                raise

    def __enter__(self) -> None:
        self._sync = self.sync_manager(self.extensions)
        self._sync.__enter__()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool | None:
        assert self._sync is not None
        return self._sync.__exit__(exc_type, exc, traceback)


def _chain(raised: BaseException, before: BaseException | None, phase_exception: BaseException | None) -> None:
    """Make ``before`` (what the hook was left with) the context of ``raised``, as ``ExitStack`` does:
    Python set the phase's own exception there, which a hook further in may have replaced or hidden."""
    link = raised
    while True:
        context = link.__context__
        if context is None or context is before:
            return
        if context is phase_exception:
            link.__context__ = before
            return
        link = context


class LifecycleRunner(SchemaExtensionsRunner):
    """Strawberry's extensions runner with the phases of :class:`_Phase` (see the module's documentation)."""

    def __init__(self, execution_context: Any, extensions: list[SchemaExtension] | None = None) -> None:
        super().__init__(execution_context, extensions)
        self._classes = tuple(map(type, self.extensions))

    async def get_extensions_results(self, ctx: Any) -> dict[str, Any]:
        """The results of the extensions that give any (strawberry asks every extension, awaiting each
        answer), then the execution context's own, as strawberry merges them."""
        data: dict[str, Any] = {}
        extensions = self.extensions
        for position, is_coroutine in result_hooks(self._classes):
            results = extensions[position].get_results()
            if is_coroutine or inspect.isawaitable(results):  # a plain function may return an awaitable too
                results = await results
            data.update(results)
        data.update(ctx.extensions_results)
        return data

    def operation(self) -> Any:
        return _Phase(self.extensions, self._classes, "on_operation", OperationContextManager)

    def parsing(self) -> Any:
        return _Phase(self.extensions, self._classes, "on_parse", ParsingContextManager)

    def validation(self) -> Any:
        return _Phase(self.extensions, self._classes, "on_validate", ValidationContextManager)

    def executing(self) -> Any:
        return _Phase(self.extensions, self._classes, "on_execute", ExecutingContextManager)
