"""The HTTP side of credit extracts: the PDF's download, the public verification page and the keys.

- ``GET /extracts/{number}.pdf``: the PDF, for the same credentials that issued it (``Authorization:
  Bearer``: the client that asked, the subject itself, the admin); anyone else reads 404. A bearer check
  rather than a token in the address: an extract of a person carries what only the subject and those it
  authorised may see, and an address travels in logs, histories and forwarded messages; whoever needs the
  document is handed the PDF, which anyone can check by its number.
- ``GET /verify/{number}`` (the QR code's address): the verdict and the facts signed; ``POST`` a PDF
  (``multipart/form-data`` field ``file``, or the bytes as ``application/pdf``), at most
  ``MAX_EXTRACT_UPLOAD_BYTES``, is checked and not kept. ``/verify`` asks for a number or a file.
- ``GET /.well-known/credit-gateway-keys.json``: every public key that signed extracts, by key id.
"""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.features.extracts import checking, render, store
from gateway.features.extracts.issuing import DOWNLOAD_PATH, VERIFY_PATH, requester_of
from gateway.features.extracts.signing import fingerprint, public_keys
from gateway.features.merchants.routes import PAGE_HEADERS
from gateway.kernel.limits import MAX_EXTRACT_UPLOAD_BYTES

KEYS_PATH = "/.well-known/credit-gateway-keys.json"
MULTIPART_OVERHEAD = 16 * 1024  # the form's boundaries and part headers around the file


def html(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=PAGE_HEADERS)


def _principal(request: Request) -> Principal:
    return request.scope.get("state", {}).get("principal", PUBLIC)


def may_download(principal: Principal, row: object) -> bool:
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.SUBJECT and principal.subject_lookup_hash == row.subject_lookup_hash:  # type: ignore[attr-defined]
        return True
    return principal.is_authenticated and requester_of(principal) == row.requester  # type: ignore[attr-defined]


async def download(request: Request) -> Response:
    principal = _principal(request)
    if not principal.is_authenticated:
        return Response(
            "Send the credentials that issued the extract (Authorization: Bearer <key>).",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
        )
    async with request.app.state.graph.engine.connect() as conn:
        row = await store.by_number(conn, request.path_params["number"])
    if row is None or not may_download(principal, row):
        return Response("No such extract.", status_code=404, headers={"Cache-Control": "no-store"})
    headers = {
        "Content-Disposition": f'attachment; filename="credit-extract-{row.number}.pdf"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(row.pdf, media_type="application/pdf", headers=headers)


async def verify_form(request: Request) -> Response:
    number = request.query_params.get("number", "").strip().upper()
    if number:
        return RedirectResponse(VERIFY_PATH.format(number=number) if len(number) <= 64 else "/verify", 303)
    return html(render.form_page())


async def verify_number(request: Request) -> Response:
    if request.method == "POST":
        return await verify_upload(request)
    number = request.path_params["number"].strip().upper()
    graph = request.app.state.graph
    async with graph.engine.connect() as conn:
        verdict = await checking.check_number(conn, number, None, graph.clock.today())
    action = VERIFY_PATH.format(number=verdict.number or number)
    status = 404 if verdict.status is checking.Status.NOT_FOUND else 200
    return html(render.verdict_page(verdict, action=action), status)


async def verify_upload(request: Request) -> Response:
    pdf = await _read_pdf(request)
    if pdf is None:
        limit = MAX_EXTRACT_UPLOAD_BYTES // (1024 * 1024)
        return html(render.form_page(errors=[f"请上传一个不超过 {limit} MB 的 PDF 文件。"]), 400)
    graph = request.app.state.graph
    async with graph.engine.connect() as conn:
        verdict = await checking.check_file(conn, pdf, graph.clock.today())
    action = VERIFY_PATH.format(number=verdict.number) if verdict.number else "/verify"
    return html(render.verdict_page(verdict, action=action, uploaded=True))


async def _read_pdf(request: Request) -> bytes | None:
    """The uploaded PDF's bytes; None when the body is too large, of another type, or holds no PDF."""
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind not in ("multipart/form-data", "application/pdf"):
        return None
    limit = MAX_EXTRACT_UPLOAD_BYTES + (MULTIPART_OVERHEAD if kind != "application/pdf" else 0)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    data = bytes(body)
    if kind == "multipart/form-data":
        data = _file_part(content_type, data) or b""
    if not data.startswith(b"%PDF-") or len(data) > MAX_EXTRACT_UPLOAD_BYTES:
        return None
    return data


def _file_part(content_type: str, body: bytes) -> bytes | None:
    """The field ``file`` of a multipart/form-data body (the standard library's MIME parser reads it)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


async def keys(request: Request) -> Response:
    async with request.app.state.graph.engine.connect() as conn:
        rows = await public_keys(conn)
    published = [
        {
            "keyId": row.key_id,
            "algorithm": "Ed25519",
            "publicKey": row.public_key,
            "fingerprint": fingerprint(row.public_key),
            "since": row.created_at.isoformat() if row.created_at is not None else None,
        }
        for row in rows
    ]
    return JSONResponse({"keys": published}, headers={"Cache-Control": "public, max-age=300"})


def http_routes() -> list[BaseRoute]:
    return [
        Route(DOWNLOAD_PATH, download, methods=["GET"]),
        Route("/verify", verify_form, methods=["GET"]),
        Route("/verify", verify_upload, methods=["POST"]),
        Route(VERIFY_PATH, verify_number, methods=["GET", "POST"]),
        Route(KEYS_PATH, keys, methods=["GET"]),
    ]
