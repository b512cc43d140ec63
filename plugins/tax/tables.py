"""The tax plugin's detail tables, joined one-to-one to the core's record envelope.

They live on the plugin's own ``MetaData`` (the core's naming convention, so constraint names are
predictable and match ``migrations/versions``). Amounts are in yuan with two decimals.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.api import NAMING_CONVENTION, credit_record, subject

# The core's naming convention, so constraint names are the same in code, migrations and database.
metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# record_id is the envelope's id, never generated here (autoincrement=False: no sequence on PostgreSQL).
tax_credit_rating = sa.Table(
    "tax_credit_rating",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True, autoincrement=False),
    # Duplicates credit_record.subject_id so that the database itself enforces one rating per
    # subject and year, even between two concurrent submissions.
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("grade", sa.String(1), nullable=False),
    sa.Column("score", sa.Numeric(5, 2), nullable=True),
    sa.Column("direct_assignment_reason", sa.String(2000), nullable=True),
    sa.UniqueConstraint("subject_id", "year", name="uq_tax_credit_rating_subject_year"),
    sa.CheckConstraint("grade IN ('A', 'B', 'M', 'C', 'D')", name="grade"),
    sa.CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
)

tax_major_violation = sa.Table(
    "tax_major_violation",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True, autoincrement=False),
    sa.Column("violation_type", sa.String(32), nullable=False),
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("amount_involved", sa.Numeric(18, 2), nullable=False),
    sa.Column("tax_due", sa.Numeric(18, 2), nullable=True),
    sa.Column("legal_basis", sa.String(2000), nullable=False),
    sa.Column("penalty", sa.String(2000), nullable=False),
    sa.CheckConstraint("amount_involved >= 0", name="amount_involved_non_negative"),
    sa.CheckConstraint("tax_due >= 0", name="tax_due_non_negative"),
)

TABLES = (tax_credit_rating, tax_major_violation)
