"""Which catalogue version is in force, kept per serving process on PostgreSQL so that a request need not ask.

Publishing a version notifies a PostgreSQL channel in the publishing transaction, so the notification is
delivered when that transaction commits. Each serving process (its ``startup``) listens on the channel on one
connection of its pool. While that listener is connected, and nothing was notified since a process last read
the newest version, that version is still the newest: requests use it without a statement. Every other case
reads it again, as a request always did before:

* no listener (SQLite, a process that did not start serving, such as the test harness or a CLI command);
* the listener's connection was lost (it reconnects after a pause, and the first read after that asks again);
* a read older than ``REREAD_AFTER_SECONDS``, so that a notification lost without the driver noticing (a
  connection cut off silently) delays a change by at most that long.

A worker sees a published version from the moment the notification reaches it, which on one machine is well
under a millisecond after the commit, rather than strictly on its next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

CHANNEL = "credit_gateway_measure_catalogue"
REREAD_AFTER_SECONDS = 30.0
RECONNECT_PAUSE_SECONDS = 1.0

log = logging.getLogger(__name__)
Held = TypeVar("Held")


@dataclass(slots=True)
class _Reading(Generic[Held]):
    value: Held
    epoch: int
    read_at: float


class VersionWatch(Generic[Held]):
    """The listener of one engine and the reading it vouches for. ``epoch`` moves on every notification and
    every (re)connection, so a reading taken before either is never trusted."""

    def __init__(self) -> None:
        self.epoch = 0
        self._listening = asyncio.Event()
        self._reading: _Reading[Held] | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def wait_listening(self) -> None:
        """Until the listener is connected (a serving process's first requests may precede it)."""
        await self._listening.wait()

    def current(self) -> Held | None:
        """The reading, while nothing can have changed it since; else None (read again)."""
        reading = self._reading
        if reading is None or not self.listening or reading.epoch != self.epoch:
            return None
        if time.monotonic() - reading.read_at > REREAD_AFTER_SECONDS:
            return None
        return reading.value

    def last(self) -> Held | None:
        """The latest reading, trusted or not (a reader can skip what has not changed since)."""
        return self._reading.value if self._reading is not None else None

    def stamp(self) -> int:
        """Taken before reading; pass it to ``keep`` with what was read."""
        return self.epoch

    def keep(self, value: Held, stamp: int) -> None:
        self._reading = _Reading(value, stamp, time.monotonic())

    def changed(self, *_: Any) -> None:  # also asyncpg's listener callback (connection, pid, channel, payload)
        self.epoch += 1

    def start(self, engine: AsyncEngine) -> None:
        if engine.dialect.name == "postgresql" and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen(engine), name="measure-catalogue-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self, engine: AsyncEngine) -> None:
        while True:
            try:
                async with engine.connect() as conn:
                    await self._listen_on(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: requests read the version themselves meanwhile
                log.warning("measures catalogue watch lost its connection (%r); reconnecting", exc)
            await asyncio.sleep(RECONNECT_PAUSE_SECONDS)

    async def _listen_on(self, conn: AsyncConnection) -> None:
        driver = (await conn.get_raw_connection()).driver_connection
        lost = asyncio.Event()
        driver.add_termination_listener(lambda _connection: lost.set())
        try:
            await driver.add_listener(CHANNEL, self.changed)
            self.changed()  # what was read before the LISTEN took effect may be out of date
            self._listening.set()
            await lost.wait()
        finally:
            self._listening.clear()
            self.changed()
            # Never hand a listening connection back to the pool: close it instead.
            await conn.invalidate()


_watches: weakref.WeakKeyDictionary[Any, VersionWatch[Any]] = weakref.WeakKeyDictionary()


def watch_of(engine: AsyncEngine) -> VersionWatch[Any]:
    """The watch of this engine (its database), made on first use."""
    key = engine.sync_engine
    found = _watches.get(key)
    if found is None:
        found = _watches[key] = VersionWatch()
    return found
