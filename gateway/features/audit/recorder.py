"""Collecting a request's accesses to subjects, and appending them once the operation is done.

The core resolvers that hand out subjects call :func:`record_subject_access`; for anyone but the
public it notes which subjects and which top-level ``CreditSubject`` fields were selected. A partner
refused a subject it asked for is noted too (:func:`record_refused_access`), as ``DENIED`` with the
reason, so the subject sees who tried. After the operation, :class:`QueryRecordExtension` appends
one row per subject in one transaction.

A federated request (``serve --supergraph``) is recorded once, at its end, by
:func:`record_federated_request`: the in-process subgraph's operations set their subjects aside
instead of appending them, and they are written with those remote subgraphs handed out, one row per
subject (its local and remote fields together), plus one row without a subject for the remote fields
about no subject, each row naming every subgraph the request called.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from gateway.auth.principal import Principal, Role
from gateway.db.availability import is_database_unavailable
from gateway.features.audit.chain import DENIED, VIEWED, Access, append, chain_key
from gateway.hooks.contributions import FederatedRequest, federated_request
from gateway.kernel.errors import AUDIT_UNAVAILABLE
from gateway.kernel.limits import MAX_QUERY_PURPOSE as MAX_PURPOSE
from gateway.telemetry.metrics import timed_query_record_append

log = logging.getLogger("gateway.features.audit")

RECORDER_KEY = "gateway.features.audit.recorder"  # in GatewayContext.extras, and FederatedRequest.parked
SUBJECT_TYPE = "CreditSubject"
PURPOSE_HEADER = "x-purpose"


class QueryRecorder:
    """The subjects one request accessed, each with the union of the field groups it selected, and
    whether it was handed out or refused (and why). The key None stands for no subject: the remote fields
    about nobody in particular that a federated request was handed (one row without a subject)."""

    def __init__(self) -> None:
        self._groups: dict[int | None, dict[str, None]] = {}  # subject id -> ordered set of field names
        self._viewed: set[int | None] = set()
        self._refusals: dict[int | None, str] = {}  # subject id -> the reason it was refused
        self._selection_cache: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self._groups)

    def all_refused(self) -> bool:
        """Every subject noted was refused: nothing was handed out."""
        return not self._viewed

    def merge(self, other: QueryRecorder) -> None:
        """Take in what another operation of the same request noted (handed out anywhere still wins)."""
        for subject_id, groups in other._groups.items():
            self._groups.setdefault(subject_id, {}).update(groups)
        self._viewed |= other._viewed
        for subject_id, reason in other._refusals.items():
            self._refusals.setdefault(subject_id, reason)

    def add(self, subject_ids: Iterable[int | None], field_groups: Iterable[str], refused: str | None = None) -> None:
        """Note subjects handed out, or (``refused`` = the reason) refused; handed out anywhere wins."""
        groups = dict.fromkeys(field_groups)
        for subject_id in subject_ids:
            self._groups.setdefault(subject_id, {}).update(groups)
            if refused is None:
                self._viewed.add(subject_id)
            else:
                self._refusals.setdefault(subject_id, refused)

    def field_groups(self, info: Info, path: tuple[str, ...]) -> tuple[str, ...]:
        # `_entities` resolves each representation with the same info: work the selection out once.
        raw = info._raw_info
        key = (*map(id, raw.field_nodes), *path)
        found = self._selection_cache.get(key)
        if found is None:
            found = self._selection_cache[key] = _subject_fields(info.selected_fields, path)
        return found

    def accesses(
        self, principal: Principal, *, purpose: str, request_id: str, operation_hash: str, subgraphs: str = ""
    ) -> list[Access]:
        return [
            Access(
                client_id=principal.client_id,
                client_name=principal.name[:200],
                role=principal.role.value,
                subject_id=subject_id,
                field_groups=",".join(groups),
                purpose=purpose,
                request_id=request_id[:64],
                operation_hash=operation_hash,
                outcome=VIEWED if subject_id in self._viewed else DENIED,
                denial_reason="" if subject_id in self._viewed else self._refusals[subject_id],
                subgraphs=subgraphs,
            )
            for subject_id, groups in self._groups.items()
        ]


def _flatten(selections: Iterable[Selection], on: str | None = None) -> Iterable[SelectedField]:
    """The fields of a selection set, through its fragments (only those on type ``on`` when given)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, InlineFragment | FragmentSpread) and (
            on is None or selection.type_condition in (None, on)
        ):
            yield from _flatten(selection.selections, on)


def _subject_fields(selected: list[Selection], path: tuple[str, ...]) -> tuple[str, ...]:
    level = [s for field in _flatten(selected) for s in field.selections]  # under the resolver's own field
    for name in path:  # down to the subject, e.g. edges > node of a connection
        level = [s for field in _flatten(level) if field.name == name for s in field.selections]
    # `_entities` may hold fragments on other entity types: only those on the subject count.
    return tuple(dict.fromkeys(f.name for f in _flatten(level, SUBJECT_TYPE) if not f.name.startswith("__")))


