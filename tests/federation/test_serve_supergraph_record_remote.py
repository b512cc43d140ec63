"""The query record covers remote fields (issue 13, part 4): the subjects remote subgraphs hand out are
written to the query_record table by the same recorder and append as local ones, their fields named
``field@subgraph`` so that the record names the subgraphs that served them, and each row names every
subgraph the request called; a response whose record cannot be written is withheld. Real Node subgraph,
real HTTP through the ASGI app, SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.db.tables import query_record
from gateway.db.tables import subject as subject_table
from gateway.features.audit.chain import chain_key, verify
from gateway.testing import GatewayHarness
from tests.federation.consent_harness import (
    BEIJING_JINGHUA,
    FUZHOU_MINDU,
    GROUPS,
    PURPOSE,
    Composed,
    composed,
    errors_at,
    post,
    serving,
)

EXPOSURE_FIELDS = "id@exposures,bank@exposures,amountYuan@exposures"


@pytest.fixture(scope="module")
async def setup() -> AsyncIterator[Composed]:
    async with composed() as done:
        yield done


@pytest.fixture
async def gw(setup: Composed, database_url: str | None, tmp_path: Path) -> AsyncIterator[GatewayHarness]:
    async with serving(setup, database_url, tmp_path) as harness:
        yield harness


async def rows_of(gw: GatewayHarness, client_name: str) -> list[Any]:
    async with gw.engine.connect() as conn:
        query = (
            sa.select(
                subject_table.c.display_code,
                query_record.c.role,
                query_record.c.field_groups,
                query_record.c.purpose,
                query_record.c.outcome,
                query_record.c.subgraphs,
            )
            .join(subject_table, subject_table.c.id == query_record.c.subject_id)
            .where(query_record.c.client_name == client_name)
            .order_by(query_record.c.id)
        )
        return list((await conn.execute(query)).all())


async def test_a_partner_s_remote_subjects_are_recorded_with_their_fields_and_subgraph(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", contract=GROUPS, name="remote bank")
    await gw.authorize(FUZHOU_MINDU, partner, groups=["exposures.amount"])
    body = await post(gw, "{ exposures { id bank amountYuan } }", partner, PURPOSE)
    assert errors_at(body) == {
        ("exposures", 1, "amountYuan"): "FORBIDDEN_FIELD",
        ("exposures", 2, "amountYuan"): "FORBIDDEN_FIELD",
    }
    # Both subjects on file were handed out (one with a field refused, as locally); the code nobody holds
    # has no row. The rows are chained like every other (the audit check below).
    # Only the exposures subgraph was called: the codes are looked up in the database, not the in-process graph.
    assert [tuple(r) for r in await rows_of(gw, "remote bank")] == [
        (FUZHOU_MINDU, "partner", EXPOSURE_FIELDS, "loan application", "VIEWED", "exposures"),
        (BEIJING_JINGHUA, "partner", EXPOSURE_FIELDS, "loan application", "VIEWED", "exposures"),
    ]
    checked = await verify(gw.engine, chain_key(gw.settings.secret_key))
    assert checked.intact and checked.records == 2


async def test_local_and_remote_fields_of_one_subject_are_one_row(
    gw: GatewayHarness, caplog: pytest.LogCaptureFixture
) -> None:
    department = await gw.create_key("department", domain="tax", name="tax office")
    with caplog.at_level(logging.INFO, logger="gateway.federation.record"):
        body = await post(gw, f'{{ subject(code: "{FUZHOU_MINDU}") {{ name exposures {{ bank }} }} }}', department)
    assert body == {
        "data": {"subject": {"name": "福州闽都信用示范科技有限公司", "exposures": [{"bank": "Bank of Fuzhou"}]}}
    }
    # One row per subject and request, as locally: the in-process subgraph's fields (set aside by its
    # extension), then the remote ones, the subject's exposures and the exposure it holds (about the same
    # subject) merged; naming both subgraphs the request called. The client did not select code: the
    # in-process root fetch selects it as the key the exposures are fetched by (and under the gateway's
    # own _cg_code alias for consent), and its record cannot tell those from a client's field. Not the
    # key an entity fetch asks back: the in-process subgraph is asked none (test_serve_supergraph_local.py).
    [row] = await rows_of(gw, "tax office")
    assert row.display_code == FUZHOU_MINDU and row.subgraphs == "credit-gateway,exposures"
    assert row.field_groups == "name,code,exposures@exposures,bank@exposures"
    [logged] = [r for r in caplog.records if r.name == "gateway.federation.record"]
    assert logged.subgraphs == ["credit-gateway", "exposures"]  # type: ignore[attr-defined]


async def test_the_public_is_not_recorded_and_the_portal_is(gw: GatewayHarness) -> None:
    assert "errors" not in await post(gw, "{ exposures { id } }")
    portal = await gw.create_key("portal", name="city portal")
    assert "errors" not in await post(gw, "{ exposures { id } }", portal)
    async with gw.engine.connect() as conn:
        roles = (await conn.execute(sa.select(query_record.c.role))).scalars().all()
    assert sorted(roles) == ["portal", "portal"]


async def test_a_response_whose_record_cannot_be_written_is_withheld(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin", name="auditor")
    async with gw.engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE query_record RENAME TO query_record_away"))
    try:
        body = await post(gw, "{ exposures { id amountYuan } }", admin)
    finally:
        async with gw.engine.begin() as conn:
            await conn.execute(sa.text("ALTER TABLE query_record_away RENAME TO query_record"))
    assert "data" not in body
    assert errors_at(body) == {(): "AUDIT_UNAVAILABLE"}
