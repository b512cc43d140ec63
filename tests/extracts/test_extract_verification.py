"""Verifying credit extracts, on SQLite and PostgreSQL: by number (the GraphQL query and the public page),
and by uploading the PDF; genuine, expired, altered and forged documents; the published keys, a key
rotation that keeps old extracts verifiable, and the key's absence on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from extract_seeds import ORG_CODE, ORG_NAME, VERIFY, extract_gateway, issue, seed, write_key

from gateway.features.extracts.checking import EMBEDDED
from gateway.features.extracts.plugin import startup
from gateway.features.extracts.signing import b64, unb64
from gateway.features.extracts.tables import credit_extract
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_EXTRACT_UPLOAD_BYTES
from gateway.testing import GatewayHarness, error_codes


@pytest.fixture
async def gw(database_url: str | None, tmp_path: Path) -> AsyncIterator[GatewayHarness]:
    key = write_key(tmp_path, "signing") if database_url is not None else None
    async with extract_gateway(database_url, key) as harness:
        await seed(harness)
        yield harness


async def issued(gw: GatewayHarness) -> tuple[dict, bytes]:
    admin = await gw.create_key("admin")
    extract = await issue(gw, admin)
    pdf = (await gw.client.get(extract["downloadUrl"], headers={"Authorization": f"Bearer {admin}"})).content
    return extract, pdf


async def verify(gw: GatewayHarness, number: str, sha256: str | None = None) -> dict:
    body = await gw.graphql(VERIFY, {"n": number, "h": sha256})
    assert "errors" not in body, body
    return body["data"]["verifyCreditDocument"]


async def upload(gw: GatewayHarness, pdf: bytes, path: str = "/verify") -> str:
    response = await gw.client.post(path, files={"file": ("extract.pdf", pdf, "application/pdf")})
    assert response.status_code == 200, response.text
    return response.text


def forged(pdf: bytes, edit: dict, key: Ed25519PrivateKey | None = None) -> bytes:
    """The PDF with its embedded payload edited (``edit`` merged in), signed again by ``key`` if given, else
    keeping the original signature."""
    found = EMBEDDED.search(pdf)
    assert found is not None
    payload = orjson.loads(unb64(found.group(1).decode("ascii")))
    payload.update(edit)
    signed = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    signature = b64(key.sign(signed)).encode() if key is not None else found.group(2)
    return pdf[: found.start(1)] + b64(signed).encode() + b"." + signature + pdf[found.end(2) :]


async def test_a_genuine_extract_verifies_by_number_and_by_file(gw: GatewayHarness) -> None:
    extract, pdf = await issued(gw)
    result = await verify(gw, extract["number"])
    assert result["status"] == "VALID" and result["subjectName"] == ORG_NAME and result["subjectCode"] == ORG_CODE
    assert result["validUntil"] == extract["validUntil"] and result["issuedOn"] == extract["issuedOn"]
    assert (await verify(gw, extract["number"], hashlib.sha256(pdf).hexdigest()))["status"] == "VALID"
    page = await gw.client.get(f"/verify/{extract['number']}")
    assert page.status_code == 200 and "有效" in page.text and ORG_NAME in page.text and "核验通过" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "核验通过" in await upload(gw, pdf)
    raw = await gw.client.post(f"/verify/{extract['number']}", content=pdf, headers={"Content-Type": "application/pdf"})
    assert raw.status_code == 200 and "核验通过" in raw.text


async def test_an_unknown_number_is_not_found(gw: GatewayHarness) -> None:
    result = await verify(gw, "XY20260101-0000-0000-0000")
    assert result["status"] == "NOT_FOUND" and result["subjectName"] is None
    assert (await verify(gw, "not a number"))["status"] == "NOT_FOUND"
    page = await gw.client.get("/verify/XY20260101-0000-0000-0000")
    assert page.status_code == 404 and "未找到" in page.text
    assert error_codes(await gw.graphql(VERIFY, {"n": "x" * 65})) == ["BAD_USER_INPUT"]


async def test_an_expired_extract_says_expired(gw: GatewayHarness) -> None:
    extract, pdf = await issued(gw)
    last_day = dt.date.fromisoformat(extract["validUntil"])
    assert last_day - dt.date.fromisoformat(extract["issuedOn"]) == dt.timedelta(days=29)  # 30 days, inclusive
    gw.clock.travel_to(last_day)
    assert (await verify(gw, extract["number"]))["status"] == "VALID"
    gw.clock.travel_to(last_day + dt.timedelta(days=1))
    assert (await verify(gw, extract["number"]))["status"] == "EXPIRED"
    assert "已过期" in (await gw.client.get(f"/verify/{extract['number']}")).text
    assert "已过期" in await upload(gw, pdf)


async def test_an_altered_file_or_registry_row_fails(gw: GatewayHarness) -> None:
    extract, pdf = await issued(gw)
    other_file = hashlib.sha256(pdf + b"\n").hexdigest()
    assert (await verify(gw, extract["number"], other_file))["status"] == "ALTERED"
    # Not a SHA-256 at all: the caller's mistake, not an altered document.
    body = await gw.graphql(VERIFY, {"n": extract["number"], "h": "z" * 64})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    # The document edited (here its page size), the signed payload left as it was: the bytes differ.
    edited = pdf.replace(b"/MediaBox [0 0 595.28 841.89]", b"/MediaBox [0 0 595.28 841.80]", 1)
    assert edited != pdf
    assert "已被改动" in await upload(gw, edited)
    # Someone with the database's write access changes the registry's copy: its signature no longer holds.
    async with gw.engine.begin() as conn:
        payload = (await conn.execute(sa.select(credit_extract.c.payload))).scalar_one()
        await conn.execute(sa.update(credit_extract).values(payload=payload.replace(ORG_NAME, "别的公司")))
    assert (await verify(gw, extract["number"]))["status"] == "ALTERED"


async def test_a_forged_extract_fails(gw: GatewayHarness) -> None:
    extract, pdf = await issued(gw)
    # The payload edited (another subject's name), the platform's signature kept: the signature fails.
    renamed = forged(pdf, {"subject": {"name": "别的公司", "code": ORG_CODE, "codeType": "USCC"}})
    assert "签名无效" in await upload(gw, renamed)
    # Signed again with a key that is not the platform's, under the platform's key id.
    stranger = forged(pdf, {"validUntil": "2099-12-31"}, key=Ed25519PrivateKey.generate())
    assert "签名无效" in await upload(gw, stranger)
    # No signature at all.
    assert "签名无效" in await upload(gw, b"%PDF-1.4\n%nothing here\n")
    # Not a PDF, or too large: refused before anything is checked.
    response = await gw.client.post("/verify", files={"file": ("x.pdf", b"hello", "application/pdf")})
    assert response.status_code == 400
    huge = b"%PDF-1.4\n" + b"0" * MAX_EXTRACT_UPLOAD_BYTES
    response = await gw.client.post("/verify", content=huge, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 400
    assert (await verify(gw, extract["number"]))["status"] == "VALID"  # the genuine one stands


async def test_the_verification_form(gw: GatewayHarness) -> None:
    page = await gw.client.get("/verify")
    assert page.status_code == 200 and "按编号核验" in page.text
    redirect = await gw.client.get("/verify", params={"number": "xy20260101-0000-0000-0000"})
    assert redirect.status_code == 303 and redirect.headers["location"] == "/verify/XY20260101-0000-0000-0000"


async def test_key_rotation_keeps_old_extracts_verifiable(database_url: str | None, tmp_path: Path) -> None:
    first_key, second_key = write_key(tmp_path, "first"), write_key(tmp_path, "second")
    sqlite_file = tmp_path / "gateway.sqlite3"
    async with extract_gateway(database_url, first_key, sqlite_file=sqlite_file) as gw:
        await seed(gw)
        old, old_pdf = await issued(gw)
    async with extract_gateway(database_url, second_key, keep=True, sqlite_file=sqlite_file) as gw:
        admin = await gw.create_key("admin")
        new = await issue(gw, admin, request_id="after-rotation")
        old_result, new_result = await verify(gw, old["number"]), await verify(gw, new["number"])
        assert old_result["status"] == new_result["status"] == "VALID"
        assert old_result["keyId"] != new_result["keyId"]
        assert "核验通过" in await upload(gw, old_pdf)
        keys = (await gw.client.get("/.well-known/credit-gateway-keys.json")).json()["keys"]
        assert {key["keyId"] for key in keys} == {old_result["keyId"], new_result["keyId"]}
        assert all(key["algorithm"] == "Ed25519" and len(key["publicKey"]) == 64 for key in keys)


async def test_the_signing_key_without_a_setting(database_url: str | None, tmp_path: Path) -> None:
    sqlite_file = tmp_path / "gateway.sqlite3"
    async with extract_gateway(database_url, None, sqlite_file=sqlite_file) as gw:
        await seed(gw)
        admin = await gw.create_key("admin")
        variables = {"i": {"subjectCode": ORG_CODE, "requestId": "no-key", "purpose": "贷款审批"}}
        body = await gw.graphql(
            "mutation($i: IssueCreditExtractInput!) { issueCreditExtract(input: $i) { number } }",
            variables,
            key=admin,
        )
        if database_url is not None:  # PostgreSQL: production, where a key is never generated in passing
            assert error_codes(body) == ["SERVICE_UNAVAILABLE"], body
            assert body["errors"][0]["extensions"]["reason"] == "SIGNING_KEY_MISSING"
            return
        first = body["data"]["issueCreditExtract"]["number"]
        first_key = (await verify(gw, first))["keyId"]
    # SQLite (the embedded demo): the key generated once is kept, and signs after a restart too.
    async with extract_gateway(None, None, sqlite_file=sqlite_file) as gw:
        again = await issue(gw, await gw.create_key("admin"), request_id="after-restart")
        assert (await verify(gw, again["number"]))["keyId"] == first_key


async def test_a_revoked_extract_says_revoked(gw: GatewayHarness) -> None:
    extract, pdf = await issued(gw)
    revoke = "mutation($n: String!) { revokeCreditExtract(number: $n) { status number } }"
    department = await gw.create_key("department", domain="tax")
    assert set(error_codes(await gw.graphql(revoke, {"n": extract["number"]}, key=department))) == {
        "GRAPHQL_VALIDATION_FAILED"  # the admin's alone
    }
    admin = await gw.create_key("admin")
    body = await gw.graphql(revoke, {"n": extract["number"]}, key=admin)
    assert body["data"]["revokeCreditExtract"] == {"status": "REVOKED", "number": extract["number"]}, body
    assert error_codes(await gw.graphql(revoke, {"n": extract["number"]}, key=admin)) == ["NOT_FOUND"]
    assert (await verify(gw, extract["number"]))["status"] == "REVOKED"
    assert "已撤销" in await upload(gw, pdf)


async def test_the_start_reads_the_key_and_the_font(gw: GatewayHarness, tmp_path: Path) -> None:
    startup(gw.graph)  # the settings of this gateway are sound
    bad_key = tmp_path / "not-a-key.pem"
    bad_key.write_text("not a key")
    for settings, message in (
        ({"signing_key": bad_key}, "not a PEM private key"),
        ({"signing_key": tmp_path / "missing.pem"}, "cannot read"),
        ({"extract_font": tmp_path / "missing.otf"}, "does not exist"),
    ):
        graph = SimpleNamespace(settings=gw.settings.model_copy(update=settings), composition=gw.graph.composition)
        with pytest.raises(ConfigurationError, match=message):
            startup(graph)
