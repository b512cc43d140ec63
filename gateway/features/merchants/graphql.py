"""Issuing and revoking merchant pages (一店一码) over GraphQL, for the admin and departments.

Who: the admin, for any organisation on file; a department, for an organisation its own domain holds at least
one record about (a licence, a penalty, a list entry …), within the department's division when its key has
one. That is the department that supervises the merchant, and the one that puts the code on its door. A
natural person never gets a page: a page is public, and people's records are not (the code must be a USCC).

Issuing is idempotent: a subject with a live page gets that page back, so printing the code twice prints the
same code. ``rotate: true`` revokes the live page and issues a new one (a code that was copied or misused);
``revokeMerchantPage`` revokes it without a successor. A revoked token opens nothing (404) and is never
issued again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.features.merchants import store
from gateway.features.merchants.links import base_url, download_url, page_url
from gateway.graph.arguments import require, utc
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError, LimitExceeded
from gateway.kernel.identifiers import CodeType, lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_MERCHANT_VIEW_DAYS

ISSUERS = (Role.ADMIN, Role.DEPARTMENT)
ORGANISATIONS_ONLY = "NOT_AN_ORGANISATION"  # extensions.reason of the BAD_USER_INPUT for a person's code


@strawberry.type(description="Views of a merchant page on one day (China time).")
class MerchantPageViews:
    day: dt.date
    views: int


@strawberry.type(description="A merchant page (一店一码): the public page a QR code at the shop door opens.")
class MerchantPage:
    subject_code: str = strawberry.field(description="The organisation's unified social credit code.")
    subject_name: str
    token: str = strawberry.field(description="The page's random token, part of its address; not the subject's code.")
    url: str = strawberry.field(description="The page's address, which the QR code encodes.")
    qr_png_url: str = strawberry.field(description="The QR code as a PNG (public, like the page).")
    qr_svg_url: str = strawberry.field(description="The QR code as an SVG.")
    qr_pdf_url: str = strawberry.field(description="An A4 sheet to print: the QR code with an ASCII caption.")
    issued_at: dt.datetime
    issued_by: str = strawberry.field(description="Role and client name of who issued it.")
    revoked_at: dt.datetime | None = strawberry.field(description="Set once revoked: the page answers 404.")
    page_id: strawberry.Private[int]

    @strawberry.field(description="Views per day, newest first, over the last `days` days (at most 366).")
    async def views(self, info: Info, days: int = 30) -> list[MerchantPageViews]:
        if not 1 <= days <= MAX_MERCHANT_VIEW_DAYS:
            raise LimitExceeded("days", days, MAX_MERCHANT_VIEW_DAYS)
        since = info.context.graph.clock.today() - dt.timedelta(days=days - 1)
        async with info.context.connection() as conn:
            rows = await store.views_since(conn, self.page_id, since)
        return [MerchantPageViews(day=row.day, views=row.views) for row in rows]

    @classmethod
    def from_row(cls, row: Any, base: str) -> MerchantPage:
        return cls(
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            token=row.token,
            url=page_url(base, row.token),
            qr_png_url=download_url(base, row.token, "png"),
            qr_svg_url=download_url(base, row.token, "svg"),
            qr_pdf_url=download_url(base, row.token, "pdf"),
            issued_at=utc(row.issued_at),  # type: ignore[arg-type]
            issued_by=row.issued_by,
            revoked_at=utc(row.revoked_at),
            page_id=row.id,
        )


def _base(info: Info) -> str:
    return base_url(info.context.settings.public_url, info.context.request)


def _actor(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.name}"[:200]


async def _merchant(info: Info, conn: Any, subject_code: str, what: str) -> Any:
    """The organisation's subject row, once the caller may act on it; errors with a code otherwise."""
    principal: Principal = info.context.principal
    require(principal, ISSUERS, what)
    settings = info.context.settings
    code = parse_subject_code(subject_code, uscc_allow_list=settings.uscc_allow_list)
    if code.is_natural_person:
        raise BadUserInput(
            "Merchant pages are for organisations: give a unified social credit code, not a person's ID number",
            argument="subjectCode",
            reason=ORGANISATIONS_ONLY,
        )
    row = await store.subject_by_hash(conn, lookup_hash(code, settings.secret_key))
    if row is None or row.code_type != CodeType.USCC.value:
        raise GatewayError("No organisation with this code is on file", NOT_FOUND)
    if principal.role is Role.DEPARTMENT and not (
        principal.domain and await store.holds_records(conn, row.id, principal.domain, principal.division_code)
    ):
        raise GatewayError(
            f"{what}: a department acts only for organisations its domain holds records about", FORBIDDEN
        )
    return row


async def merchant_page(info: Info, subject_code: str) -> MerchantPage | None:
    async with info.context.engine.connect() as conn:
        row = await _merchant(info, conn, subject_code, "merchantPage")
        page = await store.live_page(conn, row.id)
    return MerchantPage.from_row(page, _base(info)) if page is not None else None


async def issue_merchant_page(info: Info, subject_code: str, rotate: bool = False) -> MerchantPage:
    async with info.context.engine.begin() as conn:
        row = await _merchant(info, conn, subject_code, "issueMerchantPage")
        actor = _actor(info.context.principal)
        page = await store.issue(conn, row.id, by=actor, at=info.context.graph.clock.now(), rotate=rotate)
    return MerchantPage.from_row(page, _base(info))


async def revoke_merchant_page(info: Info, subject_code: str) -> MerchantPage:
    async with info.context.engine.begin() as conn:
        row = await _merchant(info, conn, subject_code, "revokeMerchantPage")
        page = await store.revoke(conn, row.id, by=_actor(info.context.principal), at=info.context.graph.clock.now())
    if page is None:
        raise GatewayError("This organisation has no live merchant page", NOT_FOUND)
    return MerchantPage.from_row(page, _base(info))


QUERY_FIELDS: dict[str, Any] = {
    "merchant_page": strawberry.field(
        resolver=merchant_page,
        description="Admin, or a department whose domain holds records about the organisation: its live merchant "
        "page (一店一码), or null when it has none.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "issue_merchant_page": strawberry.mutation(
        resolver=issue_merchant_page,
        description="Admin, or a department whose domain holds records about the organisation: its merchant page "
        "(一店一码), issued now unless it has a live one, which is returned; rotate: true revokes the live one "
        "and issues a new token.",
    ),
    "revoke_merchant_page": strawberry.mutation(
        resolver=revoke_merchant_page,
        description="Admin, or a department whose domain holds records about the organisation: revoke its live "
        "merchant page; its QR code then opens a 404.",
    ),
}

POLICIES: dict[str, str] = {
    "Query.merchantPage": "department",
    "Mutation.issueMerchantPage": "department",
    "Mutation.revokeMerchantPage": "department",
    "MerchantPage": "department",
    "MerchantPageViews": "department",
}
