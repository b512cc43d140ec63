"""A request's objects are freed when it ends, by reference counting, not left to the cyclic collector.

What a request loads (rows, records, the response's objects) used to hang off reference cycles (the
loaders and their batch closures; the observation, strawberry's execution context, our context and
the request): freed only by a collection some requests later, which cost about an eighth of a batch's
CPU and let a worker's memory climb under load. Counted with the collector off, so the test is exact.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gateway.graph.records import CreditRecord
from gateway.host.demo import demo_subjects, seed
from gateway.server.context import Loaders
from gateway.testing import GatewayHarness

BATCH = """query($c: [String!]!) { subjects(codes: $c) {
  name
  tax { latestRating { grade } majorViolations { documentNumber } isMajorViolator }
  urbanManagement { penalties { documentNumber } onBlackList }
  culture { licenses { documentTitle } greenChannel { eligible } }
  construction { qualifications { grade } isBlacklisted }
  records { id decisionDate } } }"""


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _alive(kind: type) -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, kind))


async def test_a_request_leaves_its_records_to_reference_counting(gw: GatewayHarness, collector_off: None) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    codes = [s.code.value for s in demo_subjects(30)]
    body = await gw.graphql(BATCH, {"c": codes})  # the first request builds the schema and its caches
    assert "errors" not in body, body
    records_before, loaders_before = _alive(CreditRecord), _alive(Loaders)

    body = await gw.graphql(BATCH, {"c": codes})

    assert "errors" not in body, body
    subjects = [subject for subject in body["data"]["subjects"] if subject is not None]
    assert sum(len(subject["records"]) for subject in subjects) > 30  # records were loaded
    # With the collector off, anything left in a cycle would still be alive here.
    assert _alive(CreditRecord) == records_before
    assert _alive(Loaders) == loaders_before
