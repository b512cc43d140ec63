"""The public plugin API: everything a domain plugin may import from the gateway.

Built-in plugins import only from here (a test checks it), so a third-party domain can do all
that a built-in one does. Hooks are documented in :mod:`gateway.hookspecs`.
"""

from gateway.contributions import (
    DemoContext,
    DemoSubject,
    ImportColumn,
    Importer,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SubjectField,
)
from gateway.db.bulk import keys_in
from gateway.db.tables import NAMING_CONVENTION, credit_record, subject
from gateway.errors import BadUserInput, GatewayError, InvalidSubjectCode, LimitExceeded
from gateway.formats.common import PartyType
from gateway.formats.credit_lists import CreditLists, ListType
from gateway.formats.double_publicity import DoublePublicity, LicenseCategory, LicenseStatus, PenaltyCategory
from gateway.formats.graphql import (
    FORMAT_COLUMNS,
    FORMAT_TYPES,
    AdministrativeLicense,
    AdministrativeLicenseInput,
    AdministrativePenalty,
    AdministrativePenaltyInput,
    CreditListEntry,
    CreditListEntryInput,
    format_record,
    format_records_loader,
    join_formats,
)
from gateway.formats.importing import (
    LICENSE_COLUMNS,
    LIST_COLUMNS,
    PENALTY_COLUMNS,
    license_input,
    list_entry_input,
    penalty_input,
)
from gateway.graph.enums import Polarity, RecordStatus, Severity
from gateway.graph.pagination import Connection, Edge, PageInfo, connection_from_rows, decode_cursor, page_size
from gateway.graph.records import ENVELOPE_COLUMNS, CreditRecord, envelope_kwargs
from gateway.graph.subject import SUBJECT_BY_ID, CreditSubjectBase
from gateway.graph.submission_types import SubmissionResult
from gateway.hookspecs import hookimpl
from gateway.identifiers import CodeType, SubjectCode, SubjectKind, lookup_hash, parse_subject_code
from gateway.parsing import LONG_TERM, optional, parse_date, parse_decimal, parse_enum, parse_int, text
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
    "FORMAT_COLUMNS",
    "FORMAT_TYPES",
    "LICENSE_COLUMNS",
    "LIST_COLUMNS",
    "LONG_TERM",
    "MAX_AMOUNT",
    "MAX_NAME",
    "MAX_TEXT",
    "NAMING_CONVENTION",
    "PENALTY_COLUMNS",
    "SUBJECT_BY_ID",
    "AdministrativeLicense",
    "AdministrativeLicenseInput",
    "AdministrativePenalty",
    "AdministrativePenaltyInput",
    "BadUserInput",
    "CodeType",
    "Connection",
    "CreatedRecord",
    "CreditListEntry",
    "CreditListEntryInput",
    "CreditLists",
    "CreditRecord",
    "CreditSubjectBase",
    "DemoContext",
    "DemoSubject",
    "DoublePublicity",
    "Edge",
    "Envelope",
    "GatewayError",
    "ImportColumn",
    "Importer",
    "InvalidSubjectCode",
    "ItemError",
    "ItemReader",
    "LicenseCategory",
    "LicenseStatus",
    "LimitExceeded",
    "ListType",
    "LoaderSpec",
    "MutationField",
    "PageInfo",
    "PartyType",
    "PenaltyCategory",
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
    "format_record",
    "format_records_loader",
    "hookimpl",
    "join_formats",
    "keys_in",
    "license_input",
    "list_entry_input",
    "lookup_hash",
    "optional",
    "page_size",
    "parse_date",
    "parse_decimal",
    "parse_enum",
    "parse_int",
    "parse_subject_code",
    "penalty_input",
    "reject",
    "subject",
    "submit",
    "text",
]
