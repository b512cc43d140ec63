"""Places: each record and each department key belongs to an administrative division.

* ``credit_record.division_code``: the deciding authority's area (characters 3–8 of its USCC) where the
  record names the authority's code, else the subject's registration area (characters 3–8 of a USCC,
  the first six of an ID number; both kept in ``subject.display_code``, the masked ID included). Existing
  rows are filled in from the same rule, so no record is left without a place.
* ``api_client.division_code``: null for every existing key, meaning the whole platform, which is what
  every key could see and do before divisions. Nothing changes for a client until the admin binds its key.

Both columns are nullable and added without a default, so adding them takes no table rewrite on
PostgreSQL and the service keeps running while it runs.

Revision ID: core_0010
Revises: core_0009
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0010"
down_revision = "core_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_record") as batch:
        batch.add_column(sa.Column("division_code", sa.String(12), nullable=True))
    with op.batch_alter_table("api_client") as batch:
        batch.add_column(sa.Column("division_code", sa.String(12), nullable=True))
    op.execute(
        """
        UPDATE credit_record SET division_code = CASE
            WHEN deciding_authority_code IS NOT NULL AND length(deciding_authority_code) = 18
                THEN substr(deciding_authority_code, 3, 6)
            ELSE (
                SELECT CASE WHEN s.code_type = 'USCC' THEN substr(s.display_code, 3, 6)
                            ELSE substr(s.display_code, 1, 6) END
                FROM subject AS s WHERE s.id = credit_record.subject_id
            )
        END
        """
    )
    # text_pattern_ops: PostgreSQL uses it for "this division and below" (LIKE '35%') whatever the collation.
    op.create_index(
        "ix_credit_record_division_code",
        "credit_record",
        ["division_code"],
        postgresql_ops={"division_code": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_credit_record_division_code", table_name="credit_record")
    with op.batch_alter_table("api_client") as batch:
        batch.drop_column("division_code")
    with op.batch_alter_table("credit_record") as batch:
        batch.drop_column("division_code")
