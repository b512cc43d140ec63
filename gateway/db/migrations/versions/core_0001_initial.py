"""Core tables: subject, credit_record envelope, api_client.

Revision ID: core_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lookup_hash", sa.String(64), nullable=False),
        sa.Column("code_type", sa.String(16), nullable=False),
        sa.Column("display_code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_subject"),
        sa.UniqueConstraint("lookup_hash", name="uq_subject_lookup_hash"),
    )
    op.create_index("ix_subject_name_id", "subject", ["name", "id"])

    op.create_table(
        "credit_record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("record_type", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("polarity", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=True),
        sa.Column("decision_date", sa.Date, nullable=False),
        sa.Column("document_number", sa.String(128), nullable=True),
        sa.Column("deciding_authority", sa.String(200), nullable=False),
        sa.Column("deciding_authority_code", sa.String(18), nullable=True),
        sa.Column("source_unit", sa.String(200), nullable=False),
        sa.Column("source_unit_code", sa.String(18), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="ACTIVE"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_credit_record"),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_credit_record_subject_id_subject"),
        sa.UniqueConstraint("source_unit_code", "document_number", name="uq_credit_record_source_document"),
    )
    op.create_index("ix_credit_record_subject_id", "credit_record", ["subject_id"])
    op.create_index("ix_credit_record_domain_category", "credit_record", ["domain", "category"])

    op.create_table(
        "api_client",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("domain", sa.String(64), nullable=True),
        sa.Column("subject_lookup_hash", sa.String(64), nullable=True),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_client"),
        sa.UniqueConstraint("key_prefix", name="uq_api_client_key_prefix"),
        sa.UniqueConstraint("key_hash", name="uq_api_client_key_hash"),
    )


def downgrade() -> None:
    op.drop_table("api_client")
    op.drop_index("ix_credit_record_domain_category", table_name="credit_record")
    op.drop_index("ix_credit_record_subject_id", table_name="credit_record")
    op.drop_table("credit_record")
    op.drop_index("ix_subject_name_id", table_name="subject")
    op.drop_table("subject")
