"""Published catalogue versions and measure applications: measure_catalogue_version, measure_application.

Revision ID: measures_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "measures_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measure_catalogue_version",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("based_on", sa.Integer, nullable=False),
        sa.Column("toml", sa.Text, nullable=False),
        sa.Column("change", sa.String(200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measure_catalogue_version"),
        sa.UniqueConstraint("label", name="uq_measure_catalogue_version_label"),
        sa.UniqueConstraint("based_on", name="uq_measure_catalogue_version_based_on"),
    )
    op.create_table(
        "measure_application",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("reporter", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(64), nullable=True),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("catalogue_version", sa.Integer, nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("measure_id", sa.String(64), nullable=False),
        sa.Column("matter", sa.String(40), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("action_date", sa.Date, nullable=False),
        sa.Column("document_number", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_measure_application"),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"], name="fk_measure_application_subject_id_subject"),
        sa.UniqueConstraint("reporter", "request_id", name="uq_measure_application_reporter"),
    )
    op.create_index("ix_measure_application_subject_id_id", "measure_application", ["subject_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_measure_application_subject_id_id", table_name="measure_application")
    op.drop_table("measure_application")
    op.drop_table("measure_catalogue_version")
