"""Reaching remote subgraphs over HTTP: :class:`HttpTransport`, the executor's
:class:`~gateway.federation.query_plan.SubgraphTransport` for every subgraph that is not in process.

Per subgraph a pool of keep-alive connections (:mod:`.http_pool`, on aiohttp's client), its own timeout
and its own concurrency limit, a streamed body read that stops at the size cap, retries for queries
only, and only where no answer began, and identical queries in flight at once sent once (see
:class:`HttpTransport`). Anything that is not a GraphQL
response becomes :class:`SubgraphUnavailable` with a stable code; the message names the subgraph and
what went wrong, never the body (it may hold data the client must not see, or an attacker's text).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from time import perf_counter
from typing import Any, Protocol, TypeVar

import aiohttp
import orjson

from gateway.federation.executor.http_pool import (
    TRANSPORT_ERRORS,
    Answer,
    BadEncoding,
    ResponseTooLarge,
    SubgraphPool,
    Unanswered,
)
from gateway.federation.query_plan import OperationKind, SubgraphUnavailable
from gateway.kernel.errors import (
    SUBGRAPH_BAD_RESPONSE,
    SUBGRAPH_REQUEST_UNSERIALISABLE,
    SUBGRAPH_RESPONSE_TOO_LARGE,
    SUBGRAPH_TIMEOUT,
    SUBGRAPH_UNAVAILABLE,
)
from gateway.kernel.limits import MAX_SUBGRAPH_RESPONSE_BYTES

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_CONCURRENCY = 64
EVERY_SUBGRAPH = "*"  # the key of a per-subgraph value for every subgraph not named
_Value = TypeVar("_Value", bool, int, float)
_ACCEPT = "application/graphql-response+json, application/json;q=0.9"


class FetchObserver(Protocol):
    """Told of every fetch :class:`HttpTransport` makes (the server counts them in its metrics)."""

    def sent(self, subgraph: str, outcome: str, seconds: float) -> None:
        """A request sent to ``subgraph`` (its retries included) ended after ``seconds``: ``outcome`` is
        ``OK`` when an answer came back (whatever its status), else the failure's code
        (``SUBGRAPH_TIMEOUT`` …), ``CANCELLED``, or ``INTERNAL_SERVER_ERROR`` for an unforeseen one."""

    def shared(self, subgraph: str) -> None:
        """A fetch was answered by an identical query already in flight to ``subgraph``, not sent."""


class HttpTransport:
    """POSTs fetches to the subgraphs' URLs.

    ``timeout_s`` and ``max_concurrency``: one value for all, or per subgraph name (``"*"`` for the
    others; without it the defaults, 10 s and 64). A subgraph's timeout bounds the whole fetch: the wait
    for a free slot of its concurrency limit, every attempt, and reading the answer. Its limit is the
    most requests in flight to it at once (and the most connections its pool keeps).

    ``retries``: further attempts of a *query*, only when the connection failed before any answer
    began (refused, reset or closed before the status line; :class:`~.http_pool.Unanswered`), and
    only within what is left of the timeout. Never after a timeout: the subgraph had the request and
    may still be working on it, and waiting again would double the client's wait. Never after an answer
    began and was cut off, or after any answer at all: the subgraph took the request and answered.
    A mutation is sent once whatever happens: it may have run.

    ``headers``: sent with every request (the configured propagation rule builds them; never all of the
    client's).

    ``deduplicate``: a query whose request (subgraph, body and the headers this fetch adds) is the same as
    one in flight is not sent again: it waits for that one's answer, and each caller parses the answer
    for itself (nothing parsed is shared, nothing is kept once it is answered). When many clients read
    the same profile or page at once, the subgraph sees one request. A caller that goes away (its client
    disconnected) does not cancel the request the others wait for. A joiner shares the first request's
    deadline and outcome: its timeout, its error. Mutations are always sent, once each. One value for
    all, or per subgraph name (``"*"`` for the others; without it, on): a subgraph whose answer to the
    same request may differ between callers for a reason the request does not carry is named ``False``.

    ``observer``: told of each request sent and each fetch answered by one in flight (:class:`FetchObserver`)."""

    def __init__(
        self,
        urls: Mapping[str, str],
        *,
        timeout_s: float | Mapping[str, float] = DEFAULT_TIMEOUT_S,
        max_concurrency: int | Mapping[str, int] = DEFAULT_CONCURRENCY,
        headers: Mapping[str, str] | None = None,
        retries: int = 1,
        max_response_bytes: int = MAX_SUBGRAPH_RESPONSE_BYTES,
        deduplicate: bool | Mapping[str, bool] = True,
        observer: FetchObserver | None = None,
    ) -> None:
        self._timeouts = _per_subgraph(timeout_s)
        self._concurrency = _per_subgraph(max_concurrency)
        if min(self._timeouts.values(), default=1) <= 0 or min(self._concurrency.values(), default=1) < 1:
            raise ValueError("timeouts must be above 0 and concurrency limits at least 1")
        if retries < 0 or max_response_bytes < 1:
            raise ValueError("max_response_bytes must be positive, retries not negative")
        self.urls = dict(urls)
        self._slots = {name: asyncio.Semaphore(self.concurrency_for(name)) for name in self.urls}
        self._headers = {"content-type": "application/json", "accept": _ACCEPT, **(headers or {})}
        self.retries = retries
        self.max_response_bytes = max_response_bytes
        self._deduplicate = _per_subgraph(deduplicate)
        self.observer = observer
        # The queries in flight, by request: one entry per distinct request being answered, gone when
        # answered, so it holds no more than the requests in flight.
        self._in_flight: dict[tuple[str, bytes, tuple[tuple[str, str], ...]], asyncio.Future[Answer]] = {}
        # Made on first use: a bad URL fails its subgraph's fetches, not the transport.
        self._pools: dict[str, SubgraphPool] = {}
        # One TLS context for all pools (the system's trusted CAs), made when a URL needs it.
        self._ssl_context = (
            ssl.create_default_context() if any(u.startswith("https:") for u in self.urls.values()) else None
        )

    def timeout_for(self, subgraph: str) -> float:
        return _for(self._timeouts, subgraph, DEFAULT_TIMEOUT_S)

    def deduplicates(self, subgraph: str) -> bool:
        return _for(self._deduplicate, subgraph, True)

    def concurrency_for(self, subgraph: str) -> int:
        return _for(self._concurrency, subgraph, DEFAULT_CONCURRENCY)

    def outgoing_headers(self, subgraph: str) -> Mapping[str, str] | None:
        """Headers for this fetch to ``subgraph`` besides the fixed ones (replacing those of the same name);
        a subclass applies a propagation rule here."""
        return None

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()

    def _pool(self, subgraph: str, url: str) -> SubgraphPool:
        pool = self._pools.get(subgraph)
        if pool is None:
            pool = self._pools[subgraph] = SubgraphPool(
                url,
                max_connections=self.concurrency_for(subgraph),
                headers=self._headers,
                ssl_context=self._ssl_context,
            )
        return pool

    async def send(
        self, subgraph: str, operation: str, variables: dict[str, Any], *, operation_kind: OperationKind
    ) -> dict[str, Any]:
        url = self.urls.get(subgraph)
        if url is None:
            raise SubgraphUnavailable(subgraph, f"no URL is configured for subgraph {subgraph!r}")
        try:
            body = orjson.dumps({"query": operation, "variables": variables})
        except (TypeError, orjson.JSONEncodeError) as exc:  # nested past 255 levels, or not JSON at all
            message = f"the request to subgraph {subgraph!r} could not be written as JSON ({exc})"
            raise SubgraphUnavailable(subgraph, message, SUBGRAPH_REQUEST_UNSERIALISABLE) from None
        if operation_kind != "query" or not self.deduplicates(subgraph):
            return _graphql_body(subgraph, await self._exchange(subgraph, url, body, operation_kind))
        extra = self.outgoing_headers(subgraph)
        key = (subgraph, body, tuple(sorted(extra.items())) if extra else ())
        shared = self._in_flight.get(key)
        if shared is None:
            # A task of its own (it runs in a copy of this caller's context, whose outgoing headers are
            # the key's), so that no caller's cancellation ends it for the others.
            shared = asyncio.ensure_future(self._exchange(subgraph, url, body, operation_kind))
            self._in_flight[key] = shared
            shared.add_done_callback(lambda done: self._answered(key, done))
        elif self.observer is not None:
            self.observer.shared(subgraph)
        try:
            answer = await asyncio.shield(shared)
        except SubgraphUnavailable as exc:  # each caller's own, not one instance raised in every caller
            raise SubgraphUnavailable(exc.subgraph, str(exc), exc.code) from None
        return _graphql_body(subgraph, answer)

    def _answered(self, key: tuple[str, bytes, tuple[tuple[str, str], ...]], done: asyncio.Future[Answer]) -> None:
        if self._in_flight.get(key) is done:
            del self._in_flight[key]
        if not done.cancelled():
            done.exception()  # retrieved here: every caller may have gone, and asyncio would log it as lost

    async def _exchange(self, subgraph: str, url: str, body: bytes, operation_kind: OperationKind) -> Answer:
        """The subgraph's answer to ``body``, within its timeout and with its retries, or raise
        :class:`SubgraphUnavailable`; told to the observer."""
        if self.observer is None:
            return await self._within_timeout(subgraph, url, body, operation_kind)
        started, outcome = perf_counter(), "INTERNAL_SERVER_ERROR"  # unless it answers or fails as foreseen
        try:
            answer = await self._within_timeout(subgraph, url, body, operation_kind)
            outcome = "OK"
            return answer
        except SubgraphUnavailable as exc:
            outcome = exc.code
            raise
        except asyncio.CancelledError:
            outcome = "CANCELLED"
            raise
        finally:
            self.observer.sent(subgraph, outcome, perf_counter() - started)

    async def _within_timeout(self, subgraph: str, url: str, body: bytes, operation_kind: OperationKind) -> Answer:
        timeout = self.timeout_for(subgraph)
        try:
            async with asyncio.timeout(timeout):  # one deadline for every attempt: a retry gets what is left
                for _ in range(self.retries if operation_kind == "query" else 0):
                    try:
                        return await self._attempt(subgraph, url, body)
                    except _Unanswered:
                        continue
                return await self._attempt(subgraph, url, body)
        except TimeoutError:
            message = f"subgraph {subgraph!r} did not answer within {timeout:g} s"
            raise SubgraphUnavailable(subgraph, message, SUBGRAPH_TIMEOUT) from None

    async def _attempt(self, subgraph: str, url: str, body: bytes) -> Answer:
        extra = self.outgoing_headers(subgraph)
        try:
            async with self._slots[subgraph]:
                answer = await self._pool(subgraph, url).post(
                    body, extra.items() if extra else (), self.max_response_bytes
                )
        except Unanswered as exc:
            raise _Unanswered(subgraph, f"subgraph {subgraph!r} is unreachable ({exc.reason})") from None
        except TRANSPORT_ERRORS as exc:
            message = f"subgraph {subgraph!r} broke off its answer ({type(exc).__name__})"
            raise SubgraphUnavailable(subgraph, message, SUBGRAPH_UNAVAILABLE) from None
        except ResponseTooLarge:
            raise _too_large(subgraph, self.max_response_bytes) from None
        except BadEncoding:
            message = f"subgraph {subgraph!r} answered a body that does not decode as its content-encoding says"
            raise SubgraphUnavailable(subgraph, message, SUBGRAPH_BAD_RESPONSE) from None
        except aiohttp.ClientError as exc:
            # Any other failure of the HTTP layer (a malformed answer, a URL it cannot reach) is this
            # subgraph's bad answer, never the request's 500.
            message = f"subgraph {subgraph!r} gave no usable answer ({type(exc).__name__})"
            raise SubgraphUnavailable(subgraph, message, SUBGRAPH_BAD_RESPONSE) from None
        return answer


class _Unanswered(SubgraphUnavailable):
    """No answer began (:class:`~.http_pool.Unanswered`): the one failure a query is sent again after;
    reported as it is when no attempt is left."""


def _per_subgraph(value: _Value | Mapping[str, _Value]) -> dict[str, _Value]:
    return dict(value) if isinstance(value, Mapping) else {EVERY_SUBGRAPH: value}


def _for(values: Mapping[str, _Value], subgraph: str, default: _Value) -> _Value:
    """A per-subgraph value: the subgraph's own, else ``*``'s, else ``default``."""
    return values.get(subgraph, values.get(EVERY_SUBGRAPH, default))


def _too_large(subgraph: str, cap: int) -> SubgraphUnavailable:
    return SubgraphUnavailable(
        subgraph,
        f"subgraph {subgraph!r} answered more than {cap} bytes; the answer was not read",
        SUBGRAPH_RESPONSE_TOO_LARGE,
    )


def _graphql_body(subgraph: str, answer: Answer) -> dict[str, Any]:
    """The parsed GraphQL response, whatever the status (a 4xx/5xx may carry GraphQL errors), or raise."""
    status = answer.status
    try:
        parsed = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and ("data" in parsed or "errors" in parsed) and _well_formed(parsed):
        return parsed
    content_type = (answer.content_type or "none").split(";")[0].strip() or "none"
    if status >= 500:
        raise SubgraphUnavailable(
            subgraph, f"subgraph {subgraph!r} failed: HTTP {status} ({content_type}) without a GraphQL response"
        )
    what = "malformed JSON" if parsed is None and "json" in content_type else f"{content_type}"
    raise SubgraphUnavailable(
        subgraph,
        f"subgraph {subgraph!r} answered HTTP {status} with {what}, not a GraphQL response",
        SUBGRAPH_BAD_RESPONSE,
    )


def _well_formed(parsed: dict[str, Any]) -> bool:
    data, errors = parsed.get("data"), parsed.get("errors")
    return (data is None or isinstance(data, dict)) and (errors is None or isinstance(errors, list))
