"""The delivery engine (``DeliveryEngine``): claims due deliveries a little ahead of their turn, sends them at the
pacer's rate, records each outcome, and resumes after a crash from the table and the journal.

How it keeps under Telegram's limits and why a crash never sends anyone the same message twice: see the package's
docstring (:mod:`bot.delivery`, Rate limits and Crash safety).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any, Protocol

from aiogram import Bot

from bot.delivery.composing import ChartKey, Charts, Composer
from bot.delivery.config import DeliveryConfig
from bot.delivery.journal import Journal
from bot.delivery.pacing import ChatSpacing, Pacer
from bot.delivery.progress import ProgressMessages
from bot.delivery.transport import BadRequest, BotApi, BotApiError, Forbidden, NetworkFailure, RetryAfter, ServerError

log = logging.getLogger(__name__)

MIN_NAP = 0.004  # the send loop wakes at most every 4 ms (and starts the calls due since then together)


def _utcnow():
    from datetime import datetime

    return datetime.now(UTC)


class DeliveryStore(Protocol):
    """What the engine needs from storage (``api.broadcast.store.SqlDeliveryStore``)."""

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
class Stats:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    retried: int = 0
    rate_limited: int = 0
    recovered_uncertain: int = 0
    requeued: int = 0
    calls: int = 0
    call_seconds: float = 0.0  # from the start of each call to its answer being handled: the pacer's round trip


class DeliveryEngine:
    def __init__(
        self,
        bot: Bot,
        store: DeliveryStore,
        config: DeliveryConfig | None = None,
        *,
        result_factory: Any = Outcome,
        api: BotApi | None = None,
    ) -> None:
        self.bot, self.store = bot, store
        self.config = config or DeliveryConfig()
        self.api = api or BotApi.for_bot(bot, connections=self.config.max_in_flight)
        self.pacer = Pacer(self.config.rate, burst=self.config.burst)
        self.chats = ChatSpacing(self.config.per_chat_interval)
        self.stats = Stats()
        self._result = result_factory
        self._paused_until = 0.0
        self._claimed: deque = deque()  # marked "sending" (committed), waiting for their turn
        self._in_flight: dict[int, asyncio.Task] = {}
        self._results: asyncio.Queue = asyncio.Queue()
        self._wake = asyncio.Event()  # the claimer: something new may be due, or the queue runs low
        self._nap_future: asyncio.Future | None = None  # the send loop's sleep, cut short by _kick()
        self._waiting_for_answer = False
        self._stopping = False
        self._contents: dict[int, tuple[str, dict[str, Any]]] = {}
        self.composer = Composer(self.config.default_language, self.config.callback_namespace)
        self.charts = Charts(on_change=self._kick)
        self.progress = ProgressMessages(
            bot,
            store,
            rate=self.config.rate,
            default_language=self.config.default_language,
            turn=self._turn,
            answered=self.pacer.answered,
            pause=self._pause,
        )
        self._progress_waiting = 0
        self._helpers: list[asyncio.Task] = []
        self._claimer: asyncio.Task | None = None
        self._refill_below = max(1, self.config.lookahead // 2)
        self._done: asyncio.Event | None = None
        self.journal = Journal(self.config.journal)

    @property
    def queued(self) -> int:
        """Messages claimed from the database and not yet answered by Telegram (the metrics' queue length)."""
        return len(self._claimed) + len(self._in_flight)

    # ---- lifecycle -------------------------------------------------------------------------------

    def wake(self) -> None:
        """Something new may be due (a broadcast was just created in this process)."""
        self._wake.set()

    async def run(self) -> None:
        started = self.journal.read()
        self.stats.recovered_uncertain, self.stats.requeued = await self.store.recover(started)
        self.journal.reset()
        if self.stats.recovered_uncertain:
            log.warning(
                "%d messages were being sent when the engine last stopped; marked uncertain, not repeated",
                self.stats.recovered_uncertain,
            )
        self._helpers = [
            asyncio.create_task(self._write_results(), name="broadcast-results"),
            asyncio.create_task(
                self._every(self.config.progress_interval, self.report_progress), name="broadcast-progress"
            ),
            asyncio.create_task(
                self._every(self.config.schedule_interval, self._schedule, first=0), name="broadcast-schedule"
            ),
        ]
        self._done = asyncio.Event()
        self._claimer = asyncio.create_task(self._claim_loop(), name="broadcast-claim")
        try:
            await self._send_loop()
        finally:
            await self._shutdown()
            self._done.set()

    async def close(self, timeout: float = 15.0) -> None:
        """Stop taking new rows, let the calls under way finish and their outcomes be committed, then return.

        Prefer this to cancelling ``run()``: rows claimed ahead of their turn then go back to "pending" at once
        (after a cancellation they are only queued again at the next start, from the journal)."""
        self._stopping = True
        self._wake.set()
        self._kick()
        if self._done is not None:
            try:
                await asyncio.wait_for(self._done.wait(), timeout)
            except TimeoutError:
                log.error("the delivery engine did not stop within %s s", timeout)

    async def _shutdown(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._claimer is not None:
            if not self._claimer.done():  # let a claim under way finish: its rows are then handed back below
                await asyncio.wait([self._claimer], timeout=timeout)
            if not self._claimer.done():
                self._claimer.cancel()
                await asyncio.gather(self._claimer, return_exceptions=True)
        while self._claimed:  # never started: nothing left the process, back to the queue
            job = self._claimed.popleft()
            self._results.put_nowait(self._result(job.id, "pending", job.attempts, error="sender stopped"))
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=timeout)
        for task in list(self._in_flight.values()):  # no answer in time: these rows stay "sending" (journaled)
            task.cancel()
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=2)
        committed = True
        try:
            await asyncio.wait_for(self._results.join(), timeout=timeout)
        except TimeoutError:
            committed = False
            log.error("broadcast outcomes not committed at shutdown: those rows will be 'uncertain'")
        try:
            await self.store.finish_done()
        except Exception:
            log.exception("could not mark finished broadcasts")
        for task in self._helpers:
            task.cancel()
        await asyncio.gather(*self._helpers, return_exceptions=True)
        self._helpers = []
        if committed and not self._in_flight:  # every journaled call has its outcome in the database
            self.journal.reset()
        self.journal.close()
        await self.api.close()

    async def _every(self, interval: float, action: Any, first: float | None = None) -> None:
        await asyncio.sleep(interval if first is None else first)
        while True:
            try:
                await action()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast helper %s failed", getattr(action, "__name__", action))
            await asyncio.sleep(interval)

    async def _schedule(self) -> None:
        if await self.store.schedule():
            self.wake()

    # ---- claiming rows ahead of their turn -------------------------------------------------------

    async def _claim_loop(self) -> None:
        """Keep half of ``lookahead`` to all of it claimed ("sending", committed) ahead of the send loop."""
        while not self._stopping:
            try:
                if len(self._claimed) >= self._refill_below:
                    await self._wait_wake(self.config.poll_interval)
                    continue
                jobs = await self._fetch(self.config.lookahead - len(self._claimed))
                if not jobs:
                    await self._idle()
                    continue
                for broadcast_id in {job.broadcast_id for job in jobs}:
                    await self._content(broadcast_id)
                # Charts are drawn before their rows are claimed, not while the calls go (a thread, but it holds the
                # GIL most of the time): once for each broadcast and language.
                drawing = {self._photo_key(job) for job in jobs} & set(self.charts.drawing)
                if drawing:
                    await asyncio.gather(*(self.charts.drawing[key] for key in drawing))
                won = await self.store.mark_sending([job.id for job in jobs])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not claim broadcast rows; retrying")
                await asyncio.sleep(1)
                continue
            self._claimed.extend(job for job in jobs if job.id in won)
            self._kick()

    async def _fetch(self, limit: int) -> list[Any]:
        jobs = await self.store.due(limit)
        sendable = []
        for job in jobs:
            if job.opted_out:
                self._results.put_nowait(self._result(job.id, "skipped", job.attempts, error="opted out"))
            elif job.chat_id is None:
                self._results.put_nowait(self._result(job.id, "failed", job.attempts, error="no Telegram chat"))
            else:
                sendable.append(job)
        if jobs and not sendable:  # only rows settled here: let their outcomes land before looking again
            await self._results.join()
        return sendable

    async def _idle(self) -> None:
        if not self._in_flight and not self._claimed:
            await self._results.join()
            await self.store.finish_done()
            if not self._in_flight and not self._claimed:
                self.journal.reset()  # every call it lists has its outcome committed
        await self._wait_wake(self.config.poll_interval)

    async def _wait_wake(self, timeout: float) -> None:
        self._wake.clear()
        if self._stopping:
            return
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)
        except TimeoutError:
            pass

    # ---- the send loop ---------------------------------------------------------------------------

    def _kick(self) -> None:
        if self._nap_future is not None:
            _settle(self._nap_future)

    async def _nap(self, seconds: float | None) -> None:
        """Sleep ``seconds`` (None: until kicked); ``_kick()`` ends it early."""
        loop = asyncio.get_running_loop()
        self._nap_future = future = loop.create_future()
        handle = None if seconds is None else loop.call_later(seconds, _settle, future)
        try:
            await future
        finally:
            self._nap_future = None
            if handle is not None:
                handle.cancel()

    async def _send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        pacer, chats, claimed = self.pacer, self.chats, self._claimed
        while not self._stopping:
            now = time.monotonic()
            if now < self._paused_until:
                await self._nap(self._paused_until - now)
                continue
            if not claimed:
                await self._nap(None if self._claimer is not None else self.config.poll_interval)
                continue
            room = min(
                pacer.available(now) - (1 if self._progress_waiting else 0),
                self.config.max_in_flight - len(self._in_flight),
            )
            if room <= 0:
                delay = pacer.wait(now) if len(self._in_flight) < self.config.max_in_flight else None
                if delay is not None and self._progress_waiting:
                    delay += MIN_NAP  # the progress message takes the next turn
                self._waiting_for_answer = delay is None
                await self._nap(None if delay is None else max(delay, MIN_NAP))
                self._waiting_for_answer = False
                continue
            ready, soonest = self._pick(room, now)
            if not ready:
                await self._nap(max(MIN_NAP, min(0.05, soonest - now)) if soonest is not None else 0.05)
                continue
            self.journal.started(*(job.id for job in ready))  # from here on, a crash leaves these "uncertain"
            pacer.started(len(ready))
            for job in ready:
                chats.started(job.chat_id)
                self._in_flight[job.id] = loop.create_task(self._deliver(job))
            if len(claimed) < self._refill_below:
                self._wake.set()
            await self._nap(MIN_NAP)

    def _pick(self, room: int, now: float) -> tuple[list[Any], float | None]:
        """Up to ``room`` claimed rows that may go now (their chat is free, their chart is ready), in order."""
        claimed, chats = self._claimed, self.chats
        ready: list[Any] = []
        deferred: list[Any] = []
        taken: set[int] = set()
        soonest: float | None = None
        while claimed and len(ready) < room and len(deferred) < 1000:
            job = claimed.popleft()
            if job.chat_id in taken or not chats.ready(job.chat_id, now):
                deferred.append(job)
                free_at = chats.free_at.get(job.chat_id)
                if free_at is not None and job.chat_id not in chats.busy and (soonest is None or free_at < soonest):
                    soonest = free_at
                continue
            key = self._photo_key(job)
            if key is not None and key not in self.charts.file_ids:
                png = self.charts.pngs.get(key)
                if png is None or (png and key in self.charts.uploading):
                    # Its chart is being drawn or uploaded: wait for Telegram's file_id rather than upload twice.
                    deferred.append(job)
                    continue
                if png:
                    self.charts.uploading.add(key)  # this one uploads it
            taken.add(job.chat_id)
            ready.append(job)
        claimed.extendleft(reversed(deferred))
        return ready, soonest

    async def _turn(self) -> None:
        """A turn for a call outside the send loop (progress messages): before the next broadcast message."""
        self._progress_waiting += 1
        try:
            while True:
                now = time.monotonic()
                if now >= self._paused_until and self.pacer.available(now) >= 1:
                    self.pacer.started(1)
                    return
                delay = self.pacer.wait(now)
                await asyncio.sleep(max(self._paused_until - now, MIN_NAP if delay is None else delay, 0.001))
        finally:
            self._progress_waiting -= 1

    def _pause(self, retry_after: float) -> None:
        until = time.monotonic() + retry_after
        self.stats.rate_limited += 1
        if until > self._paused_until:
            log.warning("Telegram asked to slow down: every broadcast pauses for %s s", retry_after)
            self._paused_until = until
            self.pacer.hold(until)

    # ---- one message -----------------------------------------------------------------------------

    async def _deliver(self, job: Any) -> None:
        attempts = job.attempts + 1
        started = time.monotonic()
        try:
            message_id = await self._send(job)
            result = self._result(job.id, "sent", attempts, message_id=message_id)
            self.stats.sent += 1
        except RetryAfter as error:
            self._pause(error.retry_after or 1)
            result = self._result(
                job.id,
                "pending",
                job.attempts,
                error=f"429: retry after {error.retry_after}",
                next_attempt_at=_utcnow() + timedelta(seconds=error.retry_after or 1),
            )
        except Forbidden as error:
            self.stats.unreachable += 1
            result = self._result(
                job.id, "unreachable", attempts, participant_id=job.participant_id, error=f"403: {error.description}"
            )
        except BadRequest as error:
            self.stats.failed += 1
            result = self._result(job.id, "failed", attempts, error=f"400: {error.description}")
        except (ServerError, NetworkFailure) as error:
            result = self._retry(job, attempts, f"{type(error).__name__}: {error}")
        except BotApiError as error:  # 401, 404, 409, 413, migrated group…: nothing a retry would fix
            self.stats.failed += 1
            result = self._result(job.id, "failed", attempts, error=f"{error.status}: {error.description}")
        except Exception as error:
            # (A cancellation is no Exception: the call was under way, the row stays "sending", journaled,
            # and is "uncertain" at the next start.)
            log.exception("broadcast row %s could not be sent", job.id)
            result = self._retry(job, attempts, f"{type(error).__name__}: {error}")
        finally:
            now = time.monotonic()
            self.stats.calls += 1
            self.stats.call_seconds += now - started
            self.pacer.answered(now)
            self.chats.answered(job.chat_id, now)
            self._in_flight.pop(job.id, None)
            if self._waiting_for_answer:
                self._kick()
        self._results.put_nowait(result)

    def _retry(self, job: Any, attempts: int, error: str) -> Any:
        if attempts >= self.config.max_attempts:
            self.stats.failed += 1
            return self._result(job.id, "failed", attempts, error=error)
        self.stats.retried += 1
        delay = min(self.config.backoff_max, self.config.backoff_base * 2 ** (attempts - 1))
        delay *= random.uniform(0.8, 1.2)
        return self._result(
            job.id, "pending", attempts, error=error, next_attempt_at=_utcnow() + timedelta(seconds=delay)
        )

    async def _content(self, broadcast_id: int) -> tuple[str, dict[str, Any]]:
        if broadcast_id not in self._contents:
            self._contents[broadcast_id] = await self.store.content(broadcast_id)
        return self._contents[broadcast_id]

    def _photo_key(self, job: Any) -> ChartKey | None:
        """(broadcast, language) of a job sent with a chart, else None. Starts drawing the chart if needed.
        The broadcast's content must be loaded (``_content``) first."""
        kind, content = self._contents[job.broadcast_id]
        if kind != "digest" or not content.get("chart"):
            return None
        tr = self.composer.translator(job.language, content)
        key = (job.broadcast_id, tr.locale)
        self.charts.need(key, content, tr)
        return key

    async def _send(self, job: Any) -> int:
        kind, content = self._contents[job.broadcast_id]
        tr = self.composer.translator(job.language, content)
        payload: dict[str, Any] = {"chat_id": job.chat_id}
        if self.config.allow_paid_broadcast:
            payload["allow_paid_broadcast"] = True
        if kind in ("invitation", "jury_call"):
            payload.update(self.composer.message(kind, job.broadcast_id, tr, content))
            return (await self.api.call("sendMessage", payload))["message_id"]
        caption = self.composer.caption(job.broadcast_id, tr, content, job.personal)
        markup = self.composer.digest_markup(job.broadcast_id, tr, content)
        if markup is not None:
            payload["reply_markup"] = markup
        key = (job.broadcast_id, tr.locale)
        charts = self.charts
        if content.get("chart") and key in charts.file_ids:
            payload.update(photo=charts.file_ids[key], caption=caption)
            return (await self.api.call("sendPhoto", payload))["message_id"]
        if not content.get("chart") or not charts.pngs.get(key):
            payload["text"] = caption
            return (await self.api.call("sendMessage", payload))["message_id"]
        # The first message of each language uploads the chart; the others reuse Telegram's file_id.
        message = None
        try:
            payload["caption"] = caption
            message = await self.api.upload("sendPhoto", payload, "photo", "results.png", charts.pngs[key], "image/png")
        finally:
            charts.uploaded(key, message)
        return message["message_id"]

    # ---- committing outcomes ---------------------------------------------------------------------

    async def _write_results(self) -> None:
        last = 0.0
        while True:
            batch = [await self._results.get()]
            wait = last + self.config.commit_interval - time.monotonic()
            if wait > 0:  # committed a moment ago: gather the outcomes coming in meanwhile into the next one
                await asyncio.sleep(wait)
            last = time.monotonic()
            while not self._results.empty():
                batch.append(self._results.get_nowait())
            delay = 0.5
            while True:
                try:
                    await self.store.record(batch)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("could not commit %d broadcast outcomes; retrying", len(batch))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30)
            for _ in batch:
                self._results.task_done()

    # ---- progress for organisers -----------------------------------------------------------------

    async def report_progress(self) -> None:
        """Send or edit each watched broadcast's progress message (``bot.delivery.progress``)."""
        await self.progress.report()


def _settle(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
