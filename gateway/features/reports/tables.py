"""The reports feature's table (its own migration history, ``migrations/versions``).

``credit_report``: the registry of credit reports (信用报告) issued by third-party credit service agencies.
One row per report: the agency (its API client) and the request id it registered the report under (unique
together: a retried registration finds its row), the report's number (unique across agencies: a department
verifies by it), the subject, the grade and risk notes as the report states them, the day it was issued and
the last day it is valid (a year). A report is never deleted: a revoked one keeps its row, with when and why.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.db.tables import NAMING_CONVENTION
from gateway.kernel.limits import MAX_REPORT_GRADE, MAX_REPORT_NUMBER, MAX_REQUEST_ID

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

credit_report = sa.Table(
    "credit_report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.Integer, nullable=False),  # the agency's API client
    sa.Column("request_id", sa.String(MAX_REQUEST_ID), nullable=False),
    sa.Column("number", sa.String(MAX_REPORT_NUMBER), nullable=False),
    sa.Column("subject_id", sa.Integer, nullable=False),
    sa.Column("grade", sa.String(MAX_REPORT_GRADE), nullable=False),
    sa.Column("risk_notes", sa.Text, nullable=False),  # empty: the report notes no risk
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),  # the last day it is valid
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(200), nullable=True),  # role:name of who revoked it
    sa.Column("revocation_reason", sa.Text, nullable=True),
    sa.UniqueConstraint("client_id", "request_id", name="uq_credit_report_client_request"),
    sa.UniqueConstraint("number", name="uq_credit_report_number"),
    sa.Index("ix_credit_report_subject_id_id", "subject_id", "id"),
    sa.Index("ix_credit_report_client_id_id", "client_id", "id"),
)

TABLES = (credit_report,)
