"""A serving worker must not carry libraries only rare requests or commands need.

fpdf2 (extracts), openpyxl (metrics exports), mplfonts (the extract's font, whose package imports
matplotlib) and Alembic (migrations) each pull in tens of MB (numpy, Pillow, fontTools, matplotlib);
imported by a module the app loads or by a startup check, they made every worker about 100 MB heavier.
They are imported where they are used; this test keeps it so. It runs in a fresh interpreter, because
the test session itself has imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("numpy", "PIL", "fpdf", "fontTools", "openpyxl", "alembic", "matplotlib", "mplfonts")

# The app built and started (every plugin's startup hook run), as a worker serves.
PROBE = """
import asyncio, json, sys
from gateway.server.app import create_worker_app

async def start_and_stop(app):
    async with app.router.lifespan_context(app):
        pass

asyncio.run(start_and_stop(create_worker_app()))
print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] in %r)))
"""


def test_a_serving_worker_imports_no_heavy_library(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    probe = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert probe.returncode == 0, probe.stderr
    imported = json.loads(probe.stdout.strip().splitlines()[-1])
    assert imported == [], f"a serving worker imported {imported}"
