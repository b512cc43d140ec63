"""Configuration, read from ``CREDIT_GATEWAY_*`` environment variables (and CLI flags that override them)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gateway.kernel.limits import MAX_SUBGRAPH_CONCURRENCY, MAX_SUBGRAPH_TIMEOUT_SECONDS
from gateway.kernel.rules import ComplaintRules, DisputeRules, PublicityRules, RepairRules

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./credit-gateway.sqlite3"
# Only for the embedded demo: a production deployment must set its own key, or every
# natural person's keyed hash would be computable by anyone who reads this file.
DEMO_SECRET_KEY = "credit-gateway-demo-secret-key-change-me"


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _subgraph_map(setting: str, value: object, example: str) -> list[tuple[str, Any]]:
    """The entries of a per-subgraph JSON map, or a ValueError naming the setting."""
    if not isinstance(value, dict):
        raise ValueError(f"{setting} must be a JSON object from subgraph names (or *) to values: {example}")
    for name in value:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{setting} has an empty subgraph name; write a name or *: {example}")
    return list(value.items())


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_GATEWAY_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://user@host/db.",
    )
    db_pool_size: int = Field(
        20, ge=1, le=1_000, description="Connections kept open to PostgreSQL; requests beyond them wait."
    )
    db_random_page_cost: float = Field(
        1.1,
        gt=0,
        le=1_000,
        description="PostgreSQL's random_page_cost for the gateway's sessions: 1.1 suits a database on SSD or held "
        "in memory (the server's default, 4, assumes spinning disks); set 4 to keep that.",
    )
    unavailable_retry_after: int = Field(
        5, ge=1, le=3_600, description="Retry-After (seconds) of the 503 answered while the database is unavailable."
    )
    readiness_timeout: float = Field(
        2.0, gt=0, le=60, description="Seconds /readyz waits for the database before it says not ready."
    )
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s?#]+$",
        description="The gateway's address as the public reaches it (https://credit.example.gov.cn), for links "
        "printed in QR codes (merchant pages); unset: the address the request that issues the link came to.",
    )
    signing_key: Path | None = Field(
        None,
        description="PEM file of the Ed25519 private key that signs credit extracts; unset: on SQLite (the embedded "
        "demo) a key is generated once and kept in the database, on PostgreSQL issuing extracts is refused.",
    )
    extract_font: Path | None = Field(
        None,
        description="OpenType/TrueType font with Chinese glyphs for credit extracts (PDF); unset: Noto Sans CJK SC "
        "from the mplfonts package, installed with the gateway.",
    )
    extract_validity_days: int = Field(
        30, ge=1, le=366, description="Days a credit extract is valid from its issue date (inclusive)."
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
    repairs: RepairRules = Field(
        default_factory=RepairRules,
        description='Repair deadline in working days, as JSON: {"decision_days": 15}.',
    )
    complaints: ComplaintRules = Field(
        default_factory=ComplaintRules,
        description='Complaint deadlines in working days, as JSON: {"intake_days": 3, "investigation_days": 10, '
        '"feedback_days": 2}.',
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
        description="Per-role query limits over the defaults of gateway.policy.limits, e.g. "
        '{"public": {"max_depth": 6}}; keys max_depth, max_aliases, max_tokens, max_cost, max_fields.',
    )
    default_list_size: int = Field(
        20, ge=1, le=10_000, description="Items the cost estimate assumes for a list without first/codes."
    )
    rate_limits: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description='Per-role token buckets over the defaults of gateway.server.ratelimit, e.g. {"public": {"rate": 5, '
        '"burst": 20}}: rate in requests per second, burst the bucket size.',
    )
    redis_url: str | None = Field(
        None, description="redis://host:port/db: share rate-limit buckets between gateway processes."
    )
    rate_limit_key_prefix: str = Field("credit-gateway:rl:", description="Prefix of the Redis keys of the buckets.")
    execution_engine: Literal["planned", "graphql-core"] = Field(
        "planned",
        description="How queries run: planned (gateway.engine: compiled plans, executed level by level) or "
        "graphql-core (strawberry's default executor, field by field). Mutations, subscriptions and "
        "introspection always run on graphql-core.",
    )
    plan_cache_size: int = Field(
        256, ge=1, le=100_000, description="Compiled query plans kept per audience schema (least recently used go)."
    )
    apq_cache_size: int = Field(
        1_000, ge=0, le=1_000_000, description="Automatic persisted queries kept in memory (LRU); 0 disables APQ."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated IPs or CIDRs of the reverse proxies whose X-Forwarded-For `serve` believes; "
        "empty: none, the public's rate limit is per connecting address.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the entry; "*" is refused too
        return value

    # --- end of abuse limits -----------------------------------------------------------------

    # --- JWT bearer tokens from an identity provider (gateway.auth.bearer, jwt_tokens) -------
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

    # --- end of JWT bearer tokens --------------------------------------------------------------

    # --- Observability: metrics, traces, logs (gateway.server.observability) -----------------------------
    log_format: Literal["text", "json"] = Field(
        "text", description="text, or json: one JSON object a line (with trace_id), for a log collector."
    )
    access_log: bool = Field(True, description="One log line per GraphQL request (gateway.access).")
    metrics_enabled: bool = Field(True, description="Prometheus metrics at /metrics, for admin keys only.")
    metrics_bind: str | None = Field(
        None,
        description="host:port of a separate metrics listener without authentication (e.g. 127.0.0.1:9464); "
        "bind it where only the scraper reaches.",
    )
    metrics_operation_names: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated operation names that always get their own metrics label.",
    )
    metrics_max_operation_names: int = Field(
        50,
        ge=0,
        le=1_000,
        description="Most further operation names (of keyed clients) labelled on their own; the rest are 'other'.",
    )
    otel_enabled: bool = Field(
        False, description="OpenTelemetry traces (needs the otel extra); OTEL_EXPORTER_OTLP_ENDPOINT also enables."
    )
    otel_service_name: str = Field("credit-gateway", description="service.name of the traces.")

    @field_validator("metrics_bind")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is not None:
            host, _, port = value.rpartition(":")
            if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
                raise ValueError("metrics_bind must be host:port, e.g. 127.0.0.1:9464")
        return value

    # --- end of observability ------------------------------------------------------------------

    # --- Remote subgraphs (gateway.federation; `credit-gateway serve --supergraph`, `supergraph check`) ---
    supergraph: str | None = Field(
        None,
        description="Path or http(s) URL of a Federation v2 supergraph SDL (credit-gateway supergraph compose) "
        "naming the remote subgraphs; unset: the gateway serves its plugins only.",
    )
    subgraph_visibility: dict[str, str] = Field(
        default_factory=dict,
        description='Visibility of each remote subgraph\'s fields, as JSON: {"loans": "partner", "*": "admin"}; '
        "keys are subgraph names or * (every other subgraph), or one subgraph's type or field "
        '("loans:Loan", "loans:CreditSubject.exposure"), values visibilities as in plugin declarations '
        "(partner:<subgraph>.<name> on a type or field: consent-scoped, see gateway.policy.remote_fields).",
    )
    subgraph_headers: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Headers sent to remote subgraphs, as JSON: {"*": {"forward": ["accept-language"]}, '
        '"loans": {"forward": ["x-purpose"], "set": {"x-caller": "credit-gateway"}}}; keys are subgraph names '
        "or *. Nothing else of the client's request is forwarded; credentials only for a named subgraph "
        "(gateway.federation.serving.headers).",
    )
    composition_dir: Path | None = Field(
        None,
        description="Directory whose node_modules holds @apollo/composition (npm install @apollo/composition@2.14.4 "
        "--prefix DIR), for `supergraph compose`.",
    )
    supergraph_poll_seconds: float = Field(
        0,
        ge=0,
        description="Re-read the supergraph every this many seconds and serve it if it changed (0: never; "
        "SIGHUP and POST /admin/supergraph/reload reload it too). A bad one is refused and the old one kept.",
    )
    subgraph_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Seconds one request to a remote subgraph may take (waiting for a connection included); "
        "past it the fields it would fill are null with SUBGRAPH_TIMEOUT. The timeout of every subgraph that "
        "subgraph_timeouts does not name (its * wins over this).",
    )
    subgraph_timeouts: dict[str, float] = Field(
        default_factory=dict,
        description='Timeout of each remote subgraph in seconds, as JSON: {"loans": 2.5, "*": 10}; keys are subgraph '
        f"names or * (every other subgraph), values above 0 and at most {MAX_SUBGRAPH_TIMEOUT_SECONDS}. Unnamed "
        "subgraphs without *: subgraph_timeout_seconds.",
    )
    subgraph_concurrency: dict[str, int] = Field(
        default_factory=dict,
        description='Most requests in flight to each remote subgraph, as JSON: {"loans": 8, "*": 64}; keys are '
        f"subgraph names or *, values 1 to {MAX_SUBGRAPH_CONCURRENCY}. Further fetches wait for a free slot "
        "(within their timeout). Unnamed subgraphs without *: 64.",
    )
    subgraph_deduplication: bool | dict[str, bool] = Field(
        True,
        description="Send a query to a remote subgraph once when identical ones (same subgraph, body and "
        "propagated headers) are in flight at once; the others wait for its answer. Nothing is kept after the "
        'answer. Mutations are always sent. true or false for every subgraph, or a JSON map {"loans": false, '
        '"*": true} (a subgraph not named, with no *: true).',
    )
    local_subgraph_name: str = Field(
        "credit-gateway",
        min_length=1,
        description="The supergraph's subgraph that is this gateway's own graph: its fetches run in process, "
        "on the plugins' schema for the caller's audience. A supergraph without it is served as a pure gateway.",
    )

    @field_validator("subgraph_visibility")
    @classmethod
    def _subgraph_names(cls, value: dict[str, str]) -> dict[str, str]:
        # The visibilities themselves are checked by gateway.policy.visibility.check_visibility, which the
        # kernel may not import: `supergraph check` (gateway.cli.supergraph) and serving call it.
        for name, visibility in value.items():
            if not name.strip() or not visibility.strip():
                raise ValueError("subgraph_visibility maps subgraph names (or *) to visibilities such as public")
        return value

    # The maps' values are checked before pydantic's coercion, which would take true for 1 and "2" for 2.
    # Their subgraph names are checked against the supergraph where it is read
    # (gateway.federation.serving.subgraph_limits).
    @field_validator("subgraph_timeouts", mode="before")
    @classmethod
    def _timeouts(cls, value: object) -> object:
        for name, seconds in _subgraph_map("subgraph_timeouts", value, '{"loans": 2.5, "*": 10}'):
            if not _is_number(seconds) or not 0 < seconds <= MAX_SUBGRAPH_TIMEOUT_SECONDS:
                raise ValueError(
                    f"subgraph_timeouts[{name!r}] must be a number of seconds above 0 and at most "
                    f"{MAX_SUBGRAPH_TIMEOUT_SECONDS}, not {seconds!r}"
                )
        return value

    @field_validator("subgraph_deduplication", mode="before")
    @classmethod
    def _deduplication(cls, value: object) -> object:
        if isinstance(value, bool):
            return value
        for name, on in _subgraph_map("subgraph_deduplication", value, '{"loans": false, "*": true}'):
            if not isinstance(on, bool):
                raise ValueError(f"subgraph_deduplication[{name!r}] must be true or false, not {on!r}")
        return value

    @field_validator("subgraph_concurrency", mode="before")
    @classmethod
    def _concurrency(cls, value: object) -> object:
        for name, most in _subgraph_map("subgraph_concurrency", value, '{"loans": 8, "*": 64}'):
            if not _is_number(most) or not 1 <= most <= MAX_SUBGRAPH_CONCURRENCY or most != int(most):
                raise ValueError(
                    f"subgraph_concurrency[{name!r}] must be a whole number from 1 to {MAX_SUBGRAPH_CONCURRENCY}, "
                    f"not {most!r}"
                )
        return value

    # --- end of remote subgraphs ---------------------------------------------------------------

    @field_validator(
        "plugins",
        "uscc_allow_list",
        "repair_excluded_categories",
        "jwt_algorithms",
        "trusted_proxies",
        "metrics_operation_names",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_csv(value)

    @property
    def uses_demo_secret(self) -> bool:
        return self.secret_key == DEMO_SECRET_KEY
