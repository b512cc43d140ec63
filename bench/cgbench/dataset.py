"""Bench databases on PostgreSQL: the demo data, then generated subjects whose records are clones of
demo records.

Cloning keeps every row valid by construction: the demo records went through the product's own
submission path (validation, idempotency keys, detail rows), so a clone differs only where a
constraint demands it (its id, its subject, a document-number suffix for the (source unit, document)
key, the rating's subject id for the (subject, year) key). Subjects are COPYed with the same HMAC
lookup hash the gateway computes (gateway.kernel.identifiers.lookup_hash), then records are written by
INSERT ... SELECT over generate_series, which makes a million subjects a matter of minutes.

A finished database carries its spec as the database's COMMENT; a later run whose spec matches
reuses it instead of building it again.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import asyncpg
from gateway.kernel.identifiers import CodeType, SubjectCode, lookup_hash
from stdnum.cn import uscc

from cgbench import config
from cgbench.util import log, product_env

GENERATOR_VERSION = 4
RECORD_SLOTS = 20  # record ids per generated subject: base + ordinal * RECORD_SLOTS + template position
CHUNK = 100_000  # subjects per COPY batch and per INSERT ... SELECT statement

# Template sets: 0 for ordinary subjects (5 records), 1 and 2 for profile subjects (20 records),
# which differ only in their culture list entry (red list: a green channel; black list: fills the
# published culture black list that W3 pages through).
ORDINARY, PROFILE_RED, PROFILE_BLACK = 0, 1, 2

# (set, what) -> how many; `what` names a query in TEMPLATE_QUERIES.
_PROFILE = {
    "tax_rating_2023": 1, "tax_rating_2024": 1, "tax_rating_2025": 1, "tax_violation": 1,
    "urban_penalty": 2, "urban_license": 1, "urban_inspection": 2, "urban_red": 1,
    "culture_penalty": 2, "culture_license": 2,
    "construction_qualification": 2, "construction_good": 1, "construction_bad": 1, "construction_blacklist": 1,
}  # fmt: skip
TEMPLATE_SETS: dict[int, dict[str, int]] = {
    ORDINARY: {
        "tax_rating_2024": 1,
        "tax_rating_2025": 1,
        "urban_penalty": 1,
        "culture_license": 1,
        "construction_qualification": 1,
    },
    PROFILE_RED: {**_PROFILE, "culture_red": 1},
    PROFILE_BLACK: {**_PROFILE, "culture_black": 1},
}

_CURRENT_LIST = "(l.removal_date IS NULL OR l.removal_date > CURRENT_DATE)"
TEMPLATE_QUERIES: dict[str, str] = {
    **{
        f"tax_rating_{year}": "SELECT r.id FROM credit_record r JOIN tax_credit_rating t ON t.record_id = r.id "
        f"WHERE t.year = {year}"
        for year in (2023, 2024, 2025)
    },
    "tax_violation": "SELECT r.id FROM credit_record r JOIN tax_major_violation v ON v.record_id = r.id WHERE true",
    "urban_penalty": "SELECT r.id FROM credit_record r JOIN admin_penalty p ON p.record_id = r.id "
    "WHERE r.domain = 'urban_management'",
    "urban_license": "SELECT r.id FROM credit_record r JOIN admin_license p ON p.record_id = r.id "
    "WHERE r.domain = 'urban_management'",
    "urban_inspection": "SELECT r.id FROM credit_record r JOIN urban_inspection i ON i.record_id = r.id WHERE true",
    "urban_red": "SELECT r.id FROM credit_record r JOIN credit_list_entry l ON l.record_id = r.id "
    f"WHERE r.domain = 'urban_management' AND l.list_type = 'RED' AND {_CURRENT_LIST}",
    "culture_penalty": "SELECT r.id FROM credit_record r JOIN admin_penalty p ON p.record_id = r.id "
    "WHERE r.domain = 'culture'",
    "culture_license": "SELECT r.id FROM credit_record r JOIN admin_license p ON p.record_id = r.id "
    "WHERE r.domain = 'culture'",
    "culture_red": "SELECT r.id FROM credit_record r JOIN credit_list_entry l ON l.record_id = r.id "
    f"WHERE r.domain = 'culture' AND l.list_type = 'RED' AND {_CURRENT_LIST}",
    "culture_black": "SELECT r.id FROM credit_record r JOIN credit_list_entry l ON l.record_id = r.id "
    f"WHERE r.domain = 'culture' AND l.list_type = 'BLACK' AND {_CURRENT_LIST}",
    "construction_qualification": "SELECT r.id FROM credit_record r "
    "JOIN construction_qualification q ON q.record_id = r.id WHERE q.valid_until > CURRENT_DATE",
    "construction_good": "SELECT r.id FROM credit_record r JOIN construction_conduct c ON c.record_id = r.id "
    "WHERE c.conduct = 'GOOD'",
    "construction_bad": "SELECT r.id FROM credit_record r JOIN construction_conduct c ON c.record_id = r.id "
    "WHERE c.conduct = 'BAD'",
    "construction_blacklist": "SELECT r.id FROM credit_record r JOIN construction_blacklist b ON b.record_id = r.id "
    "WHERE b.removal_due > CURRENT_DATE",
}

# Detail tables and their columns besides record_id; a clone copies them from its template row.
DETAIL_TABLES = (
    "tax_credit_rating", "tax_major_violation", "admin_penalty", "admin_license", "credit_list_entry",
    "urban_inspection", "construction_qualification", "construction_conduct", "construction_blacklist",
)  # fmt: skip
ENVELOPE = (
    "domain", "record_type", "category", "polarity", "severity", "decision_date", "deciding_authority",
    "deciding_authority_code", "source_unit", "source_unit_code", "status",
)  # fmt: skip

_DIVISIONS = ("350100", "350102", "350203", "110105", "110108", "310115", "320102", "330106", "440305", "510107")
_PLACES = {"35": "福州", "11": "北京", "31": "上海", "32": "南京", "33": "杭州", "44": "深圳", "51": "成都"}
_WORDS = ("闽江", "海峡", "鼓楼", "榕城", "华信", "恒达", "东方", "新世纪", "长安", "瑞丰", "金桥", "宏远", "博雅")
_TRADES = ("建设工程", "商贸", "文化传媒", "餐饮管理", "物流", "科技", "广告", "环境卫生", "建材", "物业服务")
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True, slots=True)
class Spec:
    """What a bench database holds; stored as its COMMENT so that a matching one is reused."""

    generator: int
    subjects: int  # generated, besides the demo's
    profile_subjects: int
    secret_key_hint: str

    @classmethod
    def of(cls, subjects: int, profile_subjects: int) -> Spec:
        return cls(GENERATOR_VERSION, subjects, profile_subjects, config.SECRET_KEY[-4:])


@dataclass(frozen=True, slots=True)
class Dataset:
    """A ready bench database and the subjects the workloads ask for."""

    database: str
    url: str
    subjects: int  # in the database, demo included
    records: int
    profile_codes: list[str]  # subjects with 20 records (set PROFILE_RED first)
    ordinary_codes: list[str]  # subjects with 5 records
    built_seconds: float | None  # None: reused


def generated_code(k: int) -> str:
    """The k-th generated USCC: a registered enterprise (91), a demo division, and an organisation code
    spelling k in the USCC alphabet (unique by construction), with its check character.

    The organisation code starts with a letter: the gateway reads a code of 17 digits and an X as a
    resident ID number only, so a USCC whose check character happens to be X would be refused.
    """
    digits = []
    n = k
    for _ in range(8):
        n, d = divmod(n, 31)
        digits.append(_ALPHABET[d])
    body = "91" + _DIVISIONS[k % len(_DIVISIONS)] + "M" + "".join(reversed(digits))
    return body + uscc.calc_check_digit(body)


def generated_name(k: int, code: str) -> str:
    return (
        f"{_PLACES.get(code[2:4], '')}{_WORDS[k % len(_WORDS)]}{_WORDS[(k // 13) % len(_WORDS)]}"
        f"{_TRADES[(k // 169) % len(_TRADES)]}有限公司"
    )


def template_set(k: int, step: int) -> int:
    if k % step:
        return ORDINARY
    return PROFILE_RED if (k // step) % 2 == 0 else PROFILE_BLACK


async def ensure(cfg: config.Config, database: str, subjects: int) -> Dataset:
    """The bench database ``database`` with ``subjects`` generated subjects, built unless a matching
    one exists."""
    spec = Spec.of(subjects, cfg.profile_subjects)
    admin = await asyncpg.connect(config.PG_ADMIN_DSN)
    try:
        comment = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", database
        )
    finally:
        await admin.close()
    started = time.monotonic()
    reused = comment is not None and _spec_matches(comment, spec) and migrate(cfg, database)
    if not reused:
        await _build(cfg, database, spec)
    return await _describe(cfg, database, spec, None if reused else time.monotonic() - started)


def _spec_matches(comment: str, spec: Spec) -> bool:
    try:
        return json.loads(comment).get("spec") == asdict(spec)
    except ValueError:
        return False


def migrate(cfg: config.Config, database: str) -> bool:
    """The product may have gained migrations since the database was built: apply them, as a
    deployment would; False when that fails (the database is then built again)."""
    url = cfg.pg_url(database)
    status = subprocess.run(
        ["credit-gateway", "db", "status"], env=product_env(url), capture_output=True, text=True, check=False
    )
    if status.returncode == 0:
        return True
    log(f"{database} is behind the product's migrations; upgrading it")
    upgrade = subprocess.run(
        ["credit-gateway", "db", "upgrade"], env=product_env(url), capture_output=True, text=True, check=False
    )
    return upgrade.returncode == 0


async def _build(cfg: config.Config, database: str, spec: Spec) -> None:
    log(f"building {database}: demo data + {spec.subjects:,} generated subjects")
    admin = await asyncpg.connect(config.PG_ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    url = cfg.pg_url(database)
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run(
            ["credit-gateway", *command, "--database-url", url],
            env=product_env(url),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    conn = await asyncpg.connect(cfg.pg_dsn(database))
    try:
        await _generate(conn, spec)
        await conn.execute("ANALYZE")
        marker = {"spec": asdict(spec), "built_at": datetime.now(UTC).isoformat(timespec="seconds")}
        await conn.execute(f"COMMENT ON DATABASE \"{database}\" IS '{json.dumps(marker)}'")
    finally:
        await conn.close()


async def _generate(conn: asyncpg.Connection, spec: Spec) -> None:
    templates = await _templates(conn)
    first_subject = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM subject")
    first_record = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM credit_record")
    step = max(1, spec.subjects // spec.profile_subjects)
    await conn.execute("CREATE TEMP TABLE tmpl (set_id int, ord int, record_id int)")
    await conn.copy_records_to_table("tmpl", records=templates)
    # Clones are valid by construction; skipping the foreign-key triggers of the bulk insert saves
    # most of its time (the constraints stay declared and are checked for every later write).
    await conn.execute("SET session_replication_role = replica")
    for start in range(0, spec.subjects, CHUNK):
        stop = min(start + CHUNK, spec.subjects)
        began = time.monotonic()
        await conn.copy_records_to_table(
            "subject",
            records=_subject_rows(start, stop, first_subject),
            columns=["id", "lookup_hash", "code_type", "display_code", "name", "kind"],
        )
        await _clone_records(conn, start, stop, step, first_subject, first_record)
        log(f"  subjects {stop:,}/{spec.subjects:,} ({time.monotonic() - began:.1f}s)")
    await conn.execute("SET session_replication_role = DEFAULT")
    await conn.execute("SELECT setval('subject_id_seq', (SELECT max(id) FROM subject))")
    await conn.execute("SELECT setval('credit_record_id_seq', (SELECT max(id) FROM credit_record))")


async def _templates(conn: asyncpg.Connection) -> list[tuple[int, int, int]]:
    """(set, position, demo record id) for every template slot, the first matching demo records by id."""
    rows: list[tuple[int, int, int]] = []
    for set_id, wanted in TEMPLATE_SETS.items():
        position = 0
        for what, count in wanted.items():
            ids = await conn.fetch(f"{TEMPLATE_QUERIES[what]} AND r.status = 'ACTIVE' ORDER BY r.id LIMIT {count}")
            if len(ids) < count:
                raise RuntimeError(f"the demo data has fewer than {count} records for template {what!r}")
            for row in ids:
                rows.append((set_id, position, row["id"]))
                position += 1
        if position > RECORD_SLOTS:
            raise RuntimeError(f"template set {set_id} has {position} records, more than {RECORD_SLOTS} slots")
    return rows


def _subject_rows(start: int, stop: int, first_subject: int) -> Iterator[tuple[int, str, str, str, str, str]]:
    for k in range(start, stop):
        code = generated_code(k)
        digest = lookup_hash(SubjectCode(code, CodeType.USCC), config.SECRET_KEY)
        yield first_subject + k, digest, "USCC", code, generated_name(k, code), "LEGAL_PERSON"


async def _clone_records(
    conn: asyncpg.Connection, start: int, stop: int, step: int, first_subject: int, first_record: int
) -> None:
    # Subject k gets template set template_set(k, step); its records get ids first_record + k * SLOTS + ord.
    clones = f"""
        SELECT k, t.ord, t.record_id, {first_record} + k * {RECORD_SLOTS} + t.ord AS new_id
        FROM generate_series({start}, {stop - 1}) AS k
        JOIN tmpl t ON t.set_id = CASE WHEN k % {step} <> 0 THEN {ORDINARY}
                                       WHEN (k / {step}) % 2 = 0 THEN {PROFILE_RED} ELSE {PROFILE_BLACK} END
    """
    envelope = ", ".join(ENVELOPE)
    await conn.execute(f"""
        INSERT INTO credit_record (id, subject_id, document_number, {envelope})
        SELECT c.new_id, {first_subject} + c.k,
               CASE WHEN r.document_number IS NULL THEN NULL ELSE r.document_number || '-' || c.k END,
               {", ".join(f"r.{column}" for column in ENVELOPE)}
        FROM ({clones}) c JOIN credit_record r ON r.id = c.record_id
    """)
    for table in DETAIL_TABLES:
        columns = [
            name
            for name in await conn.fetchval(
                "SELECT array_agg(column_name::text ORDER BY ordinal_position) FROM information_schema.columns "
                "WHERE table_name = $1 AND column_name <> 'record_id'",
                table,
            )
        ]
        values = [f"{first_subject} + c.k" if name == "subject_id" else f"d.{name}" for name in columns]
        await conn.execute(f"""
            INSERT INTO {table} (record_id, {", ".join(columns)})
            SELECT c.new_id, {", ".join(values)}
            FROM ({clones}) c JOIN {table} d ON d.record_id = c.record_id
        """)


async def _describe(cfg: config.Config, database: str, spec: Spec, built: float | None) -> Dataset:
    conn = await asyncpg.connect(cfg.pg_dsn(database))
    try:
        subjects = await conn.fetchval("SELECT count(*) FROM subject")
        records = await conn.fetchval("SELECT count(*) FROM credit_record")
    finally:
        await conn.close()
    step = max(1, spec.subjects // spec.profile_subjects)
    profile = [k for k in range(0, spec.subjects, step)]
    profile.sort(key=lambda k: template_set(k, step))  # the red-list profiles first
    ordinary = [k for k in range(spec.subjects) if k % step][:1_000]
    return Dataset(
        database=database,
        url=cfg.pg_url(database),
        subjects=subjects,
        records=records,
        profile_codes=[generated_code(k) for k in profile],
        ordinary_codes=[generated_code(k) for k in ordinary],
        built_seconds=built,
    )
