"""Eager resolvers (gateway.engine.eager): a coroutine that waits for nothing pending is a plain
value; one that does wait runs on as an awaitable, with results, errors and cancellation intact."""

from __future__ import annotations

import asyncio

import pytest

from gateway.engine.eager import eager, run_eagerly


async def test_a_coroutine_awaiting_only_done_futures_is_a_value() -> None:
    done = asyncio.get_running_loop().create_future()
    done.set_result(5)

    async def read() -> int:
        return await done + 1

    assert run_eagerly(read()) == 6


async def test_a_waiting_coroutine_finishes_as_an_awaitable() -> None:
    loop = asyncio.get_running_loop()
    first, second = loop.create_future(), loop.create_future()
    loop.call_later(0.01, first.set_result, 1)
    loop.call_later(0.02, second.set_exception, ValueError("the loader failed"))

    async def read() -> int:
        a = await first
        await asyncio.sleep(0)  # a bare yield, too
        try:
            return a + await second
        except ValueError:
            return a + 10

    pending = run_eagerly(read())
    assert asyncio.iscoroutine(pending)
    assert await pending == 11


async def test_errors_and_cancellation_reach_the_coroutine() -> None:
    loop = asyncio.get_running_loop()
    never = loop.create_future()
    closed: list[bool] = []

    async def wait() -> None:
        try:
            await never
        finally:
            closed.append(True)

    task = asyncio.ensure_future(run_eagerly(wait()))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed == [True]

    async def fail() -> None:
        raise KeyError("nope")

    with pytest.raises(KeyError):
        run_eagerly(fail())


def test_eager_keeps_the_signature_strawberry_reads() -> None:
    async def resolve(root: object, info: object, first: int | None = None) -> list[int]:
        return []

    wrapped = eager(resolve)
    assert wrapped.__wrapped__ is resolve and wrapped.__annotations__ == resolve.__annotations__
    assert not asyncio.iscoroutinefunction(wrapped)
