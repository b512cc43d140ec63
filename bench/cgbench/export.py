"""Export the bench database for the peer subgraphs, through the gateway's own public read path.

The peers serve what the public sees (published records, no natural persons in profiles), so the
export asks our gateway, in process and as the public, for every subject's stored fields and every
page of the published lists. Reading through the gateway rather than the tables means the peers
return values in exactly our representation (dates, decimals, cursors), so the JSON of both sides
can be compared. Computed fields (latestRating, isCurrent, greenChannel, inForce …) are not
exported: the subgraphs compute them per request, as our resolvers do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from cgbench import config
from cgbench.dataset import Dataset
from cgbench.util import log, product_env

# Subjects per export request: far over max_batch_subjects, which is lifted for this offline read,
# since each request pays parsing and validating the whole export query again.
BATCH = 1_000

SUBJECT_FIELDS = "code name kind region { code province name }"
DOMAIN_FIELDS: dict[str, str] = {
    "tax": """tax {
        ratings { id year grade decisionDate }
        majorViolations { id documentNumber violationType amountInvolved decisionDate publishBy status subjectCode }
    }""",
    "urban_management": """urbanManagement {
        penalties { ...penalty }
        licenses { ...license }
        inspections { id inspectionType result inspectionDate }
        redList { ...entry }
        blackList { ...entry }
    }""",
    "culture": """culture {
        penalties { ...penalty } licenses { ...license } redList { ...entry } blackList { ...entry }
    }""",
    "construction": """construction {
        qualifications { id qualificationCategory grade validFrom validUntil status }
        goodConduct { id behaviourCategory decisionDate publicityEndsOn }
        badConduct { id behaviourCategory decisionDate publicityEndsOn }
        blacklist { id criterion removalDue status }
    }""",
}
ENTRY_FRAGMENT = """
fragment entry on CreditListEntry { id documentNumber decisionDate listName reason measures removalDate status }
"""
FRAGMENTS = (
    """
fragment penalty on AdministrativePenalty { id documentNumber penaltyCategories fineAmount subArea decisionDate }
fragment license on AdministrativeLicense { id documentTitle licenseCategory validTo }
"""
    + ENTRY_FRAGMENT
)
TAX_LIST = """query($after: String) { majorTaxViolations(first: 100, after: $after) {
  edges { cursor node { id documentNumber violationType amountInvolved decisionDate publishBy status subjectCode
                        subjectName } }
  pageInfo { hasNextPage endCursor } } }"""
CULTURE_LIST = (
    """query($type: CreditListType!, $after: String) {
  cultureRedBlackList(listType: $type, first: 100, after: $after) {
    edges { cursor subjectName subjectCode node { ...entry } }
    pageInfo { hasNextPage endCursor } } }"""
    + ENTRY_FRAGMENT
)
MEASURES = "{ cultureMeasures { code label description listType } }"

# The export's batches are far over the public query-cost limit, which is about one client's
# request, not about this offline read.
EXPORT_LIMITS = '{"public": {"max_cost": 1000000000, "max_tokens": 1000000, "max_depth": 20}}'


async def export(cfg: config.Config, dataset: Dataset, out: Path) -> Path:
    """Write subjects.json and one <domain>.json per subgraph under ``out``; returns ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        product_env(dataset.url, CREDIT_GATEWAY_ROLE_LIMITS=EXPORT_LIMITS, CREDIT_GATEWAY_MAX_BATCH_SUBJECTS=str(BATCH))
    )
    from gateway.kernel.settings import Settings
    from gateway.server.app import create_app

    app = create_app(Settings())
    codes = await _organisation_codes(cfg, dataset.database)
    log(f"exporting {len(codes):,} subjects of {dataset.database} for the peers")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://export") as client:
        profiles = await _profiles(client, codes)
        tax_list = await _pages(client, TAX_LIST, {}, "majorTaxViolations")
        culture_lists = {
            t: await _pages(client, CULTURE_LIST, {"type": t}, "cultureRedBlackList") for t in ("RED", "BLACK")
        }
        measures = (await _query(client, MEASURES, {}))["cultureMeasures"]
    subjects = [{k: p[k] for k in ("code", "name", "kind", "region")} for p in profiles]
    # The subjects subgraph also names the subjects of list entries (natural persons among them, whom
    # the published lists show), as our gateway's subject loader does.
    names = {p["code"]: p["name"] for p in profiles}
    names.update({e["node"]["subjectCode"]: e["node"].pop("subjectName") for e in tax_list})
    files: dict[str, Any] = {
        "subjects": {"subjects": subjects, "names": names},
        "tax": {"profiles": {p["code"]: p["tax"] for p in profiles}, "majorTaxViolations": tax_list},
        "urban_management": {"profiles": {p["code"]: p["urbanManagement"] for p in profiles}},
        "culture": {
            "profiles": {p["code"]: {**p["culture"], "blackListedElsewhere": _black_listings(p)} for p in profiles},
            "redBlackList": culture_lists,
            "measures": measures,
        },
        "construction": {"profiles": {p["code"]: p["construction"] for p in profiles}},
    }
    for name, content in files.items():
        (out / f"{name}.json").write_bytes(orjson.dumps(content))
    return out


def _black_listings(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The subject's black-list entries in the other domains, for the culture subgraph: the measures
    catalogue's punishment for any black list withholds the green channel, and the culture department
    learns of those listings from the joint-measures system, not from its own records. Each as a list
    entry (its status and removal date, none for a published major tax violation), so that the subgraph
    tells the current ones as it tells its own (isCurrent)."""
    return [
        *({"status": v["status"], "removalDate": None} for v in profile["tax"]["majorViolations"]),
        *({"status": e["status"], "removalDate": e["removalDate"]} for e in profile["urbanManagement"]["blackList"]),
        *({"status": e["status"], "removalDate": e["removalDue"]} for e in profile["construction"]["blacklist"]),
    ]


async def _organisation_codes(cfg: config.Config, database: str) -> list[str]:
    # Natural persons are stored masked and read as unknown to the public: only organisations export.
    conn = await asyncpg.connect(cfg.pg_dsn(database))
    try:
        rows = await conn.fetch("SELECT display_code FROM subject WHERE code_type = 'USCC' ORDER BY id")
    finally:
        await conn.close()
    return [row["display_code"] for row in rows]


async def _profiles(client: httpx.AsyncClient, codes: list[str]) -> list[dict[str, Any]]:
    query = (
        "query($codes: [String!]!) { subjects(codes: $codes) { "
        + SUBJECT_FIELDS
        + " ".join(DOMAIN_FIELDS.values())
        + " } }"
        + FRAGMENTS
    )
    found: list[dict[str, Any]] = []
    for start in range(0, len(codes), BATCH):
        data = await _query(client, query, {"codes": codes[start : start + BATCH]})
        found.extend(s for s in data["subjects"] if s is not None)
    return found


async def _pages(client: httpx.AsyncClient, query: str, variables: dict[str, Any], field: str) -> list[Any]:
    edges: list[Any] = []
    after = None
    while True:
        page = (await _query(client, query, {**variables, "after": after}))[field]
        edges.extend(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return edges
        after = page["pageInfo"]["endCursor"]


async def _query(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"export query failed ({response.status_code}): {body.get('errors')}")
    return body["data"]
