"""Per-client rate limits: token buckets, in-process or shared through Redis.

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second; a request takes
one token or is refused with the seconds until one is back. The key is the API client's id, or
for the public the client's IP address, as the ASGI server reports it. ``X-Forwarded-For`` counts only
from the proxies named in ``CREDIT_GATEWAY_TRUSTED_PROXIES`` (none by default), so that a caller
cannot pick its own bucket by sending the header.

With ``CREDIT_GATEWAY_REDIS_URL`` the buckets live in Redis and one Lua script reads, refills and
takes a token atomically, on Redis's clock, so several gateway processes enforce one limit.
When Redis cannot be reached the limiter logs it and falls back to its in-process buckets for a
short while, then tries Redis again. Why not fail closed: the limit protects capacity, it is not an
authorisation; refusing every request while Redis is down would turn a cache outage into a full
outage. Why not fail fully open: the in-process buckets still bound each process, so during the
outage the effective limit is at most the configured one times the number of processes.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from gateway.auth.principal import Role
from gateway.kernel.errors import ConfigurationError

log = logging.getLogger("gateway.server.ratelimit")
RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate: float  # tokens per second
    burst: int  # bucket size: requests allowed at once after a quiet period


# Why these numbers: the public is one person behind an IP (a page view is a handful of queries);
# a portal key serves all of a frontend's users through one client id, so it gets the most;
# departments submit in batches of up to 500 items, not in many small requests; partners run
# look-ups from their own batch jobs; agencies look up the one subject a report is about (and
# register the report) at a person's pace; the admin is the credit centre's own tooling.
DEFAULT_RATE_LIMITS: dict[Role, RateLimit] = {
    Role.PUBLIC: RateLimit(rate=5, burst=100),
    Role.SUBJECT: RateLimit(rate=2, burst=30),
    Role.PORTAL: RateLimit(rate=200, burst=400),
    Role.PARTNER: RateLimit(rate=20, burst=60),
    Role.AGENCY: RateLimit(rate=10, burst=30),
    Role.DEPARTMENT: RateLimit(rate=10, burst=60),
    Role.ADMIN: RateLimit(rate=100, burst=500),
}


def rate_limits(overrides: Mapping[str, Mapping[str, float]]) -> dict[Role, RateLimit]:
    result = dict(DEFAULT_RATE_LIMITS)
    for role_name, values in overrides.items():
        try:
            role = Role(role_name)
        except ValueError:
            raise ConfigurationError(f"rate_limits: unknown role {role_name!r}") from None
        unknown = set(values) - {"rate", "burst"}
        if unknown:
            raise ConfigurationError(f"rate_limits[{role_name!r}]: unknown keys {sorted(unknown)}")
        limit = replace(result[role], **values)  # type: ignore[arg-type]
        if limit.rate <= 0 or limit.burst < 1:
            raise ConfigurationError(f"rate_limits[{role_name!r}]: rate must be > 0 and burst >= 1")
        result[role] = RateLimit(float(limit.rate), int(limit.burst))
    return result


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until a token is back, when refused


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: RateLimit) -> Decision: ...

    async def aclose(self) -> None: ...


class InProcessTokenBucket:
    """Buckets in this process's memory. Bounded: the least recently seen keys are forgotten
    (a forgotten bucket starts full again), so a flood of distinct IPs cannot exhaust memory."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, monotonic time)

    async def hit(self, key: str, limit: RateLimit) -> Decision:
        now = time.monotonic()
        tokens, then = self._buckets.get(key, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - then) * limit.rate)
        if tokens >= 1:
            decision = Decision(True)
            tokens -= 1
        else:
            decision = Decision(False, (1 - tokens) / limit.rate)
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return decision

    async def aclose(self) -> None:
        return None


# KEYS[1] bucket; ARGV rate, burst. Redis's own clock, so processes with skewed clocks agree.
# Numbers leave the script as strings: Redis would truncate a Lua float reply to an integer.
_TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(wait)}
"""


class RedisTokenBucket:
    """Buckets shared through Redis; falls back to ``fallback`` while Redis is unreachable."""

    # Short timeouts: a slow Redis must not add seconds to every request.
    SOCKET_TIMEOUT = 0.5
    RETRY_AFTER_FAILURE = 5.0  # seconds on the fallback before Redis is tried again

    def __init__(self, url: str, *, prefix: str, fallback: RateLimiter | None = None) -> None:
        import redis.asyncio as redis

        self.prefix = prefix
        self.fallback = fallback or InProcessTokenBucket()
        self._client: Any = redis.Redis.from_url(
            url, socket_timeout=self.SOCKET_TIMEOUT, socket_connect_timeout=self.SOCKET_TIMEOUT
        )
        self._script = self._client.register_script(_TOKEN_BUCKET_LUA)
        self._down_until = 0.0

    async def hit(self, key: str, limit: RateLimit) -> Decision:
        if time.monotonic() >= self._down_until:
            try:
                allowed, wait = await self._script(keys=[self.prefix + key], args=[limit.rate, limit.burst])
            except Exception as exc:  # redis.RedisError, OSError, timeouts: all mean "not now"
                self._down_until = time.monotonic() + self.RETRY_AFTER_FAILURE
                log.warning("Redis rate limiter unreachable (%r); in-process buckets for now", exc)
            else:
                return Decision(bool(int(allowed)), float(wait))
        return await self.fallback.hit(key, limit)

    async def aclose(self) -> None:
        await self._client.aclose()


def create_rate_limiter(redis_url: str | None, prefix: str) -> RateLimiter:
    if redis_url:
        return RedisTokenBucket(redis_url, prefix=prefix)
    return InProcessTokenBucket()


def retry_after_header(seconds: float) -> str:
    """Retry-After in whole seconds, at least 1 (0 would invite an immediate retry)."""
    return str(max(1, math.ceil(seconds)))
