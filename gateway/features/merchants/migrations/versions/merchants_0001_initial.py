"""Merchant pages (一店一码): merchant_page and merchant_page_view.

Revision ID: merchants_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "merchants_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merchant_page",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_merchant_page"),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_merchant_page_subject_id_subject"),
        sa.UniqueConstraint("token", name="uq_merchant_page_token"),
    )
    op.create_index(
        "uq_merchant_page_live_subject",
        "merchant_page",
        ["subject_id"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "merchant_page_view",
        sa.Column("page_id", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("views", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("page_id", "day", name="pk_merchant_page_view"),
        sa.ForeignKeyConstraint(["page_id"], ["merchant_page.id"], name="fk_merchant_page_view_page_id_merchant_page"),
    )


def downgrade() -> None:
    op.drop_table("merchant_page_view")
    op.drop_index("uq_merchant_page_live_subject", table_name="merchant_page")
    op.drop_table("merchant_page")
