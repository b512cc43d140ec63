"""Configuration, read from ``CREDIT_GATEWAY_*`` environment variables (and CLI flags that override them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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

    @field_validator("plugins", "uscc_allow_list", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_csv(value)

    @property
    def uses_demo_secret(self) -> bool:
        return self.secret_key == DEMO_SECRET_KEY
