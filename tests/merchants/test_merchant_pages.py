"""Merchant pages (一店一码) over HTTP, on SQLite and PostgreSQL: who may issue and revoke them, tokens that
cannot be guessed and stop working once revoked, the page's content (exactly what the public API shows,
escaped), the complaint form, the view counter, and no query record for a page view."""

from __future__ import annotations

import re
from collections import Counter

import sqlalchemy as sa
from merchant_seeds import (
    BAD_CODE,
    BAD_NAME,
    COMMIT,
    GOOD_CODE,
    GOOD_NAME,
    LIVE,
    PERSON_CODE,
    REVOKE,
    issue,
    seed_bad,
    seed_good,
)

from gateway.db.engine import count_statements
from gateway.db.tables import query_record
from gateway.features.merchants import store
from gateway.features.merchants.tables import merchant_page_view
from gateway.testing import GatewayHarness, error_codes

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PUBLIC_RECORDS = "query($c: String!) { subject(code: $c) { records(first: 100) { documentNumber } } }"
COMPLAINT = "query($t: String!) { complaint(trackingToken: $t) { domain state } }"


def path_of(page: dict) -> str:
    return f"/m/{page['token']}"


async def test_issuing_returns_the_live_page_and_rotating_replaces_it(gw: GatewayHarness) -> None:
    await seed_good(gw)
    admin = await gw.create_key("admin")
    first = await issue(gw, GOOD_CODE, admin)
    assert TOKEN.match(first["token"]) and GOOD_CODE not in first["token"]
    assert first["url"] == f"http://gateway.test/m/{first['token']}"  # no public URL set: the request's address
    assert first["qrPdfUrl"] == first["url"] + "/qr.pdf" and first["subjectName"] == GOOD_NAME
    assert first["issuedBy"].startswith("admin:") and first["revokedAt"] is None
    again = await issue(gw, GOOD_CODE, admin)
    assert again["token"] == first["token"]  # printing twice prints the same code
    rotated = await issue(gw, GOOD_CODE, admin, rotate=True)
    assert rotated["token"] != first["token"]
    assert (await gw.client.get(path_of(first))).status_code == 404
    assert (await gw.client.get(path_of(rotated))).status_code == 200
    live = await gw.graphql(LIVE, {"c": GOOD_CODE}, key=admin)
    assert live["data"]["merchantPage"]["token"] == rotated["token"]


async def test_a_revoked_page_and_its_codes_are_gone(gw: GatewayHarness) -> None:
    await seed_good(gw)
    admin = await gw.create_key("admin")
    page = await issue(gw, GOOD_CODE, admin)
    for suffix in ("", "/qr.png", "/qr.svg", "/qr.pdf"):
        assert (await gw.client.get(path_of(page) + suffix)).status_code == 200, suffix
    body = await gw.graphql(REVOKE, {"c": GOOD_CODE}, key=admin)
    assert body["data"]["revokeMerchantPage"]["token"] == page["token"], body
    assert body["data"]["revokeMerchantPage"]["revokedAt"] is not None
    for suffix in ("", "/qr.png", "/qr.svg", "/qr.pdf"):
        gone = await gw.client.get(path_of(page) + suffix)
        assert gone.status_code == 404, suffix
        assert "页面不存在" in gone.text and gone.headers["content-type"].startswith("text/html")
    assert error_codes(await gw.graphql(REVOKE, {"c": GOOD_CODE}, key=admin)) == ["NOT_FOUND"]
    assert (await gw.graphql(LIVE, {"c": GOOD_CODE}, key=admin))["data"]["merchantPage"] is None
    # Issued again: a new token, never the revoked one.
    assert (await issue(gw, GOOD_CODE, admin))["token"] != page["token"]