def record_subject_access(info: Info, subject_ids: Iterable[int], path: tuple[str, ...] = ()) -> None:
    """Note that this request hands out these subjects (ids); nothing for the public principal.

    ``path`` leads from the resolver's field to the subject (``("edges", "node")`` for a connection).
    """
    _record(info, subject_ids, path, refused=None)


def record_refused_access(info: Info, reasons: Mapping[int, str], path: tuple[str, ...] = ()) -> None:
    """Note that this request asked for these subjects (id -> reason) and was refused them: ``DENIED``."""
    by_reason: dict[str, list[int]] = {}
    for subject_id, reason in reasons.items():
        by_reason.setdefault(reason, []).append(subject_id)
    for reason, subject_ids in by_reason.items():
        _record(info, subject_ids, path, refused=reason)


def _record(info: Info, subject_ids: Iterable[int], path: tuple[str, ...], refused: str | None) -> None:
    context = info.context
    if context.principal.role is Role.PUBLIC:
        return
    ids = list(subject_ids)
    if not ids:
        return
    recorder = context.extras.get(RECORDER_KEY)
    if recorder is None:
        recorder = context.extras[RECORDER_KEY] = QueryRecorder()
    recorder.add(ids, recorder.field_groups(info, path), refused)


def request_purpose(request: Any) -> str:
    """The ``X-Purpose`` header as the client meant it (UTF-8), without control characters, ≤ 200 chars."""
    headers = getattr(request, "headers", None)
    raw = headers.get(PURPOSE_HEADER) if headers is not None else None
    if not raw:
        return ""
    # Starlette decodes header bytes as latin-1; a purpose in Chinese arrives as UTF-8 bytes.
    text = raw.encode("latin-1", errors="replace").decode("utf-8", errors="replace")
    return "".join(ch for ch in text if ch.isprintable()).strip()[:MAX_PURPOSE]


async def record_federated_request(context: Any, request: FederatedRequest) -> None:
    """``SubjectAccess.served_federated``: append at once what one federated request handed out (the
    subjects its in-process operations set aside, those remote subgraphs handed out with their fields as
    ``field@subgraph``, the remote fields about no subject), every row naming the subgraphs it called.
    Raises when the append fails (the federated gateway then withholds the response), unless every
    access was refused: such a response hands nothing out, so it stands, as a local one does."""
    recorder = request.parked.pop(RECORDER_KEY, None) or QueryRecorder()
    if context.principal.role is Role.PUBLIC:
        return
    for subject_id, fields in request.subjects:
        recorder.add([subject_id], fields)
    if request.about_no_subject:
        recorder.add([None], request.about_no_subject)
    if not recorder:
        return
    try:
        await _append(context, recorder, request.operation, ",".join(request.subgraphs))
    except Exception:
        if not recorder.all_refused():
            raise
        log.exception("request %s: refusals not written to the query record", context.request_id)


async def _append(context: Any, recorder: QueryRecorder, operation: str, subgraphs: str = "") -> list[Access]:
    accesses = recorder.accesses(
        context.principal,
        purpose=request_purpose(context.request),
        request_id=context.request_id,
        operation_hash=hashlib.sha256(operation.encode()).hexdigest(),
        subgraphs=subgraphs,
    )
    await timed_query_record_append(append(context.engine, accesses, chain_key(context.settings.secret_key)))
    return accesses


class QueryRecordExtension(SchemaExtension):
    """Appends the accesses a request collected, after its operation, in one transaction.

    If the append fails the response is replaced by an ``AUDIT_UNAVAILABLE`` error: the query
    record is the subject's only way to learn who looked at it, so handing out non-public data
    that was not recorded would break that promise silently. Failing closed costs availability
    for keyed clients while the database is down; the public (never recorded) is not affected.
    A response whose accesses were all refused hands nothing out, so it stands (the failure is
    logged): withholding it would also tell a partner that a refused code is on file, as a
    refused unknown code records nothing and so cannot fail.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        recorder = getattr(context, "extras", {}).get(RECORDER_KEY)
        if not recorder:
            return
        federated = federated_request()
        if federated is not None:
            # The in-process part of a federated request: written with the rest at its end, when the
            # subgraphs it called are known (record_federated_request).
            parked = federated.parked.setdefault(RECORDER_KEY, QueryRecorder())
            parked.merge(recorder)
            return
        try:
            await _append(context, recorder, self.execution_context.query or "")
        except Exception as exc:  # any failure: nothing of this response may leave unrecorded
            if recorder.all_refused():
                log.exception("request %s: refusals not written to the query record", context.request_id)
                return
            log.exception("request %s: query record not written; response withheld", context.request_id)
            result = self.execution_context.result
            if result is not None:
                result.data = None
                result.errors = [
                    GraphQLError(
                        f"The query record could not be written, so nothing is returned; "
                        f"quote request id {context.request_id} when reporting it.",
                        extensions={"code": AUDIT_UNAVAILABLE, "requestId": context.request_id},
                        # An outage's error kept, so that the endpoint answers 503 (gateway.server.outage).
                        original_error=exc if is_database_unavailable(exc) else None,
                    )
                ]
