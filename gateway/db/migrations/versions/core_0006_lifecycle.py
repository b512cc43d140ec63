"""The credit lifecycle: publicity windows on records, disputes with record revisions, repair
applications, and the log of every workflow transition.

Revision ID: core_0006
Revises: core_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_record") as batch:
        batch.add_column(sa.Column("published_until", sa.Date, nullable=True))
        batch.add_column(sa.Column("repair_from", sa.Date, nullable=True))
        batch.add_column(sa.Column("disputed", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="1"))
    op.create_table(
        "workflow_transition",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workflow", sa.String(32), nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=True),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("actor_client_id", sa.Integer, nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_workflow_transition_item", "workflow_transition", ["workflow", "item_id", "id"])
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("credit_record.id"), nullable=False),
        sa.Column("subject_id", sa.Integer, sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.String(500), nullable=True),
        sa.Column("filed_by", sa.String(16), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("finding", sa.Text, nullable=True),
        sa.Column("corrected_revision", sa.Integer, nullable=True),
    )
    op.create_index("ix_dispute_record", "dispute", ["record_id"])
    op.create_index("ix_dispute_subject", "dispute", ["subject_id", "id"])
    op.create_index("ix_dispute_domain_state", "dispute", ["domain", "state"])
    op.create_table(
        "record_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("credit_record.id"), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("envelope", sa.Text, nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispute_id", sa.Integer, sa.ForeignKey("dispute.id"), nullable=True),
        sa.UniqueConstraint("record_id", "revision", name="uq_record_revision_record_revision"),
    )
    op.create_table(
        "repair_application",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("credit_record.id"), nullable=False),
        sa.Column("subject_id", sa.Integer, sa.ForeignKey("subject.id"), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("commitment", sa.Text, nullable=False),
        sa.Column("obligations", sa.Text, nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_repair_application_record", "repair_application", ["record_id"])
    op.create_index("ix_repair_application_subject", "repair_application", ["subject_id", "id"])
    op.create_index("ix_repair_application_domain_state", "repair_application", ["domain", "state"])


def downgrade() -> None:
    for table in ("repair_application", "record_revision", "dispute", "workflow_transition"):
        op.drop_table(table)
    with op.batch_alter_table("credit_record") as batch:
        for column in ("revision", "disputed", "repair_from", "published_until"):
            batch.drop_column(column)
