"""GraphQL for the query record: the subject's own (``me { queryRecords }``) and the admin's search.

Built at run time, like the core query type, because ``Me.subject`` is the composed ``CreditSubject``.
"""

import datetime as dt
from typing import Annotated, Any, Optional

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.queries import with_subject
from gateway.db.tables import query_record
from gateway.features.audit.recorder import record_subject_access
from gateway.graph.arguments import require, utc
from gateway.graph.pagination import Connection, newest_first_page
from gateway.graph.subject import SUBJECT_BY_HASH
from gateway.kernel.errors import FORBIDDEN, BadUserInput, GatewayError
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.settings import Settings


def _groups(value: str) -> list[str]:
    return [group for group in value.split(",") if group]


OUTCOME = "VIEWED: the subject was handed out; DENIED: a partner asked and was refused it (see denialReason)."
SUBGRAPHS = (
    "The subgraphs the request called, sorted, when it went through a supergraph (serve --supergraph; this "
    "gateway's own graph by its subgraph name, credit-gateway by default): every one the whole request "
    "called, the same in each of its rows, not only those that served this row's subject (fieldGroups names "
    "those); empty for a request to this gateway's own graph."
)
FIELD_GROUPS = "The top-level CreditSubject fields it asked for (name, records …); a remote one as field@subgraph."
DENIAL_REASON = (
    "Why a partner was refused (NOT_GRANTED, PURPOSE_MISMATCH …, as in AUTHORIZATION_REQUIRED); null if viewed."
)


@strawberry.type(description="Someone looked at this subject: who, when, which parts of the profile, and why.")
class QueryRecord:
    recorded_at: dt.datetime = strawberry.field(description="When, in China time (+08:00).")
    client_name: str = strawberry.field(description="The client that looked.")
    role: str = strawberry.field(description="Its role: portal, department, admin, partner or subject.")
    field_groups: list[str] = strawberry.field(description=FIELD_GROUPS)
    purpose: str | None = strawberry.field(description="The purpose it stated (X-Purpose); null when none.")
    outcome: str = strawberry.field(description=OUTCOME)
    denial_reason: str | None = strawberry.field(description=DENIAL_REASON)
    subgraphs: list[str] = strawberry.field(description=SUBGRAPHS)

    @classmethod
    def from_row(cls, row: Any) -> "QueryRecord":
        return cls(
            recorded_at=utc(row.recorded_at),
            client_name=row.client_name,
            role=row.role,
            field_groups=_groups(row.field_groups),
            purpose=row.purpose or None,
            outcome=row.outcome,
            denial_reason=row.denial_reason or None,
            subgraphs=_groups(row.subgraphs),
        )


@strawberry.type(description="A query record with everything the chain holds (for the admin).")
class QueryRecordDetail:
    id: strawberry.ID = strawberry.field(description="Position in the chain: 1, 2, 3 … without gaps.")
    recorded_at: dt.datetime
    client_id: int | None
    client_name: str
    role: str
    subject_code: str | None = strawberry.field(
        description="The subject's code as it may be shown (masked for persons); null for a row about no subject."
    )
    subject_name: str | None = strawberry.field(description="Null for a row about no subject.")
    field_groups: list[str] = strawberry.field(
        description=f"{FIELD_GROUPS} In a row about no subject: the remote fields (Type.field@subgraph) a "
        "federated request was handed that are declared for some audiences but not the public."
    )
    purpose: str | None
    outcome: str = strawberry.field(description=OUTCOME)
    denial_reason: str | None = strawberry.field(description=DENIAL_REASON)
    subgraphs: list[str] = strawberry.field(description=SUBGRAPHS)
    request_id: str = strawberry.field(description="The X-Request-ID of the request, to find it in the log.")
    operation_hash: str = strawberry.field(description="sha256 of the query text.")
    hash_format: int = strawberry.field(
        description="Which fields row_hash covers: 1 (before outcomes), 2 (before subgraphs), 3."
    )
    prev_hash: str
    row_hash: str

    @classmethod
    def from_row(cls, row: Any) -> "QueryRecordDetail":
        return cls(
            id=strawberry.ID(str(row.id)),
            recorded_at=utc(row.recorded_at),
            client_id=row.client_id,
            client_name=row.client_name,
            role=row.role,
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            field_groups=_groups(row.field_groups),
            purpose=row.purpose or None,
            outcome=row.outcome,
            denial_reason=row.denial_reason or None,
            subgraphs=_groups(row.subgraphs),
            request_id=row.request_id,
            operation_hash=row.operation_hash,
            hash_format=row.hash_format,
            prev_hash=row.prev_hash,
            row_hash=row.row_hash,
        )


