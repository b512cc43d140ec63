"""The admin's run-time changes to the measures catalogue, over HTTP on SQLite and PostgreSQL: a published
catalogue is in force at once, a faulty one is refused with its line and stores nothing, versions stay
listable and showable, per-measure edits, who may change it, and the one statement it costs a request."""

from __future__ import annotations

import datetime as dt

from gateway.db.engine import count_statements
from gateway.features.measures.catalogue import DEFAULT_CATALOGUE
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes
from tests.measures.test_measures import MEASURES, SUBMIT_VIOLATIONS, _ids, _measures, _per_request, _write
from testsupport.factories import VIOLATOR_CODE, tax_violation

TODAY = china_today()
PUBLISH = "mutation($t: String!) { publishMeasureCatalogue(toml: $t) { number version change inForce } }"
RETIRE = """mutation($v: String!, $id: String!, $u: Date!) {
  retireMeasure(version: $v, id: $id, until: $u) { number version change } }"""
UPSERT = "mutation($v: String!, $m: String!) { upsertMeasure(version: $v, measure: $m) { number version change } }"
VERSIONS = "{ measureCatalogueVersions { number version change inForce publishedAt } }"
CATALOGUE = "query($v: String) { measureCatalogue(version: $v) { number version measures { id validUntil } } }"
ONLY_ONE = """[[measure]]
id = "ONLY_ONE"
kind = "PUNISHMENT"
name = "one punishment"
matters = ["FINANCING"]
effect = "no loans"
departments = ["人民银行"]
legal_basis = "a law"
valid_from = 2020-01-01
triggers = [{ kind = "list", domain = "tax", list_type = "BLACK" }]
"""
SMALL = 'version = "2026.2"\n\n' + ONLY_ONE


