"""Crashes the schema fuzz found, each pinned by its smallest operation once fixed."""

from __future__ import annotations

from gateway.host.demo import seed
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"


async def test_the_same_subject_twice_in_one_batch_reads_its_records_twice(gw: GatewayHarness) -> None:
    # Both entries await the same pending load: the second awaited it while the first's eager
    # resolver still held it marked as blocking, and got "await wasn't used with future".
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=8)
    admin = await gw.create_key("admin")
    body = await gw.graphql(
        "query($c: [String!]!) { subjects(codes: $c) { code records { id domain } } }",
        {"c": [SHOWCASE, SHOWCASE]},
        key=admin,
    )
    assert error_codes(body) == []
    first, second = body["data"]["subjects"]
    assert first["records"] and first == second
