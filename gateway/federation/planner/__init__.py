"""The federated query planner: a client operation (validated against the supergraph's API schema)
becomes a :class:`~gateway.federation.query_plan.QueryPlan` of fetches to subgraphs.

- :mod:`.operation`: the entry point; root fields, mutations in sequence, the fetch limit;
- :mod:`.walker`: places every field in a fetch group (stay, reuse, or move by key);
- :mod:`.routes`: the key moves between subgraphs (the query graph's edges), shortest route first;
- :mod:`.groups`: fetch groups, their dependencies, and the Sequence/Parallel/Flatten they become;
- :mod:`.selection`: the subgraph operations' selections while they grow;
- :mod:`.cache`: the bounded plan cache.
"""

from gateway.federation.planner.cache import PlanCache
from gateway.federation.planner.errors import PlanningError
from gateway.federation.planner.operation import plan_operation

__all__ = ["PlanCache", "PlanningError", "plan_operation"]
