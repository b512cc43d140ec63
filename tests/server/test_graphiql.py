"""GraphiQL at GET /graphql, as a person meets it: served by the gateway alone (offline, on an intranet),
saying why the schema does not load without a key, and loading it once an admin key is pasted.

The browser tests run Debian's headless Chromium against `credit-gateway serve` on a loopback port,
with every host name but 127.0.0.1 unresolvable, so a request to a CDN would fail. CI installs
Chromium (.ci/run); elsewhere these tests skip when it is missing.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.server.graphiql import CONTENT_SECURITY_POLICY, SCRIPTS, STYLESHEETS, asset
from gateway.testing import GatewayHarness, served_gateway

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ONLY_LOOPBACK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
HTML = {"Accept": "text/html"}
ANONYMOUS_NOTE = "introspection is not allowed for anonymous callers"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Chromium at {CHROMIUM} (.ci/run)")


async def test_the_page_references_only_the_gateways_own_files(gw: GatewayHarness) -> None:
    page = await gw.client.get("/graphql", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()
    # No absolute URL anywhere in the page: every asset is a path relative to /graphql.
    assert not re.search(r"(https?:)?//", page.text), re.findall(r"\S*//\S*", page.text)
    referenced = [url for url in re.findall(r'(?:src|href)="([^"]+)"', page.text) if url != "data:,"]  # no favicon
    assert referenced == [asset(name).url for name in (*STYLESHEETS, *SCRIPTS)]
    for name in (*STYLESHEETS, *SCRIPTS):
        response = await gw.client.get(f"/{asset(name).url}")
        assert response.status_code == 200, name
        assert "immutable" in response.headers["cache-control"], name
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert f'integrity="sha384-{digest}"' in page.text, name
    # The JSON API is unchanged: a GET asking for JSON still runs the query.
    body = await gw.client.get("/graphql", params={"query": "{ __typename }"}, headers={"Accept": "application/json"})
    assert body.json() == {"data": {"__typename": "Query"}}


async def test_an_unversioned_asset_is_revalidated_and_a_missing_one_is_404(gw: GatewayHarness) -> None:
    plain = await gw.client.get("/graphiql/console.js")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"
    assert (await gw.client.get("/graphiql/vendor/nothing.js")).status_code == 404
    assert (await gw.client.get("/graphiql/vendor/..%2F..%2F..%2Fapp.py")).status_code == 404  # nothing outside


# --- the browser ----------------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Served:
    url: str
    admin_key: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`credit-gateway serve` on a free loopback port, over a migrated SQLite file with an admin key."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (.ci/run installs it)")
    tmp = tmp_path_factory.mktemp("graphiql")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp / 'gateway.sqlite3'}"
    _cli("db", "upgrade", env=env)
    admin_key = _cli("clients", "create", "--role", "admin", "--name", "GraphiQL tester", env=env).split()[-1]
    with served_gateway([], env, timeout=30, log=tmp / "serve.log") as url:
        yield Served(url, admin_key)


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", ONLY_LOOPBACK,
         f"--user-data-dir={profile}", "--window-size=1400,900", *args],
        capture_output=True,
        timeout=120,
    )  # fmt: skip


def _screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: GRAPHIQL_SCREENSHOTS=dir keeps them to look at, else the test's tmp_path."""
    return Path(os.environ.get("GRAPHIQL_SCREENSHOTS") or tmp_path)


