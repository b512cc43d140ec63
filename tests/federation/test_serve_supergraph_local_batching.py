"""The in-process subgraph's entity fetches, as the federated gateway runs them: one SQL statement per
level of the local selection, however many representations the remote subgraph hands it (the "loans"
Node subgraph names its borrowers by subject code; gateway.federation.serving.transports runs their
``_entities`` fetch on the engine, in process)."""

from __future__ import annotations

from gateway.db.engine import count_statements
from gateway.testing import GatewayHarness
from tests.federation.test_serve_supergraph_local import gw, loans, post

__all__ = ["gw", "loans"]  # the served supergraph of itself and the loans, shared with that module


async def test_the_borrowers_of_all_loans_are_one_statement(gw: GatewayHarness) -> None:
    with count_statements(gw.engine) as counter:
        body = await post(gw, "{ loans { id borrower { code name } } }")
    borrowers = [loan["borrower"]["name"] for loan in body["data"]["loans"]]
    assert len(borrowers) == 3 and all(borrowers)
    assert counter.count == 1


async def test_each_further_level_of_the_borrowers_is_one_statement_more(gw: GatewayHarness) -> None:
    query = "{ loans { id borrower { code name tax { isMajorViolator ratings { year grade } } } } }"
    with count_statements(gw.engine) as counter:
        body = await post(gw, query)
    borrowers = [loan["borrower"] for loan in body["data"]["loans"]]
    assert len(borrowers) == 3 and all(len(b["tax"]["ratings"]) > 0 for b in borrowers)
    # The subjects, then the tax profiles of both borrowers (the loans name one of them twice).
    assert counter.count == 2
