"""The construction plugin's detail tables, joined one-to-one to the core's record envelope.

They live on the plugin's own ``MetaData`` (the core's naming convention, so constraint names are
predictable and match ``migrations/versions``). Amounts are in yuan with two decimals. Certificate
numbers, listing numbers and decision numbers are the envelope's ``document_number``; the dates a
record is decided on (issue, registration, listing) are its ``decision_date``.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.api import NAMING_CONVENTION, credit_record, subject

# The core's naming convention, so constraint names are the same in code, migrations and database.
metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _record_id() -> sa.Column[int]:
    # The envelope's id, never generated here (autoincrement=False: no sequence on PostgreSQL).
    return sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True, autoincrement=False)


# An enterprise qualification (企业资质): one certificate, one category, specialty and grade.
construction_qualification = sa.Table(
    "construction_qualification",
    metadata,
    _record_id(),
    sa.Column("qualification_category", sa.String(32), nullable=False),
    sa.Column("specialty", sa.String(100), nullable=False),
    sa.Column("grade", sa.String(16), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.CheckConstraint("valid_from < valid_until", name="validity_order"),
)

# A good- or bad-conduct record (良好/不良行为记录).
construction_conduct = sa.Table(
    "construction_conduct",
    metadata,
    _record_id(),
    sa.Column("conduct", sa.String(4), nullable=False),
    sa.Column("behaviour_category", sa.String(32), nullable=False),
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("decision_content", sa.String(2000), nullable=False),
    sa.Column("fine_amount", sa.Numeric(18, 2), nullable=True),
    sa.Column("penalty_months", sa.Integer, nullable=True),
    sa.Column("publicity_months", sa.Integer, nullable=False),
    sa.CheckConstraint("conduct IN ('GOOD', 'BAD')", name="conduct"),
    sa.CheckConstraint("fine_amount >= 0", name="fine_amount_non_negative"),
    sa.CheckConstraint("penalty_months > 0", name="penalty_months_positive"),
    sa.CheckConstraint("publicity_months >= 6 AND publicity_months <= 36", name="publicity_months_range"),
    sa.CheckConstraint("publicity_months >= penalty_months", name="publicity_covers_penalty"),
)

# A black-list entry (建筑市场主体“黑名单”); it is listed on the envelope's decision date.
construction_blacklist = sa.Table(
    "construction_blacklist",
    metadata,
    _record_id(),
    sa.Column("criterion", sa.String(40), nullable=False),
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("removal_due", sa.Date, nullable=False),
)

# A practitioner's registration (注册执业人员): the envelope's subject is the person, the employer
# is an organisation subject of its own, so an enterprise lists its practitioners by this key.
construction_registration = sa.Table(
    "construction_registration",
    metadata,
    _record_id(),
    sa.Column("registration_type", sa.String(40), nullable=False),
    sa.Column("specialty", sa.String(100), nullable=True),
    sa.Column("employer_subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False, index=True),
    sa.Column("valid_until", sa.Date, nullable=False),
)

TABLES = (construction_qualification, construction_conduct, construction_blacklist, construction_registration)
