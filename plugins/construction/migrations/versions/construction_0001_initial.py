"""Construction detail tables: construction_qualification, construction_conduct, construction_blacklist,
construction_registration.

Revision ID: construction_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "construction_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "construction_qualification",
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("qualification_category", sa.String(32), nullable=False),
        sa.Column("specialty", sa.String(100), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_construction_qualification"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_construction_qualification_record_id_credit_record"
        ),
        sa.CheckConstraint("valid_from < valid_until", name="ck_construction_qualification_validity_order"),
    )

    op.create_table(
        "construction_conduct",
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("conduct", sa.String(4), nullable=False),
        sa.Column("behaviour_category", sa.String(32), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("decision_content", sa.String(2000), nullable=False),
        sa.Column("fine_amount", sa.Numeric(18, 2), nullable=True),
        sa.Column("penalty_months", sa.Integer, nullable=True),
        sa.Column("publicity_months", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_construction_conduct"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_construction_conduct_record_id_credit_record"
        ),
        sa.CheckConstraint("conduct IN ('GOOD', 'BAD')", name="ck_construction_conduct_conduct"),
        sa.CheckConstraint("fine_amount >= 0", name="ck_construction_conduct_fine_amount_non_negative"),
        sa.CheckConstraint("penalty_months > 0", name="ck_construction_conduct_penalty_months_positive"),
        sa.CheckConstraint(
            "publicity_months >= 6 AND publicity_months <= 36", name="ck_construction_conduct_publicity_months_range"
        ),
        sa.CheckConstraint(
            "publicity_months >= penalty_months", name="ck_construction_conduct_publicity_covers_penalty"
        ),
    )

    op.create_table(
        "construction_blacklist",
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("criterion", sa.String(40), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("removal_due", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_construction_blacklist"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_construction_blacklist_record_id_credit_record"
        ),
    )

    op.create_table(
        "construction_registration",
        sa.Column("record_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("registration_type", sa.String(40), nullable=False),
        sa.Column("specialty", sa.String(100), nullable=True),
        sa.Column("employer_subject_id", sa.Integer, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_construction_registration"),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name="fk_construction_registration_record_id_credit_record"
        ),
        sa.ForeignKeyConstraint(
            ["employer_subject_id"], ["subject.id"], name="fk_construction_registration_employer_subject_id_subject"
        ),
    )
    op.create_index(
        "ix_construction_registration_employer_subject_id", "construction_registration", ["employer_subject_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_construction_registration_employer_subject_id", table_name="construction_registration")
    op.drop_table("construction_registration")
    op.drop_table("construction_blacklist")
    op.drop_table("construction_conduct")
    op.drop_table("construction_qualification")
