"""The query record of federated requests: the subgraphs each request called, and rows about no subject.

* ``query_record.subgraphs``: comma-separated, sorted, the subgraphs of the supergraph a federated request
  called (``serve --supergraph``); empty for a request to the gateway's own graph, and for every existing
  row, whose hash (format 1 or 2) does not cover it (gateway.features.audit.chain). A constant default
  writes no row, so the append-only triggers are not in the way.
* ``query_record.subject_id`` becomes nullable: the remote fields a federated request was handed about no
  subject are one row without a subject, which only the admin reads. PostgreSQL drops the constraint in
  place; SQLite cannot, so its table is rebuilt (rows copied as they are, hashes untouched) and its
  append-only triggers, which the rebuild drops with the old table, are made again.

Downgrading keeps ``subgraphs``: format-3 rows are hashed over it, so dropping it would make every row
about a federated request fail ``audit verify`` for good once the database is upgraded again (the column
would come back empty). The old code never names the column, and its server default fills it in for the
rows the old code appends (format 2, whose hash does not cover it). Upgrading therefore adds it only when it
is missing. (Refusing the downgrade while some row names subgraphs would not do: a database that ever
served a supergraph could then never be downgraded, nor emptied by a downgrade to base.)

Downgrading makes ``subject_id`` required again only while no row lacks a subject: the table is
append-only, so such a row is neither deleted nor given one, and the column stays nullable, which the old
code never notices (it writes a subject in every row, and reads rows by subject or joined to one).

Revision ID: core_0011
Revises: core_0010
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0011"
down_revision = "core_0010"
branch_labels = None
depends_on = None

# As core_0004 made them: the database refuses UPDATE and DELETE on the record.
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER query_record_no_{op_name.lower()} BEFORE {op_name} ON query_record "
    f"BEGIN SELECT RAISE(ABORT, 'query_record is append-only: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
]


def _subject_nullable(nullable: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("query_record", "subject_id", existing_type=sa.Integer, nullable=nullable)
        return
    # The implicit DELETE of the old table's DROP fires no trigger; the new table has none until made here.
    with op.batch_alter_table("query_record", recreate="always") as batch:
        batch.alter_column("subject_id", existing_type=sa.Integer, nullable=nullable)
    for statement in _SQLITE_TRIGGERS:
        op.execute(statement)


def _has_subgraphs() -> bool:
    columns = sa.inspect(op.get_bind()).get_columns("query_record")
    return any(column["name"] == "subgraphs" for column in columns)


def upgrade() -> None:
    if not _has_subgraphs():  # present already when a downgrade kept it (see the module's docstring)
        op.add_column("query_record", sa.Column("subgraphs", sa.Text, nullable=False, server_default=""))
    _subject_nullable(True)


def downgrade() -> None:
    # ``subgraphs`` stays: the hashes of format-3 rows cover it (see the module's docstring).
    about_nobody = op.get_bind().execute(sa.text("SELECT 1 FROM query_record WHERE subject_id IS NULL LIMIT 1"))
    if about_nobody.first() is None:
        _subject_nullable(False)
