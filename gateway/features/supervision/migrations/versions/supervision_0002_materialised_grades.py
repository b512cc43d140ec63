"""Tiered supervision: materialised grades (supervision_grade), the draw's population filter
(supervision_scope) and how far changes have been read (supervision_watermark).

Revision ID: supervision_0002
Revises: supervision_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "supervision_0002"
down_revision = "supervision_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_grade",
        sa.Column("subject_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("grade", sa.String(1), nullable=True),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("domains", sa.JSON, nullable=True),
        sa.Column("rules_version", sa.String(64), nullable=True),
        sa.Column("as_of", sa.Date, nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_change", sa.Date, nullable=True),
        sa.Column("stale", sa.Boolean, nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_supervision_grade_subject_id_subject"),
        sa.PrimaryKeyConstraint("subject_id", name="pk_supervision_grade"),
    )
    op.create_index(
        "ix_supervision_grade_stale",
        "supervision_grade",
        ["subject_id"],
        postgresql_where=sa.text("stale"),
        sqlite_where=sa.text("stale"),
    )
    op.create_index("ix_supervision_grade_next_change", "supervision_grade", ["next_change"])
    op.create_table(
        "supervision_scope",
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("domain", sa.String(64), nullable=False),
        sa.Column("division_code", sa.String(12), nullable=False),
        sa.Column("grade", sa.String(1), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_supervision_scope_subject_id_subject"),
    )
    op.create_index(
        "ix_supervision_scope_draw", "supervision_scope", ["domain", "division_code", "grade", "subject_id"]
    )
    op.create_index("ix_supervision_scope_subject_id", "supervision_scope", ["subject_id"])
    op.create_table(
        "supervision_watermark",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("last_record_id", sa.Integer, nullable=False),
        sa.Column("last_transition_id", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_supervision_watermark"),
    )


def downgrade() -> None:
    op.drop_table("supervision_watermark")
    op.drop_index("ix_supervision_scope_subject_id", table_name="supervision_scope")
    op.drop_index("ix_supervision_scope_draw", table_name="supervision_scope")
    op.drop_table("supervision_scope")
    op.drop_index("ix_supervision_grade_next_change", table_name="supervision_grade")
    op.drop_index("ix_supervision_grade_stale", table_name="supervision_grade")
    op.drop_table("supervision_grade")
