"""The schema-driven fuzz (reliability/fuzzing.py) of
the audiences that only read (public, portal, partner),
on a seeded gateway of its own."""

from __future__ import annotations

import pytest

from gateway.auth.principal import Role
from reliability.fuzzing import READERS, ErrorLog, SeededGateway, error_log, fuzz_audience, gateway

__all__ = ["error_log", "gateway"]  # the fixtures this module's test uses


@pytest.mark.parametrize("role", READERS, ids=lambda role: role.value)
def test_generated_operations_never_crash(gateway: SeededGateway, error_log: ErrorLog, role: Role) -> None:
    fuzz_audience(gateway, error_log, role)
