"""Which errors the federated gateway shows (issue 13 review, items 3 and 7): a remote subgraph's error
keeps its message only when its code is one a client can act on (BAD_USER_INPUT, FORBIDDEN …), whatever
it looks like (a subgraph may answer ``SUBGRAPH_…`` codes of its own); the gateway's own errors are
marked as such and always shown; the in-process subgraph's errors are local errors, already coded and
policy-checked, and keep their codes and extensions as on the local /graphql."""

from __future__ import annotations

from pathlib import Path

from gateway.auth.principal import PUBLIC
from gateway.kernel.errors import INTERNAL_SERVER_ERROR, INVALID_SUBJECT_CODE, SUBGRAPH_INVALID_VALUE
from gateway.testing import GatewayHarness
from tests.federation.hardening_harness import canned_gateway, supergraph_text_of
from tests.federation.test_serve_supergraph_local import gw, loans, post  # noqa: F401  (fixtures)

SDLS = {
    "a": 'type Query { one: One other: Int! }\ntype One @key(fields: "id") { id: ID! }\n',
    "b": 'type Query { two: Two }\ntype Two @key(fields: "id") { id: ID! }\n',
}
LEAK = 'pq: password authentication failed for user "svc" at 10.0.3.7:5432'


async def test_a_code_chosen_by_a_remote_subgraph_does_not_pass_the_masking(tmp_path: Path) -> None:
    failing = {
        "data": {"one": None},
        "errors": [
            {"message": LEAK, "path": ["one"], "extensions": {"code": "SUBGRAPH_DB"}},
            {"message": "the id is malformed", "path": ["one"], "extensions": {"code": "BAD_USER_INPUT"}},
        ],
    }
    answers = {
        "a": lambda operation, variables: {"data": {"other": None}} if "other" in operation else failing,
        "b": lambda operation, variables: {"data": {"two": {"id": "2"}}},
    }
    gateway, _ = canned_gateway(supergraph_text_of(SDLS), {"*": "public"}, answers, tmp_path)
    out = await gateway.execute("{ one { id } }", None, None, PUBLIC, request_id="req-7")
    assert "password" not in repr(out)
    masked, actionable = out["errors"]
    assert masked["extensions"] == {"code": INTERNAL_SERVER_ERROR, "requestId": "req-7", "serviceName": "a"}
    assert masked["path"] == ["one"]
    assert actionable["message"] == "the id is malformed"
    assert actionable["extensions"]["code"] == "BAD_USER_INPUT"

    # The gateway's own error (a non-null field the subgraph left null) is shown with its code.
    own = await gateway.execute("{ other }", None, None, PUBLIC, request_id="req-8")
    assert [(e["extensions"]["code"], e["path"]) for e in own["errors"]] == [(SUBGRAPH_INVALID_VALUE, ["other"])]
    assert own["errors"][0]["message"] == "Cannot return null for non-nullable field Query.other."


async def test_the_local_subgraphs_errors_keep_their_codes(gw: GatewayHarness) -> None:  # noqa: F811
    body = await post(gw, '{ subject(code: "not-a-code") { name } }')
    codes = [error["extensions"]["code"] for error in body["errors"]]
    assert codes == [INVALID_SUBJECT_CODE], body
    [error] = body["errors"]
    assert "A remote service failed" not in error["message"]
    assert error["path"] == ["subject"]
    assert error["extensions"]["serviceName"] == "credit-gateway"
