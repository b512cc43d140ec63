"""Credit verification (信用核查): credit_verification and credit_verification_subject.

Revision ID: verification_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "verification_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_verification",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("requester", sa.String(240), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("requester_role", sa.String(16), nullable=False),
        sa.Column("requester_domain", sa.String(64), nullable=True),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("subjects_digest", sa.String(64), nullable=False),
        sa.Column("matter", sa.String(32), nullable=True),
        sa.Column("purpose", sa.String(200), nullable=True),
        sa.Column("requesting_department", sa.String(200), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("subjects", sa.JSON, nullable=False),
        sa.Column("review", sa.JSON, nullable=False),
        sa.Column("content", sa.JSON, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credit_verification"),
        sa.UniqueConstraint("number", name="uq_credit_verification_number"),
        sa.UniqueConstraint("requester", "request_id", name="uq_credit_verification_requester_request_id"),
    )
    op.create_index("ix_credit_verification_state_id", "credit_verification", ["state", "id"])
    op.create_index("ix_credit_verification_requester_id", "credit_verification", ["requester", "id"])
    op.create_table(
        "credit_verification_subject",
        sa.Column("verification_id", sa.Integer, nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("verification_id", "subject_id", name="pk_credit_verification_subject"),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["credit_verification.id"],
            name="fk_credit_verification_subject_verification",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name="fk_credit_verification_subject_subject_id_subject"
        ),
    )
    op.create_index(
        "ix_credit_verification_subject_subject_id",
        "credit_verification_subject",
        ["subject_id", "verification_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_credit_verification_subject_subject_id", table_name="credit_verification_subject")
    op.drop_table("credit_verification_subject")
    op.drop_index("ix_credit_verification_requester_id", table_name="credit_verification")
    op.drop_index("ix_credit_verification_state_id", table_name="credit_verification")
    op.drop_table("credit_verification")
