"""Reading the envelope-level fields of a domain's own submission input, shared by every plugin.

A domain input that is not one of the shared formats (a tax rating, a construction qualification, a
third party's own kind) still names its subject and the decision behind the record with the same
GraphQL fields: ``subjectCode``, ``subjectName``, ``decidingAuthority``, ``decidingAuthorityCode``,
``sourceUnit``, ``sourceUnitCode`` and ``decisionDate``. :func:`read_envelope_fields` reads and checks
them all with an :class:`~gateway.write.validation.ItemReader`, reporting every problem, and returns
an :class:`EnvelopeFields` that builds the record's :class:`~gateway.write.submissions.Envelope` and
its :class:`~gateway.write.submissions.Submission`. What differs between domains (which kinds of
subject a record may be about, the earliest plausible decision date) is passed in.

Look-ups by many natural keys go through :func:`query_chunks`, so that no statement carries more
bind parameters than a driver accepts, whatever the size of the batch.

The shared formats' readers (``read_party``, ``read_decision``, ``document_key_finder``,
``detail_writer``, all in :mod:`gateway.formats.common` and exported by :mod:`gateway.api`) serve
inputs named ``partyCode``/``partyName`` and keyed by (source unit code, document number); a plugin
whose records are keyed that way uses ``document_key_finder`` and ``detail_writer`` as they are.

Example (a domain whose records may not be about natural persons, and began in 2015)::

    from gateway.api import ItemReader, Validated, read_envelope_fields

    def validate(inputs, policy):
        errors, built = [], []
        today = policy.reference_date()
        for index, raw in enumerate(inputs):
            item = ItemReader(index, errors)
            fields = read_envelope_fields(
                item, raw, policy, today=today,
                check_kind=lambda code, kind: "not a person" if code.is_natural_person else None,
                earliest=date(2015, 1, 1), too_early="must not be before 2015",
            )
            ...  # the domain's own fields, read with the same ItemReader
            if item.failed or fields is None:
                built.append(None)
                continue
            envelope = fields.envelope("mydomain", "LICENCE", "LICENSE", "NEUTRAL", None, number)
            built.append(fields.submission(envelope, key=..., fingerprint=..., detail=detail))
        return Validated(built, errors)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from gateway.kernel.identifiers import SubjectCode, SubjectKind, lookup_hash
from gateway.kernel.limits import MAX_NAME
from gateway.write.submissions import Envelope, Submission, SubmissionPolicy
from gateway.write.validation import ItemReader

# Keys per look-up statement: two IN lists of 500 stay well under every driver's bind-parameter limit.
QUERY_CHUNK = 500

T = TypeVar("T")

# Why a subject of this kind, known by this code, cannot be the subject of the record (reported
# against ``subjectCode``), or None when it can.
KindCheck = Callable[[SubjectCode, SubjectKind], str | None]


class EnvelopeInput(Protocol):
    """The attributes :func:`read_envelope_fields` reads from a submission input (a strawberry input
    type or any object with them)."""

    @property
    def subject_code(self) -> str: ...
    @property
    def subject_name(self) -> str: ...
    @property
    def deciding_authority(self) -> str: ...
    @property
    def deciding_authority_code(self) -> str: ...
    @property
    def source_unit(self) -> str: ...
    @property
    def source_unit_code(self) -> str: ...
    @property
    def decision_date(self) -> datetime.date: ...


@dataclass(frozen=True, slots=True)
class EnvelopeFields:
    """The validated envelope-level values of one submitted item: its subject (code, lookup hash,
    kind, name) and the decision (authority and source unit with their codes, date)."""

    code: SubjectCode
    subject_hash: str
    kind: SubjectKind
    name: str
    deciding_authority: str
    deciding_authority_code: str
    source_unit: str
    source_unit_code: str
    decision_date: datetime.date

    def envelope(
        self,
        domain: str,
        record_type: str,
        category: str,
        polarity: str,
        severity: str | None,
        document_number: str | None = None,
    ) -> Envelope:
        """The record's envelope: these values plus what the domain's rules derive from the item.
        ``document_number`` is ``None`` for records identified otherwise (a subject's yearly rating)."""
        return Envelope(
            domain=domain,
            record_type=record_type,
            category=category,
            polarity=polarity,
            severity=severity,
            decision_date=self.decision_date,
            document_number=document_number,
            deciding_authority=self.deciding_authority,
            deciding_authority_code=self.deciding_authority_code,
            source_unit=self.source_unit,
            source_unit_code=self.source_unit_code,
        )

    def submission(
        self, envelope: Envelope, *, key: Hashable, fingerprint: Hashable, detail: dict[str, Any]
    ) -> Submission:
        """The item ready to write, about this subject; ``key`` and ``fingerprint`` are the domain's
        (see :class:`~gateway.write.submissions.Submission`)."""
        return Submission(
            subject_code=self.code,
            subject_name=self.name,
            subject_kind=self.kind,
            envelope=envelope,
            key=key,
            fingerprint=fingerprint,
            detail=detail,
        )


def code_fits_kind(code: SubjectCode, kind: SubjectKind) -> str | None:
    """The default :data:`KindCheck`: the kind must be one a code of this form can denote (no
    natural person with a unified social credit code, no organisation with a resident ID number)."""
    if kind not in code.allowed_kinds():
        return f"a code of this form cannot denote a subject of kind {kind.value}"
    return None


def read_envelope_fields(
    item: ItemReader,
    raw: EnvelopeInput,
    policy: SubmissionPolicy,
    *,
    today: datetime.date | None = None,
    stated_kind: SubjectKind | None = None,
    check_kind: KindCheck = code_fits_kind,
    earliest: datetime.date | None = None,
    too_early: str = "",
) -> EnvelopeFields | None:
    """Read and check the envelope-level fields of ``raw``, recording every problem on ``item``.

    * ``subjectCode`` must parse (resident ID number or USCC, ``policy.uscc_allow_list`` honoured);
      the subject's kind is ``stated_kind`` when the input states one, else the kind
      ``policy.kinds`` knows for the code, else the kind the code implies. ``check_kind`` says why
      that kind is refused, if it is (default :func:`code_fits_kind`).
    * ``subjectName``, ``decidingAuthority`` and ``sourceUnit`` are required, at most ``MAX_NAME``
      characters, trimmed; ``decidingAuthorityCode`` and ``sourceUnitCode`` are required USCCs.
    * ``decisionDate`` must not be after ``today`` (default ``policy.reference_date()``; pass it
      once per batch so every item is checked against the same day) nor, when ``earliest`` is
      given, before ``earliest`` (``too_early`` is then the message).

    Problems are reported in that order, against those GraphQL field names. Returns ``None`` when
    any field of ``item`` has failed so far (so call it before reading the domain's own fields),
    else the values, the subject hashed with ``policy.secret_key``.
    """
    code = item.subject_code("subjectCode", raw.subject_code, policy.uscc_allow_list)
    kind = None
    if code is not None:
        kind = stated_kind if stated_kind is not None else policy.kinds.get(code.value, code.default_kind)
        problem = check_kind(code, kind)
        if problem is not None:
            item.fail("subjectCode", problem)
    name = item.string("subjectName", raw.subject_name, MAX_NAME)
    authority = item.string("decidingAuthority", raw.deciding_authority, MAX_NAME)
    authority_code = item.uscc("decidingAuthorityCode", raw.deciding_authority_code, policy.uscc_allow_list)
    source_unit = item.string("sourceUnit", raw.source_unit, MAX_NAME)
    source_unit_code = item.uscc("sourceUnitCode", raw.source_unit_code, policy.uscc_allow_list)
    reference = today if today is not None else policy.reference_date()
    if raw.decision_date > reference:
        item.fail("decisionDate", f"must not be in the future (today is {reference.isoformat()})")
    elif earliest is not None and raw.decision_date < earliest:
        item.fail("decisionDate", too_early)
    if item.failed or code is None or kind is None:
        return None
    # Every field read without a failure holds a value; the assert tells the type checker so.
    assert name and authority and authority_code and source_unit and source_unit_code
    return EnvelopeFields(
        code,
        lookup_hash(code, policy.secret_key),
        kind,
        name,
        authority,
        authority_code,
        source_unit,
        source_unit_code,
        raw.decision_date,
    )


def query_chunks(values: Sequence[T], size: int = QUERY_CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``, for look-ups whose IN lists must stay
    under the drivers' bind-parameter limits: one statement per slice, so a batch of n keys costs
    ceil(n / size) statements. ``list(query_chunks([1, 2, 3], 2)) == [[1, 2], [3]]``."""
    if size < 1:
        raise ValueError(f"chunk size must be positive, not {size}")
    for start in range(0, len(values), size):
        yield values[start : start + size]
