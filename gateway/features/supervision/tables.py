"""The supervision feature's table (its own migration history, ``migrations/versions``).

``inspection_draw``: every draw of 双随机 inspections, as drawn: the inputs (domain, division, kind, size,
seed), the day the data was read (``as_of``), the grade rules' version and ratios, how many subjects of each
grade the population held, and the sample (JSON: subject id, code as shown, name, grade, in draw order).
Rows are only ever added: a draw is published, not redone.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import NAMING_CONVENTION

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

inspection_draw = sa.Table(
    "inspection_draw",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("drawn_by", sa.String(200), nullable=False),  # role:name of the caller
    sa.Column("domain", sa.String(64), nullable=False),
    sa.Column("division_code", sa.String(9), nullable=True),  # null: the whole platform
    sa.Column("kind", sa.String(200), nullable=False),  # what is inspected (检查事项)
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("rules_version", sa.String(64), nullable=False),
    sa.Column("ratios", sa.JSON, nullable=False),  # {"A": 0.03, …}
    sa.Column("population", sa.JSON, nullable=False),  # {"A": 12, …}: subjects per grade
    sa.Column("sample", sa.JSON, nullable=False),  # [{"id", "code", "name", "person", "grade"}, …]
    sa.Index("ix_inspection_draw_domain_id", "domain", "id"),
)

TABLES = (inspection_draw,)
