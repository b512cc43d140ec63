"""The extracts feature's tables (its own migration history, ``migrations/versions``).

``credit_extract``: every extract issued, as issued: who asked (``requester``, with their ``request_id``,
unique together: a retried request gets the same extract), for which subject and purpose, its dates, the
signed payload and signature, the sections as printed (JSON) and the PDF itself with its SHA-256. The PDF
is kept rather than drawn again on download: the records behind it change, the document must not.

``extract_signing_key``: every key that ever signed an extract, by key id, with its public key, so that a
document signed before a rotation still verifies. The private key is stored only for the key the gateway
generated itself (the embedded SQLite demo); a configured key (``CREDIT_GATEWAY_SIGNING_KEY``) stays in
its file.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import NAMING_CONVENTION, subject

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

credit_extract = sa.Table(
    "credit_extract",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("requester", sa.String(200), nullable=False),  # Principal.requester: the client, or a token's iss|sub
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(200), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # the canonical JSON that was signed
    sa.Column("signature", sa.String(100), nullable=False),  # Ed25519, base64url
    sa.Column("sections", sa.JSON, nullable=False),  # [{"id", "title", "rows": [{"label", "text"}]}]
    sa.Column("pdf", sa.LargeBinary, nullable=False),
    sa.Column("pdf_sha256", sa.String(64), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("requester", "request_id"),
    sa.Index("ix_credit_extract_subject_id", "subject_id"),
)

extract_signing_key = sa.Table(
    "extract_signing_key",
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("public_key", sa.String(64), nullable=False),  # raw Ed25519 public key, hex
    sa.Column("private_key_pem", sa.Text, nullable=True),  # only a key the gateway generated (SQLite demo)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

TABLES = (credit_extract, extract_signing_key)
