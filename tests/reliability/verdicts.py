"""Judging a response (crash or answer) and reporting the crashes, grouped, with the smallest case each.

A crash: HTTP status >= 500, a body that is not a JSON object, an error without ``extensions.code``,
or the code INTERNAL_SERVER_ERROR (the error policy's word for an exception nobody expected).
A refusal with a stable code, however the operation was garbled, is an answer.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import graphql
import httpx

from gateway.kernel.errors import INTERNAL_SERVER_ERROR
from reliability.seeded_gateway import Caller

SHOWN_TRACEBACK_LINES = 30


def crash_of(response: httpx.Response) -> str | None:
    """What is wrong with the response, or None when it is a proper answer."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        body: Any = response.json()
    except ValueError:
        return f"HTTP {response.status_code} with a body that is not JSON"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code} with a JSON {type(body).__name__}, not an object"
    errors = body.get("errors") or []
    if not isinstance(errors, list):
        return "errors is not a list"
    for error in errors:
        code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
        if not code:
            return f"error without extensions.code: {error!r}"[:300]
        if code == INTERNAL_SERVER_ERROR:
            return f"INTERNAL_SERVER_ERROR at {error.get('path')}"
    return None


class ErrorLog(logging.Handler):
    """Keeps the tracebacks the app logs; the requests go one at a time, so what arrives between
    a request's start and its answer is that request's."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))

    def since(self, mark: int) -> str:
        return "\n".join(self.records[mark:])


@dataclass
class Crash:
    audience: str
    what: str
    operation: str
    variables: dict[str, Any]
    caller: Caller
    log: str
    narrowed: bool = False  # a generated operation cut down to one root field, for the report

    @property
    def signature(self) -> tuple[str, str, str]:
        """Crashes with the same cause: what went wrong, where, and the exception's last line."""
        where = self.what.split(" at ", 1)[-1] if " at " in self.what else ""
        exception = next((line for line in reversed(self.log.splitlines()) if line and not line[0].isspace()), "")
        kind = self.what.split(" at ", 1)[0]
        return kind, _root_path(where), exception


def _root_path(path: str) -> str:
    """``['_entities', 0, 'records']`` → ``_entities``: the root field is where a crash starts."""
    return path.strip("[]").split(",", 1)[0].strip(" '\"")


def single_root_fields(operation: str) -> list[str]:
    """The operation cut down to each of its root fields alone, shortest first."""
    document = graphql.parse(operation)
    definition = document.definitions[0]
    assert isinstance(definition, graphql.OperationDefinitionNode)
    roots = definition.selection_set.selections
    if len(roots) < 2:
        return []
    cuts = [
        graphql.print_ast(
            graphql.DocumentNode(
                definitions=(replace_selections(definition, graphql.SelectionSetNode(selections=(root,))),)
            )
        )
        for root in roots
    ]
    return sorted(cuts, key=len)


def replace_selections(
    definition: graphql.OperationDefinitionNode, selections: graphql.SelectionSetNode
) -> graphql.OperationDefinitionNode:
    return graphql.OperationDefinitionNode(
        operation=definition.operation,
        name=definition.name,
        variable_definitions=definition.variable_definitions,
        directives=definition.directives,
        selection_set=selections,
    )


@dataclass
class CrashReport:
    crashes: list[Crash] = field(default_factory=list)

    def add(self, crash: Crash) -> None:
        self.crashes.append(crash)

    def __bool__(self) -> bool:
        return bool(self.crashes)

    def groups(self) -> dict[tuple[str, str, str], list[Crash]]:
        grouped: dict[tuple[str, str, str], list[Crash]] = defaultdict(list)
        for crash in self.crashes:
            grouped[crash.signature].append(crash)
        return grouped

    def narrow(self, resend: Callable[[Crash, str], Crash | None]) -> None:
        """For each cause, try its smallest operation cut down to one root field: the first cut that
        crashes the same way becomes the example shown (``resend`` sends it as the same caller)."""
        for signature, members in self.groups().items():
            inline = [crash for crash in members if not crash.variables]
            if not inline:
                continue  # cutting root fields would leave variables unused, an error of its own
            smallest = min(inline, key=lambda crash: len(crash.operation))
            for cut in single_root_fields(smallest.operation):
                again = resend(smallest, cut)
                if again is not None and again.signature == signature:
                    self.crashes.append(replace(again, narrowed=True))
                    break

    def render(self) -> str:
        groups = self.groups()
        total = sum(not crash.narrowed for crash in self.crashes)
        parts = [f"{total} crashing operations, {len(groups)} distinct causes:"]
        for (kind, root, exception), members in sorted(groups.items(), key=lambda item: -len(item[1])):
            smallest = min(members, key=lambda crash: len(crash.operation) + len(repr(crash.variables)))
            tail = "\n".join(smallest.log.splitlines()[-SHOWN_TRACEBACK_LINES:]) or "(nothing logged)"
            count = sum(not member.narrowed for member in members)
            parts.append(
                f"\n=== {count}x {kind} at {root or '-'}: {exception or '?'}"
                f"\naudiences: {sorted({m.audience for m in members})}; smallest ({smallest.audience},"
                f" headers {dict(smallest.caller.headers)}):\n{smallest.operation}"
                + (f"\nvariables: {smallest.variables!r}"[:2_000] if smallest.variables else "")
                + f"\n--- log:\n{tail}"
            )
        return "\n".join(parts)
