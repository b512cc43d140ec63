"""Reaching remote subgraphs over HTTP: :class:`HttpTransport`, the executor's
:class:`~gateway.federation.query_plan.SubgraphTransport` for every subgraph that is not in process.

Per subgraph a pool of keep-alive connections (:mod:`.http_pool`, on aiohttp's client), a timeout
and a concurrency limit, a streamed body read that stops at the size cap, and retries for queries
only. Anything that is not a GraphQL response becomes :class:`SubgraphUnavailable` with a stable code;
the message names the subgraph and what went wrong, never the body (it may hold data the client must
not see, or an attacker's text).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from gateway.federation.executor.http_pool import (
    TRANSPORT_ERRORS,
    Answer,
    BadEncoding,
    ResponseTooLarge,
    SubgraphPool,
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
_ACCEPT = "application/graphql-response+json, application/json;q=0.9"


class HttpTransport:
    """POSTs fetches to the subgraphs' URLs.

    ``timeout_s``: one value for all, or per subgraph name (``"*"`` for the others); it bounds the whole
    exchange, the wait for a free slot of the concurrency limit included. ``retries``: further attempts
    of a *query* after a connection error or a timeout (a mutation is sent once: it may have run).
    ``headers``: sent with every request (the configured propagation rule builds them; never all of the
    client's)."""

    def __init__(
        self,
        urls: Mapping[str, str],
        *,
        timeout_s: float | Mapping[str, float] = DEFAULT_TIMEOUT_S,
        max_concurrency: int = 64,
        headers: Mapping[str, str] | None = None,
        retries: int = 1,
        max_response_bytes: int = MAX_SUBGRAPH_RESPONSE_BYTES,
    ) -> None:
        if max_concurrency < 1 or retries < 0 or max_response_bytes < 1:
            raise ValueError("max_concurrency and max_response_bytes must be positive, retries not negative")
        self.urls = dict(urls)
        self._timeouts = dict(timeout_s) if isinstance(timeout_s, Mapping) else {"*": float(timeout_s)}
        self._slots = {name: asyncio.Semaphore(max_concurrency) for name in self.urls}
        self._headers = {"content-type": "application/json", "accept": _ACCEPT, **(headers or {})}
        self.retries = retries
        self.max_response_bytes = max_response_bytes
        self._max_concurrency = max_concurrency
        # Made on first use: a bad URL fails its subgraph's fetches, not the transport.
        self._pools: dict[str, SubgraphPool] = {}
        # One TLS context for all pools (the system's trusted CAs), made when a URL needs it.
        self._ssl_context = (
            ssl.create_default_context() if any(u.startswith("https:") for u in self.urls.values()) else None
        )

    def timeout_for(self, subgraph: str) -> float:
        return self._timeouts.get(subgraph, self._timeouts.get("*", DEFAULT_TIMEOUT_S))

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
                url, max_connections=self._max_concurrency, headers=self._headers, ssl_context=self._ssl_context
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
        attempts = 1 + (self.retries if operation_kind == "query" else 0)
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(subgraph, url, body)
            except _Transient as transient:
                if attempt == attempts:
                    raise transient.error from None
        raise AssertionError("unreachable")  # the last attempt returns or raises

    async def _attempt(self, subgraph: str, url: str, body: bytes) -> dict[str, Any]:
        timeout = self.timeout_for(subgraph)
        extra = self.outgoing_headers(subgraph)
        try:
            async with asyncio.timeout(timeout), self._slots[subgraph]:
                answer = await self._pool(subgraph, url).post(
                    body, extra.items() if extra else (), self.max_response_bytes
                )
        except TimeoutError:
            message = f"subgraph {subgraph!r} did not answer within {timeout:g} s"
            raise _Transient(SubgraphUnavailable(subgraph, message, SUBGRAPH_TIMEOUT)) from None
        except TRANSPORT_ERRORS as exc:
            # Refused, reset, closed before the answer: worth another attempt (for a query).
            message = f"subgraph {subgraph!r} is unreachable ({type(exc).__name__})"
            raise _Transient(SubgraphUnavailable(subgraph, message, SUBGRAPH_UNAVAILABLE)) from None
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
        return _graphql_body(subgraph, answer)


class _Transient(Exception):
    """A failure another attempt may cure (connection error, timeout); carries the error to report."""

    def __init__(self, error: SubgraphUnavailable) -> None:
        super().__init__(str(error))
        self.error = error


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
