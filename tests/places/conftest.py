"""Fixtures of the places tests: department keys bound to a division."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from gateway.auth.keys import bind_division
from gateway.testing import GatewayHarness

MakeDepartment = Callable[[str, str | None], Awaitable[str]]


@pytest.fixture
def department(gw: GatewayHarness) -> MakeDepartment:
    """``await department("tax", "350100")``: a new department key of the domain, bound to the division
    (None: left unbound, the whole platform)."""

    async def make(domain: str, division: str | None) -> str:
        key = await gw.create_key("department", domain=domain, name=f"{domain} {division or 'platform'}")
        if division is not None:
            assert await bind_division(gw.engine, await gw.client_id(key), division) is not None
        return key

    return make
