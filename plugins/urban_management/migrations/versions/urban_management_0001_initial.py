"""Urban management detail table: urban_inspection.

Revision ID: urban_management_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "urban_management_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "urban_inspection",
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("party_type", sa.String(32), nullable=False),
        sa.Column("inspection_type", sa.String(32), nullable=False),
        sa.Column("sub_area", sa.String(64), nullable=False),
        sa.Column("inspection_item", sa.String(200), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("rectification_deadline", sa.Date, nullable=True),
        sa.Column("inspector_unit", sa.String(200), nullable=False),
        sa.Column("remarks", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("record_id", name="pk_urban_inspection"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_urban_inspection_record_id_credit_record"
        ),
        sa.CheckConstraint(
            "result IN ('PASSED', 'RECTIFICATION_REQUIRED', 'FAILED')", name="ck_urban_inspection_result"
        ),
        sa.CheckConstraint(
            "inspection_type IN ('ROUTINE', 'RANDOM', 'SPECIAL', 'COMPLAINT', 'FOLLOW_UP')",
            name="ck_urban_inspection_inspection_type",
        ),
        sa.CheckConstraint(
            "result <> 'RECTIFICATION_REQUIRED' OR rectification_deadline IS NOT NULL",
            name="ck_urban_inspection_deadline_required",
        ),
    )


def downgrade() -> None:
    op.drop_table("urban_inspection")
