"""Partner contracts (field groups per partner client) and subjects' authorisations of partners.

Revision ID: core_0005
Revises: core_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_client") as batch:
        batch.add_column(sa.Column("contract_groups", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "partner_authorization",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject_id", sa.Integer, sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("api_client.id"), nullable=False),
        sa.Column("field_groups", sa.Text, nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("granted_by", sa.String(16), nullable=False),
        sa.Column("reference_number", sa.String(100), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(16), nullable=True),
    )
    op.create_index("ix_partner_authorization_client_subject", "partner_authorization", ["client_id", "subject_id"])
    op.create_index("ix_partner_authorization_subject", "partner_authorization", ["subject_id"])


def downgrade() -> None:
    op.drop_table("partner_authorization")
    with op.batch_alter_table("api_client") as batch:
        batch.drop_column("contract_groups")
