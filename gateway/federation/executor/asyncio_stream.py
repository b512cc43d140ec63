"""httpcore's network backend on asyncio's own streams, for the subgraph pools (:mod:`.http_pool`).

httpcore's default backend goes through anyio, whose cancel scopes, checkpoints and per-call attribute
tables cost a few percent of a federated request's CPU; the gateway only ever runs on asyncio. Two more
savings: a request's head and body leave in one write (httpcore writes them separately, and each write
on a keep-alive connection is a system call through the TCP stack), and the check httpcore makes of
every idle connection whenever a request joins or leaves the pool (is it readable, i.e. closed by the
server?) asks the stream's reader, which the event loop keeps up to date, instead of polling each socket.

The streams and the backend implement httpcore's interfaces, whose methods take a ``timeout`` argument
(hence the ``noqa: ASYNC109``: those signatures are httpcore's). The executor bounds each exchange with
``asyncio.timeout`` and passes none, but one given is honoured.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import httpcore


def _deadline(timeout: float | None) -> AbstractAsyncContextManager[Any]:
    return nullcontext() if timeout is None else asyncio.timeout(timeout)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection; writes are held until the next read (the request is complete by then)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._socket: Any = writer.get_extra_info("socket")  # asyncio's TransportSocket
        self._pending: list[bytes] = []

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if buffer:
            self._pending.append(buffer)

    async def _flush(self, timeout: float | None) -> None:  # noqa: ASYNC109
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        try:
            async with _deadline(timeout):
                self._writer.write(data)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(exc) from exc
        except (OSError, RuntimeError) as exc:  # RuntimeError: the transport was closed under us
            raise httpcore.WriteError(exc) from exc

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        if self._pending:
            await self._flush(timeout)
        try:
            async with _deadline(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc

    async def aclose(self) -> None:
        self._pending.clear()
        self._writer.close()  # the transport closes on its own; waiting for it would only add a step

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        if self._pending:
            await self._flush(timeout)
        try:
            async with _deadline(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ConnectError(exc) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of every idle connection of the pool each time a request joins or leaves it: an idle
            # connection with something to read has been closed (or broken) by the server. The event loop
            # has already read whatever arrived, so the reader knows without a system call per connection.
            reader = self._reader
            return (
                self._writer.is_closing()
                or reader.at_eof()
                or reader.exception() is not None
                or bool(getattr(reader, "_buffer", None))  # bytes nobody asked for (asyncio's own buffer)
            )
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "socket":
            return self._socket
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with _deadline(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        stream = AsyncioStream(reader, writer)
        if stream._socket is not None:
            for option in socket_options or ():
                stream._socket.setsockopt(*option)
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with _deadline(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
