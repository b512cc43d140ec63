"""Plans kept per supergraph: a bounded LRU keyed by the document's text and the operation's name.

A plan depends only on the supergraph and the operation (never on variables or the caller), so one
cache serves every request; a new supergraph gets a new cache. Planning errors are not cached: they
are cheap to find again and a flood of bad documents must not evict good plans."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from graphql import DocumentNode

from gateway.federation.model import Supergraph
from gateway.federation.planner.operation import plan_operation
from gateway.federation.query_plan import QueryPlan
from gateway.kernel.limits import MAX_FEDERATED_PLANS


class PlanCache:
    def __init__(self, supergraph: Supergraph, size: int = MAX_FEDERATED_PLANS) -> None:
        if size < 1:
            raise ValueError("a plan cache holds at least one plan")
        self.supergraph = supergraph
        self.size = size
        self._plans: OrderedDict[tuple[str, str | None], QueryPlan] = OrderedDict()
        self._lock = Lock()

    def plan(self, document_text: str, document: DocumentNode, operation_name: str | None) -> QueryPlan:
        key = (document_text, operation_name)
        with self._lock:
            cached = self._plans.get(key)
            if cached is not None:
                self._plans.move_to_end(key)
                return cached
        planned = plan_operation(self.supergraph, document, operation_name)
        with self._lock:
            self._plans[key] = planned
            self._plans.move_to_end(key)
            while len(self._plans) > self.size:
                self._plans.popitem(last=False)
        return planned

    def __len__(self) -> int:
        return len(self._plans)
