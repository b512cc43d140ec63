"""The query record's outcome: VIEWED, or DENIED with the reason a partner was refused.

Existing rows were all views, and their hashes cover no outcome: they get ``VIEWED`` and
``hash_format`` 1, so they keep verifying; new rows are hashed over the outcome (format 2, see
gateway.features.audit.chain). Adding a column with a constant default writes no row (PostgreSQL 11+ and
SQLite keep the default in the schema), so the append-only triggers are not in the way, and a
column added in place keeps them: a batch table rebuild on SQLite would drop them.

Downgrading drops the outcomes: rows appended since then no longer verify under the old code.

Revision ID: core_0008
Revises: core_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0008"
down_revision = "core_0007"
branch_labels = None
depends_on = None

_COLUMNS = ("outcome", "denial_reason", "hash_format")


def upgrade() -> None:
    op.add_column("query_record", sa.Column("outcome", sa.String(16), nullable=False, server_default="VIEWED"))
    op.add_column("query_record", sa.Column("denial_reason", sa.String(32), nullable=False, server_default=""))
    op.add_column("query_record", sa.Column("hash_format", sa.SmallInteger, nullable=False, server_default="1"))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+), for the same reason: the triggers stay.
    for column in reversed(_COLUMNS):
        op.drop_column("query_record", column)
