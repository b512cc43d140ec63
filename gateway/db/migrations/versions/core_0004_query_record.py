"""The query record (查询记录): append-only, hash-chained log of accesses to subjects.

Revision ID: core_0004
Revises: core_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None

# The application only ever inserts; the database refuses the rest too, so that a bug or a careless
# operator cannot rewrite history. (An attacker who can drop the trigger is what `audit verify` is for.)
_PG_FUNCTION = """
CREATE FUNCTION query_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'query_record is append-only: % refused', TG_OP;
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER query_record_append_only BEFORE UPDATE OR DELETE ON query_record "
    "FOR EACH ROW EXECUTE FUNCTION query_record_append_only()"
)
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER query_record_no_{op_name.lower()} BEFORE {op_name} ON query_record "
    f"BEGIN SELECT RAISE(ABORT, 'query_record is append-only: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.create_table(
        "query_record",
        sa.Column("id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Integer, nullable=True),
        sa.Column("client_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("field_groups", sa.Text, nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False, server_default=""),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("operation_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_query_record"),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_query_record_subject_id_subject"),
    )
    op.create_index("ix_query_record_subject_id_id", "query_record", ["subject_id", "id"])
    op.create_index("ix_query_record_client_id_id", "query_record", ["client_id", "id"])
    op.create_index("ix_query_record_recorded_at", "query_record", ["recorded_at"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    elif dialect == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    # Dropping the table drops its triggers on both databases; the PostgreSQL function stays behind otherwise.
    op.drop_index("ix_query_record_recorded_at", table_name="query_record")
    op.drop_index("ix_query_record_client_id_id", table_name="query_record")
    op.drop_index("ix_query_record_subject_id_id", table_name="query_record")
    op.drop_table("query_record")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS query_record_append_only()")
