"""``info.context.loaders.prime``: values a request has read already (with a join) are taken as loaded, so
neither ``load`` nor ``load_all`` asks the database for them; record loaders, whose values pass the record
filter, cannot be primed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import LoaderSpec, any_of, subject
from gateway.db.engine import count_statements
from gateway.host.demo import seed
from gateway.server.context import Loaders
from gateway.testing import GatewayHarness

NAMES = "test.names"
RECORDS = "test.records"


class NameLoader:
    def __init__(self) -> None:
        self.asked: list[list[int]] = []

    async def load(self, conn: AsyncConnection, keys: Sequence[int]) -> Mapping[int, str]:
        self.asked.append(list(keys))
        query = sa.select(subject.c.id, subject.c.name).where(any_of(subject.c.id, name="ids"))
        return {row.id: row.name for row in await conn.execute(query, {"ids": list(keys)})}


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=5)
    return gw


async def _subject_ids(gw: GatewayHarness) -> list[int]:
    async with gw.engine.connect() as conn:
        return list((await conn.scalars(sa.select(subject.c.id).order_by(subject.c.id).limit(3))).all())


async def test_primed_keys_are_not_read_again(seeded: GatewayHarness) -> None:
    names = NameLoader()
    loaders = Loaders({NAMES: LoaderSpec(NAMES, names.load, default=None)}, seeded.engine)
    first, second, third = await _subject_ids(seeded)
    loaders.prime(NAMES, {first: "primed one", second: "primed two"})
    with count_statements(seeded.engine) as counter:
        assert await loaders.load_all(NAMES, [first, second]) == ["primed one", "primed two"]
        assert await loaders.load(NAMES, second) == "primed two"  # the per-key DataLoader sees them too
    assert counter.count == 0 and names.asked == []
    # Only the key nobody primed is read, once for both ways of loading.
    found = await loaders.load_all(NAMES, [first, third])
    assert found[0] == "primed one" and found[1] and names.asked == [[third]]
    assert await loaders.load(NAMES, third) == found[1] and names.asked == [[third]]
    await loaders.close()


async def test_a_loaded_key_keeps_its_value(seeded: GatewayHarness) -> None:
    names = NameLoader()
    loaders = Loaders({NAMES: LoaderSpec(NAMES, names.load, default=None)}, seeded.engine)
    first, *_ = await _subject_ids(seeded)
    [loaded] = await loaders.load_all(NAMES, [first])
    loaders.prime(NAMES, {first: "something else"})
    assert await loaders.load_all(NAMES, [first]) == [loaded] and loaded != "something else"
    await loaders.close()


async def test_record_loaders_and_unknown_loaders_cannot_be_primed(gw: GatewayHarness) -> None:
    async def records(_conn: AsyncConnection, keys: Sequence[int]) -> Mapping[int, Any]:
        raise AssertionError("not read")

    loaders = Loaders(
        {RECORDS: LoaderSpec(RECORDS, records, default=())}, gw.engine, record_loaders=frozenset({RECORDS})
    )
    with pytest.raises(ValueError, match="record loader"):
        loaders.prime(RECORDS, {1: ()})
    with pytest.raises(KeyError, match=r"test\.unknown"):
        loaders.prime("test.unknown", {1: "x"})
    await loaders.close()
