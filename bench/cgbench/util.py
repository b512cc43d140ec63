"""Small helpers shared by the harness: progress lines and the product's environment."""

from __future__ import annotations

import os
import sys
import time

from cgbench import config

_STARTED = time.monotonic()


def log(message: str) -> None:
    """A progress line on stderr, with the seconds since the run began."""
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def product_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment every credit-gateway process of the run gets: the bench database, the bench
    HMAC key, and public rate limits out of the load generator's way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env.update(
        CREDIT_GATEWAY_DATABASE_URL=database_url,
        CREDIT_GATEWAY_SECRET_KEY=config.SECRET_KEY,
        CREDIT_GATEWAY_RATE_LIMITS=config.UNLIMITED_RATE,
    )
    env.update(extra)
    return env
