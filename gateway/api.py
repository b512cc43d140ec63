"""The public plugin API: everything a domain plugin may import from the gateway.

Built-in plugins import only from here (a test checks it), so a third-party domain can do all
that a built-in one does. Hooks are documented in :mod:`gateway.hookspecs`.
"""

from gateway.contributions import (
    DemoContext,
    DemoSubject,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SubjectField,
)
from gateway.db.tables import NAMING_CONVENTION, credit_record, subject
from gateway.errors import BadUserInput, GatewayError, InvalidSubjectCode, LimitExceeded
from gateway.graph.enums import Polarity, RecordStatus, Severity
from gateway.graph.pagination import Connection, Edge, PageInfo, connection_from_rows, decode_cursor, page_size
from gateway.graph.records import ENVELOPE_COLUMNS, CreditRecord, envelope_kwargs
from gateway.graph.subject import SUBJECT_BY_ID, CreditSubjectBase
from gateway.graph.submission_types import SubmissionResult
from gateway.hookspecs import hookimpl
from gateway.identifiers import CodeType, SubjectCode, SubjectKind, lookup_hash, parse_subject_code
from gateway.submissions import (
    CreatedRecord,
    Envelope,
    ItemError,
    RecordKind,
    Submission,
    SubmissionPolicy,
    SubmittedItem,
    Validated,
    check_batch_size,
    reject,
    submit,
)
from gateway.validation import CENT, MAX_AMOUNT, MAX_NAME, MAX_TEXT, ItemReader

__all__ = [
    "CENT",
    "ENVELOPE_COLUMNS",
    "MAX_AMOUNT",
    "MAX_NAME",
    "MAX_TEXT",
    "NAMING_CONVENTION",
    "SUBJECT_BY_ID",
    "BadUserInput",
    "CodeType",
    "Connection",
    "CreatedRecord",
    "CreditRecord",
    "CreditSubjectBase",
    "DemoContext",
    "DemoSubject",
    "Edge",
    "Envelope",
    "GatewayError",
    "InvalidSubjectCode",
    "ItemError",
    "ItemReader",
    "LimitExceeded",
    "LoaderSpec",
    "MutationField",
    "PageInfo",
    "Polarity",
    "QueryField",
    "RecordKind",
    "RecordSource",
    "RecordStatus",
    "Severity",
    "SubjectCode",
    "SubjectField",
    "SubjectKind",
    "Submission",
    "SubmissionPolicy",
    "SubmissionResult",
    "SubmittedItem",
    "Validated",
    "check_batch_size",
    "connection_from_rows",
    "credit_record",
    "decode_cursor",
    "envelope_kwargs",
    "hookimpl",
    "lookup_hash",
    "page_size",
    "parse_subject_code",
    "reject",
    "subject",
    "submit",
]
