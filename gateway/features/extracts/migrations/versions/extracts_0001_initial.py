"""Credit extracts: credit_extract (every extract issued, signed) and extract_signing_key (every key).

Revision ID: extracts_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "extracts_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_extract",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("requester", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("sections", sa.JSON, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credit_extract"),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_credit_extract_subject_id_subject"),
        sa.UniqueConstraint("number", name="uq_credit_extract_number"),
        sa.UniqueConstraint("requester", "request_id", name="uq_credit_extract_requester"),
    )
    op.create_index("ix_credit_extract_subject_id", "credit_extract", ["subject_id"])
    op.create_table(
        "extract_signing_key",
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("private_key_pem", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_extract_signing_key"),
    )


def downgrade() -> None:
    op.drop_table("extract_signing_key")
    op.drop_index("ix_credit_extract_subject_id", table_name="credit_extract")
    op.drop_table("credit_extract")
