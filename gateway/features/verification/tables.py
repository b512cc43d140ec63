"""The verification feature's tables (its own migration history, ``migrations/versions``).

``credit_verification``: one row per request for a check (信用核查), unique on (requester, request id) so
that a retried request finds its row (gateway.db.idempotency). Its number (``XYHC-YYYYMMDD-NNNNNN``) is
given in the insert's transaction, from the row id. What the opinion says is kept as it was issued
(``content``, JSON): it reads the same later, whatever happens to the records since.

``credit_verification_subject``: the subjects a verification is about, so that a subject finds the checks
about itself in SQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import NAMING_CONVENTION
from gateway.db.tables import subject as core_subject

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

credit_verification = sa.Table(
    "credit_verification",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(32), nullable=True, unique=True),  # set in the insert's transaction
    # Who asked: "role:client id" (or "role:name" for a token without a client row), and their own id.
    sa.Column("requester", sa.String(240), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("requester_role", sa.String(16), nullable=False),
    sa.Column("requester_domain", sa.String(64), nullable=True),  # a department's domain
    sa.Column("requested_by", sa.String(200), nullable=False),  # the client's name
    # What a repeat of the request must match (gateway.db.idempotency): the subjects as a digest of their
    # keyed hashes, in the order asked, so that no ID number is stored in clear.
    sa.Column("subjects_digest", sa.String(64), nullable=False),
    sa.Column("matter", sa.String(32), nullable=True),
    sa.Column("purpose", sa.String(200), nullable=True),
    sa.Column("requesting_department", sa.String(200), nullable=True),  # a subject asking for a department
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("requested_on", sa.Date, nullable=False),  # the day in China: the number's and the window's
    sa.Column("state", sa.String(16), nullable=False),  # PENDING or ANSWERED
    sa.Column("due_on", sa.Date, nullable=True),  # a pending one's deadline (5 working days)
    # [{"code", "subjectId"}] as asked: the code as it may be shown (a person's masked), the subject's id or null.
    sa.Column("subjects", sa.JSON, nullable=False),
    # Why a person must look (a pending one): [{"subjectId", "recordId", "reason"}].
    sa.Column("review", sa.JSON, nullable=False),
    sa.Column("content", sa.JSON, nullable=True),  # the opinion as issued; null while pending
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("answered_by", sa.String(200), nullable=True),
    sa.Column("note", sa.Text, nullable=True),  # the credit centre's, when it answered a pending one
    sa.UniqueConstraint("requester", "request_id", name="uq_credit_verification_requester_request_id"),
    sa.Index("ix_credit_verification_state_id", "state", "id"),
    sa.Index("ix_credit_verification_requester_id", "requester", "id"),
)

credit_verification_subject = sa.Table(
    "credit_verification_subject",
    metadata,
    # Named: the convention's name would pass PostgreSQL's 63 characters.
    sa.Column(
        "verification_id",
        sa.Integer,
        sa.ForeignKey(credit_verification.c.id, name="fk_credit_verification_subject_verification"),
        primary_key=True,
    ),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(core_subject.c.id), primary_key=True),
    sa.Index("ix_credit_verification_subject_subject_id", "subject_id", "verification_id"),
)

TABLES = (credit_verification, credit_verification_subject)
