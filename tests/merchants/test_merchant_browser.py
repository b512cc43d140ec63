"""The merchant page as a person meets it: Debian's headless Chromium opens it at a phone's width from a real
``credit-gateway serve`` (every host but 127.0.0.1 unresolvable: nothing may load from elsewhere) and takes a
screenshot of a merchant with negative records and of one without. Skipped where Chromium is missing (CI
installs it, see .ci/run). ``MERCHANT_SCREENSHOTS=dir`` keeps the screenshots to look at."""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from merchant_seeds import BAD_CODE, BAD_NAME, GOOD_CODE, GOOD_NAME, issue, seed_bad, seed_good

from gateway.testing import GatewayHarness, served_gateway

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ONLY_LOOPBACK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
PHONE = (390, 844)  # CSS pixels: a common phone's viewport
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Chromium at {CHROMIUM} (.ci/run)")


async def _seed(database_url: str) -> dict[str, str]:
    async with GatewayHarness.start(database_url=database_url) as gw:
        await seed_bad(gw)
        await seed_good(gw)
        admin = await gw.create_key("admin")
        return {code: (await issue(gw, code, admin))["token"] for code in (BAD_CODE, GOOD_CODE)}


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", ONLY_LOOPBACK,
         f"--user-data-dir={profile}", f"--window-size={PHONE[0]},{PHONE[1]}", *args],
        capture_output=True,
        timeout=120,
    )  # fmt: skip


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_page_on_a_phone(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite3'}"
    tokens = asyncio.run(_seed(database))
    shots = Path(os.environ.get("MERCHANT_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = database
    with served_gateway([], env, timeout=60, log=tmp_path / "serve.log") as url:
        for code, name, shot in ((BAD_CODE, BAD_NAME, "merchant-negative"), (GOOD_CODE, GOOD_NAME, "merchant-clean")):
            page = f"{url}/m/{tokens[code]}"
            dom = _chromium("--dump-dom", page, profile=tmp_path / f"{shot}-dom")
            assert dom.returncode == 0, dom.stderr.decode()[-2000:]
            text = dom.stdout.decode()
            assert name in text and code in text and "投诉举报" in text, text[:2000]
            # A tall window: the whole page in one picture, laid out at the phone's width.
            done = _chromium(
                f"--screenshot={shots / f'{shot}.png'}",
                f"--window-size={PHONE[0]},2400",
                page,
                profile=tmp_path / f"{shot}-shot",
            )
            assert done.returncode == 0, done.stderr.decode()[-2000:]
            width, height = _png_size((shots / f"{shot}.png").read_bytes())
            assert width == PHONE[0] and height == 2400
        missing = _chromium("--dump-dom", f"{url}/m/{'x' * 32}", profile=tmp_path / "missing")
        assert "页面不存在" in missing.stdout.decode()
