"""Plans kept per supergraph: a bounded LRU keyed by the normalised operation (the document printed
back, so that whitespace, commas and comments do not count) and the operation's name. The printing is
done once per document text (a second bounded map, text -> printed): copies of an operation that
differ only in layout share one plan and cannot evict the hot plans.

A plan depends only on the supergraph and the operation (never on variables or the caller), so one
cache serves every request; a new supergraph gets a new cache. Planning errors are not cached: they
are cheap to find again and a flood of bad documents must not evict good plans."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from graphql import DocumentNode, print_ast

from gateway.federation.model import Supergraph
from gateway.federation.planner.operation import plan_operation
from gateway.federation.query_plan import QueryPlan
from gateway.kernel.limits import MAX_FEDERATED_PLANS


class PlanCache:
    def __init__(
        self,
        supergraph: Supergraph,
        size: int = MAX_FEDERATED_PLANS,
        trusted_subgraphs: frozenset[str] = frozenset(),
    ) -> None:
        """``trusted_subgraphs``: those whose entities are not asked back their key nor checked (the
        in-process subgraph; :func:`~gateway.federation.planner.operation.plan_operation`)."""
        if size < 1:
            raise ValueError("a plan cache holds at least one plan")
        self.supergraph = supergraph
        self.trusted_subgraphs = trusted_subgraphs
        self.size = size
        self._plans: OrderedDict[tuple[str, str | None], QueryPlan] = OrderedDict()
        self._printed: OrderedDict[str, str] = OrderedDict()  # document text -> the document printed
        self._lock = Lock()

    def plan(self, document_text: str, document: DocumentNode, operation_name: str | None) -> QueryPlan:
        """``document_text`` names ``document`` (the same text, the same document, for this cache)."""
        key = (self._normalised(document_text, document), operation_name)
        with self._lock:
            cached = self._plans.get(key)
            if cached is not None:
                self._plans.move_to_end(key)
                return cached
        planned = plan_operation(self.supergraph, document, operation_name, self.trusted_subgraphs)
        with self._lock:
            self._plans[key] = planned
            self._plans.move_to_end(key)
            while len(self._plans) > self.size:
                self._plans.popitem(last=False)
        return planned

    def _normalised(self, document_text: str, document: DocumentNode) -> str:
        with self._lock:
            printed = self._printed.get(document_text)
            if printed is not None:
                self._printed.move_to_end(document_text)
                return printed
        printed = print_ast(document)
        with self._lock:
            self._printed[document_text] = printed
            while len(self._printed) > self.size:
                self._printed.popitem(last=False)
        return printed

    def __len__(self) -> int:
        return len(self._plans)
