"""Records made by ``record_from`` are the records their constructors make.

``record_from`` gives a new instance its values' dict in place of calling ``__init__`` (see
gateway.graph.record_building); these tests hold it to the constructor: every record each shipped
loader makes from the demo data, and the cases where it must leave the work to the constructor.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.db.tables import subject
from gateway.graph.record_building import record_from
from gateway.host.demo import seed
from gateway.testing import GatewayHarness


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=60)
    return gw


async def _every_record(gw: GatewayHarness) -> list[Any]:
    specs = gw.graph.loader_specs
    records: list[Any] = []
    async with gw.engine.connect() as conn:
        subject_ids = list((await conn.execute(sa.select(subject.c.id))).scalars())
        for source in gw.graph.composition.record_sources:
            found = await specs[source.loader].load(conn, subject_ids)
            records.extend(record for per_subject in found.values() for record in per_subject)
    return records


async def test_each_record_a_loader_makes_equals_its_constructors(seeded: GatewayHarness) -> None:
    records = await _every_record(seeded)
    kinds = {type(record).__name__ for record in records}
    # The demo data holds every record type of the shipped plugins' loaders but the broken commitment.
    assert kinds >= {
        "AdministrativePenalty",
        "AdministrativeLicense",
        "CreditListEntry",
        "TaxCreditRating",
        "MajorTaxViolation",
        "ConstructionQualification",
        "ConstructionConductRecord",
        "ConstructionBlacklistEntry",
        "UrbanInspection",
    }, kinds
    for record in records:
        made = type(record)(**vars(record))  # a key that is no field of __init__ would raise here
        assert vars(made) == vars(record)
        assert made == record


@dataclasses.dataclass
class _Plain:
    a: int
    b: str = "b"


@dataclasses.dataclass
class _Checked:
    a: int
    seen: list[int] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.seen.append(self.a)


@dataclasses.dataclass(slots=True)
class _Slotted:
    a: int


def test_every_field_given_skips_the_constructor_and_keeps_the_dict() -> None:
    values = {"a": 1, "b": "x"}
    made = record_from(_Plain, values)
    assert made == _Plain(1, "x") and vars(made) is values


def test_a_field_left_to_its_default_goes_through_the_constructor() -> None:
    assert vars(record_from(_Plain, {"a": 1})) == {"a": 1, "b": "b"}


def test_the_keywords_join_the_values() -> None:
    assert record_from(_Plain, {"a": 1}, b="y") == _Plain(1, "y")


def test_a_class_with_post_init_or_slots_is_constructed() -> None:
    assert record_from(_Checked, {"a": 3, "seen": []}).seen == [3]
    assert record_from(_Slotted, {"a": 2}) == _Slotted(2)


def test_a_missing_field_raises_as_the_constructor_does() -> None:
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        record_from(_Plain, {"b": "x"})
    with pytest.raises(TypeError, match="unexpected keyword argument 'c'"):
        record_from(_Plain, {"a": 1, "b": "x", "c": 0})
