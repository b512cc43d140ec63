"""Tiered supervision: inspection_draw, the log of 双随机 inspection draws.

Revision ID: supervision_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "supervision_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_draw",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_by", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("division_code", sa.String(9), nullable=True),
        sa.Column("kind", sa.String(200), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("ratios", sa.JSON, nullable=False),
        sa.Column("population", sa.JSON, nullable=False),
        sa.Column("sample", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_draw"),
    )
    op.create_index("ix_inspection_draw_domain_id", "inspection_draw", ["domain", "id"])


def downgrade() -> None:
    op.drop_index("ix_inspection_draw_domain_id", table_name="inspection_draw")
    op.drop_table("inspection_draw")
