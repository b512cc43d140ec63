"""A JSON POST of one operation takes the endpoint's short way (gateway.server.plain_post) and gets
the very answer strawberry's general view gives; anything else is left to the view.

Each request is sent twice: once as ``application/json``, which the short way recognises, and once as
``application/json;  charset=utf-8`` (two spaces), which it does not, so strawberry's view parses it.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway.host.demo import demo_subjects, seed_subjects
from gateway.server.app import GraphQLEndpoint
from gateway.testing import GatewayHarness

PLAIN = "application/json"
VIEW_ONLY = "application/json;  charset=utf-8"

SUBJECT = "query One($code: String!) { subject(code: $code) { code name kind } }"
TWO = "query A { __typename } query B { __schema { queryType { name } } }"

WELL_FORMED: list[dict[str, Any]] = [
    {"query": "{ __typename }"},
    {"query": SUBJECT, "variables": {"code": "CODE"}},
    {"query": SUBJECT, "variables": {"code": "not a code"}},
    {"query": SUBJECT, "variables": None, "operationName": None, "extensions": None},
    {"query": SUBJECT, "variables": {}},
    {"query": "{ noSuchField }"},
    {"query": "{ subject(code: "},
    {"query": TWO, "operationName": "B"},
    {"query": TWO},
    {"query": TWO, "operationName": "C"},
    {"query": "mutation { __typename }"},
    {"query": "subscription { __typename }"},
    {"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}},
]

MALFORMED: list[bytes] = [
    b"{",
    b"null",
    b"[]",
    b'[{"query": "{ __typename }"}]',
    b"{}",
    b'{"query": null}',
    b'{"query": 1}',
    b'{"query": "{ __typename }", "variables": []}',
    b'{"query": "{ __typename }", "variables": "x"}',
    b'{"query": "{ __typename }", "extensions": 1}',
    b'{"query": "{ __typename }", "operationName": 1}',
    '{"query": "{ __typename }"}'.encode("utf-16"),
]


@pytest.fixture
async def counted_views(gw: GatewayHarness, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The content types of the requests that went through strawberry's general view."""
    await seed_subjects(gw.engine, demo_subjects(3), secret_key=gw.settings.secret_key)
    seen: list[str] = []
    run = GraphQLEndpoint.run

    async def counting_run(self: GraphQLEndpoint, request: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(request.headers.get("content-type"))
        return await run(self, request, *args, **kwargs)

    monkeypatch.setattr(GraphQLEndpoint, "run", counting_run)
    return seen


async def _both_ways(gw: GatewayHarness, body: bytes, **headers: str) -> tuple[Any, Any]:
    answers = []
    for content_type in (PLAIN, VIEW_ONLY):
        response = await gw.client.post("/graphql", content=body, headers={"Content-Type": content_type, **headers})
        kept = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date", "content-length")}
        answers.append((response.status_code, kept, response.content))
    return answers[0], answers[1]


def _with_code(payload: dict[str, Any]) -> bytes:
    variables = payload.get("variables")
    if isinstance(variables, dict) and variables.get("code") == "CODE":
        payload = {**payload, "variables": {"code": demo_subjects(1)[0].code.value}}
    return orjson.dumps(payload)


@pytest.mark.parametrize("payload", WELL_FORMED, ids=lambda p: str(p)[:60])
async def test_one_operation_takes_the_short_way_and_answers_as_the_view(
    gw: GatewayHarness, counted_views: list[str], payload: dict[str, Any]
) -> None:
    plain, view = await _both_ways(gw, _with_code(payload))
    assert plain == view
    assert counted_views == [VIEW_ONLY]  # the plain request never reached the view


async def test_the_answer_is_real(gw: GatewayHarness, counted_views: list[str]) -> None:
    subject = demo_subjects(1)[0]
    (status, headers, body), _ = await _both_ways(gw, _with_code({"query": SUBJECT, "variables": {"code": "CODE"}}))
    assert status == 200 and headers["content-type"] == "application/json"
    assert orjson.loads(body)["data"]["subject"]["name"] == subject.name


@pytest.mark.parametrize("body", MALFORMED)
async def test_a_body_that_is_not_one_operation_is_left_to_the_view(
    gw: GatewayHarness, counted_views: list[str], body: bytes
) -> None:
    plain, view = await _both_ways(gw, body)
    assert plain == view
    assert plain[0] == 400, plain
    assert counted_views == [PLAIN, VIEW_ONLY]


@pytest.mark.parametrize("accept", ["multipart/mixed", "text/event-stream", "multipart/mixed;subscriptionSpec=1.0"])
async def test_a_request_for_a_stream_is_left_to_the_view(
    gw: GatewayHarness, counted_views: list[str], accept: str
) -> None:
    plain, view = await _both_ways(gw, b'{"query": "{ __typename }"}', Accept=accept)
    assert plain[0] == view[0]
    assert counted_views == [PLAIN, VIEW_ONLY]


async def test_get_is_left_to_the_view(gw: GatewayHarness, counted_views: list[str]) -> None:
    response = await gw.client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}
    assert len(counted_views) == 1
