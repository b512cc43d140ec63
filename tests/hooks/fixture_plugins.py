"""Fixture plugins shared by the hook tests: a small domain ``hookfix`` modelled on the scaffold
(``credit-gateway plugin new``), built only from ``gateway.api`` as a third-party plugin would be.

Each test registers the plugin objects it needs, either as ``extra_plugins`` of the harness or, for
the command line (which loads only installed plugins), as a real entry point in a temporary
``*.dist-info`` directory put on ``sys.path``.
"""

from __future__ import annotations

import asyncio
import atexit
import sys
from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from stdnum.cn import uscc
from strawberry.types import Info
from typer.testing import CliRunner, Result

from gateway.api import (
    ENVELOPE_COLUMNS,
    MAX_NAME,
    NAMING_CONVENTION,
    CreatedRecord,
    CreditRecord,
    DemoContext,
    Envelope,
    ImportColumn,
    Importer,
    ItemError,
    ItemReader,
    LoaderSpec,
    MutationField,
    RecordKind,
    RecordSource,
    SubjectField,
    Submission,
    SubmissionPolicy,
    SubmissionResult,
    Validated,
    any_of,
    check_batch_size,
    credit_record,
    envelope_kwargs,
    hookimpl,
    keys_in,
    parse_date,
)
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness
from testsupport.postgres import throwaway_database, throwaway_database_async

DOMAIN = "hookfix"
LOADER = f"{DOMAIN}.records"
MIGRATIONS = Path(__file__).parent / "hookfix_migrations"
ANCHOR = "91350100M000100Y43"  # the first demo subject: every test seeds it
_BUREAU_BODY = "11350100MB0301234"
BUREAU = _BUREAU_BODY + uscc.calc_check_digit(_BUREAU_BODY)  # a valid source-unit code

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

hookfix_record = sa.Table(
    "hookfix_record",
    metadata,
    sa.Column("record_id", sa.Integer, sa.ForeignKey(credit_record.c.id), primary_key=True),
    sa.Column("note", sa.String(500), nullable=False),
)


@strawberry.type(description="A hookfix record.")
class HookfixRecord(CreditRecord):
    note: str


@strawberry.type
class HookfixProfile:
    records: list[HookfixRecord]


@strawberry.input
class HookfixRecordInput:
    subject_code: str
    subject_name: str
    document_number: str
    decision_date: date
    note: str
    source_unit: str
    source_unit_code: str


RECORDS_QUERY = (
    sa.select(*ENVELOPE_COLUMNS, hookfix_record.c.note)
    .join(hookfix_record, hookfix_record.c.record_id == credit_record.c.id)
    .where(credit_record.c.domain == DOMAIN, any_of(credit_record.c.subject_id, name="subject_ids"))
)


async def load_records(conn: AsyncConnection, subject_ids: Sequence[int]) -> Mapping[int, list[HookfixRecord]]:
    rows = await conn.execute(RECORDS_QUERY, {"subject_ids": list(subject_ids)})
    found: dict[int, list[HookfixRecord]] = {}
    for row in rows:
        found.setdefault(row.subject_id, []).append(HookfixRecord(**envelope_kwargs(row), note=row.note))
    return found


async def resolve_profile(root: Any, info: Info) -> HookfixProfile | None:
    return HookfixProfile(records=list(await info.context.loaders.load(LOADER, root.id)))


def _validate_one(reader: ItemReader, item: HookfixRecordInput, policy: SubmissionPolicy) -> Submission | None:
    code = reader.subject_code("subjectCode", item.subject_code, policy.uscc_allow_list)
    name = reader.string("subjectName", item.subject_name, MAX_NAME)
    note = reader.string("note", item.note, 500)
    source_unit = reader.string("sourceUnit", item.source_unit, MAX_NAME)
    source_unit_code = reader.uscc("sourceUnitCode", item.source_unit_code, policy.uscc_allow_list)
    if reader.failed or code is None:
        return None
    envelope = Envelope(
        domain=DOMAIN,
        record_type="HookfixRecord",
        category="HOOKFIX_RECORD",
        polarity="NEGATIVE",
        severity="GENERAL",
        decision_date=item.decision_date,
        document_number=item.document_number,
        deciding_authority=source_unit,
        deciding_authority_code=None,
        source_unit=source_unit,
        source_unit_code=source_unit_code,
    )
    return Submission(
        subject_code=code,
        subject_name=name,
        subject_kind=code.default_kind,
        envelope=envelope,
        key=(source_unit_code, item.document_number),
        fingerprint=(note, item.decision_date),
        detail={"note": note},
    )


