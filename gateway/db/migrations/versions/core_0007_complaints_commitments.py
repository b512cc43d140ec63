"""Complaints (投诉举报) and credit commitments (信用承诺): the last two lifecycle workflows.

Revision ID: core_0007
Revises: core_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("subject_lookup_hash", sa.String(64), nullable=False),
        sa.Column("subject_code", sa.String(32), nullable=False),
        sa.Column("matter", sa.Text, nullable=False),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conclusion", sa.String(16), nullable=True),
        sa.Column("feedback", sa.Text, nullable=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("credit_record.id"), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_complaint_token_hash"),
    )
    op.create_index("ix_complaint_domain_state", "complaint", ["domain", "state", "id"])
    op.create_index("ix_complaint_subject", "complaint", ["subject_lookup_hash"])
    op.create_table(
        "credit_commitment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject_id", sa.Integer, sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("commitment_type", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("liability", sa.Text, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("disclosure", sa.String(16), nullable=False),
        sa.Column("fulfilment", sa.String(16), nullable=True),
        sa.Column("made_by", sa.String(16), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("breach_record_id", sa.Integer, sa.ForeignKey("credit_record.id"), nullable=True),
    )
    op.create_index("ix_credit_commitment_subject", "credit_commitment", ["subject_id", "id"])
    op.create_index("ix_credit_commitment_domain_state", "credit_commitment", ["domain", "state"])


def downgrade() -> None:
    for table in ("credit_commitment", "complaint"):
        op.drop_table(table)
