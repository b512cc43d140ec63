"""Persisted operations: the registered operations of a client, and the flag restricting it to them.

Revision ID: core_0003
Revises: core_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A server default, so that existing clients stay unrestricted without a data migration.
    op.add_column(
        "api_client",
        sa.Column("restricted_to_persisted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "persisted_operation",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_persisted_operation"),
        sa.ForeignKeyConstraint(["client_id"], ["api_client.id"], name="fk_persisted_operation_client_id_api_client"),
        sa.UniqueConstraint("client_id", "sha256", name="uq_persisted_operation_client_sha256"),
    )


def downgrade() -> None:
    op.drop_table("persisted_operation")
    with op.batch_alter_table("api_client") as batch:
        batch.drop_column("restricted_to_persisted")
