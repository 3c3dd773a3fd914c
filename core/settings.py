"""Configuration, read once from the environment (prefix ``VICHE_``) or a ``.env`` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VICHE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./viche.db",
        description="SQLAlchemy URL; PostgreSQL: postgresql+asyncpg://user:password@host:5432/db.",
    )
    bot_token: str | None = Field(default=None, description="Telegram bot token (@BotFather); unset: the sandbox.")
    telegram_api_url: str | None = Field(
        default=None, description="Bot API server base URL (self-hosted telegram-bot-api or compatible)."
    )
    api_url: str | None = Field(
        default=None, description="Backend URL when the bot runs apart from the API; in-process when unset."
    )
    # The bot authenticates to the participant routes with this token. Unset: a random one per
    # process, which is enough when bot and API share the process.
    service_token: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        description="Bearer token of the bot on the API; bot and API apart need the same on both sides.",
    )
    callback_namespace: str = Field(
        default="",
        description="Mark on the buttons of the digests and invitations sent: vc| when the bot is viche in a "
        "python-telegram-bot bot (viche.ptb's namespace); empty for viche's own bot.",
    )
    public_url: str | None = Field(
        default=None,
        description="Address people open the results pages at (https://…); unset: http://<host>:<port>.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, description="Port the server listens on.")
    admins: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Comma-separated Telegram user ids of organisers."
    )
    owners: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Comma-separated Telegram user ids who may /grant and /revoke organisers."
    )
    default_language: str = Field(default="uk", description="The bot's language when nothing else is known.")
    # Production mode (issue 8): webhook instead of long polling, and how long contact data is kept.
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL Telegram POSTs updates to.")
    webhook_secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        pattern=r"^[A-Za-z0-9_-]{1,256}$",
        description="Telegram's X-Telegram-Bot-Api-Secret-Token; random per process if unset.",
    )
    # At least a day: 0 or less would delete everyone's contact data at the next sweep, which is /forget for all.
    retention_days: int | None = Field(
        default=None, ge=1, description="Delete contact data this many days after consultations close."
    )
    # Partner API (issue 6): pseudonyms in exports, and each key's request budget.
    pseudonym_secret: SecretStr | None = Field(
        default=None, description="Key of the per-consultation pseudonyms in exports; unset: one kept in the database."
    )
    partner_rate_per_minute: int = Field(default=120, ge=1, description="Requests a minute per partner key.")
    partner_rate_burst: int = Field(default=30, ge=1, description="Requests a partner key may make at once.")
    # Broadcasts (issue 7): digests and invitations. Telegram allows about 30 messages a second across chats,
    # up to 1000 with paid broadcasts (Telegram Stars per message beyond the free 30).
    broadcast_rate: float = Field(default=25.0, gt=0, le=1000, description="Messages per second, all chats together.")
    broadcast_allow_paid: bool = Field(default=False, description="Send with allow_paid_broadcast (rates above 30/s).")
    broadcast_progress_seconds: float = Field(default=3.0, ge=1, description="How often progress messages are edited.")
    # Observability (issue 23): log lines for people or for log shippers, and who may read /metrics.
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as text, or one JSON object each."
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token Prometheus scrapes /metrics with; unset: no /metrics."
    )

    @model_validator(mode="after")
    def _paid_rate(self) -> Settings:
        if self.broadcast_rate > 30 and not self.broadcast_allow_paid:
            raise ValueError("VICHE_BROADCAST_RATE above 30 needs VICHE_BROADCAST_ALLOW_PAID=true (paid broadcasts)")
        return self

    @field_validator("admins", "owners", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # "123, 456" in the environment; a list when built in code.
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
