"""The extensions' hook runner (gateway.server.extensions.hook_runner) against strawberry's own.

Each case runs the same extensions through strawberry's ``OperationContextManager`` and through
``LifecycleRunner.operation()``, and compares what the hooks saw and what came out: the order of
entry and exit, the exception thrown into each hook, and whether the phase raised and which exception
(with its context). Strawberry abandons the hooks already entered when a later one fails to enter; the
runner leaves them as ``ExitStack`` would, which is the one difference, tested on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import OperationContextManager
from strawberry.extensions.runner import SchemaExtensionsRunner

from gateway.server.extensions.hook_runner import HookKind, LifecycleRunner, hook_kind


class Boom(Exception):
    pass


class Other(Exception):
    pass


def extensions_for(trace: list[str]) -> dict[str, type[SchemaExtension]]:
    """One extension class per hook kind and behaviour, each writing to ``trace``."""

    class Generator(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            trace.append("generator in")
            try:
                yield
            except Exception as exc:
                trace.append(f"generator saw {type(exc).__name__}")
                raise
            trace.append("generator out")

    class AsyncGenerator(SchemaExtension):
        async def on_operation(self) -> AsyncIterator[None]:
            trace.append("async generator in")
            try:
                yield
            except Exception as exc:
                trace.append(f"async generator saw {type(exc).__name__}")
                raise
            trace.append("async generator out")

    class Swallows(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            try:
                yield
            except Boom:
                trace.append("swallowed Boom")

    class Replaces(SchemaExtension):
        async def on_operation(self) -> AsyncIterator[None]:
            try:
                yield
            except Boom as exc:
                trace.append("replacing Boom")
                raise Other("instead") from exc

    class Function(SchemaExtension):
        def on_operation(self) -> None:  # type: ignore[override]
            trace.append("function")

    class Coroutine(SchemaExtension):
        async def on_operation(self) -> None:  # type: ignore[override]
            trace.append("coroutine")

    class FailsOnExit(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield
            trace.append("failing on exit")
            raise Other("on exit")

    class Nothing(SchemaExtension):
        pass

    return {
        c.__name__: c
        for c in (Generator, AsyncGenerator, Swallows, Replaces, Function, Coroutine, FailsOnExit, Nothing)
    }


async def run_phase(manager: Any, trace: list[str], body_raises: type[Exception] | None) -> str:
    try:
        async with manager:
            trace.append("body")
            if body_raises is not None:
                raise body_raises("in the body")
    except Exception as exc:
        context = type(exc.__context__).__name__ if exc.__context__ is not None else None
        return f"raised {type(exc).__name__} (context {context})"
    return "completed"


CASES = [
    (["Generator", "AsyncGenerator", "Function", "Coroutine", "Nothing"], None),
    (["Generator", "AsyncGenerator", "Function", "Coroutine"], Boom),
    (["Generator", "Swallows", "AsyncGenerator"], Boom),
    (["Swallows", "Generator"], Other),
    (["Generator", "Replaces", "AsyncGenerator"], Boom),
    (["AsyncGenerator", "FailsOnExit", "Generator"], None),
    (["Generator", "FailsOnExit"], Boom),
    (["Swallows", "FailsOnExit"], None),
    (["FailsOnExit", "Swallows"], Boom),
]


@pytest.mark.parametrize(("names", "body_raises"), CASES)
async def test_runner_does_what_strawberry_does(names: list[str], body_raises: type[Exception] | None) -> None:
    outcomes = []
    for make in (OperationContextManager, lambda e: LifecycleRunner(None, e).operation()):  # type: ignore[arg-type]
        trace: list[str] = []
        classes = extensions_for(trace)
        manager = make([classes[name]() for name in names])
        outcome = await run_phase(manager, trace, body_raises)
        outcomes.append((trace, outcome))
    strawberry_run, ours = outcomes
    assert ours == strawberry_run
    assert len(ours[0]) > 1  # the hooks really ran, not the body alone


async def test_hooks_entered_before_a_failing_entry_are_left_with_its_exception() -> None:
    trace: list[str] = []
    classes = extensions_for(trace)

    class FailsOnEntry(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            raise Boom("on entry")
            yield  # pragma: no cover

    manager = LifecycleRunner(None, [classes["Generator"](), FailsOnEntry(), classes["AsyncGenerator"]()]).operation()  # type: ignore[arg-type]
    outcome = await run_phase(manager, trace, None)
    assert outcome == "raised Boom (context None)"
    # The body never ran, the hook after the failing one was never entered, the one before was left.
    assert trace == ["generator in", "generator saw Boom"]


async def test_a_hook_that_yields_twice_is_an_error() -> None:
    class YieldsTwice(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield
            yield

    with pytest.raises(RuntimeError, match="did not stop"):
        async with LifecycleRunner(None, [YieldsTwice()]).operation():  # type: ignore[arg-type]
            pass


def test_hook_kinds_are_worked_out_per_class() -> None:
    classes = extensions_for([])
    assert hook_kind(classes["Generator"], "on_operation") is HookKind.GENERATOR
    assert hook_kind(classes["AsyncGenerator"], "on_operation") is HookKind.ASYNC_GENERATOR
    assert hook_kind(classes["Function"], "on_operation") is HookKind.FUNCTION
    assert hook_kind(classes["Coroutine"], "on_operation") is HookKind.COROUTINE
    assert hook_kind(classes["Nothing"], "on_operation") is None
    assert hook_kind(classes["Generator"], "on_parse") is None


def test_a_synchronous_phase_uses_strawberrys_manager() -> None:
    trace: list[str] = []
    classes = extensions_for(trace)
    with LifecycleRunner(None, [classes["Generator"](), classes["Function"]()]).operation():  # type: ignore[arg-type]
        trace.append("body")
    assert trace == ["generator in", "function", "body", "generator out"]


class _SyncResults(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        return {"sync": 1, "shared": "sync"}


class _AsyncResults(SchemaExtension):
    async def get_results(self) -> dict[str, Any]:  # type: ignore[override]
        return {"async": 2, "shared": "async"}


class _AwaitableResults(SchemaExtension):
    def get_results(self) -> Any:
        async def later() -> dict[str, Any]:
            return {"awaitable": 3}

        return later()


class _NoResults(SchemaExtension):
    pass


@pytest.mark.parametrize(
    "classes",
    [
        (_NoResults, _SyncResults, _AsyncResults, _AwaitableResults),
        (_AsyncResults, _NoResults, _SyncResults),
        (_NoResults,),
        (),
    ],
)
async def test_extension_results_merge_as_strawberrys(classes: tuple[type[SchemaExtension], ...]) -> None:
    context = SimpleNamespace(extensions_results={"shared": "context", "own": 4})
    ours = await LifecycleRunner(context, [cls() for cls in classes]).get_extensions_results(context)  # type: ignore[arg-type]
    theirs = await SchemaExtensionsRunner(context, [cls() for cls in classes]).get_extensions_results(context)  # type: ignore[arg-type]
    assert ours == theirs
    assert list(ours) == list(theirs)  # the same order: later ones win, the context's last
