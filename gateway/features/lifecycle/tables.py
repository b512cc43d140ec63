"""Tables of the complaint and commitment workflows (migration core_0007), on the core's metadata: they
are registered there when the lifecycle plugin loads (composition always loads it), not by gateway.db.tables.

Both follow the workflow-table contract of :mod:`gateway.features.lifecycle.transitions`: an ``id``, a ``state``
and a ``version`` that every action bumps, so that of two concurrent actions exactly one wins.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import credit_record, metadata, subject

# 投诉举报: anyone may file one, so the subject is kept as the complainant gave it (its keyed hash and the
# code as it may be shown), known to the gateway or not; its name is joined in when read. The tracking
# token is kept only as its sha256: whoever reads the table cannot follow a complaint.
complaint = sa.Table(
    "complaint",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("domain", sa.String(64), nullable=False),  # the plugin whose departments handle it
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("subject_lookup_hash", sa.String(64), nullable=False),
    sa.Column("subject_code", sa.String(32), nullable=False),  # masked for a natural person
    sa.Column("matter", sa.Text, nullable=False),
    sa.Column("contact", sa.String(200), nullable=True),  # for the domain's departments and the admin only
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("conclusion", sa.String(16), nullable=True),  # SUBSTANTIATED or UNSUBSTANTIATED
    sa.Column("feedback", sa.Text, nullable=True),  # what the complainant reads
    # A substantiated complaint's record, submitted by the department (same domain, same subject).
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), nullable=True),
    sa.Index("ix_complaint_domain_state", "domain", "state", "id"),
    sa.Index("ix_complaint_subject", "subject_lookup_hash"),
)

# 信用承诺: made by the subject or recorded by a department of the domain it is made to. A breach writes a
# negative record in that domain (breach_record_id); fulfilment stays null until assessed.
credit_commitment = sa.Table(
    "credit_commitment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("domain", sa.String(64), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("commitment_type", sa.String(32), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("liability", sa.Text, nullable=False),  # the liability for breach the subject accepts
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("disclosure", sa.String(16), nullable=False),  # PUBLIC, RESTRICTED or NOT_DISCLOSABLE
    sa.Column("fulfilment", sa.String(16), nullable=True),  # FULL, PARTIAL or NONE once assessed
    sa.Column("made_by", sa.String(16), nullable=False),  # subject, department or admin
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("breach_record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), nullable=True),
    sa.Index("ix_credit_commitment_subject", "subject_id", "id"),
    sa.Index("ix_credit_commitment_domain_state", "domain", "state"),
)
