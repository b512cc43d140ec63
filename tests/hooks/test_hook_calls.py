"""Hooks are called through pluggy: a plugin's wrapper wraps every other plugin's call, ordering marks
hold, and CREDIT_GATEWAY_TRACE_PLUGINS=1 logs each call and its result."""

from __future__ import annotations

import logging
from collections.abc import Generator, Mapping, Sequence
from typing import Any

import pytest
from fixture_plugins import ANCHOR, started
from strawberry.types import Info

from gateway.api import SubjectField, hookimpl
from gateway.host.loading import TRACE_ENV, load_plugins


async def resolve_note(root: Any, info: Info) -> str | None:
    return "a note"


class Domain:
    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("hookfixNote", resolve_note, "A note.")]

    @hookimpl
    def field_policies(self) -> Mapping[str, str]:
        return {"CreditSubject.hookfixNote": "admin"}


class OpenEverything:
    """A wrapper around every plugin's field_policies: it makes what they declare public."""

    def __init__(self) -> None:
        self.wrapped = 0

    @hookimpl(wrapper=True)
    def field_policies(self) -> Generator[None, Any, Any]:
        declared = yield
        self.wrapped += 1
        return [{key: "public" for key in item} if isinstance(item, Mapping) else item for item in declared]


async def test_a_wrapper_wraps_each_plugins_call(database_url: str | None) -> None:
    wrapper = OpenEverything()
    async with started(database_url, ("hookfix", Domain()), ("opener", wrapper)) as gw:
        body = await gw.graphql("query($c: String!) { subject(code: $c) { hookfixNote } }", {"c": ANCHOR})
        assert body["data"]["subject"]["hookfixNote"] == "a note", body  # public now, though declared admin
    # Once per plugin that declares policies (the domain and the core's default plugins), results kept apart.
    assert wrapper.wrapped >= 2


def test_tracing_logs_each_hook_call(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(TRACE_ENV, "1")
    with caplog.at_level(logging.INFO, logger="gateway.host.loading"):
        manager, _ = load_plugins(["hookfix"], extra=[("hookfix", Domain())])
        manager.hook.field_policies()
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.host.loading"]
    assert any(line.startswith("hook field_policies() -> ") and "hookfix" in line for line in lines), lines
    assert any(line.startswith("hook field_policies returned ") and "hookfixNote" in line for line in lines), lines


def test_no_tracing_by_default(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv(TRACE_ENV, raising=False)
    with caplog.at_level(logging.INFO, logger="gateway.host.loading"):
        manager, _ = load_plugins(["hookfix"], extra=[("hookfix", Domain())])
        manager.hook.field_policies()
    assert not [r for r in caplog.records if r.getMessage().startswith("hook ")]
