"""The GraphQL operations of W1–W3: one text, sent unchanged to our gateway and to both peers.

Every field named here exists in the public audience schema (schema/audience-public.graphql) and in
the peers' subgraph schemas (bench/peers/schema), which mirror it for these fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

PROFILE = """
query Profile($code: String!) {
  subject(code: $code) {
    code
    name
    kind
    region { code province name }
    tax {
      latestRating { year grade decisionDate }
      ratings { id year grade decisionDate }
      majorViolations { id documentNumber violationType amountInvolved decisionDate publishBy status }
      isMajorViolator
    }
    urbanManagement {
      penalties { id documentNumber penaltyCategories fineAmount subArea decisionDate }
      licenses { id documentTitle licenseCategory validTo }
      inspections { id inspectionType result inspectionDate }
      redList { id listName isCurrent }
      blackList { id listName isCurrent }
      onBlackList
    }
    culture {
      penalties { id documentNumber penaltyCategories fineAmount decisionDate }
      licenses { id documentTitle validTo }
      redList { id listName measures isCurrent }
      blackList { id listName measures isCurrent }
      greenChannel { eligible since incentives { code label } }
    }
    construction {
      qualifications { id qualificationCategory grade validUntil inForce }
      goodConduct { id behaviourCategory decisionDate }
      badConduct { id behaviourCategory publicityEndsOn }
      blacklist { id criterion removalDue inForce }
      isBlacklisted
    }
  }
}
"""

# A bank's batch check: who each subject is and one line per domain.
BATCH = """
query Batch($codes: [String!]!) {
  subjects(codes: $codes) {
    code
    name
    kind
    tax { latestRating { year grade } isMajorViolator }
    urbanManagement { onBlackList penalties { decisionDate fineAmount } }
    culture { greenChannel { eligible } blackList { listName } }
    construction { isBlacklisted qualifications { grade validUntil } }
  }
}
"""

# The two black lists the public schema publishes as lists (the urban management and construction
# black lists are per subject only): 25 + 25 entries, each with its subject's name.
BLACK_LISTS = """
query BlackLists {
  majorTaxViolations(first: 25) {
    edges { cursor node { id documentNumber decisionDate violationType amountInvolved subjectName subjectCode } }
    pageInfo { hasNextPage endCursor }
  }
  cultureRedBlackList(listType: BLACK, first: 25) {
    edges { cursor subjectName subjectCode node { id documentNumber decisionDate listName reason } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass(frozen=True, slots=True)
class Workload:
    key: str  # w1, w2, w3
    title: str
    query: str
    variables: dict[str, Any]

    @property
    def body(self) -> bytes:
        """The POST body every side receives (the floor reads only its variables)."""
        return orjson.dumps({"query": self.query, "variables": self.variables})


def http_workloads(profile_code: str, batch_codes: list[str]) -> list[Workload]:
    return [
        Workload("w1", "W1 profile (1 subject, 20 records, 4 domains)", PROFILE, {"code": profile_code}),
        Workload("w2", "W2 batch (100 subjects, per-domain summary)", BATCH, {"codes": batch_codes}),
        Workload("w3", "W3 list page (25 + 25 black-list entries with subject names)", BLACK_LISTS, {}),
    ]
