"""The supervision feature's table (its own migration history, ``migrations/versions``).

``inspection_draw``: every draw of 双随机 inspections, as drawn: the inputs (domain, division, kind, size,
seed), the day the data was read (``as_of``), the grade rules' version and ratios, how many subjects of each
grade the population held, and the sample (JSON: subject id, code as shown, name, grade, in draw order).
Rows are only ever added: a draw is published, not redone.

``supervision_grade``: the materialised grade of every subject holding records (migration supervision_0002),
what a draw reads instead of computing grades from the facts: overall grade and score, per-domain grades
(JSON ``{"tax": ["A", 95]}``), the rules version and day they were computed for, and ``next_change``, the
day the grade changes by itself (the earliest a contributing fact leaves force; null: not by itself).
``stale`` marks a row to recompute (a record of the subject was written or changed; a new row not yet
computed has no grade).

``supervision_scope``: what a draw reads, with the grade: per domain a subject holds records of, one row
with division ``*`` (a draw everywhere reads these) and one per division a draw may name that covers one of
those records (its province, city, county and town codes as significant prefixes: ``35``, ``3501``,
``350102``), so that every draw selects its population by equality, each subject once.

``supervision_dirty``: the subjects a change made stale since the last refresh, written by database triggers
(migration supervision_0003) in the change's own transaction, on an insert or update of ``credit_record`` and
on a dispute or repair ``workflow_transition``; the write paths know nothing of it. A refresh consumes the
rows (gateway.features.supervision.materialised). No unique constraint: a subject may be listed more than
once (the readers de-duplicate); see the migration for why a constraint would lose a change.

``supervision_watermark``: one row, the rules version the grades are of and the latest day refreshed for.
Its ``last_record_id`` / ``last_transition_id`` are no longer read or moved (supervision_dirty replaced them:
ids are taken at insert, not at commit, on PostgreSQL); they stay so that a downgrade can hand them back.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import NAMING_CONVENTION, subject

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

supervision_grade = sa.Table(
    "supervision_grade",
    metadata,
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), primary_key=True, autoincrement=False),
    sa.Column("grade", sa.String(1), nullable=True),  # null: not computed yet (stale)
    sa.Column("score", sa.Integer, nullable=True),
    sa.Column("domains", sa.JSON, nullable=True),
    sa.Column("rules_version", sa.String(64), nullable=True),
    sa.Column("as_of", sa.Date, nullable=True),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("next_change", sa.Date, nullable=True),
    sa.Column("stale", sa.Boolean, nullable=False),
    # What a refresh looks for: the stale rows (few) and the grades expiring by a day.
    sa.Index(
        "ix_supervision_grade_stale", "subject_id", postgresql_where=sa.text("stale"), sqlite_where=sa.text("stale")
    ),
    sa.Index("ix_supervision_grade_next_change", "next_change"),
)

supervision_scope = sa.Table(
    "supervision_scope",
    metadata,
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("domain", sa.String(64), nullable=False),
    # ANYWHERE, or a division a draw may name (a significant prefix: 35, 3501, 350102, a town's 9 digits).
    sa.Column("division_code", sa.String(12), nullable=False),
    sa.Column("grade", sa.String(1), nullable=False),  # supervision_grade.grade, copied so a draw reads one table
    # A draw's one query, and its counts per grade, read this index only (equality on domain and division).
    sa.Index("ix_supervision_scope_draw", "domain", "division_code", "grade", "subject_id"),
    sa.Index("ix_supervision_scope_subject_id", "subject_id"),
)

supervision_watermark = sa.Table(
    "supervision_watermark",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("rules_version", sa.String(64), nullable=False),
    # Unused since supervision_0003 (supervision_dirty says what changed); written 0 on the first refresh.
    sa.Column("last_record_id", sa.Integer, nullable=False),
    sa.Column("last_transition_id", sa.Integer, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),  # the latest day refreshed for: an earlier day recomputes all
)

supervision_dirty = sa.Table(
    "supervision_dirty",
    metadata,
    # No key and no foreign key: written by triggers in every write transaction, at the least cost.
    sa.Column("subject_id", sa.Integer, nullable=False),
    sa.Index("ix_supervision_dirty_subject_id", "subject_id"),  # grade_facts' NOT EXISTS, per subject
)

ANYWHERE = "*"  # supervision_scope.division_code of the row a draw everywhere reads: no division code is "*…"

TABLES = (inspection_draw, supervision_grade, supervision_scope, supervision_watermark, supervision_dirty)
