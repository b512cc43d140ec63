"""Indexes that follow how the envelope is read: lists page from one, loaders find a domain's records of
a batch of subjects in the other.

* ``ix_credit_record_page`` (domain, category, status, decision_date, id) replaces (domain, category).
  The published lists (Query.majorTaxViolations, Query.cultureRedBlackList, and any plugin list paged
  with gateway.api.newest_decisions_first) filter on domain, category and ``status = 'ACTIVE'`` and
  order newest decision first with the id as tie-break: the planner walks this index backwards from
  the cursor and stops after the page, instead of reading and sorting every listing of the category
  (the tax black list read 1,021 rows for a page of 26). It still serves every (domain, category) look-up.
* ``ix_credit_record_subject_id_domain`` (subject_id, domain) replaces (subject_id): a loader's
  ``domain = ? AND subject_id = ANY(?)`` reads only its domain's rows of those subjects, where the
  planner used to AND two bitmaps, one of them every record of the domain. Look-ups by subject alone
  use its first column.

Revision ID: core_0009
Revises: core_0008
"""

from alembic import op

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_credit_record_page", "credit_record", ["domain", "category", "status", "decision_date", "id"])
    op.drop_index("ix_credit_record_domain_category", table_name="credit_record")
    op.create_index("ix_credit_record_subject_id_domain", "credit_record", ["subject_id", "domain"])
    op.drop_index("ix_credit_record_subject_id", table_name="credit_record")


def downgrade() -> None:
    op.create_index("ix_credit_record_subject_id", "credit_record", ["subject_id"])
    op.drop_index("ix_credit_record_subject_id_domain", table_name="credit_record")
    op.create_index("ix_credit_record_domain_category", "credit_record", ["domain", "category"])
    op.drop_index("ix_credit_record_page", table_name="credit_record")
