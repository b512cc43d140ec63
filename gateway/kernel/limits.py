"""Every fixed bound on input and work, in one place: the sizes of codes, keys, texts, cursors,
batches and nesting that no request may exceed whatever the configuration says.

The configurable limits (page sizes, batch sizes, request bytes, per-role query limits and rate
limits) are settings (``gateway.kernel.settings``, README "Configuration"); the query limits' rules
are in ``gateway.policy.limits``. A test keeps any other module from defining its own ``MAX_*``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

# --- identifiers and keys ----------------------------------------------------------------------
# Characters of an API client's name.
MAX_CLIENT_NAME = 200
# Characters of a subject code: longer input is rejected before any parsing work.
MAX_CODE_LENGTH = 32
# Characters of an API key.
MAX_KEY_LENGTH = 128
# Characters of a bearer JWT.
MAX_JWT_LENGTH = 8192
# Bytes of an HS256 shared key (shorter ones are refused at start).
MIN_SHARED_KEY_LENGTH = 32
# Characters of a name taken from an identity provider's token.
MAX_IDENTITY_NAME = 200

# --- reading -----------------------------------------------------------------------------------
# Worker processes of `serve --workers`.
MAX_WORKERS = 64
# Characters of a page cursor.
MAX_CURSOR_LENGTH = 512
# Characters of a searchSubjects name.
MAX_SEARCH_LENGTH = 100
# Keys per loader statement: far under SQLite's and asyncpg's bind-parameter limits.
MAX_LOADER_BATCH = 1_000
# How deep the limits' walk follows selections, inline fragments and fragment spreads together.
# graphql-core's parser stops at 200 levels within one definition, but a chain of fragments spreading
# each other has no such bound, and both the walk and validation recurse along it: past this, the
# document is refused before anything recurses further. The depth limits are 25 at most.
MAX_NESTING = 100

# --- writing -----------------------------------------------------------------------------------
# 万元 of a penalty amount: ten trillion yuan, far above any real penalty.
MAX_AMOUNT_WAN = Decimal(10**9)
# Measures named in one list entry.
MAX_MEASURES = 20
# Characters of the names of subjects, authorities and units.
MAX_NAME = 200
# Characters of free text: facts, legal basis, reasons.
MAX_TEXT = 2_000
# Yuan of any amount in a record.
MAX_AMOUNT = Decimal(10**15)
# Characters of a decision's document number.
MAX_DOCUMENT_NUMBER = 128
# Bytes of a JSON line or CSV field: above this it is refused, not read into memory.
MAX_LINE_BYTES = 1_000_000
# Characters of free-text arguments: a dispute's reason, a complaint's matter, a commitment's content, notes.
MAX_ARGUMENT_TEXT = 2_000

# --- features ----------------------------------------------------------------------------------
# Characters of the X-Purpose header kept in the query record.
MAX_QUERY_PURPOSE = 200
# Field groups in one authorisation or contract.
MAX_GROUPS = 50
# Characters of an authorisation's purpose.
MAX_AUTHORIZATION_PURPOSE = 200
# Characters of a paper authorisation's reference number.
MAX_REFERENCE = 100
# Current grants of one subject: a handful of banks in practice; the cap keeps one key from filling the table.
MAX_CURRENT_PER_SUBJECT = 100
# Characters of a complainant's contact.
MAX_CONTACT = 200
# Characters of a dispute's evidence reference.
MAX_EVIDENCE = 500
# Characters of a complaint's follow-up token.
MAX_COMPLAINT_TOKEN_LENGTH = 100
# Characters of a workflow step's note.
MAX_NOTE = 2_000
# Ten years: a commitment is not for ever.
MAX_COMMITMENT_VALIDITY = dt.timedelta(days=3_653)

# --- working days ------------------------------------------------------------------------------
# Working days a deadline may count: ten years, far beyond any legal deadline, and it bounds the loop.
MAX_WORKING_DAYS = 3650
# Calendar days between two dates whose working days are counted: twenty years.
MAX_SPAN_DAYS = 7305

# --- collection metrics (gateway.features.metrics) -----------------------------------------------
# The first year an assessment may be asked for: the national credit system's records begin later.
MIN_ASSESSMENT_YEAR = 2000
# Late records listed per source unit (the count of all of them is given too).
MAX_LATE_RECORDS = 100
# Source units listed per department in one answer (the count of all of them is given too).
MAX_METRICS_SOURCE_UNITS = 1_000
# collectionMetrics calls in one request: aliases cannot multiply its statements.
MAX_METRICS_CALLS = 2

# --- merchant pages (gateway.features.merchants) ------------------------------------------------
# Days of page views one merchantPage.views answer lists: a year, and a leap day.
MAX_MERCHANT_VIEW_DAYS = 366
# Records, and commitments, a merchant page shows: the public API's largest page (max_page_size's default).
MAX_MERCHANT_PAGE_ITEMS = 100
# Bytes of a complaint posted from a merchant page: its three fields at their limits, percent-encoded, fit.
MAX_MERCHANT_FORM_BYTES = 16 * 1024

# --- credit extracts (gateway.features.extracts) --------------------------------------------------
# Bytes of a PDF uploaded to /verify/{number} for checking: an extract is some 60 KB, one of many pages 1 MB.
MAX_EXTRACT_UPLOAD_BYTES = 4 * 1024 * 1024
# Rows one section of an extract prints: a subject with more shows these and says how many are left out.
MAX_EXTRACT_SECTION_ROWS = 200
# Characters of an extract's stated purpose (用途), printed on it.
MAX_EXTRACT_PURPOSE = 200

# --- places (gateway.features.places) -------------------------------------------------------------
# Divisions one divisions(parent:) answer lists. The largest list today is 重庆's 37 districts and
# counties (the provinces are 34); a test keeps the division table under this bound.
MAX_DIVISIONS_LISTED = 100

# --- joint rewards and punishments (gateway.features.measures) ------------------------------------
# Bytes of a catalogue published as TOML: the shipped one is about 12 KB; a thousand measures fit.
MAX_MEASURE_CATALOGUE_BYTES = 1_000_000
# Characters of a catalogue's version label ("2026.2").
MAX_MEASURE_CATALOGUE_LABEL = 64
# Catalogue versions one measureCatalogueVersions answer lists.
MAX_MEASURE_CATALOGUE_VERSIONS = 100
# Characters of a client's request id for reportMeasureApplied (a UUID is 36).
MAX_REQUEST_ID = 64

# --- tiered supervision (gateway.features.supervision) --------------------------------------------
# Subjects one drawInspectionSample draws: a large county's yearly 双随机 plan for one matter.
MAX_INSPECTION_SAMPLE = 1_000
# Characters of a draw's seed (a date and a sequence number, a public lottery's number …).
MAX_INSPECTION_SEED = 64
# Characters of a draw's inspection kind (检查事项).
MAX_INSPECTION_KIND = 200

# --- credit reports (gateway.features.reports) ------------------------------------------------------
# Characters of a report's number, as the agency prints it (e.g. "XYPJ-2026-000123").
MAX_REPORT_NUMBER = 64
# Characters of a report's credit grade (AAA, A+, BBB- …: the agencies' scales differ).
MAX_REPORT_GRADE = 16
# Characters of a report's risk notes (风险提示).
MAX_REPORT_RISK_NOTES = 4_000
# Characters of the reason an agency gives when it revokes a report.
MAX_REPORT_REVOCATION_REASON = 1_000

# --- credit verification (gateway.features.verification) ------------------------------------------
# Characters of a verification's purpose (the matter's name or case number).
MAX_VERIFICATION_PURPOSE = 200
# Characters of the requesting department's name, when a subject asks on a department's request.
MAX_VERIFICATION_DEPARTMENT = 200
# Characters of the credit centre's note when it answers a pending verification.
MAX_VERIFICATION_NOTE = 2_000

# --- supergraph (gateway.federation) ----------------------------------------------------------------
# Bytes of a supergraph SDL read at start or by `supergraph check`: large real ones are a few hundred KB.
MAX_SUPERGRAPH_BYTES = 10_000_000
# Bytes of one subgraph's SDL fetched by `supergraph compose`.
MAX_SUBGRAPH_SDL_BYTES = 5_000_000

# --- remote subgraphs (gateway.federation) ----------------------------------------------------------
# Representations one _entities fetch sends; more objects at a flatten path are an error at that path.
MAX_REPRESENTATIONS_PER_FETCH = 10_000
# Seconds a remote subgraph's timeout may be set to (subgraph_timeouts): a longer wait holds the client's
# request, a connection and a concurrency slot that long; a value past it is likely milliseconds typed as seconds.
MAX_SUBGRAPH_TIMEOUT_SECONDS = 300
# Concurrent requests to one remote subgraph it may be allowed (subgraph_concurrency): each holds a
# connection and a file descriptor of this process, and the default is 64.
MAX_SUBGRAPH_CONCURRENCY = 1_000
# Bytes of one subgraph response body: a larger answer is refused (SUBGRAPH_RESPONSE_TOO_LARGE), not read.
MAX_SUBGRAPH_RESPONSE_BYTES = 16 * 1024 * 1024
# Federated plans kept per supergraph (least recently used dropped); a flood of documents stays within it.
MAX_FEDERATED_PLANS = 1_000
# Fetch steps one federated plan may hold: an operation that would need more cannot be planned.
MAX_PLAN_FETCHES = 200
# Errors one fetch adds to a response. A subgraph error at ["_entities"] lands at every object the
# fetch was for: a few such errors over thousands of objects would multiply into millions of entries.
# A thousand is far more than a client reads; past it, one error says that more were left out.
MAX_ERRORS_PER_FETCH = 1_000
# Elements of a subgraph error's path the gateway follows. A path that can point into a client's
# response has one element per field (at most MAX_NESTING deep) and one per list level around it;
# four per field leaves room for lists of lists of lists. A longer path points at nothing the client
# asked for, and following it costs memory and time the subgraph chooses: the error is kept without it.
MAX_ERROR_PATH_ELEMENTS = 4 * MAX_NESTING
# Nesting of lists and objects a subgraph may answer in one custom scalar's value (JSON and the like),
# and a client may send in its variables. The response or request holds it under the operation's own
# depth, and JSON encoders stop at 255 levels (orjson): past that the whole response would fail. Real
# JSON values (settings, documents) nest a handful of levels; 32 leaves room and keeps the total low.
MAX_SCALAR_NESTING = 32
# Merged operations (a wave's fetches to one subgraph as one request) kept, least recently used dropped.
# Each comes from a cached plan's wave, so as many as the plans kept covers steady traffic.
MAX_MERGED_OPERATIONS = 1_000
