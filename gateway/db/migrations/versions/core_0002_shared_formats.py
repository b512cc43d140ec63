"""Shared formats: double-publicity penalties and licences, red/black list entries.

Revision ID: core_0002
Revises: core_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def _record_id(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("record_id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(["record_id"], ["credit_record.id"], name=f"fk_{table}_record_id_credit_record"),
    ]


def upgrade() -> None:
    op.create_table(
        "admin_penalty",
        *_record_id("admin_penalty"),
        sa.Column("party_type", sa.String(32), nullable=False),
        sa.Column("legal_representative", sa.String(200), nullable=True),
        sa.Column("violation_type", sa.String(200), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("penalty_categories", sa.String(400), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("fine_amount", sa.Numeric(18, 6), nullable=True),
        sa.Column("confiscated_amount", sa.Numeric(18, 6), nullable=True),
        sa.Column("validity_date", sa.Date, nullable=True),
        sa.Column("publicity_end_date", sa.Date, nullable=True),
        sa.Column("sub_area", sa.String(64), nullable=True),
        sa.Column("remarks", sa.Text, nullable=True),
    )
    op.create_table(
        "admin_license",
        *_record_id("admin_license"),
        sa.Column("party_type", sa.String(32), nullable=False),
        sa.Column("legal_representative", sa.String(200), nullable=True),
        sa.Column("document_title", sa.String(200), nullable=False),
        sa.Column("license_category", sa.String(32), nullable=False),
        sa.Column("certificate_name", sa.String(200), nullable=True),
        sa.Column("certificate_number", sa.String(128), nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=False),
        sa.Column("license_status", sa.String(16), nullable=False),
        sa.Column("sub_area", sa.String(64), nullable=True),
        sa.Column("remarks", sa.Text, nullable=True),
    )
    op.create_table(
        "credit_list_entry",
        *_record_id("credit_list_entry"),
        sa.Column("list_type", sa.String(8), nullable=False),
        sa.Column("list_name", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("removal_date", sa.Date, nullable=True),
        sa.Column("measures", sa.String(400), nullable=False, server_default=""),
        sa.Column("sub_area", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("credit_list_entry")
    op.drop_table("admin_license")
    op.drop_table("admin_penalty")
