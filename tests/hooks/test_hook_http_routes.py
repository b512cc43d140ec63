"""``http_routes``: a plugin serves pages beside ``/graphql``, behind the same middleware (request ids,
authentication, rate limits), answering from the public schema in process; a path of the core's or of
another plugin's stops the start, naming both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from gateway.api import ConfigurationError, hookimpl
from gateway.testing import GatewayHarness


class Pages:
    """A page that asks the public schema, and a form that posts to it."""

    @hookimpl
    def http_routes(self) -> Sequence[BaseRoute]:
        return [Route("/hookfix/page", self.page, methods=["GET", "POST"]), Route("/hookfix/ask", self.ask)]

    async def page(self, request: Request) -> Response:
        if request.method == "POST":
            body = (await request.body()).decode()
            return HTMLResponse(f"<p>posted {len(body)} bytes</p>")
        return HTMLResponse("<p>hello</p>")

    async def ask(self, request: Request) -> Response:
        query = request.query_params["q"]
        result = await request.app.state.public_graphql.execute(query, request=request)
        errors = [error.extensions.get("code") for error in result.errors or []]
        has_mutations = request.app.state.public_graphql.graphql_schema.mutation_type is not None
        return JSONResponse({"data": result.data, "errors": errors, "mutations": has_mutations})


async def test_hook_http_routes(database_url: str | None) -> None:
    async with GatewayHarness.start(
        ["tax", "hookfix"],
        database_url=database_url,
        extra_plugins=[("hookfix", Pages())],
        rate_limits={"public": {"rate": 0.001, "burst": 4}},
    ) as gw:
        if database_url is not None:
            await gw.truncate()  # the shared PostgreSQL database may hold an earlier test's violations
        page = await gw.client.get("/hookfix/page", headers={"X-Request-ID": "page-1"})
        assert page.status_code == 200 and page.text == "<p>hello</p>"
        assert page.headers["x-request-id"] == "page-1"  # the core's middleware ran
        assert gw.graph.composition.contributions_of("hookfix")["http routes"] == ["/hookfix/page", "/hookfix/ask"]
        # A form posts to the plugin's page; the cross-site guard still refuses it on /graphql.
        posted = await gw.client.post("/hookfix/page", data={"a": "b"})
        assert posted.status_code == 200 and posted.text == "<p>posted 3 bytes</p>"
        assert (await gw.client.post("/graphql", data={"query": "{ __typename }"})).status_code == 400
        # In process, as the public: public fields answer, others are not in the schema at all.
        asked = await gw.client.get(
            "/hookfix/ask", params={"q": "{ majorTaxViolations(first: 1) { edges { cursor } } }"}
        )
        assert asked.json() == {"data": {"majorTaxViolations": {"edges": []}}, "errors": [], "mutations": True}
        admin_only = await gw.client.get("/hookfix/ask", params={"q": "{ queryRecords { edges { cursor } } }"})
        assert admin_only.json()["errors"] == ["GRAPHQL_VALIDATION_FAILED"]
        # Authentication: a bad credential is refused before the page.
        assert (await gw.client.get("/hookfix/page", headers={"Authorization": "Bearer nope"})).status_code == 401
        # Rate limits: the public bucket (4 requests: two pages, two asks; refusals take none) is now empty.
        assert (await gw.client.get("/hookfix/page")).status_code == 429


class Claims:
    def __init__(self, *routes: BaseRoute) -> None:
        self.routes = routes

    @hookimpl
    def http_routes(self) -> Sequence[BaseRoute]:
        return list(self.routes)


async def _ok(_: Request) -> Response:
    return Response("ok")


async def _start(*plugins: tuple[str, Any]) -> None:
    async with GatewayHarness.start([name for name, _ in plugins], extra_plugins=plugins):
        pass


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route("/graphql", _ok), "HTTP path '/graphql' of plugin 'alpha' clashes with the core's '/graphql'"),
        (Route("/healthz", _ok), "clashes with the core's '/healthz'"),
        (Route("/graphiql/extra.js", _ok), "clashes with the core's '/graphiql'"),
        (Mount("/graphql", routes=[]), "clashes with the core's '/graphql'"),
        (Route("/{page}", _ok), "clashes with the core's"),
    ],
)
async def test_a_path_of_the_core_stops_the_start(route: BaseRoute, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        await _start(("alpha", Claims(route)))


async def test_a_path_claimed_twice_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match=r"'/hello' is claimed by both plugin 'alpha' .* and plugin 'beta'"):
        await _start(("alpha", Claims(Route("/hello", _ok))), ("beta", Claims(Route("/hello", _ok))))
    with pytest.raises(ConfigurationError, match=r"claimed by both plugin 'alpha' \('/files'\) and plugin 'beta'"):
        await _start(("alpha", Claims(Mount("/files", routes=[]))), ("beta", Claims(Route("/files/a.txt", _ok))))
    # A default plugin's page counts too: the merchant pages hold /m/{token}.
    with pytest.raises(ConfigurationError, match=r"both plugin 'core.merchants' .* and plugin 'alpha'"):
        await _start(("alpha", Claims(Route("/m/list", _ok))))
    # Distinct paths, and one plugin's own routes on one path (one per method), are fine.
    await _start(
        ("alpha", Claims(Route("/hello", _ok, methods=["GET"]), Route("/hello", _ok, methods=["POST"]))),
        ("beta", Claims(Route("/hello/there", _ok), Mount("/beta", routes=[]))),
    )


async def test_what_is_not_a_route_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match="hook http_routes returned '/x', not a starlette Route or Mount"):
        await _start(("alpha", Claims("/x")))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="a Mount at the root would take every path"):
        await _start(("alpha", Claims(Mount("", routes=[]))))
