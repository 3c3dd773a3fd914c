"""The organiser's progress message: sent when a broadcast starts, edited as it goes, its last edit saying how it
ended. A few messages a minute, so they go through aiogram's ``Bot``; each one takes a turn of the engine's pacer,
before the next message of the broadcast itself, since Telegram counts them in the same budget.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter

from bot.flows.digests import progress_text
from bot.i18n import resolve_locale, translator

log = logging.getLogger(__name__)


class ProgressMessages:
    """Sends or edits each watched broadcast's progress message (``report``), once its text has changed.

    ``turn`` waits for a turn of the engine's pacer, ``answered`` gives it back, ``pause`` stops every send after a
    429. ``rate`` (messages a second) estimates the time left."""

    def __init__(
        self,
        bot: Bot,
        store: Any,
        *,
        rate: float,
        default_language: str,
        turn: Callable[[], Awaitable[None]],
        answered: Callable[[], None],
        pause: Callable[[float], None],
    ) -> None:
        self.bot, self.store = bot, store
        self.rate, self.default_language = rate, default_language
        self._turn, self._answered, self._pause = turn, answered, pause
        self._texts: dict[int, str] = {}  # the text each broadcast's message shows now

    async def report(self) -> None:
        """Send or edit each watched broadcast's progress message; the last edit says how it ended."""
        await self.store.finish_done()
        for progress in await self.store.progress_targets():
            await self._report(progress)

    async def _report(self, progress: Any) -> None:
        tr = translator(resolve_locale(progress.organiser_language, None, self.default_language))
        final = progress.status != "running"
        eta = progress.remaining / self.rate if progress.remaining else None
        elapsed = None
        if progress.started_at and progress.finished_at:
            elapsed = (progress.finished_at - progress.started_at).total_seconds()
        text = progress_text(
            tr, asdict(progress) if hasattr(progress, "__dataclass_fields__") else vars(progress), eta, elapsed
        )
        if progress.progress_message_id is not None and self._texts.get(progress.broadcast_id) == text:
            if final:
                await self.store.set_progress(progress.broadcast_id, final=True)
            return
        await self._turn()
        try:
            if progress.progress_message_id is None:
                message = await self.bot.send_message(progress.organiser_chat_id, text)
                await self.store.set_progress(progress.broadcast_id, message_id=message.message_id, final=final)
            else:
                await self.bot.edit_message_text(
                    text, chat_id=progress.organiser_chat_id, message_id=progress.progress_message_id
                )
                if final:
                    await self.store.set_progress(progress.broadcast_id, final=True)
            self._texts[progress.broadcast_id] = text
        except TelegramRetryAfter as error:
            self._pause(error.retry_after)
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                self._texts[progress.broadcast_id] = text
                if final:
                    await self.store.set_progress(progress.broadcast_id, final=True)
            else:
                log.warning("progress message of broadcast %s: %s", progress.broadcast_id, error.message)
                await self.store.set_progress(progress.broadcast_id, final=True)
        except TelegramForbiddenError:
            await self.store.set_progress(progress.broadcast_id, final=True)  # the organiser blocked the bot
        except TelegramAPIError as error:
            log.warning("progress message of broadcast %s: %s", progress.broadcast_id, error)
        finally:
            self._answered()
