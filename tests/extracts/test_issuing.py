"""Issuing credit extracts over HTTP, on SQLite and PostgreSQL: who may ask (the subject, a partner it
authorised, the admin; an unauthorised partner is refused and recorded, the public is refused), retries on
the same request id, the download's check of credentials, the PDF (its text and a rendered page), and the
statements one issue costs."""

from __future__ import annotations

import hashlib
import io
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from extract_seeds import ISSUE, ORG_CODE, ORG_NAME, PERSON_CODE, PERSON_NAME, extract_gateway, issue, seed, write_key
from PIL import Image

from gateway.db.engine import count_statements
from gateway.db.tables import query_record
from gateway.features.extracts.tables import credit_extract
from gateway.testing import GatewayHarness, error_codes

PURPOSE = {"X-Purpose": "loan application"}  # headers are ASCII; the purpose may be Chinese as UTF-8


@pytest.fixture
async def gw(database_url: str | None, tmp_path: Path) -> AsyncIterator[GatewayHarness]:
    # PostgreSQL never generates a key: give it one. SQLite uses the demo's generated key.
    key = write_key(tmp_path, "signing") if database_url is not None else None
    async with extract_gateway(database_url, key) as harness:
        await seed(harness)
        yield harness


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "extract.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def first_page_png(pdf: bytes, tmp_path: Path) -> bytes:
    path = tmp_path / "extract.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    return next(tmp_path.glob("page*.png")).read_bytes()


async def download(gw: GatewayHarness, extract: dict, key: str | None) -> object:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return await gw.client.get(extract["downloadUrl"], headers=headers)


async def test_the_subject_issues_its_extract_and_the_pdf_reads_in_chinese(gw: GatewayHarness, tmp_path: Path) -> None:
    subject = await gw.create_key("subject", subject=ORG_CODE)
    extract = await issue(gw, subject)
    assert extract["downloadUrl"] == f"http://gateway.test/extracts/{extract['number']}.pdf"
    assert extract["verifyUrl"] == f"http://gateway.test/verify/{extract['number']}"
    response = await download(gw, extract, subject)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert hashlib.sha256(pdf).hexdigest() == extract["sha256"]
    text = pdf_text(pdf, tmp_path)
    for expected in ("信用信息摘要", ORG_NAME, extract["number"], ORG_CODE, "纳税信用", "城市管理信用", "贷款审批"):
        assert expected in text, expected
    # The domains' rows, as a person reads them.
    assert "重大税收违法失信主体" in text and "门前三包黑榜" in text and "鼓城管罚决〔2026〕501号" in text
    assert "信用主体本人" in text
    image = Image.open(io.BytesIO(first_page_png(pdf, tmp_path))).convert("L")
    assert image.size[0] > 400 and image.size[1] > 600  # A4 at 60 dpi: 496 x 702
    dark = sum(image.histogram()[:128])
    assert dark > 2_000, "the rendered page is blank"


async def test_a_persons_extract_masks_the_id_number(gw: GatewayHarness, tmp_path: Path) -> None:
    subject = await gw.create_key("subject", subject=PERSON_CODE)
    extract = await issue(gw, subject, code=PERSON_CODE)
    text = pdf_text((await download(gw, extract, subject)).content, tmp_path)
    assert PERSON_NAME in text and "110105********002X" in text and PERSON_CODE not in text
    assert PERSON_CODE.encode() not in (await download(gw, extract, subject)).content


async def test_who_may_ask(gw: GatewayHarness) -> None:
    variables = {"i": {"subjectCode": ORG_CODE, "requestId": "who-1", "purpose": "贷款审批"}}
    # The public's schema has no such mutation; nor has the portal's.
    assert set(error_codes(await gw.graphql(ISSUE, variables))) == {"GRAPHQL_VALIDATION_FAILED"}
    portal = await gw.create_key("portal")
    assert set(error_codes(await gw.graphql(ISSUE, variables, key=portal))) == {"GRAPHQL_VALIDATION_FAILED"}
    other = await gw.create_key("subject", subject=PERSON_CODE)
    assert error_codes(await gw.graphql(ISSUE, variables, key=other)) == ["FORBIDDEN"]  # not its own
    admin = await gw.create_key("admin")
    assert (await issue(gw, admin, request_id="who-2"))["number"]
    unknown = {"i": {**variables["i"], "subjectCode": "91350100M000100Y43"}}
    assert error_codes(await gw.graphql(ISSUE, unknown, key=admin)) == ["NOT_FOUND"]
    blank = {"i": {**variables["i"], "purpose": "  "}}
    assert error_codes(await gw.graphql(ISSUE, blank, key=admin)) == ["BAD_USER_INPUT"]