async def test_a_published_catalogue_is_in_force_at_once(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    admin = await gw.create_key("admin")
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" in _ids(await _measures(gw, VIOLATOR_CODE, admin))

    body = await gw.graphql(PUBLISH, {"t": SMALL}, key=admin)
    assert body["data"]["publishMeasureCatalogue"] == {
        "number": 1, "version": "2026.2", "change": "published", "inForce": True,
    }  # fmt: skip
    measures = await _measures(gw, VIOLATOR_CODE, admin)
    assert _ids(measures) == ["ONLY_ONE"] and measures[0]["matters"] == ["FINANCING"]
    now = (await gw.graphql(CATALOGUE, {"v": None}))["data"]["measureCatalogue"]
    assert now["number"] == 1 and now["version"] == "2026.2" and [m["id"] for m in now["measures"]] == ["ONLY_ONE"]

    # The shipped catalogue stays listed and showable, by its label.
    old = (await gw.graphql(CATALOGUE, {"v": "2026.1"}))["data"]["measureCatalogue"]
    assert old["number"] == 0 and "MAJOR_TAX_VIOLATION_RESTRICTIONS" in [m["id"] for m in old["measures"]]
    assert error_codes(await gw.graphql(CATALOGUE, {"v": "1999.9"})) == ["NOT_FOUND"]
    listed = (await gw.graphql(VERSIONS))["data"]["measureCatalogueVersions"]
    assert [(v["number"], v["version"], v["inForce"]) for v in listed] == [(1, "2026.2", True), (0, "2026.1", False)]
    assert listed[0]["publishedAt"] and listed[1]["publishedAt"] is None
    # Who published it: the admin's, not the public's.
    by = await gw.graphql("{ measureCatalogueVersions(first: 1) { publishedBy } }", key=admin)
    assert by["data"]["measureCatalogueVersions"] == [{"publishedBy": "admin:test admin"}]
    public = await gw.graphql("{ measureCatalogueVersions { publishedBy } }")
    assert error_codes(public) == ["GRAPHQL_VALIDATION_FAILED"]
    assert error_codes(await gw.graphql(VERSIONS.replace("{ number", "(first: 101) { number"))) == ["LIMIT_EXCEEDED"]

    # A label is used once: the shipped one, or one published before.
    again = await gw.graphql(PUBLISH, {"t": SMALL}, key=admin)
    assert error_codes(again) == ["BAD_USER_INPUT"] and again["errors"][0]["extensions"]["line"] == 1
    shipped = DEFAULT_CATALOGUE.read_text(encoding="utf-8")
    body = await gw.graphql(PUBLISH, {"t": shipped}, key=admin)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    # Back to the shipped measures, as version 2026.3.
    body = await gw.graphql(PUBLISH, {"t": shipped.replace('version = "2026.1"', 'version = "2026.3"')}, key=admin)
    assert body["data"]["publishMeasureCatalogue"]["number"] == 2
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" in _ids(await _measures(gw, VIOLATOR_CODE, admin))


async def test_a_faulty_catalogue_is_refused_with_its_line_and_nothing_changes(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    admin = await gw.create_key("admin")
    before = _ids(await _measures(gw, VIOLATOR_CODE, admin))
    wrong_matter = SMALL.replace('matters = ["FINANCING"]', 'matters = ["PARKING"]')
    body = await gw.graphql(PUBLISH, {"t": wrong_matter}, key=admin)
    assert error_codes(body) == ["BAD_USER_INPUT"] and body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["line"] == 7 and "PARKING" in error["message"] and "line 7" in error["message"]
    not_toml = await gw.graphql(PUBLISH, {"t": SMALL.replace('kind = "PUNISHMENT"', "kind = ")}, key=admin)
    assert error_codes(not_toml) == ["BAD_USER_INPUT"] and not_toml["errors"][0]["extensions"]["line"] == 5
    listed = (await gw.graphql(VERSIONS))["data"]["measureCatalogueVersions"]
    assert [v["number"] for v in listed] == [0]
    assert _ids(await _measures(gw, VIOLATOR_CODE, admin)) == before


async def test_retire_and_upsert_one_measure(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    admin = await gw.create_key("admin")
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    body = await gw.graphql(
        RETIRE, {"v": "2026.1a", "id": "MAJOR_TAX_VIOLATION_RESTRICTIONS", "u": yesterday}, key=admin
    )
    assert body["data"]["retireMeasure"]["number"] == 1, body
    ids = _ids(await _measures(gw, VIOLATOR_CODE, admin))
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" not in ids and "BLACK_LIST_PROCUREMENT_AND_FUNDING" in ids
    shown = (await gw.graphql(CATALOGUE, {"v": None}))["data"]["measureCatalogue"]
    retired = next(m for m in shown["measures"] if m["id"] == "MAJOR_TAX_VIOLATION_RESTRICTIONS")
    assert retired["validUntil"] == yesterday and shown["version"] == "2026.1a"

    # Faults: a day before the measure began, an unknown measure; nothing stored.
    early = await gw.graphql(RETIRE, {"v": "x1", "id": "BLACK_LIST_SUPERVISION", "u": "1990-01-01"}, key=admin)
    assert error_codes(early) == ["BAD_USER_INPUT"] and early["errors"][0]["extensions"]["argument"] == "until"
    unknown = await gw.graphql(RETIRE, {"v": "x2", "id": "NO_SUCH_MEASURE", "u": yesterday}, key=admin)
    assert error_codes(unknown) == ["NOT_FOUND"]

    # Add a measure, then replace it.
    body = await gw.graphql(UPSERT, {"v": "2026.1b", "m": ONLY_ONE}, key=admin)
    assert body["data"]["upsertMeasure"] == {"number": 2, "version": "2026.1b", "change": "added ONLY_ONE"}
    assert "ONLY_ONE" in _ids(await _measures(gw, VIOLATOR_CODE, admin, "FINANCING"))
    moved = ONLY_ONE.replace('matters = ["FINANCING"]', 'matters = ["MARKET_ACCESS"]')
    body = await gw.graphql(UPSERT, {"v": "2026.1c", "m": moved}, key=admin)
    assert body["data"]["upsertMeasure"]["change"] == "replaced ONLY_ONE"
    assert "ONLY_ONE" not in _ids(await _measures(gw, VIOLATOR_CODE, admin, "FINANCING"))
    assert "ONLY_ONE" in _ids(await _measures(gw, VIOLATOR_CODE, admin, "MARKET_ACCESS"))
    # The earlier retirement is kept by later edits.
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" not in _ids(await _measures(gw, VIOLATOR_CODE, admin))
    bad = await gw.graphql(UPSERT, {"v": "2026.1d", "m": moved.replace('kind = "PUNISHMENT"', 'kind = "X"')}, key=admin)
    assert error_codes(bad) == ["BAD_USER_INPUT"] and bad["errors"][0]["extensions"]["line"] == 3
    listed = (await gw.graphql(VERSIONS))["data"]["measureCatalogueVersions"]
    assert [v["number"] for v in listed] == [3, 2, 1, 0]


async def test_only_the_admin_changes_the_catalogue(gw: GatewayHarness) -> None:
    keys = [
        None,
        await gw.create_key("portal"),
        await gw.create_key("partner"),
        await gw.create_key("subject", subject=VIOLATOR_CODE),
        await gw.create_key("department", domain="tax"),
    ]
    for key in keys:
        body = await gw.graphql(PUBLISH, {"t": SMALL}, key=key)
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body
        body = await gw.graphql(RETIRE, {"v": "z", "id": "BLACK_LIST_SUPERVISION", "u": "2030-01-01"}, key=key)
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    listed = (await gw.graphql(VERSIONS))["data"]["measureCatalogueVersions"]
    assert [v["number"] for v in listed] == [0]


async def test_the_version_check_costs_one_statement_per_request(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    admin = await gw.create_key("admin")
    codes = [s.code.value for s in demo_subjects(30)][:30]
    query = """query($c: [String!]!) { subjects(codes: $c) { measures { measure { id } } }
      checkMeasures(codes: $c, matter: FINANCING) { restricted } }"""
    sources = len(gw.graph.composition.measure_facts)
    counts = []
    for published in (False, True, True):
        if published and len(counts) == 2:
            body = await gw.graphql(PUBLISH, {"t": SMALL}, key=admin)
            assert "errors" not in body, body
        for batch in (codes[:1], codes):
            with count_statements(gw.engine) as counter:
                body = await gw.graphql(query, {"c": batch}, key=admin)
            assert "errors" not in body, body
            counts.append(sum(1 for q in counter.statements if not _per_request(q)))
    # The subjects and facts per source (both fields share the request's loaders), and the one catalogue
    # version check for the whole request, before and after a publication (then the text is read once).
    expected = 1 + sources + 1
    assert counts == [expected] * 6
    assert MEASURES  # the shared query of test_measures
