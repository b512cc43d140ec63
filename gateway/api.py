"""The public plugin API: everything a domain plugin may import from the gateway.

Built-in plugins import only from here (a test checks it), so a third-party domain can do all
that a built-in one does. Hooks are documented in :mod:`gateway.hooks.specs`.
"""

from typing import TYPE_CHECKING, Any

from gateway.auth.principal import Role
from gateway.db.bulk import any_of, keys_in
from gateway.db.tables import NAMING_CONVENTION, credit_record, subject
from gateway.engine.batch import batch_resolver
from gateway.features.extracts.describe import chinese_date, format_section_row  # rows of the credit extract
from gateway.features.measures.queries import (  # the catalogue's rule, for a domain's own reward
    reward_withheld,
    rewards_withheld,
)
from gateway.formats.common import (
    MAX_DOCUMENT_NUMBER,
    PARTY_TYPE_LABELS,
    Decision,
    Party,
    PartyType,
    detail_writer,
    document_key_finder,
    read_decision,
    read_party,
    read_sub_area,
)
from gateway.formats.common import fingerprint as record_fingerprint
from gateway.formats.credit_lists import CreditLists, ListType, list_category
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
from gateway.graph.pagination import Connection, Edge, PageInfo, connection_from_rows, decode_cursor, page_size
from gateway.graph.record_building import record_from
from gateway.graph.records import (
    ENVELOPE_COLUMNS,
    CreditRecord,
    decision_cursor,
    envelope_kwargs,
    newest_decisions_first,
    newest_decisions_page,
    published_page,
)
from gateway.graph.subject import SUBJECT_BY_ID, CreditSubjectBase
from gateway.graph.submission_types import SubmissionResult, submission_mutation
from gateway.hooks.contributions import (
    CreditSection,
    DemoContext,
    DemoSubject,
    Fact,
    FactSource,
    FederatedRequest,
    GradeRule,
    ImportColumn,
    Importer,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SectionRow,
    SubjectAccess,
    SubjectField,
    federated_request,
)
from gateway.hooks.specs import CommandLine, command_group, hookimpl
from gateway.kernel.clock import today
from gateway.kernel.errors import BadUserInput, ConfigurationError, GatewayError, InvalidSubjectCode, LimitExceeded
from gateway.kernel.identifiers import CodeType, SubjectCode, SubjectKind, lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_AMOUNT, MAX_NAME, MAX_TEXT
from gateway.kernel.parsing import (
    LONG_TERM,
    optional,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    stored_enum,
    text,
)
from gateway.records.enums import Polarity, RecordStatus, Severity
from gateway.records.publicity import published_clause, published_now
from gateway.write.envelope_reader import (
    QUERY_CHUNK,
    EnvelopeFields,
    EnvelopeInput,
    KindCheck,
    code_fits_kind,
    query_chunks,
    read_envelope_fields,
)
from gateway.write.submissions import (
    CreatedRecord,
    Envelope,
    FindExisting,
    ItemError,
    RecordKind,
    Submission,
    SubmissionPolicy,
    SubmittedItem,
    Validated,
    WriteDetails,
    check_batch_size,
    reject,
    submit,
)
from gateway.write.validation import CENT, ItemReader

if TYPE_CHECKING:
    from gateway.hooks.specs import DatabaseOption, PluginsOption


def __getattr__(name: str) -> Any:
    """``DatabaseOption`` and ``PluginsOption`` from :mod:`gateway.hooks.specs`, which makes them on first
    use: they import typer, which a serving worker (which imports this module with every plugin) never needs."""
    if name in ("DatabaseOption", "PluginsOption"):
        from gateway.hooks import specs

        return getattr(specs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CENT",
    "ENVELOPE_COLUMNS",
    "FORMAT_COLUMNS",
    "FORMAT_TYPES",
    "LICENSE_COLUMNS",
    "LIST_COLUMNS",
    "LONG_TERM",
    "MAX_AMOUNT",
    "MAX_DOCUMENT_NUMBER",
    "MAX_NAME",
    "MAX_TEXT",
    "NAMING_CONVENTION",
    "PARTY_TYPE_LABELS",
    "PENALTY_COLUMNS",
    "QUERY_CHUNK",
    "SUBJECT_BY_ID",
    "AdministrativeLicense",
    "AdministrativeLicenseInput",
    "AdministrativePenalty",
    "AdministrativePenaltyInput",
    "BadUserInput",
    "CodeType",
    "CommandLine",
    "ConfigurationError",
    "Connection",
    "CreatedRecord",
    "CreditListEntry",
    "CreditListEntryInput",
    "CreditLists",
    "CreditRecord",
    "CreditSection",
    "CreditSubjectBase",
    "DatabaseOption",
    "Decision",
    "DemoContext",
    "DemoSubject",
    "DoublePublicity",
    "Edge",
    "Envelope",
    "EnvelopeFields",
    "EnvelopeInput",
    "Fact",
    "FactSource",
    "FederatedRequest",
    "FindExisting",
    "GatewayError",
    "GradeRule",
    "ImportColumn",
    "Importer",
    "InvalidSubjectCode",
    "ItemError",
    "ItemReader",
    "KindCheck",
    "LicenseCategory",
    "LicenseStatus",
    "LimitExceeded",
    "ListType",
    "LoaderSpec",
    "MutationField",
    "PageInfo",
    "Party",
    "PartyType",
    "PenaltyCategory",
    "PluginsOption",
    "Polarity",
    "QueryField",
    "RecordKind",
    "RecordSource",
    "RecordStatus",
    "Role",
    "SectionRow",
    "Severity",
    "SubjectAccess",
    "SubjectCode",
    "SubjectField",
    "SubjectKind",
    "Submission",
    "SubmissionPolicy",
    "SubmissionResult",
    "SubmittedItem",
    "Validated",
    "WriteDetails",
    "any_of",
    "batch_resolver",
    "check_batch_size",
    "chinese_date",
    "code_fits_kind",
    "command_group",
    "connection_from_rows",
    "credit_record",
    "decision_cursor",
    "decode_cursor",
    "detail_writer",
    "document_key_finder",
    "envelope_kwargs",
    "federated_request",
    "format_record",
    "format_records_loader",
    "format_section_row",
    "hookimpl",
    "join_formats",
    "keys_in",
    "license_input",
    "list_category",
    "list_entry_input",
    "lookup_hash",
    "newest_decisions_first",
    "newest_decisions_page",
    "optional",
    "page_size",
    "parse_date",
    "parse_decimal",
    "parse_enum",
    "parse_int",
    "parse_subject_code",
    "penalty_input",
    "published_clause",
    "published_now",
    "published_page",
    "query_chunks",
    "read_decision",
    "read_envelope_fields",
    "read_party",
    "read_sub_area",
    "record_fingerprint",
    "record_from",
    "reject",
    "reward_withheld",
    "rewards_withheld",
    "stored_enum",
    "subject",
    "submission_mutation",
    "submit",
    "text",
    "today",
]
