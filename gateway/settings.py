"""Configuration, read from ``CREDIT_GATEWAY_*`` environment variables (and CLI flags that override them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gateway.lifecycle.rules import DisputeRules, PublicityRules

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./credit-gateway.sqlite3"
# Only for the embedded demo: a production deployment must set its own key, or every
# natural person's keyed hash would be computable by anyone who reads this file.
DEMO_SECRET_KEY = "credit-gateway-demo-secret-key-change-me"


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_GATEWAY_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://user@host/db.",
    )
    db_pool_size: int = Field(
        20, ge=1, le=1_000, description="Connections kept open to PostgreSQL; requests beyond them wait."
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    plugins: Annotated[list[str] | None, NoDecode] = Field(
        None, description="Comma-separated allow-list of plugin names; unset loads every installed plugin."
    )
    secret_key: str = Field(
        DEMO_SECRET_KEY,
        min_length=16,
        description="Key of the HMAC that stores resident ID numbers and other subject codes for look-up.",
    )
    uscc_allow_list: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Unified social credit codes that are legal yet fail the check character (early Fujian codes).",
    )
    max_batch_subjects: int = Field(100, ge=1, le=10_000, description="Most codes one subjects() call takes.")
    max_page_size: int = Field(100, ge=1, le=1_000, description="Largest `first` any connection accepts.")
    default_page_size: int = Field(20, ge=1, le=1_000)
    max_submission_items: int = Field(500, ge=1, le=10_000, description="Most items in one submission.")
    max_request_bytes: int = Field(5_000_000, ge=1_000, description="Largest accepted request body.")
    log_level: str = "INFO"
    publicity: PublicityRules = Field(
        default_factory=PublicityRules,
        description='Publicity windows, as JSON: {"months": {"MINOR": [0, 3], "GENERAL": [3, 12], "SERIOUS": '
        '[12, 36]}, "negative_without_severity": "GENERAL", "dishonesty_withheld_after_years": 5}.',
    )
    disputes: DisputeRules = Field(
        default_factory=DisputeRules,
        description='Dispute deadlines in working days, as JSON: {"forward_days": 3, "verify_days": 15, '
        '"notify_days": 2}.',
    )
    repair_excluded_categories: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated record categories that can never be repaired (local rules).",
    )
    working_calendar_file: Path | None = Field(
        None,
        description="Working-day overrides, one '2027-02-06 workday' or '2027-02-10 holiday' per line, for "
        "years chinese-calendar does not cover or local corrections.",
    )
    max_authorization_days: int = Field(
        1_096, ge=1, le=3_660, description="Longest a partner authorisation may run, from its first valid day."
    )
    as_of: dt.date | None = Field(
        None,
        description="Run as of this date (YYYY-MM-DD): publicity windows, authorisations and deadlines are "
        "judged on it. For tests and lifecycle demos; unset is today's date in China.",
    )

    # --- Abuse limits (query limits, introspection, rate limits, persisted operations) ---------
    development_mode: bool = Field(
        False, description="Development: portal keys may also introspect the schema and see suggestions."
    )
    role_limits: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Per-role query limits over the defaults of gateway.limits, e.g. "
        '{"public": {"max_depth": 6}}; keys max_depth, max_aliases, max_tokens, max_cost.',
    )
    default_list_size: int = Field(
        20, ge=1, le=10_000, description="Items the cost estimate assumes for a list without first/codes."
    )
    rate_limits: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description='Per-role token buckets over the defaults of gateway.ratelimit, e.g. {"public": {"rate": 5, '
        '"burst": 20}}: rate in requests per second, burst the bucket size.',
    )
    redis_url: str | None = Field(
        None, description="redis://host:port/db: share rate-limit buckets between gateway processes."
    )
    rate_limit_key_prefix: str = Field("credit-gateway:rl:", description="Prefix of the Redis keys of the buckets.")
    apq_cache_size: int = Field(
        1_000, ge=0, le=1_000_000, description="Automatic persisted queries kept in memory (LRU); 0 disables APQ."
    )
    # --- end of abuse limits -----------------------------------------------------------------

    # --- JWT bearer tokens from an identity provider (gateway.auth.jwt_tokens) -----------------
    jwt_secret: SecretStr | None = Field(
        None, description="Shared HS256 key of the identity provider (at least 32 bytes); excludes jwks_url."
    )
    jwks_url: str | None = Field(
        None, description="The identity provider's JWKS URL (https; RS256/ES256); excludes jwt_secret."
    )
    jwt_audience: str | None = Field(None, description="Required `aud` of every token (needed when JWT is on).")
    jwt_issuer: str | None = Field(None, description="Required `iss` of every token (needed when JWT is on).")
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated allow-list; default HS256 with jwt_secret, RS256,ES256 with jwks_url.",
    )
    principal_resolver: str | None = Field(
        None, description="'package.module:factory' of a PrincipalResolver replacing the claims-based default."
    )

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _comma_separated_algorithms(cls, value: object) -> object:
        return _split_csv(value)

    # --- end of JWT bearer tokens --------------------------------------------------------------

    @field_validator("plugins", "uscc_allow_list", "repair_excluded_categories", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_csv(value)

    @property
    def uses_demo_secret(self) -> bool:
        return self.secret_key == DEMO_SECRET_KEY
