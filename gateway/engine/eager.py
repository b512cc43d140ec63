"""Running a resolver's coroutine eagerly: to its end when nothing it awaits is pending.

graphql-core gives every awaitable field value its own task, and a batch of 100 subjects with four
domain fields each is 400 tasks, gathered per subject: in the benchmark's profile, task creation
and scheduling cost more than the resolvers. When the data a resolver awaits is already loaded
(the subject resolvers prefetch the record loaders of the domain fields an operation selects), its
coroutine runs to the end at once, and the field is a plain value. If it does wait for something,
the rest of it runs as an ordinary awaitable, exactly as before.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any


def run_eagerly(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The coroutine's value if it completes without suspending, else an awaitable of the rest."""
    try:
        waiting_on = coroutine.send(None)
    except StopIteration as done:
        return done.value
    _receive(waiting_on)
    return _finish(coroutine, waiting_on)


def _receive(waiting_on: Any) -> None:
    """What a Task does on receiving a yielded future, at once: clear its "blocking" mark. Awaiting
    a pending future whose mark is set is refused ("await wasn't used with future"), and until the
    awaitable of the rest runs, another resolver may await the same future (the same subject twice
    in one ``subjects`` call shares its loads)."""
    if getattr(waiting_on, "_asyncio_future_blocking", False):
        waiting_on._asyncio_future_blocking = False


async def _finish(coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> Any:
    """Drive the rest of ``coroutine`` as the event loop would: wait for what it yielded, resume it."""
    while True:
        if waiting_on is None:  # a bare yield (asyncio.sleep(0)): give the loop a turn
            await asyncio.sleep(0)
        else:
            _receive(waiting_on)  # the future may have been awaited and marked again meanwhile
            try:
                await waiting_on
            except asyncio.CancelledError:
                if not waiting_on.done():  # this task was cancelled, not what it awaited
                    coroutine.close()
                    raise
            except Exception:
                pass
        try:
            waiting_on = coroutine.send(None)
        except StopIteration as done:
            return done.value


def eager(resolver: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
    """A sync resolver (same signature and annotations) that runs the async one eagerly."""

    @functools.wraps(resolver)
    def run(*args: Any, **kwargs: Any) -> Any:
        return run_eagerly(resolver(*args, **kwargs))

    return run


def selected_names(info: Any, path: tuple[str, ...] = ()) -> set[str]:
    """The field names selected under the resolving field (and down ``path``), through fragments;
    read from the operation's syntax tree, which costs far less than strawberry's selected_fields."""
    from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

    def fields(selection_sets: list[Any]) -> list[FieldNode]:
        found: list[FieldNode] = []
        pending = [s for s in selection_sets if s is not None]
        while pending:
            for node in pending.pop().selections:
                if isinstance(node, FieldNode):
                    found.append(node)
                elif isinstance(node, InlineFragmentNode):
                    pending.append(node.selection_set)
                elif isinstance(node, FragmentSpreadNode) and node.name.value in info.fragments:
                    pending.append(info.fragments[node.name.value].selection_set)
        return found

    level = fields([node.selection_set for node in info.field_nodes])
    for name in path:
        level = fields([node.selection_set for node in level if node.name.value == name])
    return {node.name.value for node in level}
