"""The GraphiQL page at ``GET /graphql``: GraphiQL from the gateway's own files, with a box for an API key.

Strawberry's built-in page loads GraphiQL and React from a public CDN, so it stays blank offline and
on an intranet; and without a key it cannot load the schema (introspection is not for the public)
while saying nothing about why. This page loads only files under ``/graphiql/`` (the vendored npm
builds in ``static/graphiql/vendor``, see its README, and our ``console.js``), forbids anything else
with its Content-Security-Policy, and tells the user to paste a key when introspection is refused.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
MOUNT_PATH = "/graphiql"
STYLESHEETS = ("vendor/graphiql.min.css", "console.css")
# In order: GraphiQL's UMD build needs the globals React and ReactDOM; console.js needs GraphiQL.
SCRIPTS = (
    "vendor/react.production.min.js",
    "vendor/react-dom.production.min.js",
    "vendor/graphiql.min.js",
    "console.js",
)

# Only this gateway: GraphiQL sets inline styles and its fonts are data: URLs inside its CSS.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
A_YEAR = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Asset:
    """A static file as the page references it: relative to ``/graphql`` (so a path prefix added by a
    proxy carries over), versioned by its content, and pinned with subresource integrity."""

    url: str
    integrity: str


@cache
def asset(name: str) -> Asset:
    content = (STATIC_DIR / name).read_bytes()
    version = hashlib.sha256(content).hexdigest()[:16]
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()
    return Asset(url=f"{MOUNT_PATH.lstrip('/')}/{name}?v={version}", integrity=integrity)


def _pin(name: str) -> str:
    return f'integrity="{asset(name).integrity}"'


@cache
def page_html() -> str:
    links = "\n".join(f'    <link rel="stylesheet" href="{escape(asset(n).url)}" {_pin(n)}>' for n in STYLESHEETS)
    scripts = "\n".join(f'    <script src="{escape(asset(n).url)}" {_pin(n)} defer></script>' for n in SCRIPTS)
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>credit-gateway GraphiQL</title>
    <link rel="icon" href="data:,">
{links}
{scripts}
  </head>
  <body>
    <div id="cg-page">
      <form id="cg-keybar" autocomplete="off">
        <label for="cg-key">API key</label>
        <input id="cg-key" type="password" spellcheck="false"
               placeholder="Paste an API key: sent as Authorization: Bearer &lt;key&gt;, kept in this browser">
        <button id="cg-use-key" type="submit">Use key</button>
        <button id="cg-forget-key" type="button">Forget key</button>
        <span id="cg-key-state"></span>
      </form>
      <p id="cg-note" role="status" aria-live="polite"></p>
      <noscript><p class="cg-problem">GraphiQL needs JavaScript. Without it, POST queries to this URL.</p></noscript>
      <div id="graphiql" class="cg-graphiql">Loading GraphiQL…</div>
    </div>
  </body>
</html>
"""


def graphiql_response() -> Response:
    """The page; never cached, so that a new gateway version's assets are picked up at once."""
    return HTMLResponse(
        page_html(),
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


class GraphiQLAssets(StaticFiles):
    """The static files, cached for a year when asked for by a versioned URL (the page always does),
    else revalidated."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = f"public, max-age={A_YEAR}, immutable" if versioned else "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def graphiql_assets_mount() -> Mount:
    page_html()  # reads and hashes the assets now: a package missing them fails at start, not on a request
    return Mount(MOUNT_PATH, app=GraphiQLAssets(directory=STATIC_DIR), name="graphiql")
