"""Enums of the shared record envelope and of subjects, as exposed in GraphQL."""

import enum

import strawberry

from gateway.kernel.identifiers import CodeType, SubjectKind

SubjectKindEnum = strawberry.enum(SubjectKind, name="SubjectKind", description="What kind of credit subject.")
CodeTypeEnum = strawberry.enum(CodeType, name="SubjectCodeType", description="Which identifier a code is.")


@strawberry.enum(description="Whether a record speaks for or against the subject.")
class Polarity(enum.StrEnum):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"


@strawberry.enum(description="Severity of a negative record; it sets the publicity window.")
class Severity(enum.StrEnum):
    MINOR = "MINOR"
    GENERAL = "GENERAL"
    SERIOUS = "SERIOUS"


@strawberry.enum(description="Lifecycle status of a record, owned by the core.")
class RecordStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    REPAIRED = "REPAIRED"
    REVOKED = "REVOKED"
