"""Configuration, read once from the environment (prefix ``VICHE_``) or a ``.env`` file."""
from __future__ import annotations

import secrets
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VICHE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./viche.db"
    bot_token: str | None = None
    telegram_api_url: str | None = Field(
        default=None, description="Bot API server base URL (self-hosted telegram-bot-api or compatible)."
    )
    api_url: str | None = Field(
        default=None, description="Backend URL when the bot runs apart from the API; in-process when unset."
    )
    # The bot authenticates to the participant routes with this token. Unset: a random one per
    # process, which is enough when bot and API share the process.
    service_token: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    owners: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_language: str = "uk"
    # Production mode (issue 8): webhook instead of long polling, and how long contact data is kept.
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL Telegram POSTs updates to.")
    webhook_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), pattern=r"^[A-Za-z0-9_-]{1,256}$",
                                description="Telegram's X-Telegram-Bot-Api-Secret-Token; random per process if unset.")
    retention_days: int | None = Field(default=None, ge=0,
                                       description="Delete contact data this many days after consultations close.")

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