def validate_records(inputs: Sequence[HookfixRecordInput], policy: SubmissionPolicy) -> Validated:
    errors: list[ItemError] = []
    items = [_validate_one(ItemReader(i, errors), item, policy) for i, item in enumerate(inputs)]
    return Validated(items, errors)


async def _find_existing(conn: AsyncConnection, keys: Sequence[Hashable]) -> Mapping[Hashable, tuple[int, Hashable]]:
    columns = (credit_record.c.source_unit_code, credit_record.c.document_number)
    rows = await conn.execute(
        sa.select(credit_record.c.id, *columns, credit_record.c.decision_date, hookfix_record.c.note)
        .join(hookfix_record, hookfix_record.c.record_id == credit_record.c.id)
        .where(keys_in(columns, keys))
    )
    wanted = set(keys)
    return {
        (r.source_unit_code, r.document_number): (r.id, (r.note, r.decision_date))
        for r in rows
        if (r.source_unit_code, r.document_number) in wanted
    }


async def _write_details(conn: AsyncConnection, created: Sequence[CreatedRecord]) -> None:
    await conn.execute(hookfix_record.insert(), [{"record_id": c.record_id, **c.submission.detail} for c in created])


RECORDS = RecordKind("records", validate_records, _find_existing, _write_details)


async def submit_records(info: Info, records: list[HookfixRecordInput]) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(records), settings.max_submission_items)
    results = await RECORDS.submit(info.context.engine, records, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


# Chinese headings as a department would export them; the test files use these.
COLUMNS = (
    ImportColumn("subject_code", ("统一社会信用代码",)),
    ImportColumn("subject_name", ("主体名称",)),
    ImportColumn("document_number", ("文书号",)),
    ImportColumn("decision_date", ("决定日期",), parse=parse_date),
    ImportColumn("note", ("备注",)),
    ImportColumn("source_unit", ("数据来源单位",)),
    ImportColumn("source_unit_code", ("数据来源单位统一社会信用代码",)),
)


def record_input(subject_code: str, subject_name: str, number: int, note: str) -> dict[str, Any]:
    """The GraphQL input (camelCase) of one record, decided a month ago (inside its publicity window)."""
    return {
        "subjectCode": subject_code,
        "subjectName": subject_name,
        "documentNumber": f"HF-{number:04d}",
        "decisionDate": (china_today() - timedelta(days=30)).isoformat(),
        "note": note,
        "sourceUnit": "福州市测试局",
        "sourceUnitCode": BUREAU,
    }


DEMO_RECORDS = 3  # how many records seed_demo_data writes, one for each of the first organisations


class TablesPlugin:
    """The domain's table and the Alembic revisions that create it."""

    @hookimpl
    def tables(self) -> Sequence[sa.Table]:
        return [hookfix_record]

    @hookimpl
    def migrations(self) -> Path:
        return MIGRATIONS


class RecordsPlugin(TablesPlugin):
    """The whole domain: records written by a mutation, an importer or demo seeding, read through
    ``CreditSubject.hookfix`` and ``CreditSubject.records``."""

    def __init__(self) -> None:
        self.seeded: list[DemoContext] = []  # each call of seed_demo_data, so a test can see it ran

    @hookimpl
    def graphql_types(self) -> Sequence[type]:
        return [HookfixRecord]

    @hookimpl
    def loaders(self) -> Sequence[LoaderSpec]:
        return [LoaderSpec(LOADER, load_records, default=())]

    @hookimpl
    def record_sources(self) -> Sequence[RecordSource]:
        return [RecordSource(domain=DOMAIN, loader=LOADER)]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.hookfix": "public", "HookfixProfile": "public", "HookfixRecord": "public"}

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("hookfix", resolve_profile, "The subject's hookfix records.")]

    @hookimpl
    def mutation_fields(self) -> Sequence[MutationField]:
        return [MutationField("submitHookfixRecords", submit_records, "Submit hookfix records (idempotent).")]

    @hookimpl
    def importers(self) -> Sequence[Importer]:
        return [Importer("records", RECORDS, COLUMNS, HookfixRecordInput, "hookfix records")]

    @hookimpl
    async def seed_demo_data(self, demo: DemoContext) -> None:
        self.seeded.append(demo)
        organisations = [s for s in demo.subjects if not s.code.is_natural_person][:DEMO_RECORDS]
        inputs = [
            HookfixRecordInput(
                subject_code=s.code.value,
                subject_name=s.name,
                document_number=f"HF-DEMO-{n}",
                decision_date=demo.today - timedelta(days=30 + demo.rng(DOMAIN).randrange(300)),
                note=f"demo record {n}",
                source_unit="福州市测试局",
                source_unit_code=BUREAU,
            )
            for n, s in enumerate(organisations)
        ]
        await RECORDS.submit(demo.engine, inputs, SubmissionPolicy(secret_key=demo.secret_key, today=demo.today))


