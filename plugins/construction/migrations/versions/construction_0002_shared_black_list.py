"""The construction black list on the shared lists: each listing gets its shared-format list entry
(credit_list_entry: BLACK, the list's name, the facts as the reason, the removal date, the joint
punishments) and the shared lists' category (BLACK_LIST instead of BLACKLIST), so that every published
list (Query.creditLists) and its page index (ix_credit_record_page) find it.

The values are written out here rather than imported from the plugin, so the revision does not change
when the plugin's rules do.

Revision ID: construction_0002
Revises: construction_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "construction_0002"
down_revision = "construction_0001"
branch_labels = None
depends_on = None

LIST_NAME = "建筑市场主体“黑名单”"
MEASURES = "RESTRICTED_FROM_TENDERING,RESTRICTED_QUALIFICATIONS,INCREASED_INSPECTION,PUBLIC_EXPOSURE"
_LISTINGS = "SELECT id FROM credit_record WHERE domain = 'construction' AND record_type = 'ConstructionBlacklistEntry'"


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO credit_list_entry (record_id, list_type, list_name, reason, removal_date, measures, sub_area) "
            "SELECT b.record_id, 'BLACK', :name, b.facts, b.removal_due, :measures, NULL FROM construction_blacklist b "
            "WHERE NOT EXISTS (SELECT 1 FROM credit_list_entry e WHERE e.record_id = b.record_id)"
        ).bindparams(name=LIST_NAME, measures=MEASURES)
    )
    op.execute(
        "UPDATE credit_record SET category = 'BLACK_LIST' "
        "WHERE domain = 'construction' AND record_type = 'ConstructionBlacklistEntry' AND category = 'BLACKLIST'"
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM credit_list_entry WHERE record_id IN ({_LISTINGS})")
    op.execute(
        "UPDATE credit_record SET category = 'BLACKLIST' "
        "WHERE domain = 'construction' AND record_type = 'ConstructionBlacklistEntry' AND category = 'BLACK_LIST'"
    )
