"""Tiered supervision: the subjects whose grade a change made stale (supervision_dirty), written by database
triggers in the transaction of the change itself.

The watermark's ids (the highest ``credit_record.id`` / ``workflow_transition.id`` seen) missed a change on
PostgreSQL: ids are taken at insert, not at commit, so a record committed after a later-numbered one was
below the watermark once visible. A trigger writes the subject in the same transaction instead: visible
exactly when the change is, consumed by the next refresh.

* ``credit_record`` AFTER INSERT and AFTER UPDATE (submissions, imports, the record of a broken commitment;
  the status, ``disputed``, correction and publication-window changes of disputes and repairs);
* ``workflow_transition`` AFTER INSERT of a ``dispute`` or ``repair`` transition (the subject from the
  dispute or repair application).

PostgreSQL: statement-level triggers over transition tables, one ``INSERT … SELECT DISTINCT`` per statement
(a bulk import's multi-row INSERT costs one, not one per row). No unique constraint and no "already dirty"
check there: a writer that skipped its insert because a committed row was present could lose its change to
a refresh that consumes that row before the writer commits; duplicates are de-duplicated on read.
SQLite: row triggers, skipping a subject already dirty (one writer at a time: no such interleaving).

Upgrade: the subjects the watermark has not consumed yet become dirty (what the next refresh would have
marked). The watermark's id columns stay, unused (a downgrade hands them back). Downgrade: the dirty
subjects are marked stale, the watermark moves to the newest ids, the triggers and the table are dropped.

Revision ID: supervision_0003
Revises: supervision_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "supervision_0003"
down_revision = "supervision_0002"
branch_labels = None
depends_on = None

# (table, event, transition tables, function): one statement-level trigger each on PostgreSQL.
_PG_TRIGGERS = (
    ("credit_record", "INSERT", "NEW TABLE AS new_rows", "supervision_dirty_records_inserted"),
    ("credit_record", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "supervision_dirty_records_updated"),
    ("workflow_transition", "INSERT", "NEW TABLE AS new_rows", "supervision_dirty_transitions_inserted"),
)
_PG_FUNCTIONS = {
    "supervision_dirty_records_inserted": "SELECT DISTINCT subject_id FROM new_rows",
    # Both sides: a correction that moved a record to another subject changes both grades.
    "supervision_dirty_records_updated": "SELECT subject_id FROM new_rows UNION SELECT subject_id FROM old_rows",
    "supervision_dirty_transitions_inserted": (
        "SELECT d.subject_id FROM new_rows t JOIN dispute d ON d.id = t.item_id WHERE t.workflow = 'dispute' "
        "UNION SELECT r.subject_id FROM new_rows t JOIN repair_application r ON r.id = t.item_id "
        "WHERE t.workflow = 'repair'"
    ),
}

_SQLITE_NOT_DIRTY = "WHERE NOT EXISTS (SELECT 1 FROM supervision_dirty WHERE subject_id = {0})"
_SQLITE_TRIGGERS = {
    "supervision_dirty_record_inserted": (
        "AFTER INSERT ON credit_record",
        "SELECT NEW.subject_id " + _SQLITE_NOT_DIRTY.format("NEW.subject_id"),
    ),
    "supervision_dirty_record_updated": (
        "AFTER UPDATE ON credit_record",
        "SELECT s FROM (SELECT NEW.subject_id AS s UNION SELECT OLD.subject_id) " + _SQLITE_NOT_DIRTY.format("s"),
    ),
    "supervision_dirty_transition_inserted": (
        "AFTER INSERT ON workflow_transition WHEN NEW.workflow IN ('dispute', 'repair')",
        "SELECT s FROM (SELECT subject_id AS s FROM dispute WHERE NEW.workflow = 'dispute' AND id = NEW.item_id "
        "UNION SELECT subject_id FROM repair_application WHERE NEW.workflow = 'repair' AND id = NEW.item_id) "
        + _SQLITE_NOT_DIRTY.format("s"),
    ),
}

# What the watermark had not consumed yet (the refresh's selection before this revision).
_UNSEEN = """
SELECT r.subject_id FROM credit_record r JOIN supervision_watermark w ON w.id = 1 WHERE r.id > w.last_record_id
UNION SELECT d.subject_id FROM workflow_transition t JOIN dispute d ON d.id = t.item_id
  JOIN supervision_watermark w ON w.id = 1 WHERE t.workflow = 'dispute' AND t.id > w.last_transition_id
UNION SELECT a.subject_id FROM workflow_transition t JOIN repair_application a ON a.id = t.item_id
  JOIN supervision_watermark w ON w.id = 1 WHERE t.workflow = 'repair' AND t.id > w.last_transition_id
"""


def upgrade() -> None:
    op.create_table("supervision_dirty", sa.Column("subject_id", sa.Integer, nullable=False))
    op.create_index("ix_supervision_dirty_subject_id", "supervision_dirty", ["subject_id"])
    op.execute(f"INSERT INTO supervision_dirty (subject_id) {_UNSEEN}")
    if op.get_bind().dialect.name == "postgresql":
        for function, changed in _PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO supervision_dirty (subject_id) {changed}; RETURN NULL; END $$"
            )
        for table, event, transitions, function in _PG_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {transitions} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    else:
        for name, (when, changed) in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN INSERT INTO supervision_dirty (subject_id) {changed}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _event, _transitions, function in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # Hand the watermark back: what is dirty becomes stale (or a row to compute), the ids the newest.
    op.execute(
        "UPDATE supervision_grade SET stale = true WHERE subject_id IN (SELECT subject_id FROM supervision_dirty)"
    )
    op.execute(
        "INSERT INTO supervision_grade (subject_id, stale) SELECT DISTINCT subject_id, true FROM supervision_dirty "
        "WHERE subject_id NOT IN (SELECT subject_id FROM supervision_grade)"
    )
    op.execute(
        "UPDATE supervision_watermark SET "
        "last_record_id = (SELECT coalesce(max(id), 0) FROM credit_record), "
        "last_transition_id = (SELECT coalesce(max(id), 0) FROM workflow_transition)"
    )
    op.drop_index("ix_supervision_dirty_subject_id", table_name="supervision_dirty")
    op.drop_table("supervision_dirty")
