"""Production mode in the runner: receiving updates by webhook, and the periodic housekeeping.

Housekeeping (hourly, in the process that owns the database: `viche run` without VICHE_API_URL, or `viche api`):
* forget which webhook updates were handled once they are a week old (Telegram never re-sends by then);
* with VICHE_RETENTION_DAYS set, delete contact data that many days after the consultations close
  (the same as ``viche retention``, which a cron job can run instead).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from core.settings import Settings
from storage.db import Database
from viche.database import run_with_database

if TYPE_CHECKING:  # the `viche` command imports this module: keep aiogram out of its start-up
    from aiogram import Bot, Dispatcher
    from fastapi import FastAPI

    from bot.backend import Backend

log = logging.getLogger("viche")

HOUSEKEEPING_INTERVAL = 3600.0


def install_webhook(settings: Settings, api: FastAPI, bot: Bot, dispatcher: Dispatcher, backend: Backend) -> str:
    """Mount the webhook route on ``api`` (before the server starts). Returns the URL to register."""
    from bot.webhook import WebhookReceiver, mount_webhook, public_url, webhook_path

    url = public_url(settings.webhook_url)
    mount_webhook(api, webhook_path(url), WebhookReceiver(dispatcher, bot, backend, settings.webhook_secret))
    return url


def _workflow(bot: Bot, dispatcher: Dispatcher) -> dict:
    return {"dispatcher": dispatcher, "bots": [bot], **dispatcher.workflow_data, "bot": bot}


async def start_webhook(settings: Settings, bot: Bot, dispatcher: Dispatcher, url: str) -> None:
    """Run the startup hooks (the command menu …), then tell Telegram where to deliver updates."""
    from bot.webhook import register_webhook

    await dispatcher.emit_startup(**_workflow(bot, dispatcher))
    await register_webhook(bot, dispatcher, url, settings.webhook_secret)
    log.info("webhook registered: %s", url)


async def stop_webhook(bot: Bot, dispatcher: Dispatcher) -> None:
    """Shutdown hooks only: the webhook stays registered, so Telegram keeps updates until we are back."""
    await dispatcher.emit_shutdown(**_workflow(bot, dispatcher))


async def prepare_polling(bot: Bot) -> None:
    """Polling after a webhook was registered: getUpdates is refused until the webhook is removed."""
    from aiogram.exceptions import TelegramAPIError

    try:
        await bot.delete_webhook(drop_pending_updates=False)
    except TelegramAPIError as error:
        log.warning("could not remove a webhook before polling: %s", error)


async def housekeep_once(settings: Settings, db: Database) -> dict[str, int]:
    from api import privacy

    done: dict[str, int] = {}
    async with db.session() as session:
        done["processed_updates_pruned"] = await privacy.prune_processed_updates(session)
        if settings.retention_days is not None:
            done.update(await privacy.sweep_retention(session, settings.retention_days))
    return done


async def housekeeping(settings: Settings, db: Database, interval: float = HOUSEKEEPING_INTERVAL) -> None:
    """Forever, every ``interval`` seconds; a failure (the database is down) is logged and retried next time."""
    while True:
        try:
            done = await housekeep_once(settings, db)
            if any(done.values()):
                log.info("housekeeping: %s", done)
        except Exception:
            log.exception("housekeeping failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)


def cmd_retention(args) -> int:
    """``viche retention [--days N]``: delete expired contact data now (and prune handled webhook updates)."""
    from core.settings import get_settings

    settings = get_settings()
    if args.days is not None:
        settings.retention_days = args.days
    if settings.retention_days is None:
        print("no retention period: set VICHE_RETENTION_DAYS or pass --days", file=sys.stderr)
        return 2
    done = run_with_database(lambda db: housekeep_once(settings, db), database_url=settings.database_url)
    print(
        f"retention {settings.retention_days} days: deleted the contact data of {done['contacts_deleted']} "
        f"participant(s); pruned {done['processed_updates_pruned']} handled webhook update(s)"
    )
    return 0


def retention_days(text: str) -> int:
    """``--days``: a whole number of days, at least 1 (0 or less would delete every contact at once)."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError(
            f"{days} is not a retention period: give at least 1 day "
            "(to delete someone's contact data at once, they use /forget)"
        )
    return days


def register(sub) -> None:
    retention = sub.add_parser("retention", help="delete contact data VICHE_RETENTION_DAYS after consultations close")
    retention.add_argument("--days", type=retention_days, help="override VICHE_RETENTION_DAYS (at least 1)")
    retention.set_defaults(func=cmd_retention)
