"""The sender: delivers the outbox (digests, invitations) through the Bot API within Telegram's limits, and
survives being killed at any moment.

Rate limits
    Telegram allows about 30 messages a second across chats (up to 1000 with ``allow_paid_broadcast``) and
    about one a second in any one chat, and answers 429 with ``retry_after`` beyond. The sender stays under
    the limits by construction rather than by reacting to 429s:

    * a global token bucket: ``rate`` tokens a second, at most ``burst`` saved up (``rate / 50``, at least
      1), so in any one-second window at most ``rate + burst`` calls start; keep that under Telegram's limit
      (the default 25/s leaves room for the bot's conversations, which do not take tokens);
    * at most one message per ``per_chat_interval`` (1 s) to any one chat;
    * a 429 all the same (the bot's own replies share the budget, a limit changed): the *whole* sender stops
      for ``retry_after`` seconds and the bucket restarts empty; the row is retried then, without counting
      an attempt;
    * 403 (the user blocked the bot, deactivated account): the row is "unreachable", the participant is
      marked unreachable (left out of later broadcasts until they write again), never retried;
    * 400 (chat not found, a bad request): "failed", never retried;
    * 5xx, network errors, timeouts: retried with exponential backoff and jitter, up to ``max_attempts``.

Crash safety
    Each row's state changes are committed, and committed *before* what they announce happens: a row becomes
    "sending" (committed) before its Bot API call starts, and its outcome is committed after the answer. Rows
    are marked in small batches a little ahead of their turn (``lookahead``, about a quarter of a second of
    sending, so that a slow commit never stalls the pace); each call then waits for its token. Just before the
    call, the row's id is appended to a local *journal* file (``os.write``: it survives SIGKILL).

    So a sender killed at any moment leaves every row either untouched ("pending": sent by the next start),
    finished ("sent", "failed", …: never touched again) or "sending". At the next start a "sending" row that is
    not in the journal never left the process: it goes back to "pending" and is sent once. A "sending" row in
    the journal is the one true ambiguity: its call was under way, and the message may or may not have reached
    Telegram; the Bot API has no idempotency key and no way to ask. We choose **at most once**: such a row
    becomes "uncertain" and is never sent again. Reasons: a participant must never receive the same round twice
    (the promise made to citizens; duplicates also get bots reported as spam, and limited); the ambiguity
    covers only the calls in flight at the instant of the crash (rate × call latency: about one at 30/s), most
    of which did arrive, whereas re-sending would duplicate every one that arrived; and organisers see the
    "uncertain" count in the progress message and ``/broadcasts``. Without the journal (a reboot clears the
    temporary directory, a new machine) every "sending" row is treated as uncertain: never a duplicate.

    One sender per database: two processes would each see the other's "sending" rows as abandoned. Within
    one sender, a conditional update (pending → sending, ``RETURNING``) makes sure a row is only claimed once.
    Stopping cleanly (``close()``) lets the calls under way finish and records them; rows still waiting for
    their turn go back to "pending".
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import random
import tempfile
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (TelegramAPIError, TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError,
                                TelegramRetryAfter, TelegramServerError)
from aiogram.types import BufferedInputFile

from bot.digest_chart import render_chart
from bot.flows.digests import chart_labels, digest_caption, invitation, localized, progress_text
from bot.handlers.render import keyboard
from bot.i18n import resolve_locale, translator

log = logging.getLogger(__name__)

TELEGRAM_FREE_RATE = 30
TELEGRAM_PAID_RATE = 1000


def _utcnow():  # noqa: ANN202
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


class OutboxStore(Protocol):
    """What the sender needs from storage (``api.broadcast.store.SqlOutboxStore``)."""

    async def recover(self, started: set[int] | None) -> tuple[int, int]: ...
    async def due(self, limit: int) -> list[Any]: ...
    async def mark_sending(self, ids: list[int]) -> set[int]: ...
    async def record(self, results: list[Any]) -> None: ...
    async def content(self, broadcast_id: int) -> tuple[str, dict[str, Any]]: ...
    async def finish_done(self) -> list[int]: ...
    async def progress_targets(self) -> list[Any]: ...
    async def set_progress(self, broadcast_id: int, *, message_id: int | None = None, final: bool = False) -> None: ...
    async def schedule(self) -> list[int]: ...


@dataclass
class Outcome:
    """How one attempt ended (the shape of ``api.broadcast.store.Result``)."""

    id: int
    state: str
    attempts: int
    participant_id: str | None = None
    message_id: int | None = None
    next_attempt_at: Any = None
    error: str | None = None


@dataclass
class BroadcastConfig:
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
    prefetch: int | None = None
    lookahead: int | None = None
    journal: str | None = None
    default_language: str = "uk"

    def __post_init__(self) -> None:
        limit = TELEGRAM_PAID_RATE if self.allow_paid_broadcast else TELEGRAM_FREE_RATE
        if not 0 < self.rate <= limit:
            raise ValueError(f"broadcast rate {self.rate}/s is outside (0, {limit}]"
                             + ("" if self.allow_paid_broadcast else "; above 30/s needs allow_paid_broadcast"))
        if self.burst is None:
            self.burst = max(1, int(self.rate / 50))
        if self.prefetch is None:
            self.prefetch = max(50, int(self.rate * 2))
        if self.lookahead is None:  # rows marked ahead of their turn: enough to hide a slow commit (~0.25 s)
            self.lookahead = max(2, math.ceil(self.rate / 4))
        self.max_in_flight = max(self.max_in_flight, self.lookahead + math.ceil(self.rate / 2))

    @classmethod
    def from_settings(cls, settings: Any) -> "BroadcastConfig":
        return cls(rate=settings.broadcast_rate, allow_paid_broadcast=settings.broadcast_allow_paid,
                   progress_interval=settings.broadcast_progress_seconds,
                   default_language=settings.default_language, journal=default_journal(settings.database_url))


def default_journal(database_url: str) -> str:
    """One journal per database, in the temporary directory (lost at reboot: then "sending" rows are uncertain)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"viche-broadcast-{digest}.journal")


