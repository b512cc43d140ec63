"""One SQL statement per plugin per level, whatever the number of subjects: counted, not timed."""

from __future__ import annotations

import json
import re

import pytest

from gateway.db.engine import count_statements
from gateway.host.demo import seed
from gateway.testing import GatewayHarness
from testsupport.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PROFILE = """query($c: [String!]!) { subjects(codes: $c) {
  name kind region { name }
  urbanManagement { penalties { documentNumber fineAmount subArea } licenses { certificateName } inspections { result }
                    redList { listName } onBlackList }
  culture { penalties { documentNumber } licenses { documentTitle } redList { measures } greenChannel { eligible } }
  construction { qualifications { grade } goodConduct { documentNumber } badConduct { publicityMonths }
                 blacklist { criterion } isBlacklisted }
  tax { latestRating { grade } ratings { year grade }
        majorViolations { documentNumber amountInvolved } isMajorViolator }
  records { __typename id decisionDate ... on TaxCreditRating { grade } } } }"""


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)
    return gw


async def _count(gw: GatewayHarness, codes: list[str]) -> tuple[int, dict]:
    with count_statements(gw.engine) as counter:
        body = await gw.graphql(PROFILE, {"c": codes})
    assert "errors" not in body, body
    return counter.count, body


async def test_profile_statements_do_not_grow_with_subjects(seeded: GatewayHarness) -> None:
    from gateway.host.demo import demo_subjects

    codes = [s.code.value for s in demo_subjects(150)][:100]
    one, _ = await _count(seeded, codes[:1])
    hundred, body = await _count(seeded, codes)
    # The subject look-up, one statement per domain (tax, urban management, culture,
    # construction): each domain's field and the cross-domain records field share its loader,
    # and one for the lifecycle's records of every domain (broken commitments).
    sources = seeded.graph.composition.record_sources
    domains = sum(1 for source in sources if not source.every_domain)
    assert domains == 4 and len(sources) == 5
    # The green channel asks the joint measures (core.measures) whether a punishment withholds it: one
    # statement per measure fact source that gives a kind its punishments trigger on (lists and broken
    # commitments: the core's and the tax plugin's), not the materialised supervision grade's.
    sources = seeded.graph.composition.measure_facts
    facts = [source for source in sources.values() if {"list", "broken_commitment"} & set(source.kinds)]
    assert len(sources) == 3 and len(facts) == 2
    # The tax plugin's facts follow from the tax records the profile has loaded (FactSource.from_records):
    # no statement of their own. The core's read theirs.
    reading = [source for source in facts if source.records is None]
    assert len(reading) == 1
    # And the measures catalogue version in force: one statement per request (core.measures' versions).
    assert one == hundred == 1 + domains + 1 + len(reading) + 1
    subjects = [s for s in body["data"]["subjects"] if s]
    assert sum(1 for s in subjects if s["tax"]["ratings"]) > 50
    assert all(s["urbanManagement"] is not None and s["culture"] is not None for s in subjects)


async def test_the_showcase_subject_has_records_in_every_domain(seeded: GatewayHarness) -> None:
    body = await seeded.graphql(PROFILE, {"c": ["91350100M000100Y43"]})
    [profile] = body["data"]["subjects"]
    assert profile["tax"]["ratings"] and profile["tax"]["majorViolations"]
    assert profile["urbanManagement"]["penalties"] and profile["urbanManagement"]["licenses"]
    assert profile["urbanManagement"]["inspections"] and profile["urbanManagement"]["redList"]
    # On the culture red list but a major tax violator: punishment wins, the green channel is withheld.
    assert profile["culture"]["licenses"] and profile["culture"]["greenChannel"]["eligible"] is False
    assert profile["construction"]["qualifications"] and profile["construction"]["goodConduct"]
    assert {r["__typename"] for r in profile["records"]} >= {
        "TaxCreditRating", "MajorTaxViolation", "AdministrativePenalty", "AdministrativeLicense",
        "UrbanInspection", "CreditListEntry", "ConstructionQualification", "ConstructionConductRecord",
    }  # fmt: skip


async def test_black_list_with_subject_names_is_one_statement(seeded: GatewayHarness) -> None:
    # The page reads its subjects in its own statement (published_page's with_subjects).
    with count_statements(seeded.engine) as counter:
        body = await seeded.graphql(
            "{ majorTaxViolations(first: 50) { edges { node { subjectName subjectCode amountInvolved } } } }"
        )
    edges = body["data"]["majorTaxViolations"]["edges"]
    assert edges and all(e["node"]["subjectName"] and e["node"]["subjectCode"] for e in edges)
    assert counter.count == 1


async def test_the_readme_profile_query_runs_on_demo_data(seeded: GatewayHarness) -> None:
    """The README's first example must keep working as the schema changes."""
    section = README[README.index("## A first query") :]
    body = re.search(r"-d '(\{.*?\})'\n", section, re.DOTALL)
    assert body, "no curl example under 'A first query'"
    query = json.loads(body.group(1))["query"]
    result = await seeded.graphql(query)
    assert "errors" not in result, result.get("errors")
    assert result["data"]["subject"]["name"] == "福州闽都信用示范科技有限公司"