async def test_tokens_cannot_be_guessed(gw: GatewayHarness) -> None:
    assert store.TOKEN_BYTES * 8 >= 128
    tokens = {store.new_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(TOKEN.match(token) for token in tokens)
    # Every character of the alphabet turns up in every position range: no fixed prefix, no counter.
    assert len(Counter(token[0] for token in tokens)) > 40
    await seed_good(gw)
    admin = await gw.create_key("admin")
    page = await issue(gw, GOOD_CODE, admin)
    flipped = page["token"][:-1] + ("A" if page["token"][-1] != "A" else "B")
    assert (await gw.client.get(f"/m/{flipped}")).status_code == 404
    with count_statements(gw.engine) as counter:
        for malformed in ("short", GOOD_CODE, page["token"] + "x", "%3Cscript%3E"):
            assert (await gw.client.get(f"/m/{malformed}")).status_code == 404
    assert counter.count == 0  # a token of the wrong shape never reaches the database


async def test_who_may_issue_and_revoke(gw: GatewayHarness) -> None:
    await seed_good(gw)  # urban management holds records about GOOD_CODE; tax holds none
    issue_query = "mutation($c: String!) { issueMerchantPage(subjectCode: $c) { token } }"
    urban = await gw.create_key("department", domain="urban_management")
    tax = await gw.create_key("department", domain="tax")
    subject = await gw.create_key("subject", subject=GOOD_CODE)
    assert error_codes(await gw.graphql(issue_query, {"c": GOOD_CODE})) == ["GRAPHQL_VALIDATION_FAILED"]  # public
    assert error_codes(await gw.graphql(issue_query, {"c": GOOD_CODE}, key=subject)) == [
        "GRAPHQL_VALIDATION_FAILED"
    ]  # a subject's audience has no such mutation
    assert error_codes(await gw.graphql(issue_query, {"c": GOOD_CODE}, key=tax)) == ["FORBIDDEN"]
    assert error_codes(await gw.graphql(REVOKE, {"c": GOOD_CODE}, key=tax)) == ["FORBIDDEN"]
    token = (await gw.graphql(issue_query, {"c": GOOD_CODE}, key=urban))["data"]["issueMerchantPage"]["token"]
    assert TOKEN.match(token)
    assert (await gw.graphql(REVOKE, {"c": GOOD_CODE}, key=urban))["data"]["revokeMerchantPage"]["token"] == token


async def test_a_person_or_an_unknown_organisation_gets_no_page(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    issue_query = "mutation($c: String!) { issueMerchantPage(subjectCode: $c) { token } }"
    person = await gw.graphql(issue_query, {"c": PERSON_CODE}, key=admin)
    assert error_codes(person) == ["BAD_USER_INPUT"], person
    assert person["errors"][0]["extensions"]["reason"] == "NOT_AN_ORGANISATION"
    assert error_codes(await gw.graphql(issue_query, {"c": GOOD_CODE}, key=admin)) == ["NOT_FOUND"]  # not on file
    assert error_codes(await gw.graphql(issue_query, {"c": "91350100MA2Y7P3K0X"}, key=admin)) == [
        "INVALID_SUBJECT_CODE"
    ]


async def test_the_page_of_a_merchant_with_negative_records(gw: GatewayHarness) -> None:
    await seed_bad(gw)
    page = await issue(gw, BAD_CODE, await gw.create_key("admin"))
    response = await gw.client.get(path_of(page))
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    assert f"<h1>{BAD_NAME}</h1>" in html and BAD_CODE in html
    assert (
        "重大税收违法失信主体" in html
        and "纳税信用" in html
        and "擅自设置户外广告设施" in html
        and "罚款金额：2,000 元" in html
    )
    assert "门前三包黑榜" in html and "黑名单" in html
    assert "暂无公示中的失信记录" not in html
    assert "信用监管等级" in html and "暂无评定" in html  # the place for a grade, marked, with no value
    assert '<form method="post"' in html and 'name="matter"' in html
    # Self-contained: no script, nothing loaded from elsewhere, a policy that forbids it anyway.
    assert "<script" not in html and " src=" not in html and "http://" not in html and "https://" not in html
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy
    assert response.headers["referrer-policy"] == "no-referrer" and response.headers["cache-control"] == "no-store"


async def test_the_page_of_a_merchant_without_negative_records(gw: GatewayHarness) -> None:
    await seed_good(gw)
    urban = await gw.create_key("department", domain="urban_management")
    # A restricted commitment: the public API does not show it, so neither does the page.
    restricted = {
        "subjectCode": GOOD_CODE,
        "domain": "urban_management",
        "commitmentType": "VOLUNTARY",
        "content": "内部承诺：不对外公开的事项",
        "liability": "自愿接受处理",
        "validUntil": "2030-01-01",
        "disclosure": "RESTRICTED",
    }
    assert "errors" not in await gw.graphql(COMMIT, {"i": restricted}, key=urban)
    page = await issue(gw, GOOD_CODE, await gw.create_key("admin"))
    html = (await gw.client.get(path_of(page))).text
    assert GOOD_NAME in html and "个体工商户" in html
    assert "暂无公示中的失信记录" in html and "失信记录" in html
    assert "户外广告设置许可证" in html and "门前三包红榜" in html and "红名单" in html
    assert "严格落实门前三包责任" in html and "行业自律型承诺" in html
    assert "内部承诺" not in html
    # Every record the public API shows is on the page.
    public = await gw.graphql(PUBLIC_RECORDS, {"c": GOOD_CODE})
    numbers = [r["documentNumber"] for r in public["data"]["subject"]["records"]]
    assert len(numbers) == 2 and all(number in html for number in numbers)


async def test_a_name_with_markup_is_shown_as_text(gw: GatewayHarness) -> None:
    name = '<script>alert("x")</script>&<b>商贸</b>'
    await seed_bad(gw, name=name)
    page = await issue(gw, BAD_CODE, await gw.create_key("admin"))
    html = (await gw.client.get(path_of(page))).text
    assert "<script" not in html and "<b>商贸" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;b&gt;商贸&lt;/b&gt;" in html


async def test_a_complaint_filed_on_the_page(gw: GatewayHarness) -> None:
    await seed_bad(gw)
    page = await issue(gw, BAD_CODE, await gw.create_key("admin"))
    form = {"domain": "urban_management", "matter": "店门口长期乱堆杂物，占用人行道。\n多次劝说无效。", "contact": ""}
    response = await gw.client.post(path_of(page), data=form)
    assert response.status_code == 200, response.text
    tokens = re.findall(r"<code>([^<]+)</code>", response.text)
    assert len(tokens) == 1 and "投诉已提交" in response.text
    tracked = await gw.graphql(COMPLAINT, {"t": tokens[0]})
    assert tracked["data"]["complaint"] == {"domain": "urban_management", "state": "RECEIVED"}, tracked
    async with gw.engine.connect() as conn:
        row = (await conn.execute(sa.text("SELECT subject_code, matter, contact FROM complaint"))).one()
    assert row.subject_code == BAD_CODE and row.matter == form["matter"] and row.contact is None


async def test_a_complaint_with_mistakes_is_shown_again_with_them(gw: GatewayHarness) -> None:
    await seed_bad(gw)
    page = await issue(gw, BAD_CODE, await gw.create_key("admin"))
    response = await gw.client.post(path_of(page), data={"domain": "nowhere", "matter": "  ", "contact": "<i>138</i>"})
    assert response.status_code == 400
    assert "请选择受理的领域" in response.text and "请填写投诉内容" in response.text
    assert 'value="&lt;i&gt;138&lt;/i&gt;"' in response.text  # what was typed stays, escaped
    long = await gw.client.post(path_of(page), data={"domain": "tax", "matter": "长" * 2001})
    assert long.status_code == 400 and "最多 2000 字" in long.text
    as_json = await gw.client.post(path_of(page), json={"domain": "tax", "matter": "x"})
    assert as_json.status_code == 400 and "无法识别" in as_json.text
    too_big = await gw.client.post(path_of(page), content=b"matter=" + b"a" * 20_000, headers=FORM)
    assert too_big.status_code == 400 and "过长" in too_big.text
    async with gw.engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM complaint"))).scalar_one() == 0


async def test_views_are_counted_and_never_written_to_the_query_record(gw: GatewayHarness) -> None:
    await seed_bad(gw)
    admin = await gw.create_key("admin")
    page = await issue(gw, BAD_CODE, admin)
    for _ in range(3):
        assert (await gw.client.get(path_of(page))).status_code == 200
    assert (await gw.client.get(path_of(page) + "/qr.png")).status_code == 200  # a download is no view
    with count_statements(gw.engine) as counter:
        assert (await gw.client.get(path_of(page))).status_code == 200
    upserts = [s for s in counter.statements if "merchant_page_view" in s]
    assert len(upserts) == 1 and upserts[0].lstrip().upper().startswith("INSERT")  # one statement per view
    live = await gw.graphql(LIVE, {"c": BAD_CODE}, key=admin)
    assert live["data"]["merchantPage"]["views"] == [{"day": gw.clock.today().isoformat(), "views": 4}], live
    async with gw.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(merchant_page_view))).scalar_one() == 1
        assert (await conn.execute(sa.select(sa.func.count()).select_from(query_record))).scalar_one() == 0
    # The same look-up by a keyed client is recorded: the count above could have been 1.
    await gw.graphql("query($c: String!) { subject(code: $c) { name } }", {"c": BAD_CODE}, key=admin)
    async with gw.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(query_record))).scalar_one() == 1


async def test_the_landing_page(gw: GatewayHarness) -> None:
    response = await gw.client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "公共信用信息服务" in response.text and 'href="/graphql"' in response.text
    assert "城市管理" in response.text  # the domains installed
    assert (await gw.client.post("/", data={"a": "b"})).status_code == 405


async def test_the_page_is_rate_limited_like_the_public_api() -> None:
    async with GatewayHarness.start(rate_limits={"public": {"rate": 0.01, "burst": 3}}) as gw:
        statuses = [(await gw.client.get(f"/m/{'x' * 32}")).status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        assert (await gw.client.get("/")).status_code == 429
        assert (await gw.post("{ __typename }")).status_code == 429  # one bucket for the page and the API