class Journal:
    """The ids of rows whose Bot API call has started, appended just before each call.

    ``os.write`` hands each line to the kernel at once, so it survives the process being killed (SIGKILL), and
    costs a few microseconds. At start, a row found "sending" but absent from the journal never left the process
    and is queued again; one present may have reached Telegram and becomes "uncertain". Without a journal (none
    configured, a new machine, a reboot) every "sending" row is uncertain.
    """

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self._fd: int | None = None

    def read(self) -> set[int] | None:
        if self.path is None or not self.path.exists():
            return None
        try:
            return {int(line) for line in self.path.read_text().split() if line.isdigit()}
        except OSError:
            return None

    def reset(self) -> None:
        if self.path is None:
            return
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)

    def started(self, outbox_id: int) -> None:
        if self._fd is not None:
            os.write(self._fd, b"%d\n" % outbox_id)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` kept; ``hold(until)`` empties it until then."""

    def __init__(self, rate: float, capacity: int, clock=time.monotonic) -> None:  # noqa: ANN001
        self.rate, self.capacity, self.clock = rate, capacity, clock
        self.tokens = 1.0
        self.updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        if now > self.updated:
            self.tokens = min(float(self.capacity), self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    async def take(self, most: int) -> int:
        """Wait for at least one token; take up to ``most``."""
        while True:
            self._refill()
            if self.tokens >= 1:
                count = min(most, int(self.tokens))
                self.tokens -= count
                return count
            wait = max(self.updated - self.clock(), 0) + (1 - self.tokens) / self.rate
            await asyncio.sleep(wait)

    def hold(self, until: float) -> None:
        self.tokens = 0.0
        self.updated = max(self.updated, until)


@dataclass
class Stats:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    retried: int = 0
    rate_limited: int = 0
    recovered_uncertain: int = 0
    requeued: int = 0
    calls: list[float] = field(default_factory=list)


class Broadcaster:
    def __init__(self, bot: Bot, store: OutboxStore, config: BroadcastConfig | None = None,
                 *, result_factory: Any = Outcome) -> None:
        self.bot, self.store = bot, store
        self.config = config or BroadcastConfig()
        self.bucket = TokenBucket(self.config.rate, self.config.burst)
        self.stats = Stats()
        self._result = result_factory
        self._paused_until = 0.0
        self._last_sent: dict[int, float] = {}
        self._in_flight: dict[int, asyncio.Task] = {}
        self._slot_free = asyncio.Event()
        self._results: asyncio.Queue = asyncio.Queue()
        self._wake = asyncio.Event()
        self._stopping = False
        self._contents: dict[int, tuple[str, dict[str, Any]]] = {}
        self._file_ids: dict[tuple[int, str], str] = {}
        self._pngs: dict[tuple[int, str], bytes] = {}
        self._captions: dict[tuple, str] = {}
        self._drawing: dict[tuple[int, str], asyncio.Task] = {}
        self._uploading: set[tuple[int, str]] = set()
        self._progress_texts: dict[int, str] = {}
        self._helpers: list[asyncio.Task] = []
        self._done: asyncio.Event | None = None
        self._waiting = 0  # marked "sending", waiting for their token
        self._busy_chats: set[int] = set()
        self._token_lock = asyncio.Lock()
        self.journal = Journal(self.config.journal)

    # ---- lifecycle -------------------------------------------------------------------------------

    def wake(self) -> None:
        """Something new may be due (a broadcast was just created in this process)."""
        self._wake.set()

    async def run(self) -> None:
        started = self.journal.read()
        self.stats.recovered_uncertain, self.stats.requeued = await self.store.recover(started)
        self.journal.reset()
        if self.stats.recovered_uncertain:
            log.warning("%d messages were being sent when the sender last stopped; marked uncertain, not repeated",
                        self.stats.recovered_uncertain)
        self._helpers = [asyncio.create_task(self._write_results(), name="broadcast-results"),
                         asyncio.create_task(self._every(self.config.progress_interval, self.report_progress),
                                             name="broadcast-progress"),
                         asyncio.create_task(self._every(self.config.schedule_interval, self._schedule, first=0),
                                             name="broadcast-schedule")]
        self._done = asyncio.Event()
        try:
            await self._send_loop()
        finally:
            await self._shutdown()
            self._done.set()

    async def close(self, timeout: float = 15.0) -> None:
        """Stop taking new rows, let the calls under way finish and their outcomes be committed, then return.

        Prefer this to cancelling ``run()``: a cancellation can land between marking rows "sending" and
        starting their calls, and those rows would then be "uncertain" (not sent) at the next start."""
        self._stopping = True
        self._wake.set()
        self._slot_free.set()
        if self._done is not None:
            try:
                await asyncio.wait_for(self._done.wait(), timeout)
            except asyncio.TimeoutError:
                log.error("the broadcast sender did not stop within %s s", timeout)

    async def _shutdown(self, timeout: float = 10.0) -> None:
        self._stopping = True
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=timeout)
        for task in list(self._in_flight.values()):  # still waiting for their turn (a long 429 pause)
            task.cancel()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=2)
        try:
            await asyncio.wait_for(self._results.join(), timeout=timeout)
        except asyncio.TimeoutError:
            log.error("broadcast outcomes not committed at shutdown: those rows will be 'uncertain'")
        try:
            await self.store.finish_done()
        except Exception:  # noqa: BLE001 - the next start finishes them
            log.exception("could not mark finished broadcasts")
        for task in self._helpers:
            task.cancel()
        await asyncio.gather(*self._helpers, return_exceptions=True)
        self._helpers = []
        if not self._in_flight:
            self.journal.reset()
        self.journal.close()

    async def _every(self, interval: float, action: Any, first: float | None = None) -> None:
        await asyncio.sleep(interval if first is None else first)
        while True:
            try:
                await action()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a helper must outlive a database hiccup
                log.exception("broadcast helper %s failed", getattr(action, "__name__", action))
            await asyncio.sleep(interval)

    async def _schedule(self) -> None:
        if await self.store.schedule():
            self.wake()

    # ---- the loop --------------------------------------------------------------------------------

    async def _send_loop(self) -> None:
        buffer: deque = deque()
        while not self._stopping:
            await self._wait_pause()
            if not buffer:
                buffer.extend(await self._fetch())
                if not buffer:
                    await self._idle()
                    continue
            room = min(self.config.lookahead - self._waiting, self.config.max_in_flight - len(self._in_flight))
            if room <= 0:
                self._slot_free.clear()
                await self._slot_free.wait()
                continue
            ready, deferred, chats, uploads = [], [], set(), set()
            now = time.monotonic()
            while buffer and len(ready) < room:
                job = buffer.popleft()
                if job.chat_id in chats or job.chat_id in self._busy_chats or \
                        self._last_sent.get(job.chat_id, -1e9) + self.config.per_chat_interval > now:
                    deferred.append(job)
                elif (key := await self._photo_key(job)) is not None and key not in self._file_ids and (
                        key in self._uploading or key in uploads or key not in self._pngs):
                    # Its chart is being drawn or uploaded: wait for Telegram's file_id rather than upload twice.
                    deferred.append(job)
                else:
                    if key is not None and key not in self._file_ids:
                        uploads.add(key)
                    chats.add(job.chat_id)
                    ready.append(job)
                    continue
                if len(deferred) > 1000:
                    break
            buffer.extendleft(reversed(deferred))
            if not ready:
                soonest = min(self._last_sent.get(j.chat_id, now) for j in deferred) + self.config.per_chat_interval
                await asyncio.sleep(min(0.05, max(0.005, soonest - time.monotonic())))
                continue
            # Marked "sending" (committed) a little ahead of their turn; each call then waits for its token.
            won = await self.store.mark_sending([job.id for job in ready])
            for job in ready:
                if job.id not in won:
                    continue
                key = await self._photo_key(job)
                if key is not None and key not in self._file_ids:
                    self._uploading.add(key)
                self._busy_chats.add(job.chat_id)
                self._waiting += 1
                self._in_flight[job.id] = asyncio.create_task(self._deliver(job))

    async def _token(self) -> None:
        """Wait for this call's turn: after any 429 pause, one token of the bucket, first come first served."""
        async with self._token_lock:
            while True:
                await self._wait_pause(stoppable=False)
                await self.bucket.take(1)
                if time.monotonic() >= self._paused_until:
                    return

    async def _fetch(self) -> list[Any]:
        jobs = [job for job in await self.store.due(self.config.prefetch) if job.id not in self._in_flight]
        sendable = []
        for job in jobs:
            if job.opted_out:
                self._results.put_nowait(self._result(job.id, "skipped", job.attempts, error="opted out"))
            elif job.chat_id is None:
                self._results.put_nowait(self._result(job.id, "failed", job.attempts, error="no Telegram chat"))
            else:
                sendable.append(job)
        if len(self._last_sent) > 100_000:
            horizon = time.monotonic() - self.config.per_chat_interval
            self._last_sent = {chat: at for chat, at in self._last_sent.items() if at > horizon}
        return sendable

    async def _idle(self) -> None:
        if not self._in_flight and self._results.empty():
            await self._results.join()
            await self.store.finish_done()
            self.journal.reset()  # every call it lists has its outcome committed
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self.config.poll_interval)
        except asyncio.TimeoutError:
            pass

    async def _wait_pause(self, stoppable: bool = True) -> None:
        while (left := self._paused_until - time.monotonic()) > 0 and not (stoppable and self._stopping):
            await asyncio.sleep(min(left, 0.5))

    def _pause(self, retry_after: float) -> None:
        until = time.monotonic() + retry_after
        self.stats.rate_limited += 1
        if until > self._paused_until:
            log.warning("Telegram asked to slow down: every broadcast pauses for %s s", retry_after)
            self._paused_until = until
            self.bucket.hold(until)

    # ---- one message -----------------------------------------------------------------------------

    async def _deliver(self, job: Any) -> None:
        attempts = job.attempts + 1
        called = False
        try:
            try:
                await self._token()
            finally:
                self._waiting -= 1
                self._slot_free.set()
            self._last_sent[job.chat_id] = time.monotonic()
            self.journal.started(job.id)  # from here on, a crash leaves this row "uncertain"
            called = True
            message_id = await self._send(job)
            result = self._result(job.id, "sent", attempts, message_id=message_id)
            self.stats.sent += 1
        except TelegramRetryAfter as error:
            self._pause(error.retry_after)
            result = self._result(job.id, "pending", job.attempts, error=f"429: retry after {error.retry_after}",
                                  next_attempt_at=_utcnow() + timedelta(seconds=error.retry_after))
        except TelegramForbiddenError as error:
            self.stats.unreachable += 1
            result = self._result(job.id, "unreachable", attempts, participant_id=job.participant_id,
                                  error=f"403: {error.message}")
        except TelegramBadRequest as error:
            self.stats.failed += 1
            result = self._result(job.id, "failed", attempts, error=f"400: {error.message}")
        except (TelegramServerError, TelegramNetworkError, asyncio.TimeoutError, OSError) as error:
            result = self._retry(job, attempts, f"{type(error).__name__}: {error}")
        except TelegramAPIError as error:  # 401, 404, 409, 413, migrated group…: nothing a retry would fix
            self.stats.failed += 1
            result = self._result(job.id, "failed", attempts, error=f"{type(error).__name__}: {error.message}")
        except Exception as error:  # noqa: BLE001 - a bug in rendering must not kill the sender
            log.exception("broadcast row %s could not be sent", job.id)
            result = self._retry(job, attempts, f"{type(error).__name__}: {error}")
        except asyncio.CancelledError:
            if not called:  # stopped before its turn: nothing left the process, it goes back to the queue
                self._results.put_nowait(self._result(job.id, "pending", job.attempts, error="sender stopped"))
            raise
        finally:
            self._in_flight.pop(job.id, None)
            self._busy_chats.discard(job.chat_id)
            self._slot_free.set()
        self._results.put_nowait(result)

    def _retry(self, job: Any, attempts: int, error: str) -> Any:
        if attempts >= self.config.max_attempts:
            self.stats.failed += 1
            return self._result(job.id, "failed", attempts, error=error)
        self.stats.retried += 1
        delay = min(self.config.backoff_max, self.config.backoff_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.8, 1.2)
        return self._result(job.id, "pending", attempts, error=error,
                            next_attempt_at=_utcnow() + timedelta(seconds=delay))

    async def _content(self, broadcast_id: int) -> tuple[str, dict[str, Any]]:
        if broadcast_id not in self._contents:
            self._contents[broadcast_id] = await self.store.content(broadcast_id)
        return self._contents[broadcast_id]

    def _caption(self, broadcast_id: int, tr: Any, content: dict[str, Any], personal: dict[str, int]) -> str:
        """Captions differ only by the personal figures, which repeat a lot: each is worded once."""
        key = (broadcast_id, tr.locale, tuple(sorted((personal or {}).items())))
        caption = self._captions.get(key)
        if caption is None:
            if len(self._captions) > 50_000:
                self._captions.clear()
            caption = self._captions[key] = digest_caption(tr, content, personal)
        return caption

    async def _photo_key(self, job: Any) -> tuple[int, str] | None:
        """(broadcast, language) of a job sent with a chart, else None. Starts drawing the chart if needed."""
        kind, content = await self._content(job.broadcast_id)
        if kind != "digest" or not content.get("chart"):
            return None
        tr = self._translator(job, content)
        key = (job.broadcast_id, tr.locale)
        if key not in self._pngs and key not in self._drawing:
            self._drawing[key] = asyncio.create_task(self._draw(key, content, tr))
        return key

    async def _draw(self, key: tuple[int, str], content: dict[str, Any], tr: Any) -> None:
        try:
            self._pngs[key] = await asyncio.to_thread(self._chart, content, tr)
        except Exception:  # noqa: BLE001 - without a chart the digest still goes, as text
            log.exception("could not draw the chart of broadcast %s in %s", *key)
            self._pngs[key] = b""
        finally:
            self._drawing.pop(key, None)

    def _translator(self, job: Any, content: dict[str, Any]) -> Any:
        return translator(resolve_locale(job.language, None, content.get("default_language")
                                         or self.config.default_language))

    async def _send(self, job: Any) -> int:
        kind, content = await self._content(job.broadcast_id)
        tr = self._translator(job, content)
        paid = True if self.config.allow_paid_broadcast else None
        if kind == "invitation":
            screen = invitation(tr, content)
            message = await self.bot.send_message(job.chat_id, screen.text, reply_markup=keyboard(screen),
                                                  allow_paid_broadcast=paid)
            return message.message_id
        caption = self._caption(job.broadcast_id, tr, content, job.personal)
        chart = content.get("chart")
        if not chart:
            message = await self.bot.send_message(job.chat_id, caption, allow_paid_broadcast=paid)
            return message.message_id
        key = (job.broadcast_id, tr.locale)
        if key in self._file_ids:
            photo: Any = self._file_ids[key]
        elif self._pngs.get(key):
            # The first message of each language uploads the chart; the others reuse Telegram's file_id.
            photo = BufferedInputFile(self._pngs[key], "results.png")
        else:
            message = await self.bot.send_message(job.chat_id, caption, allow_paid_broadcast=paid)
            return message.message_id
        try:
            message = await self.bot.send_photo(job.chat_id, photo, caption=caption, allow_paid_broadcast=paid)
        finally:
            self._uploading.discard(key)
        if key not in self._file_ids and message.photo:
            self._file_ids[key] = message.photo[-1].file_id
        return message.message_id

    @staticmethod
    def _chart(content: dict[str, Any], tr: Any) -> bytes:
        chart, default = content["chart"], content.get("default_language")
        texts = [localized(row.get("text"), tr.locale, default) for row in chart.get("rows") or []]
        title = localized(content.get("title"), tr.locale, default)
        return render_chart(chart, texts, chart_labels(tr), tr.locale, title=title)

    # ---- committing outcomes ---------------------------------------------------------------------

    async def _write_results(self) -> None:
        while True:
            batch = [await self._results.get()]
            while not self._results.empty():
                batch.append(self._results.get_nowait())
            delay = 0.5
            while True:
                try:
                    await self.store.record(batch)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - keep the outcomes until the database takes them
                    log.exception("could not commit %d broadcast outcomes; retrying", len(batch))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30)
            for _ in batch:
                self._results.task_done()

    # ---- progress for organisers -----------------------------------------------------------------

    async def report_progress(self) -> None:
        """Send or edit each watched broadcast's progress message; the last edit says how it ended."""
        await self.store.finish_done()
        for progress in await self.store.progress_targets():
            await self._report(progress)

    async def _report(self, progress: Any) -> None:
        tr = translator(resolve_locale(progress.organiser_language, None, self.config.default_language))
        final = progress.status != "running"
        eta = progress.remaining / self.config.rate if progress.remaining else None
        elapsed = None
        if progress.started_at and progress.finished_at:
            elapsed = (progress.finished_at - progress.started_at).total_seconds()
        text = progress_text(tr, asdict(progress) if hasattr(progress, "__dataclass_fields__") else vars(progress),
                             eta, elapsed)
        if progress.progress_message_id is not None and self._progress_texts.get(progress.broadcast_id) == text:
            if final:
                await self.store.set_progress(progress.broadcast_id, final=True)
            return
        await self._token()
        try:
            if progress.progress_message_id is None:
                message = await self.bot.send_message(progress.organiser_chat_id, text)
                await self.store.set_progress(progress.broadcast_id, message_id=message.message_id, final=final)
            else:
                await self.bot.edit_message_text(text, chat_id=progress.organiser_chat_id,
                                                 message_id=progress.progress_message_id)
                if final:
                    await self.store.set_progress(progress.broadcast_id, final=True)
            self._progress_texts[progress.broadcast_id] = text
        except TelegramRetryAfter as error:
            self._pause(error.retry_after)
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                self._progress_texts[progress.broadcast_id] = text
                if final:
                    await self.store.set_progress(progress.broadcast_id, final=True)
            else:
                log.warning("progress message of broadcast %s: %s", progress.broadcast_id, error.message)
                await self.store.set_progress(progress.broadcast_id, final=True)
        except TelegramForbiddenError:
            await self.store.set_progress(progress.broadcast_id, final=True)  # the organiser blocked the bot
        except TelegramAPIError as error:
            log.warning("progress message of broadcast %s: %s", progress.broadcast_id, error)
