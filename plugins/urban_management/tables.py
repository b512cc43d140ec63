"""The urban management plugin's own detail table: inspection results, one-to-one with the envelope.

Penalties, licences and list entries live in the core's shared-format tables. This table is on the
plugin's own ``MetaData`` with the core's naming convention, so constraint names match
``migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.api import NAMING_CONVENTION, credit_record

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

urban_inspection = sa.Table(
    "urban_inspection",
    metadata,
    # The envelope's id, never generated here (autoincrement=False: no sequence on PostgreSQL).
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True, autoincrement=False),
    sa.Column("party_type", sa.String(32), nullable=False),
    sa.Column("inspection_type", sa.String(32), nullable=False),
    sa.Column("sub_area", sa.String(64), nullable=False),
    sa.Column("inspection_item", sa.String(200), nullable=False),
    sa.Column("result", sa.String(32), nullable=False),
    sa.Column("findings", sa.Text, nullable=False),
    sa.Column("rectification_deadline", sa.Date, nullable=True),
    sa.Column("inspector_unit", sa.String(200), nullable=False),
    sa.Column("remarks", sa.Text, nullable=True),
    sa.CheckConstraint("result IN ('PASSED', 'RECTIFICATION_REQUIRED', 'FAILED')", name="result"),
    sa.CheckConstraint(
        "inspection_type IN ('ROUTINE', 'RANDOM', 'SPECIAL', 'COMPLAINT', 'FOLLOW_UP')", name="inspection_type"
    ),
    sa.CheckConstraint(
        "result <> 'RECTIFICATION_REQUIRED' OR rectification_deadline IS NOT NULL", name="deadline_required"
    ),
)

TABLES = (urban_inspection,)
