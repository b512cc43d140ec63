"""The merchants feature's tables (its own migration history, ``migrations/versions``).

``merchant_page``: the pages issued, one row per token. A token opens one organisation's public page; it is
kept in clear because it is printed anyway (the QR code at the shop door) and the admin must be able to
print the code again; what it protects against is enumeration (walking every subject through pages), which
its 192 random bits rule out. Revoked pages are kept (``revoked_at``), so a token is never issued twice and
the counts stay with the page they were counted on. At most one page per subject is live (a partial unique
index on both SQLite and PostgreSQL).

``merchant_page_view``: views per page and day (China time), one row each, bumped in one upsert statement.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import NAMING_CONVENTION, subject

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

TOKEN_LENGTH = 32  # secrets.token_urlsafe(24): 24 random bytes (192 bits) in 32 URL-safe characters

merchant_page = sa.Table(
    "merchant_page",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    # Who issued or revoked it: the role and the client's name (a department's key names its unit).
    sa.Column("issued_by", sa.String(200), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(200), nullable=True),
    sa.Index(
        "uq_merchant_page_live_subject",
        "subject_id",
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    ),
)

merchant_page_view = sa.Table(
    "merchant_page_view",
    metadata,
    sa.Column("page_id", sa.Integer, sa.ForeignKey(merchant_page.c.id), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("views", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("page_id", "day"),
)

TABLES = (merchant_page, merchant_page_view)
