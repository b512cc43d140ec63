"""The measures feature's tables (its own migration history, ``migrations/versions``).

``measure_catalogue_version``: every catalogue the admin published, as the TOML text it was checked from (so
that an old version shows exactly as it was). The highest ``id`` is in force; with no row, the file the core
ships. ``based_on`` is the version in force when the new one was made (0: the shipped file) and is unique:
two admins changing the catalogue at once cannot both build on the same version (one gets CONFLICT), so the
history is a line and no change is lost.

``measure_application``: what a department did with a measure for a subject in a matter (奖惩反馈). A report
is idempotent on the reporter's own request id (``reporter`` + ``request_id`` unique).
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import NAMING_CONVENTION, subject

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

measure_catalogue_version = sa.Table(
    "measure_catalogue_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(64), nullable=False, unique=True),  # the TOML's `version`
    sa.Column("based_on", sa.Integer, nullable=False, unique=True),
    sa.Column("toml", sa.Text, nullable=False),
    sa.Column("change", sa.String(200), nullable=False),  # what changed: "published", "retired X until …"
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_by", sa.String(200), nullable=False),
)

measure_application = sa.Table(
    "measure_application",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Who reported (the API client, else role and name) and the id the reporter gave the request.
    sa.Column("reporter", sa.String(200), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(64), nullable=True),  # the reporting department's; null for the admin
    sa.Column("reported_by", sa.String(200), nullable=False),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("catalogue_version", sa.Integer, nullable=False),  # the catalogue number in force (0: shipped)
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("measure_id", sa.String(64), nullable=False),
    sa.Column("matter", sa.String(40), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("action_date", sa.Date, nullable=False),
    sa.Column("document_number", sa.String(128), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.UniqueConstraint("reporter", "request_id"),
    sa.Index("ix_measure_application_subject_id_id", "subject_id", "id"),
)

TABLES = (measure_catalogue_version, measure_application)
