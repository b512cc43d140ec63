"""Joint rewards and punishments over HTTP, on SQLite and PostgreSQL: measures in force with the facts that
triggered them, punishment winning over the green channel, records that are no longer in force triggering
nothing, ``checkMeasures`` for departments, who sees what, and statements per level."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db.engine import count_statements
from gateway.db.tables import credit_list_entry, credit_record
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import TAX_BUREAU_CODE, VIOLATOR_CODE, tax_violation

CULTURE_UNIT = "11350000MB1872263" + uscc.calc_check_digit("11350000MB1872263")
RED_ONLY = "91110108551385082Q"
TODAY = china_today()

MEASURES = """query($c: String!, $m: Matter) { subject(code: $c) { measures(matter: $m) {
  matters withheldMatters withheldBy
  measure { id kind matters effect departments legalBasis validFrom }
  facts { kind recordId description since attributes { name value } } } } }"""
GREEN = "query($c: String!) { subject(code: $c) { culture { greenChannel { eligible incentives { code } } } } }"
GREEN_BATCH = (
    "query($c: [String!]!) { subjects(codes: $c) { culture { greenChannel { eligible incentives { code } } } } }"
)
CHECK = """query($c: [String!]!, $m: Matter!) { checkMeasures(codes: $c, matter: $m) {
  code known name restricted rewarded measures { measure { id kind } matters }
  withheldRewards { measure { id } withheldBy } } }"""
SUBMIT_VIOLATIONS = """mutation($v: [MajorTaxViolationInput!]!) {
  submitMajorTaxViolations(violations: $v) { records { recordId } } }"""
SUBMIT_ENTRIES = (
    """mutation($e: [CreditListEntryInput!]!) { submitCultureListEntries(entries: $e) { records { recordId } } }"""
)
SUBMIT_PENALTIES = """mutation($p: [AdministrativePenaltyInput!]!) {
  submitCulturePenalties(penalties: $p) { records { recordId } } }"""
SUBMIT_RATINGS = (
    """mutation($r: [TaxCreditRatingInput!]!) { submitTaxCreditRatings(ratings: $r) { records { recordId } } }"""
)


def _decision(
    number: str, decided: dt.date, unit: str = CULTURE_UNIT, name: str = "福建省文化和旅游厅"
) -> dict[str, Any]:
    return {
        "documentNumber": number,
        "decisionDate": decided.isoformat(),
        "decidingAuthority": name,
        "decidingAuthorityCode": unit,
        "sourceUnit": name,
        "sourceUnitCode": unit,
    }


def red_entry(code: str, number: str = "闽文旅信〔2026〕1号", **kw: Any) -> dict[str, Any]:
    return {
        "partyName": "示范文化传媒有限公司",
        "partyType": "LEGAL_PERSON",
        "partyCode": code,
        "listType": "RED",
        "listName": "福建省文化和旅游市场守信激励红榜",
        "reason": "连续三年无违法违规记录。",
        "subArea": "PERFORMANCE",
        **_decision(number, TODAY - dt.timedelta(days=90)),
        **kw,
    }


def serious_penalty(code: str, number: str = "闽文执罚〔2026〕9号") -> dict[str, Any]:
    return {
        "partyName": "示范文化传媒有限公司",
        "partyType": "LEGAL_PERSON",
        "partyCode": code,
        "violationType": "未经批准举办营业性演出",
        "facts": "未经批准擅自举办营业性演出。",
        "legalBasis": "《营业性演出管理条例》第四十三条",
        "penaltyCategories": ["FINE"],
        "content": "罚款10万元。",
        "fineAmount": "10",
        "severity": "SERIOUS",
        "subArea": "PERFORMANCE",
        **_decision(number, TODAY - dt.timedelta(days=40)),
    }


def rating(code: str, year: int, grade: str, score: str | None) -> dict[str, Any]:
    rated = {
        "subjectCode": code,
        "subjectName": "北京海淀中关村数据服务有限公司",
        "year": year,
        "grade": grade,
        "score": score,
        **_decision("", dt.date(year + 1, 4, 10), TAX_BUREAU_CODE, "国家税务总局福州市税务局"),
    }
    del rated["documentNumber"]  # an annual rating has no decision document
    return rated


async def _write(gw: GatewayHarness, domain: str, mutation: str, variables: dict[str, Any]) -> list[int]:
    key = await gw.create_key("department", domain=domain)
    body = await gw.graphql(mutation, variables, key=key)
    assert "errors" not in body, body
    (result,) = body["data"].values()
    return [int(r["recordId"]) for r in result["records"]]


async def _measures(gw: GatewayHarness, code: str, key: str, matter: str | None = None) -> list[dict[str, Any]]:
    body = await gw.graphql(MEASURES, {"c": code, "m": matter}, key=key)
    assert "errors" not in body, body
    return body["data"]["subject"]["measures"]


def _ids(measures: list[dict[str, Any]]) -> list[str]:
    return [m["measure"]["id"] for m in measures]


async def test_a_major_tax_violator_on_the_red_list_is_punished_not_rewarded(gw: GatewayHarness) -> None:
    [violation] = await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    entries = {"e": [red_entry(VIOLATOR_CODE), red_entry(RED_ONLY, "闽文旅信〔2026〕2号")]}
    _violator_entry, red = await _write(gw, "culture", SUBMIT_ENTRIES, entries)
    admin = await gw.create_key("admin")

    measures = await _measures(gw, VIOLATOR_CODE, admin)
    ids = _ids(measures)
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" in ids and "BLACK_LIST_PROCUREMENT_AND_FUNDING" in ids
    assert "CULTURE_GREEN_CHANNEL" not in ids  # withheld: punishment wins on administrative approval
    # Explainable: the punishment names the record and what it is.
    punishment = next(m for m in measures if m["measure"]["id"] == "MAJOR_TAX_VIOLATION_RESTRICTIONS")
    assert punishment["measure"]["kind"] == "PUNISHMENT" and "PUBLIC_PROCUREMENT" in punishment["matters"]
    assert punishment["measure"]["legalBasis"] and punishment["measure"]["departments"]
    [fact] = punishment["facts"]
    assert fact["kind"] == "list" and int(fact["recordId"]) == violation and "重大税收违法" in fact["description"]
    assert {(a["name"], a["value"]) for a in fact["attributes"]} == {("domain", "tax"), ("list_type", "BLACK")}
    assert fact["since"] == "2025-06-18"
    # The red list still earns the honours reward? No: the black list punishes awards and honours too.
    assert "RED_LIST_HONOURS" not in ids
    green = await gw.graphql(GREEN, {"c": VIOLATOR_CODE})
    assert green["data"]["subject"]["culture"]["greenChannel"] == {"eligible": False, "incentives": []}

    # The subject only on the red list: the green channel, here and in the culture profile alike.
    alone = await _measures(gw, RED_ONLY, admin)
    assert _ids(alone) == ["CULTURE_GREEN_CHANNEL", "RED_LIST_HONOURS"]
    assert alone[0]["facts"][0]["recordId"] == str(red) and alone[0]["withheldMatters"] == []
    assert alone[0]["matters"] == ["ADMINISTRATIVE_APPROVAL"]
    green = await gw.graphql(GREEN, {"c": RED_ONLY})
    assert green["data"]["subject"]["culture"]["greenChannel"]["eligible"] is True
    # A batch: the field's batch form decides for every subject of the level at once (rewards_withheld),
    # repeats included, as the resolver does for each.
    batch = await gw.graphql(GREEN_BATCH, {"c": [VIOLATOR_CODE, RED_ONLY, VIOLATOR_CODE]})
    channels = [subject["culture"]["greenChannel"] for subject in batch["data"]["subjects"]]
    assert [channel["eligible"] for channel in channels] == [False, True, False]
    assert channels[1] == green["data"]["subject"]["culture"]["greenChannel"]

    # checkMeasures shows the withheld reward and which punishment withholds it.
    department = await gw.create_key("department", domain="culture")
    body = await gw.graphql(CHECK, {"c": [VIOLATOR_CODE, RED_ONLY], "m": "ADMINISTRATIVE_APPROVAL"}, key=department)
    violator, red_only = body["data"]["checkMeasures"]
    assert violator["restricted"] and not violator["rewarded"] and violator["known"]
    withheld = {w["measure"]["id"]: w["withheldBy"] for w in violator["withheldRewards"]}
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" in withheld["CULTURE_GREEN_CHANNEL"]
    assert red_only["rewarded"] and not red_only["restricted"]
    assert [m["measure"]["id"] for m in red_only["measures"]] == ["CULTURE_GREEN_CHANNEL"]


async def test_the_matter_filter(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    admin = await gw.create_key("admin")
    inspection = await _measures(gw, VIOLATOR_CODE, admin, "INSPECTION_FREQUENCY")
    assert _ids(inspection) == ["BLACK_LIST_SUPERVISION"]
    everything = await _measures(gw, VIOLATOR_CODE, admin)
    assert len(everything) > len(inspection) and all("INSPECTION_FREQUENCY" in m["matters"] for m in inspection)
    assert await _measures(gw, VIOLATOR_CODE, admin, "TAX_SERVICES") == []
    bad = await gw.graphql(MEASURES, {"c": VIOLATOR_CODE, "m": "PARKING"}, key=admin)
    assert error_codes(bad) == ["BAD_USER_INPUT"] or error_codes(bad) == ["GRAPHQL_VALIDATION_FAILED"]


async def _set(gw: GatewayHarness, record_id: int, **values: Any) -> None:
    async with gw.engine.begin() as conn:
        await conn.execute(sa.update(credit_record).where(credit_record.c.id == record_id).values(**values))


async def test_records_no_longer_in_force_trigger_nothing(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    [violation] = await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    [penalty] = await _write(gw, "culture", SUBMIT_PENALTIES, {"p": [serious_penalty(RED_ONLY)]})
    [entry] = await _write(gw, "culture", SUBMIT_ENTRIES, {"e": [red_entry(RED_ONLY)]})
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" in _ids(await _measures(gw, VIOLATOR_CODE, admin))
    # A penalty's punishment bears on inspections only: the red list's rewards stand beside it.
    expected = ["CULTURE_GREEN_CHANNEL", "RED_LIST_HONOURS", "SERIOUS_PENALTY_INSPECTION"]
    assert _ids(await _measures(gw, RED_ONLY, admin)) == expected

    # Repaired (信用修复) and revoked records: nothing.
    await _set(gw, violation, status="REPAIRED")
    assert await _measures(gw, VIOLATOR_CODE, admin) == []
    await _set(gw, violation, status="REVOKED")
    assert await _measures(gw, VIOLATOR_CODE, admin) == []
    await _set(gw, violation, status="ACTIVE")
    assert await _measures(gw, VIOLATOR_CODE, admin) != []

    # A red-list entry removed by its date: the rewards go, the penalty's punishment stays.
    async with gw.engine.begin() as conn:
        await conn.execute(
            sa.update(credit_list_entry).where(credit_list_entry.c.record_id == entry).values(removal_date=TODAY)
        )
    assert _ids(await _measures(gw, RED_ONLY, admin)) == ["SERIOUS_PENALTY_INSPECTION"]

    # Expired: the day after the penalty's publication window, nothing of it.
    async with gw.engine.connect() as conn:
        until = (
            await conn.execute(sa.select(credit_record.c.published_until).where(credit_record.c.id == penalty))
        ).scalar_one()
    gw.clock.travel_to(until)
    assert _ids(await _measures(gw, RED_ONLY, admin)) == ["SERIOUS_PENALTY_INSPECTION"]
    gw.clock.travel_to(until + dt.timedelta(days=1))
    assert await _measures(gw, RED_ONLY, admin) == []


async def test_tax_grades_reward_and_a_newer_grade_replaces_an_older_one(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    year = TODAY.year - 2
    await _write(gw, "tax", SUBMIT_RATINGS, {"r": [rating(RED_ONLY, year, "A", "95")]})
    measures = await _measures(gw, RED_ONLY, admin)
    assert _ids(measures) == ["TAX_A_TAX_SERVICES", "TAX_A_JOINT_INCENTIVES"]
    assert measures[0]["facts"][0]["description"] == f"纳税信用等级 A（{year} 年度）"
    await _write(gw, "tax", SUBMIT_RATINGS, {"r": [rating(RED_ONLY, year + 1, "D", "30")]})
    assert _ids(await _measures(gw, RED_ONLY, admin)) == ["TAX_D_RESTRICTIONS"]


async def test_a_broken_commitment_triggers_its_measure(gw: GatewayHarness) -> None:
    tax = await gw.create_key("department", domain="tax")
    await _write(gw, "culture", SUBMIT_ENTRIES, {"e": [red_entry(RED_ONLY)]})  # make the subject known
    made = await gw.graphql(
        """mutation($i: MakeCommitmentInput!) { makeCommitment(input: $i) { id } }""",
        {
            "i": {
                "subjectCode": RED_ONLY,
                "domain": "tax",
                "commitmentType": "IN_PLACE_OF_CERTIFICATE",
                "content": "Our tax filings are complete and true.",
                "liability": "Listed as dishonest.",
                "validUntil": (TODAY + dt.timedelta(days=200)).isoformat(),
                "disclosure": "PUBLIC",
            }
        },
        key=tax,
    )
    assert "errors" not in made, made
    breach = await gw.graphql(
        "mutation($id: ID!, $u: String) { breachCommitment(id: $id, unitCode: $u) { breachRecordId } }",
        {"id": made["data"]["makeCommitment"]["id"], "u": TAX_BUREAU_CODE},
        key=tax,
    )
    assert "errors" not in breach, breach
    measures = await _measures(gw, RED_ONLY, await gw.create_key("admin"), "ADMINISTRATIVE_APPROVAL")
    assert _ids(measures) == ["BROKEN_COMMITMENT"]  # and the green channel is withheld by it
    [fact] = measures[0]["facts"]
    assert (
        fact["kind"] == "broken_commitment" and fact["recordId"] == breach["data"]["breachCommitment"]["breachRecordId"]
    )


async def test_check_measures_batch_with_a_bad_code(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    department = await gw.create_key("department", domain="urban_management")
    bad = "91350100M000100Y4X"
    body = await gw.graphql(CHECK, {"c": [VIOLATOR_CODE, bad, "nonsense"], "m": "PUBLIC_PROCUREMENT"}, key=department)
    assert error_codes(body) == ["INVALID_SUBJECT_CODE"] and body["data"] is None
    assert [i["index"] for i in body["errors"][0]["extensions"]["invalid"]] == [1, 2]
    unknown = "91350100MA0000001" + uscc.calc_check_digit("91350100MA0000001")
    body = await gw.graphql(CHECK, {"c": [VIOLATOR_CODE, unknown], "m": "PUBLIC_PROCUREMENT"}, key=department)
    known, missing = body["data"]["checkMeasures"]
    assert known["restricted"] and known["code"] == VIOLATOR_CODE
    assert {m["measure"]["id"] for m in known["measures"]} == {
        "MAJOR_TAX_VIOLATION_RESTRICTIONS",
        "BLACK_LIST_PROCUREMENT_AND_FUNDING",
    }
    assert missing == {
        "code": unknown, "known": False, "name": None, "restricted": False, "rewarded": False,
        "measures": [], "withheldRewards": [],
    }  # fmt: skip
    too_many = await gw.graphql(CHECK, {"c": [VIOLATOR_CODE] * 101, "m": "PUBLIC_PROCUREMENT"}, key=department)
    assert error_codes(too_many) == ["LIMIT_EXCEEDED"]


async def test_who_sees_measures(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    await _write(gw, "culture", SUBMIT_ENTRIES, {"e": [red_entry(RED_ONLY)]})
    catalogue = await gw.graphql(
        "{ measureCatalogue { version conflict matters { matter label } measures { id triggers { kind sourced } } } }"
    )
    found = catalogue["data"]["measureCatalogue"]
    assert found["version"] == "2026.1" and found["conflict"] == "PUNISHMENT_WINS"
    assert {"matter": "PUBLIC_PROCUREMENT", "label": "政府采购"} in found["matters"]
    sourced = {t["kind"]: t["sourced"] for m in found["measures"] for t in m["triggers"]}
    assert sourced == {
        "list": True,
        "tax_grade": True,
        "record": True,
        "broken_commitment": True,
        "supervision_grade": True,  # core.supervision: the materialised grade, while current
    }
    # Not for the public or portals; not checkMeasures for subjects.
    assert error_codes(await gw.graphql(MEASURES, {"c": VIOLATOR_CODE})) == ["GRAPHQL_VALIDATION_FAILED"]
    portal = await gw.create_key("portal")
    assert error_codes(await gw.graphql(MEASURES, {"c": VIOLATOR_CODE}, key=portal)) == ["GRAPHQL_VALIDATION_FAILED"]
    own = await gw.create_key("subject", subject=VIOLATOR_CODE)
    assert _ids(await _measures(gw, VIOLATOR_CODE, own))
    other = await gw.graphql(MEASURES, {"c": RED_ONLY}, key=own)
    assert error_codes(other) == ["FORBIDDEN"] and other["data"]["subject"]["measures"] is None
    body = await gw.graphql(CHECK, {"c": [VIOLATOR_CODE], "m": "FINANCING"}, key=own)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def _per_request(statement: str) -> bool:
    """The key's look-ups and the query record's write (its lock, on SQLite and PostgreSQL): the same for any
    keyed request."""
    noise = ("api_client", "query_record", "pg_advisory_xact_lock")
    return any(word in statement for word in noise) or statement.startswith("BEGIN")


async def test_measures_of_a_hundred_subjects_cost_one_statement_per_fact_source(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)
    admin = await gw.create_key("admin")
    codes = [s.code.value for s in demo_subjects(150)][:100]
    query = """query($c: [String!]!) { subjects(codes: $c) { name
      measures { matters measure { id kind } facts { kind recordId } } } }"""
    counts = []
    for batch in (codes[:1], codes):
        with count_statements(gw.engine) as counter:
            body = await gw.graphql(query, {"c": batch}, key=admin)
        assert "errors" not in body, body
        counts.append(sum(1 for q in counter.statements if not _per_request(q)))
    sources = len(gw.graph.composition.measure_facts)
    # The core's (lists, records, broken commitments), the tax plugin's, and the materialised supervision grade.
    assert sources == 3
    # The subjects, then one per fact source, and the catalogue version in force (one per request).
    assert counts == [2 + sources, 2 + sources]
    subjects = [s for s in body["data"]["subjects"] if s]
    assert len(subjects) == 100 and sum(1 for s in subjects if s["measures"]) > 10
    showcase = subjects[0]
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" in _ids(showcase["measures"])
    assert "CULTURE_GREEN_CHANNEL" not in _ids(showcase["measures"])
