"""The core's tables: subjects, the shared credit-record envelope, and API clients.

Plugins define their own tables on their own ``MetaData`` and join them to
:data:`credit_record` through ``credit_record.c.id``.
"""

from __future__ import annotations

import sqlalchemy as sa

# Constraint names are deterministic, so migrations can name what they create; plugins use it too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

subject = sa.Table(
    "subject",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # HMAC of the normalised code: every look-up goes through it, so an ID number is never stored in clear.
    sa.Column("lookup_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("code_type", sa.String(16), nullable=False),
    # The code as it may be shown: the full USCC of an organisation, the masked ID of a person.
    sa.Column("display_code", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_subject_name_id", "name", "id"),
)

credit_record = sa.Table(
    "credit_record",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey("subject.id"), nullable=False),
    sa.Column("domain", sa.String(64), nullable=False),
    sa.Column("record_type", sa.String(64), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("polarity", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=True),
    sa.Column("decision_date", sa.Date, nullable=False),
    sa.Column("document_number", sa.String(128), nullable=True),
    sa.Column("deciding_authority", sa.String(200), nullable=False),
    sa.Column("deciding_authority_code", sa.String(18), nullable=True),
    sa.Column("source_unit", sa.String(200), nullable=False),
    sa.Column("source_unit_code", sa.String(18), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="ACTIVE"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    # The lifecycle (gateway.features.lifecycle, migration core_0006): the publicity window worked out when the
    # record was written (null: no end), the first day a repair may be applied for, whether a dispute
    # is open, and the revision a correction bumps (earlier ones are in record_revision).
    sa.Column("published_until", sa.Date, nullable=True),
    sa.Column("repair_from", sa.Date, nullable=True),
    sa.Column("disputed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
    # The administrative division the record belongs to (gateway.kernel.divisions, migration core_0010): the
    # deciding authority's area where its code is known, else the subject's registration area.
    sa.Column("division_code", sa.String(12), nullable=True),
    # Idempotency of submissions: one decision document per source unit. NULL document numbers
    # (annual ratings, for instance) are distinct on both SQLite and PostgreSQL.
    sa.UniqueConstraint("source_unit_code", "document_number", name="uq_credit_record_source_document"),
    # How the envelope is read (migration core_0009): a published list pages newest decision first
    # within a domain's category from the first index, walking it backwards from the cursor; a loader
    # finds one domain's records of a batch of subjects in the second (which serves the foreign key too).
    sa.Index("ix_credit_record_page", "domain", "category", "status", "decision_date", "id"),
    sa.Index("ix_credit_record_subject_id_domain", "subject_id", "domain"),
    # text_pattern_ops: PostgreSQL uses the index for LIKE '35%' (gateway.db.divisions) whatever the collation.
    sa.Index("ix_credit_record_division_code", "division_code", postgresql_ops={"division_code": "text_pattern_ops"}),
)

api_client = sa.Table(
    "api_client",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("domain", sa.String(64), nullable=True),
    sa.Column("subject_lookup_hash", sa.String(64), nullable=True),
    # The public part of the key, to tell keys apart in listings and logs.
    sa.Column("key_prefix", sa.String(16), nullable=False, unique=True),
    # sha256 of the whole key: keys are 256-bit random, so a slow password hash buys nothing.
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    # Set by `clients restrict`: the client may run only its persisted_operation rows (migration core_0003).
    sa.Column("restricted_to_persisted", sa.Boolean, nullable=False, server_default=sa.false()),
    # Partners: the field groups of their contract, comma-separated and sorted (migration core_0005).
    sa.Column("contract_groups", sa.Text, nullable=False, server_default=""),
    # Departments: the division whose records (and those of the divisions below) the key may write and read
    # in full (migration core_0010). Null: the whole platform, as every key was before divisions.
    sa.Column("division_code", sa.String(12), nullable=True),
)

# Shared record formats (gateway.formats): detail tables joined one-to-one to the envelope.

admin_penalty = sa.Table(
    "admin_penalty",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True, autoincrement=False),
    sa.Column("party_type", sa.String(32), nullable=False),
    sa.Column("legal_representative", sa.String(200), nullable=True),
    sa.Column("violation_type", sa.String(200), nullable=False),
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("legal_basis", sa.Text, nullable=False),
    # One decision may impose several categories (a fine and a confiscation): comma-separated codes.
    sa.Column("penalty_categories", sa.String(400), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("fine_amount", sa.Numeric(18, 6), nullable=True),  # 万元, as the format prescribes
    sa.Column("confiscated_amount", sa.Numeric(18, 6), nullable=True),  # 万元
    sa.Column("validity_date", sa.Date, nullable=True),
    sa.Column("publicity_end_date", sa.Date, nullable=True),
    sa.Column("sub_area", sa.String(64), nullable=True),
    sa.Column("remarks", sa.Text, nullable=True),
)

admin_license = sa.Table(
    "admin_license",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True, autoincrement=False),
    sa.Column("party_type", sa.String(32), nullable=False),
    sa.Column("legal_representative", sa.String(200), nullable=True),
    sa.Column("document_title", sa.String(200), nullable=False),
    sa.Column("license_category", sa.String(32), nullable=False),
    sa.Column("certificate_name", sa.String(200), nullable=True),
    sa.Column("certificate_number", sa.String(128), nullable=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=False),  # 2099-12-31: long-term
    sa.Column("license_status", sa.String(16), nullable=False),
    sa.Column("sub_area", sa.String(64), nullable=True),
    sa.Column("remarks", sa.Text, nullable=True),
)

credit_list_entry = sa.Table(
    "credit_list_entry",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True, autoincrement=False),
    sa.Column("list_type", sa.String(8), nullable=False),  # RED or BLACK
    sa.Column("list_name", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("removal_date", sa.Date, nullable=True),
    # The joint reward or punishment measures the listing triggers: comma-separated codes.
    sa.Column("measures", sa.String(400), nullable=False, server_default=""),
    sa.Column("sub_area", sa.String(64), nullable=True),
)

# Persisted operations (gateway.server.persisted): a client marked restricted_to_persisted may run only these.
persisted_operation = sa.Table(
    "persisted_operation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.Integer, sa.ForeignKey(api_client.c.id), nullable=False),
    # Hex sha256 of the query text, the id clients send as extensions.persistedQuery.sha256Hash.
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.UniqueConstraint("client_id", "sha256", name="uq_persisted_operation_client_sha256"),
)

# The query record (查询记录, gateway.features.audit): who looked at which subject, append-only and hash-chained.
# Ids are assigned by the appender (last id + 1, under a lock), so a gap means a deleted row.
query_record = sa.Table(
    "query_record",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),  # UTC
    sa.Column("client_id", sa.Integer, nullable=True),  # null for a principal from a token without a client row
    sa.Column("client_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # Null only for remote fields about no subject that a federated request was handed (migration core_0011).
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=True),
    # Comma-separated top-level CreditSubject fields selected ("name,tax,records"); remote ones as
    # field@subgraph, and Type.field@subgraph in a row about no subject.
    sa.Column("field_groups", sa.Text, nullable=False),
    sa.Column("purpose", sa.String(200), nullable=False, server_default=""),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("operation_hash", sa.String(64), nullable=False),  # sha256 of the query text
    # VIEWED, or DENIED (a partner refused the subject) with the reason (NOT_GRANTED …); see migration core_0008.
    sa.Column("outcome", sa.String(16), nullable=False, server_default="VIEWED"),
    sa.Column("denial_reason", sa.String(32), nullable=False, server_default=""),
    # Comma-separated, sorted: the subgraphs a federated request called ("credit-gateway,loans"); empty for a
    # request to the gateway's own graph and for rows from before core_0011.
    sa.Column("subgraphs", sa.Text, nullable=False, server_default=""),
    # Which fields the row_hash covers (gateway.features.audit.chain.FORMATS): 1 before outcomes were recorded,
    # 2 before subgraphs were.
    sa.Column("hash_format", sa.SmallInteger, nullable=False, server_default="1"),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Index("ix_query_record_subject_id_id", "subject_id", "id"),
    sa.Index("ix_query_record_client_id_id", "client_id", "id"),
    sa.Index("ix_query_record_recorded_at", "recorded_at"),
)

# Partner authorisations (gateway.features.partners): a subject lets one partner see some field groups of
# its profile for one purpose between two dates. Granted by the subject, or recorded by the admin
# from a signed paper authorisation (reference_number). Revoked, never deleted.
partner_authorization = sa.Table(
    "partner_authorization",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("client_id", sa.Integer, sa.ForeignKey(api_client.c.id), nullable=False),
    sa.Column("field_groups", sa.Text, nullable=False),  # comma-separated, sorted
    sa.Column("purpose", sa.String(200), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("granted_by", sa.String(16), nullable=False),  # "subject" or "admin"
    sa.Column("reference_number", sa.String(100), nullable=True),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(16), nullable=True),
    sa.Index("ix_partner_authorization_client_subject", "client_id", "subject_id"),
    sa.Index("ix_partner_authorization_subject", "subject_id"),
)

# --- The lifecycle workflows (gateway.features.lifecycle, migration core_0006) -------------------------------

# Each workflow row carries its state and a version: an action updates WHERE state = the state it
# saw, so of two concurrent actions exactly one wins and the other is told (gateway.features.lifecycle.transitions).
workflow_transition = sa.Table(
    "workflow_transition",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workflow", sa.String(32), nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(32), nullable=True),  # null for the creating transition
    sa.Column("to_state", sa.String(32), nullable=False),
    sa.Column("actor_role", sa.String(16), nullable=False),
    sa.Column("actor_client_id", sa.Integer, nullable=True),
    sa.Column("actor_name", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index("ix_workflow_transition_item", "workflow", "item_id", "id"),
)

dispute = sa.Table(
    "dispute",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), nullable=False),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("domain", sa.String(64), nullable=False),  # the record's, for the department's view
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("evidence", sa.String(500), nullable=True),
    sa.Column("filed_by", sa.String(16), nullable=False),  # subject or admin (on the subject's behalf)
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_on", sa.Date, nullable=True),  # the current stage's deadline; null once over
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("finding", sa.Text, nullable=True),  # the department's verification
    sa.Column("corrected_revision", sa.Integer, nullable=True),
    sa.Index("ix_dispute_record", "record_id"),
    sa.Index("ix_dispute_subject", "subject_id", "id"),
    sa.Index("ix_dispute_domain_state", "domain", "state"),
)

# A record's earlier versions: corrections never overwrite history.
record_revision = sa.Table(
    "record_revision",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("envelope", sa.Text, nullable=False),  # JSON of the envelope as it was
    sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("dispute_id", sa.Integer, sa.ForeignKey(dispute.c.id), nullable=True),
    sa.UniqueConstraint("record_id", "revision", name="uq_record_revision_record_revision"),
)

repair_application = sa.Table(
    "repair_application",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), nullable=False),
    sa.Column("subject_id", sa.Integer, sa.ForeignKey(subject.c.id), nullable=False),
    sa.Column("domain", sa.String(64), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("commitment", sa.Text, nullable=False),  # the repair commitment (信用修复承诺)
    sa.Column("obligations", sa.Text, nullable=True),  # how the obligations were met (evidence)
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Index("ix_repair_application_record", "record_id"),
    sa.Index("ix_repair_application_subject", "subject_id", "id"),
    sa.Index("ix_repair_application_domain_state", "domain", "state"),
)
