"""How the delivery engine paces, retries and reports: ``DeliveryConfig``, from the settings
(``VICHE_BROADCAST_RATE``, ``VICHE_BROADCAST_ALLOW_PAID``, ``VICHE_BROADCAST_PROGRESS_SECONDS``,
``VICHE_CALLBACK_NAMESPACE``) or set directly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bot.delivery.journal import default_journal

TELEGRAM_FREE_RATE = 30
TELEGRAM_PAID_RATE = 1000


@dataclass
class DeliveryConfig:
    rate: float = 25.0
    burst: int | None = None
    per_chat_interval: float = 1.0
    allow_paid_broadcast: bool = False
    max_attempts: int = 5
    backoff_base: float = 5.0
    backoff_max: float = 900.0
    progress_interval: float = 3.0
    poll_interval: float = 1.0
    schedule_interval: float = 30.0
    max_in_flight: int = 64
    lookahead: int | None = None
    commit_interval: float = 0.05  # outcomes are committed at most this often, in one transaction each
    journal: str | None = None
    default_language: str = "uk"
    callback_namespace: str = ""  # the mark on the buttons (viche.ptb's, when the bot is a python-telegram-bot one)

    def __post_init__(self) -> None:
        limit = TELEGRAM_PAID_RATE if self.allow_paid_broadcast else TELEGRAM_FREE_RATE
        if not 0 < self.rate <= limit:
            raise ValueError(
                f"broadcast rate {self.rate}/s is outside (0, {limit}]"
                + ("" if self.allow_paid_broadcast else "; above 30/s needs allow_paid_broadcast")
            )
        if self.burst is None:  # calls of the schedule kept for later when the loop wakes late or stalls: 0.1 s
            self.burst = max(2, int(self.rate / 10))  # worth, at least 2 (else each late wake-up is lost for good)
        if self.lookahead is None:  # rows claimed ahead of their turn (0.25–0.5 s): enough to hide a slow claim
            self.lookahead = max(2, math.ceil(self.rate / 2))
        # Calls under way at once: a quarter of a second of sending at full rate, so that slow answers (up to
        # ~250 ms) do not lower the rate; the pacer never lets more than ``rate`` be under way anyway.
        self.max_in_flight = max(self.max_in_flight, math.ceil(self.rate / 4))

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryConfig:
        return cls(
            rate=settings.broadcast_rate,
            allow_paid_broadcast=settings.broadcast_allow_paid,
            progress_interval=settings.broadcast_progress_seconds,
            default_language=settings.default_language,
            callback_namespace=settings.callback_namespace,
            journal=default_journal(settings.database_url),
        )