async def _page(info: Info, query: sa.Select, first: int | None, after: str | None, make_node: Any) -> Any:
    """Newest first, keyset on the id."""
    return await newest_first_page(info, query, query_record.c.id, first, after, make_node)


def audit_query_fields(subject_cls: type) -> dict[str, Any]:
    """The query fields ``me`` and ``queryRecords``, for the core's ``Query`` type."""

    @strawberry.type(description="The subject the key belongs to: its profile and who looked at it.")
    class Me:
        lookup_hash: strawberry.Private[str]

        @strawberry.field(description="Your own profile (recorded like any other access).")
        async def subject(self, info: Info) -> Optional[subject_cls]:  # noqa: UP045 (runtime type)
            row = await info.context.loaders.load(SUBJECT_BY_HASH, self.lookup_hash)
            if row is None:
                return None
            record_subject_access(info, [row.id])
            return subject_cls.from_row(row)

        @strawberry.field(description="Who looked at you, newest first.")
        async def query_records(
            self,
            info: Info,
            first: int | None = None,
            after: Optional[str] = None,  # noqa: UP045
        ) -> Connection[QueryRecord]:
            row = await info.context.loaders.load(SUBJECT_BY_HASH, self.lookup_hash)
            subject_id = row.id if row is not None else -1  # a subject not yet known: nobody looked
            query = sa.select(query_record).where(query_record.c.subject_id == subject_id)
            return await _page(info, query, first, after, QueryRecord.from_row)

    def me(info: Info) -> Optional[Me]:  # noqa: UP045
        principal: Principal = info.context.principal
        require(principal, (Role.SUBJECT,), "me")
        if principal.subject_lookup_hash is None:
            raise GatewayError("This subject key is not bound to a subject.", FORBIDDEN)
        return Me(lookup_hash=principal.subject_lookup_hash)

    async def query_records(
        info: Info,
        subject_code: str | None = None,
        client_id: int | None = None,
        from_: Annotated[
            dt.datetime | None,
            strawberry.argument(name="from", description="Recorded at or after (China time if no offset)."),
        ] = None,
        to: Annotated[
            dt.datetime | None, strawberry.argument(description="Recorded before (China time if no offset).")
        ] = None,
        first: int | None = None,
        after: Optional[str] = None,  # noqa: UP045
    ) -> Connection[QueryRecordDetail]:
        require(info.context.principal, (Role.ADMIN,), "queryRecords")
        query = with_subject(query_record, outer=True)  # a row about no subject too
        if subject_code is not None:
            settings: Settings = info.context.settings
            parsed = parse_subject_code(subject_code, uscc_allow_list=settings.uscc_allow_list)
            row = await info.context.loaders.load(SUBJECT_BY_HASH, lookup_hash(parsed, settings.secret_key))
            query = query.where(query_record.c.subject_id == (row.id if row is not None else -1))
        if client_id is not None:
            query = query.where(query_record.c.client_id == client_id)
        if from_ is not None and to is not None and utc(from_) > utc(to):
            raise BadUserInput("from must not be after to", argument="from")
        if from_ is not None:
            query = query.where(query_record.c.recorded_at >= utc(from_))
        if to is not None:
            query = query.where(query_record.c.recorded_at < utc(to))
        return await _page(info, query, first, after, QueryRecordDetail.from_row)

    return {
        "me": strawberry.field(resolver=me, description="For a subject key: your profile and your query records."),
        "query_records": strawberry.field(
            resolver=query_records,
            description="Admin: search the query record (查询记录), newest first.",
        ),
    }
