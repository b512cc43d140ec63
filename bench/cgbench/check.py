"""Before any load: every side answers every workload once with 200, no errors, and the same data.

A benchmark of an error page, or of a peer that returns less than we do, would be worthless; so
each side's JSON must equal ours (the floor's too), or the run stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from cgbench.workloads import Workload


@dataclass(frozen=True, slots=True)
class Side:
    """One system under load: where to send a workload's body, and which processes are it."""

    key: str  # ours, apollo, hive, floor
    label: str
    port: int
    floor: bool = False  # the floor takes /w1 … instead of /graphql

    def url(self, workload: Workload) -> str:
        path = f"/{workload.key}" if self.floor else "/graphql"
        return f"http://127.0.0.1:{self.port}{path}"


class CheckFailed(RuntimeError):
    pass


def check(sides: list[Side], workloads: list[Workload]) -> dict[str, dict[str, int]]:
    """Compare every side's response with ours; returns the response sizes in bytes."""
    sizes: dict[str, dict[str, int]] = {}
    with httpx.Client(timeout=30) as client:
        for workload in workloads:
            sizes[workload.key] = same_answers(client, sides, workload)
    return sizes


def same_answers(client: httpx.Client, sides: list[Side], workload: Workload) -> dict[str, int]:
    """Send the workload's body to every side; each answer must equal the first side's. Returns the
    response sizes in bytes by side."""
    sizes: dict[str, int] = {}
    reference: Any = None
    for side in sides:
        response = client.post(side.url(workload), content=workload.body, headers={"content-type": "application/json"})
        body = _ok(side, workload, response)
        sizes[side.key] = len(response.content)
        if reference is None:
            reference = body
        elif body != reference:
            raise CheckFailed(f"{workload.key}: {side.label} differs from {sides[0].label}: {_diff(reference, body)}")
    return sizes


def _ok(side: Side, workload: Workload, response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise CheckFailed(f"{workload.key}: {side.label} answered {response.status_code}: {response.text[:300]}")
    body = orjson.loads(response.content)
    if body.get("errors"):
        raise CheckFailed(f"{workload.key}: {side.label} answered errors: {str(body['errors'])[:300]}")
    if not body.get("data") or any(value is None for value in body["data"].values()):
        raise CheckFailed(f"{workload.key}: {side.label} answered no data: {response.text[:300]}")
    return body


def _diff(expected: Any, actual: Any, path: str = "") -> str:
    """The first path where two JSON values differ, for the failure message."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected.keys() | actual.keys():
            if expected.get(key) != actual.get(key):
                return _diff(expected.get(key), actual.get(key), f"{path}.{key}")
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items vs {len(actual)}"
        for index, (a, b) in enumerate(zip(expected, actual, strict=True)):
            if a != b:
                return _diff(a, b, f"{path}[{index}]")
    return f"{path}: {str(expected)[:120]!r} vs {str(actual)[:120]!r}"
