"""Tax detail tables: tax_credit_rating, tax_major_violation.

Revision ID: tax_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "tax_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tax_credit_rating",
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("grade", sa.String(1), nullable=False),
        sa.Column("score", sa.Numeric(5, 2), nullable=True),
        sa.Column("direct_assignment_reason", sa.String(2000), nullable=True),
        sa.PrimaryKeyConstraint("record_id", name="pk_tax_credit_rating"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_tax_credit_rating_record_id_credit_record"
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_tax_credit_rating_subject_id_subject"),
        sa.UniqueConstraint("subject_id", "year", name="uq_tax_credit_rating_subject_year"),
        sa.CheckConstraint("grade IN ('A', 'B', 'M', 'C', 'D')", name="ck_tax_credit_rating_grade"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_tax_credit_rating_score_range"),
    )

    op.create_table(
        "tax_major_violation",
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("violation_type", sa.String(32), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("amount_involved", sa.Numeric(18, 2), nullable=False),
        sa.Column("tax_due", sa.Numeric(18, 2), nullable=True),
        sa.Column("legal_basis", sa.String(2000), nullable=False),
        sa.Column("penalty", sa.String(2000), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_tax_major_violation"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_tax_major_violation_record_id_credit_record"
        ),
        sa.CheckConstraint("amount_involved >= 0", name="ck_tax_major_violation_amount_involved_non_negative"),
        sa.CheckConstraint("tax_due >= 0", name="ck_tax_major_violation_tax_due_non_negative"),
    )


def downgrade() -> None:
    op.drop_table("tax_major_violation")
    op.drop_table("tax_credit_rating")