async def test_a_partner_needs_the_subjects_authorisation_and_a_refusal_is_recorded(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", contract=["tax.rating"], name="福州银行")
    variables = {"i": {"subjectCode": ORG_CODE, "requestId": "bank-1", "purpose": "Loan  application"}}
    refused = await gw.graphql(ISSUE, variables, key=partner, headers=PURPOSE)
    assert error_codes(refused) == ["AUTHORIZATION_REQUIRED"], refused
    async with gw.engine.connect() as conn:
        rows = (await conn.execute(sa.select(query_record.c.outcome, query_record.c.role))).all()
        assert [tuple(row) for row in rows] == [("DENIED", "partner")]
        assert (await conn.execute(sa.select(sa.func.count()).select_from(credit_extract))).scalar() == 0
    await gw.authorize(ORG_CODE, partner, groups=["tax.rating"], purpose="loan application")
    mismatch = {"i": {**variables["i"], "purpose": "招投标"}}
    assert error_codes(await gw.graphql(ISSUE, mismatch, key=partner, headers=PURPOSE)) == ["BAD_USER_INPUT"]
    extract = await issue(gw, partner, request_id="bank-2", purpose="loan application", headers=PURPOSE)
    assert (await download(gw, extract, partner)).status_code == 200
    async with gw.engine.connect() as conn:
        outcomes = (await conn.execute(sa.select(query_record.c.outcome).order_by(query_record.c.id))).scalars().all()
    assert outcomes == ["DENIED", "VIEWED"]  # the extract handed out is in the subject's query record


async def test_retries_get_the_same_extract(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    first = await issue(gw, admin, request_id="same")
    with count_statements(gw.engine) as counter:
        again = await issue(gw, admin, request_id="same")
    assert again == first
    assert not [s for s in counter.statements if "INSERT INTO credit_extract" in s]  # nothing drawn or signed again
    other = {"i": {"subjectCode": PERSON_CODE, "requestId": "same", "purpose": "贷款审批"}}
    assert error_codes(await gw.graphql(ISSUE, other, key=admin)) == ["CONFLICT"]
    async with gw.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(credit_extract))).scalar() == 1
    # Another client's request id is its own.
    second_admin = await gw.create_key("admin")
    assert (await issue(gw, second_admin, request_id="same"))["number"] != first["number"]


async def test_the_download_is_for_the_credentials_that_issued_it(gw: GatewayHarness) -> None:
    subject = await gw.create_key("subject", subject=ORG_CODE)
    extract = await issue(gw, subject)
    assert (await download(gw, extract, None)).status_code == 401
    stranger = await gw.create_key("department", domain="tax")
    assert (await download(gw, extract, stranger)).status_code == 404
    assert (await download(gw, extract, await gw.create_key("admin"))).status_code == 200
    same_subject = await gw.create_key("subject", subject=ORG_CODE)  # the subject, through another key
    assert (await download(gw, extract, same_subject)).status_code == 200
    assert (await gw.client.get("/extracts/XY20260101-0000-0000-0000.pdf", headers={})).status_code == 401


async def test_statements_of_one_issue(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    await issue(gw, admin, request_id="warm")  # the demo key is generated and registered once
    with count_statements(gw.engine) as counter:
        await issue(gw, admin, request_id="counted")
    # The key's two look-ups; the subject; whether the request id is known; four sections (one statement
    # each, whatever the subject holds); the signing key; insert_once's look-up, insert and read back; the
    # query record's append (SQLite's BEGIN IMMEDIATE, its chain's last row, the insert).
    sections = [s for s in counter.statements if "credit_record" in s]
    assert len(sections) == 4, sections
    assert counter.count <= 15, counter.statements
