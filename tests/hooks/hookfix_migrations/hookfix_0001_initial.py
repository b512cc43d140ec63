"""Create hookfix_record, the table of the ``hookfix`` fixture plugin (tests/hooks/fixture_plugins.py).

Revision ID: hookfix_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "hookfix_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hookfix_record",
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_hookfix_record"),
        sa.ForeignKeyConstraint(["record_id"], ["credit_record.id"], name="fk_hookfix_record_record_id_credit_record"),
    )


def downgrade() -> None:
    op.drop_table("hookfix_record")
