"""The HTTP side of merchant pages: ``/`` (the landing page), ``/m/{token}`` (the page, and the complaint
form posting to it) and its QR codes ``/m/{token}/qr.png|qr.svg|qr.pdf``.

All are public: the token is the page's address, so whoever has it may see the page and fetch its code (the
code encodes nothing more than the address). Their requests pass the gateway's middleware like ``/graphql``'s,
rate limits included. The page's data comes from the public schema, run in process (``page_data``); a view
is counted per page and day in one statement; the public is never written to the query record, so neither is
a page view.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.features.merchants import qr, render, store
from gateway.features.merchants.labels import domain_labels
from gateway.features.merchants.links import PAGE_PATH, base_url, page_url
from gateway.features.merchants.page_data import document, view_of
from gateway.kernel.limits import MAX_MERCHANT_FORM_BYTES as MAX_FORM_BYTES
from gateway.kernel.limits import MAX_MERCHANT_PAGE_ITEMS as MAX_SHOWN

log = logging.getLogger("gateway.features.merchants")

FORM_FIELDS = ("domain", "matter", "contact")
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # The token is the page's address: no other site learns it from a Referer.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # A revoked page must not be served from a cache, and a view must reach the counter.
    "Cache-Control": "no-store",
}
FILE_COMPLAINT = """mutation FileComplaint($input: FileComplaintInput!) {
  fileComplaint(input: $input) { trackingToken }
}"""


def html(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=PAGE_HEADERS)


def _domains(request: Request) -> dict[str, str]:
    """The domains a complaint may go to, each with its name for people."""
    return domain_labels(request.app.state.graph.composition)


async def landing(request: Request) -> Response:
    return html(render.landing_page(_domains(request)))


async def _live_page(request: Request, *, count_view: bool) -> Any:
    graph = request.app.state.graph
    token = request.path_params["token"]
    if not store.well_formed(token):
        return None
    async with graph.engine.begin() as conn:
        page = await store.page_by_token(conn, token)
        if page is not None and count_view:
            await store.count_view(conn, page.id, graph.clock.today())
    return page


async def merchant_page(request: Request) -> Response:
    page = await _live_page(request, count_view=request.method == "GET")
    if page is None:
        return html(render.not_found_page(), 404)
    form = render.ComplaintForm()
    status = 200
    if request.method == "POST":
        form, status = await _file_complaint(request, page.subject_code)
    return await _render(request, page, form, status)


async def _render(request: Request, page: Any, form: render.ComplaintForm, status: int) -> Response:
    graph = request.app.state.graph
    first = min(MAX_SHOWN, graph.settings.max_page_size)
    schema = request.app.state.public_graphql.graphql_schema
    query = document(schema, first)
    result = await request.app.state.public_graphql.execute(query, {"code": page.subject_code}, request=request)
    if result.errors:
        log.error("merchant page %s: the public query failed: %s", page.id, [str(e) for e in result.errors])
        return html(render.unavailable_page(), 500)
    view = view_of(result.data, first, schema)
    if view is None:  # the public does not see this subject (any longer)
        return html(render.not_found_page(), 404)
    action = PAGE_PATH.format(token=page.token)
    content = render.merchant_page(view, action=action, domains=_domains(request), form=form, day=graph.clock.today())
    return html(content, status)


async def _read_form(request: Request) -> dict[str, str] | None:
    """The posted form's fields, or None when it is not a form of ours (wrong type, too large, not UTF-8)."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        text = bytes(body).decode("ascii")  # percent-encoded: anything else is not what a browser sends
        fields = parse_qs(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=len(FORM_FIELDS) + 2,
        )
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: (fields.get(name) or [""])[0] for name in FORM_FIELDS}


def _check(form: render.ComplaintForm, domains: Mapping[str, str]) -> list[str]:
    """The form's mistakes, in words for the person filling it (the mutation checks again)."""
    errors = []
    if form.domain not in domains:
        errors.append("请选择受理的领域。")
    if not form.matter.strip():
        errors.append("请填写投诉内容。")
    elif len(form.matter.strip()) > render.MAX_MATTER:
        errors.append(f"投诉内容最多 {render.MAX_MATTER} 字，现有 {len(form.matter.strip())} 字。")
    if len(form.contact.strip()) > render.MAX_CONTACT:
        errors.append(f"联系方式最多 {render.MAX_CONTACT} 字。")
    return errors


async def _file_complaint(request: Request, subject_code: str) -> tuple[render.ComplaintForm, int]:
    fields = await _read_form(request)
    if fields is None:
        return render.ComplaintForm(errors=["提交的内容无法识别或过长，请重新填写。"]), 400
    form = render.ComplaintForm(**fields)
    form.errors = _check(form, _domains(request))
    if form.errors:
        return form, 400
    variables = {
        "input": {
            "subjectCode": subject_code,
            "domain": form.domain,
            "matter": form.matter.strip(),
            "contact": form.contact.strip() or None,
        }
    }
    result = await request.app.state.public_graphql.execute(FILE_COMPLAINT, variables, request=request)
    filed = (result.data or {}).get("fileComplaint")
    if result.errors or not filed:
        form.errors = [_complaint_error(error) for error in result.errors or []] or ["提交未成功，请稍后再试。"]
        return form, 400 if _is_input_error(result.errors) else 500
    return render.ComplaintForm(tracking_token=filed["trackingToken"]), 200


def _code(error: Any) -> str:
    return str((getattr(error, "extensions", None) or {}).get("code", ""))


def _is_input_error(errors: Any) -> bool:
    return any(_code(error) in {"BAD_USER_INPUT", "INVALID_SUBJECT_CODE", "LIMIT_EXCEEDED"} for error in errors or [])


def _complaint_error(error: Any) -> str:
    code = _code(error)
    if code == "BAD_USER_INPUT":
        return f"填写的内容有误：{error.message}"
    if code == "LIMIT_EXCEEDED":
        return "提交过于频繁或内容过多，请稍后再试。"
    return f"提交未成功（{code or '错误'}），请稍后再试。"


async def _download(request: Request, kind: str) -> Response:
    page = await _live_page(request, count_view=False)
    if page is None:
        return html(render.not_found_page(), 404)
    url = page_url(base_url(request.app.state.graph.settings.public_url, request), page.token)
    name = f"merchant-{page.subject_code}"
    if kind == "png":
        content, media_type, filename = qr.png(url), "image/png", f"{name}.png"
    elif kind == "svg":
        content, media_type, filename = qr.svg(url), "image/svg+xml", f"{name}.svg"
    else:
        content, media_type, filename = qr.sheet_pdf(url, page.subject_code), "application/pdf", f"{name}.pdf"
    headers = {**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=media_type, headers=headers)


async def qr_png(request: Request) -> Response:
    return await _download(request, "png")


async def qr_svg(request: Request) -> Response:
    return await _download(request, "svg")


async def qr_pdf(request: Request) -> Response:
    return await _download(request, "pdf")


def http_routes() -> list[BaseRoute]:
    return [
        Route("/", landing, methods=["GET"]),
        Route(PAGE_PATH, merchant_page, methods=["GET", "POST"]),
        Route(PAGE_PATH + "/qr.png", qr_png, methods=["GET"]),
        Route(PAGE_PATH + "/qr.svg", qr_svg, methods=["GET"]),
        Route(PAGE_PATH + "/qr.pdf", qr_pdf, methods=["GET"]),
    ]
