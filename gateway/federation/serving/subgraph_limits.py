"""Each remote subgraph's timeout, concurrency limit and deduplication, from the settings
``subgraph_timeout_seconds``, ``subgraph_timeouts``, ``subgraph_concurrency`` and ``subgraph_deduplication``
(``CREDIT_GATEWAY_SUBGRAPH_TIMEOUTS``, ``CREDIT_GATEWAY_SUBGRAPH_CONCURRENCY``,
``CREDIT_GATEWAY_SUBGRAPH_DEDUPLICATION``), JSON maps from a subgraph name, or ``*`` for every other
subgraph, to its value (deduplication may also be one true or false for all)::

    {"loans": 2.5, "*": 10}     {"loans": 8, "*": 64}     {"loans": false}

The settings check the values (gateway.kernel.settings); here the names are checked against the
supergraph, at start, by ``credit-gateway supergraph check`` and at each reload (a supergraph that no
longer has a named subgraph is refused, and the old one keeps serving). The in-process subgraph may not
be named: it is not reached over HTTP, so a limit on it would be silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.federation.executor.transport import EVERY_SUBGRAPH
from gateway.kernel.errors import ConfigurationError


@dataclass(frozen=True)
class SubgraphLimits:
    """``default_timeout``: the seconds of every subgraph ``timeouts`` does not name (its ``*`` wins).
    A subgraph ``concurrency`` does not name, with no ``*``, gets the transport's default (64)."""

    default_timeout: float | None = None
    timeouts: Mapping[str, float] = field(default_factory=dict)
    concurrency: Mapping[str, int] = field(default_factory=dict)
    deduplication: bool | Mapping[str, bool] = True

    def transport_options(self) -> dict[str, Any]:
        """``timeout_s``, ``max_concurrency`` and ``deduplicate`` for
        :class:`~gateway.federation.executor.HttpTransport`."""
        timeouts = dict(self.timeouts)
        if self.default_timeout is not None:
            timeouts.setdefault(EVERY_SUBGRAPH, self.default_timeout)
        deduplicate = self.deduplication if isinstance(self.deduplication, bool) else dict(self.deduplication)
        return {"timeout_s": timeouts, "max_concurrency": dict(self.concurrency), "deduplicate": deduplicate}

    def check_subgraphs(self, subgraphs: Mapping[str, object], local_subgraph: str) -> None:
        """Every subgraph named is a remote one of the supergraph; raises ConfigurationError."""
        named: list[tuple[str, Mapping[str, object]]] = [
            ("subgraph_timeouts", self.timeouts),
            ("subgraph_concurrency", self.concurrency),
        ]
        if not isinstance(self.deduplication, bool):
            named.append(("subgraph_deduplication", self.deduplication))
        for setting, values in named:
            for name in sorted(set(values) - {EVERY_SUBGRAPH}):
                if name not in subgraphs:
                    raise ConfigurationError(
                        f"{setting} names {name!r}, which the supergraph does not; "
                        f"its subgraphs: {', '.join(sorted(subgraphs))}"
                    )
                if name == local_subgraph:
                    raise ConfigurationError(
                        f"{setting} names {name!r}, the in-process subgraph: it is run in process, not over HTTP"
                    )
