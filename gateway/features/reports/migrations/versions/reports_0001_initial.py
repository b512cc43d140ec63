"""Credit reports: credit_report, the registry of the reports credit service agencies issue.

Revision ID: reports_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "reports_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_report",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("client_id", sa.Integer, nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("risk_notes", sa.Text, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.Column("revocation_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credit_report"),
        sa.UniqueConstraint("client_id", "request_id", name="uq_credit_report_client_request"),
        sa.UniqueConstraint("number", name="uq_credit_report_number"),
    )
    op.create_index("ix_credit_report_subject_id_id", "credit_report", ["subject_id", "id"])
    op.create_index("ix_credit_report_client_id_id", "credit_report", ["client_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_credit_report_client_id_id", table_name="credit_report")
    op.drop_index("ix_credit_report_subject_id_id", table_name="credit_report")
    op.drop_table("credit_report")