records_plugin = RecordsPlugin()  # what the temporary entry point names


@asynccontextmanager
async def started(
    database_url: str | None, *plugins: tuple[str, Any], **settings: Any
) -> AsyncIterator[GatewayHarness]:
    """The real gateway with only ``plugins`` on a migrated, empty database, the demo subjects in it.

    On PostgreSQL the database is a new one, dropped afterwards: the fixture plugins' tables (with
    foreign keys to the core's) must not outlive the test in the session's shared database."""
    from gateway.host.demo import demo_subjects, seed_subjects

    async with AsyncExitStack() as stack:
        if database_url is not None:
            database_url = await stack.enter_async_context(throwaway_database_async(database_url, "cg_hooks"))
        gw = await stack.enter_async_context(
            GatewayHarness.start(
                plugins=[name for name, _ in plugins], database_url=database_url, extra_plugins=plugins, **settings
            )
        )
        gw.clock.travel_to(china_today())
        await seed_subjects(gw.engine, demo_subjects(20), gw.settings.secret_key)
        yield gw


def install_entry_point(monkeypatch: pytest.MonkeyPatch, where: Path, name: str, attribute: str) -> None:
    """Make ``name`` an installed plugin, as ``pip install`` would: a ``*.dist-info`` with an entry
    point of the group ``credit_gateway`` naming ``attribute`` of this module, on ``sys.path``."""
    module = sys.modules[__name__].__name__  # whatever name pytest imported this module under
    info = where / f"{name}_fixture-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-fixture\nVersion: 0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[credit_gateway]\n{name} = {module}:{attribute}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(where))


def cli_database(backend: str, database_url: str | None, tmp_path: Path) -> str:
    """A database of its own for the command line: a new SQLite file, or a new PostgreSQL database on
    the session's server, dropped when the session ends. Its own, because ``db upgrade`` of this
    domain leaves a table with a foreign key to ``credit_record`` that would stop later tests from
    downgrading the session's database."""
    if backend != "postgres" or database_url is None:
        return f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    databases = ExitStack()
    atexit.register(databases.close)  # dropped when the session ends: the command line's runs are done by then
    return databases.enter_context(throwaway_database(database_url, "cg_hooks"))


def count_rows(url: str, table: str) -> int:
    """How many rows ``table`` holds (the command line runs its own event loop, so tests are sync)."""
    from gateway.db.engine import create_engine

    async def count() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


def table_columns(url: str, table: str) -> dict[str, bool]:
    """The columns of ``table`` as the database has them: name -> nullable (empty when there is no table)."""
    from gateway.db.engine import create_engine

    async def inspect_table() -> dict[str, bool]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: (
                        {c["name"]: c["nullable"] for c in sa.inspect(sync).get_columns(table)}
                        if sa.inspect(sync).has_table(table)
                        else {}
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(inspect_table())


def cli(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """``credit-gateway ARGS`` in this process (so that the temporary entry point is seen)."""
    from gateway.cli.main import app

    return CliRunner().invoke(app, list(args), env=dict(env or {}), catch_exceptions=False)