def _distinct_pixels_rows(png: bytes) -> int:
    """How many different scanlines a PNG has: 1 for a blank page, hundreds for a rendered one."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, width, height = 8, b"", 0, 0
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        chunk = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            data += chunk
        position += 12 + length
    raw = zlib.decompress(data)
    stride = len(raw) // height
    assert width > 0 and stride > width
    return len({raw[row * stride + 1 : (row + 1) * stride] for row in range(height)})


@needs_chromium
def test_graphiql_renders_offline_and_says_a_key_is_needed(served: Served, tmp_path: Path) -> None:
    """As the public: GraphiQL renders from the gateway's files alone, and the page explains why there
    are no docs."""
    dom = _chromium("--virtual-time-budget=20000", "--dump-dom", f"{served.url}/graphql", profile=tmp_path / "a")
    text = dom.stdout.decode()
    assert dom.returncode == 0, dom.stderr.decode()[-2000:]
    # GraphiQL's React tree rendered: its editors exist only once its code ran.
    assert 'class="graphiql-container' in text and 'class="graphiql-query-editor' in text, text[:2000]
    assert "CodeMirror" in text
    assert ANONYMOUS_NOTE in text and "Paste a key" in text
    shot = _screenshots(tmp_path) / "public.png"
    _chromium("--virtual-time-budget=20000", f"--screenshot={shot}", f"{served.url}/graphql", profile=tmp_path / "b")
    assert _distinct_pixels_rows(shot.read_bytes()) > 50


# --- with a key: Chromium driven over the DevTools protocol, through a pipe (no extra package) --------


class Browser:
    """Headless Chromium with ``--remote-debugging-pipe``: JSON messages, each ended by a NUL byte,
    written to its fd 3 and read from its fd 4. One page; every request URL it makes is kept."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def as_fds_3_and_4() -> None:  # in the child, before exec
            # Above 10 first, so that neither end is overwritten by the other's dup2.
            read_end = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", ONLY_LOOPBACK,
             f"--user-data-dir={profile}", "--window-size=1400,900", "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4),
            preexec_fn=as_fds_3_and_4,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.requested: list[str] = []
        self.errors: list[dict[str, Any]] = []  # console errors and uncaught exceptions (a CSP violation, say)
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Network.enable", session=True)
        self.send("Page.enable", session=True)
        self.send("Log.enable", session=True)
        self.send("Runtime.enable", session=True)

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            readable, _, _ = select.select([self._from_chrome], [], [], 60)
            assert readable, "Chromium did not answer on the DevTools pipe within 60 s"
            chunk = os.read(self._from_chrome, 1 << 16)
            assert chunk, "Chromium closed the DevTools pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        event = json.loads(message)
        if event.get("method") == "Network.requestWillBeSent":
            self.requested.append(event["params"]["request"]["url"])
        elif event.get("method") == "Log.entryAdded" and event["params"]["entry"]["level"] == "error":
            self.errors.append(event["params"]["entry"])
        elif event.get("method") == "Runtime.exceptionThrown":
            self.errors.append(event["params"]["exceptionDetails"])
        return event

    def send(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply
                return reply["result"]

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.send("Page.navigate", session=True, url=url)
        self.wait_for("document.readyState === 'complete' && !!window.GraphiQL")

    def wait_for(self, condition: str, what: str = "") -> None:
        """Poll a JavaScript condition (bounded: a broken page fails the test rather than hanging it)."""
        for _ in range(300):
            if self.evaluate(f"Boolean({condition})"):
                return
            time.sleep(0.1)
        pytest.fail(f"the page never showed {what or condition}; note: {self.note()!r}")

    def note(self) -> str:
        return self.evaluate("document.getElementById('cg-note').textContent")

    def paste_key(self, key: str) -> None:
        """What a person does: paste the key into the box and press "Use key"."""
        self.evaluate(f"document.getElementById('cg-key').value = {json.dumps(key)}")
        self.evaluate("document.getElementById('cg-use-key').click()")

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.send("Page.captureScreenshot", session=True, format="png")["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        with contextlib.suppress(AssertionError):  # already gone
            self.send("Browser.close")
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    opened = Browser(tmp_path / "profile")
    try:
        yield opened
    finally:
        opened.close()


@needs_chromium
def test_a_pasted_key_loads_the_schema_and_is_remembered(served: Served, browser: Browser, tmp_path: Path) -> None:
    browser.open(f"{served.url}/graphql")
    browser.wait_for(f"document.getElementById('cg-note').textContent.includes({json.dumps(ANONYMOUS_NOTE)})")

    browser.paste_key("cg_00000000_not-a-key")
    browser.wait_for("document.getElementById('cg-note').textContent.includes('This key was refused')")

    browser.paste_key(served.admin_key)
    browser.wait_for("document.getElementById('cg-note').textContent === 'Schema loaded for your key.'")
    # Stored in this browser: a reload uses it again, and the docs explorer has the schema.
    browser.open(f"{served.url}/graphql")
    browser.wait_for("document.getElementById('cg-note').textContent === 'Schema loaded for your key.'")
    assert browser.evaluate("document.getElementById('cg-key-state').textContent").startswith("using key cg_")
    assert browser.evaluate(f"localStorage.getItem('credit-gateway:api-key') === {json.dumps(served.admin_key)}")
    browser.evaluate("document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click()")
    browser.wait_for("document.querySelector('.graphiql-doc-explorer')?.textContent.includes('Query')", "the docs")
    browser.evaluate("document.querySelector('.graphiql-execute-button').click()")
    browser.wait_for("document.querySelector('.graphiql-response')?.textContent.includes('\"subject\"')", "a result")
    assert _distinct_pixels_rows(browser.screenshot(_screenshots(tmp_path) / "admin.png")) > 50

    browser.evaluate("document.getElementById('cg-forget-key').click()")
    browser.wait_for(f"document.getElementById('cg-note').textContent.includes({json.dumps(ANONYMOUS_NOTE)})")
    assert browser.evaluate("localStorage.getItem('credit-gateway:api-key')") is None

    # Nothing left the gateway: every request the page made went to it (GraphiQL's fonts are data: URLs).
    assert browser.requested
    assert [u for u in browser.requested if not u.startswith((f"{served.url}/", "data:"))] == []
    # No script error and nothing the Content-Security-Policy blocked; the refused key's 401 is expected.
    assert [e for e in browser.errors if "401" not in e.get("text", "")] == []
