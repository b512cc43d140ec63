"""Which headers a remote subgraph gets: a configured rule, never everything the client sent.

Setting ``subgraph_headers`` (``CREDIT_GATEWAY_SUBGRAPH_HEADERS``), JSON, per subgraph name or ``*`` (every
remote subgraph)::

    {"*": {"forward": ["accept-language", "x-request-id"]},
     "loans": {"forward": ["x-purpose"], "set": {"x-caller": "credit-gateway"}}}

``forward`` names client headers copied when the client sent them; ``set`` fixed headers. A subgraph's
own entry adds to ``*`` (its ``set`` wins for the same name). Nothing else of the client's request
leaves the gateway. Refused at start (and by ``credit-gateway supergraph check``), with the reason:

* hop-by-hop and framing headers (``connection``, ``host``, ``content-length`` …): they describe one
  connection or the body the gateway itself sends, so copying them would corrupt the request;
* credential headers (``authorization``, ``cookie``, ``x-api-key`` …) under ``*``: they are forwarded or
  set only for a subgraph named explicitly, so a secret never reaches a subgraph added later. The
  gateway's own key travels in ``authorization``, so it is never forwarded unless an operator names it
  for a subgraph that shares the gateway's keys.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from gateway.federation.executor import HttpTransport
from gateway.federation.query_plan import OperationKind
from gateway.kernel.errors import ConfigurationError

EVERY_SUBGRAPH = "*"
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+$")  # RFC 9110 field-name characters (lower-cased)
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-type",
        "content-encoding",
        "accept-encoding",
        "accept",  # the gateway asks for GraphQL JSON itself (gateway.federation.executor.transport)
    }
)
CREDENTIALS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})

# The client's headers during one federated request (set by FederatedGateway.execute).
_CLIENT_HEADERS: ContextVar[Mapping[str, str] | None] = ContextVar("federated_client_headers", default=None)
# The headers of the fetch being sent (set per fetch by HeaderRuleTransport.send, read by its request hook).
_OUTGOING: ContextVar[Mapping[str, str] | None] = ContextVar("federated_outgoing_headers", default=None)


@dataclass(frozen=True)
class _Entry:
    forward: tuple[str, ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HeaderRules:
    entries: Mapping[str, _Entry] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> HeaderRules:
        """Raises ConfigurationError naming the entry and the header at fault."""
        entries: dict[str, _Entry] = {}
        for subgraph, entry in raw.items():
            where = f"subgraph_headers[{subgraph!r}]"
            if not isinstance(entry, Mapping) or not set(entry) <= {"forward", "set"}:
                raise ConfigurationError(f'{where} must be an object with "forward" (a list) and/or "set" (an object)')
            forward = entry.get("forward", [])
            fixed = entry.get("set", {})
            if not isinstance(forward, list) or not all(isinstance(n, str) for n in forward):
                raise ConfigurationError(f"{where}.forward must be a list of header names")
            if not isinstance(fixed, Mapping) or not all(isinstance(v, str) for v in fixed.values()):
                raise ConfigurationError(f"{where}.set must map header names to string values")
            for name in [*forward, *fixed]:
                _check_name(where, subgraph, name)
            for name, value in fixed.items():
                if "\r" in value or "\n" in value:
                    raise ConfigurationError(f"{where}.set[{name!r}] holds a line break")
            entries[subgraph] = _Entry(
                tuple(dict.fromkeys(n.lower() for n in forward)), {n.lower(): v for n, v in fixed.items()}
            )
        return cls(entries)

    def check_subgraphs(self, subgraphs: Mapping[str, object]) -> None:
        """Every subgraph the rule names is one the supergraph has."""
        for name in self.entries:
            if name != EVERY_SUBGRAPH and name not in subgraphs:
                raise ConfigurationError(
                    f"subgraph_headers names {name!r}, which the supergraph does not; "
                    f"its subgraphs: {', '.join(sorted(subgraphs))}"
                )

    def outgoing(self, subgraph: str, client: Mapping[str, str]) -> dict[str, str]:
        """The headers ``subgraph`` gets for a request whose client sent ``client`` (lower-case names)."""
        headers: dict[str, str] = {}
        for key in (EVERY_SUBGRAPH, subgraph):
            entry = self.entries.get(key)
            if entry is None:
                continue
            for name in entry.forward:
                value = client.get(name)
                if value is not None:
                    headers[name] = value
            headers.update(entry.fixed)
        return headers


def _check_name(where: str, subgraph: str, name: str) -> None:
    lowered = name.lower()
    if not _TOKEN.match(lowered):
        raise ConfigurationError(f"{where}: {name!r} is not a header name")
    if lowered in HOP_BY_HOP:
        raise ConfigurationError(
            f"{where}: {name!r} describes one connection or the body the gateway sends; it is never forwarded or set"
        )
    if lowered in CREDENTIALS and subgraph == EVERY_SUBGRAPH:
        raise ConfigurationError(
            f"{where}: {name!r} is a credential; name it for each subgraph that may receive it, never under *"
        )


@contextlib.contextmanager
def client_headers(request: Any) -> Iterator[None]:
    """For the duration of one federated request, the client's headers (lower-case names) the rule reads."""
    headers = getattr(request, "headers", None)
    token = _CLIENT_HEADERS.set({k.lower(): v for k, v in headers.items()} if headers is not None else {})
    try:
        yield
    finally:
        _CLIENT_HEADERS.reset(token)


class HeaderRuleTransport(HttpTransport):
    """:class:`HttpTransport` whose every fetch carries the headers the rule gives its subgraph for the
    current request. The executor's transport sends fixed headers only; the per-fetch ones are added
    through :meth:`outgoing_headers`, reading what :meth:`send` set for that fetch (a context variable:
    concurrent fetches run in tasks of their own, each with its own value)."""

    def __init__(self, urls: Mapping[str, str], *, rules: HeaderRules, **options: Any) -> None:
        super().__init__(urls, **options)
        self.rules = rules

    async def send(
        self, subgraph: str, operation: str, variables: dict[str, Any], *, operation_kind: OperationKind
    ) -> dict[str, Any]:
        if not self.rules.entries:
            return await super().send(subgraph, operation, variables, operation_kind=operation_kind)
        token = _OUTGOING.set(self.rules.outgoing(subgraph, _CLIENT_HEADERS.get() or {}))
        try:
            return await super().send(subgraph, operation, variables, operation_kind=operation_kind)
        finally:
            _OUTGOING.reset(token)

    def outgoing_headers(self, subgraph: str) -> Mapping[str, str] | None:
        return _OUTGOING.get()
