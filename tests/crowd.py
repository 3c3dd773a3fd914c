"""A crowd for load tests and the load benchmark: many citizens walking the demo consultation at once through the
real bot (fake Bot API over real HTTP → aiogram dispatcher → in-process API → database), and what the database
holds afterwards.

Each citizen sends /start, picks English, consents and then presses the first button of every screen (an
answer, a vote and its "why?", a pair) until the bot thanks them. A press counts as acknowledged when the
person sees the bot move on (the next screen); one that fails shows "Something went wrong", and the person
presses again, as a real one would. Afterwards every acknowledged answer, vote and pair must be in the
database exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from sandbox.fake_bot_api import FakeBotAPI
from storage.db import Database
from storage.models import Answer, Contact, Enrolment, PairPrompt, ProposalVote

FAILURE = "Something went wrong"
RETRIES = 3
"""Presses of the same button after a failure before the citizen gives up."""

KIND = {"a": "answers", "v": "votes", "q": "qualifications", "p": "pairs"}
"""Callback prefixes (bot.flows.buttons) of the presses that record something, by what they record."""


class StatusCount:
    """The API app as the bot sees it, counting the status of every response: a 5xx is what a person sees as
    "Something went wrong" (and, by long polling, an update lost)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.statuses: Counter[int] = Counter()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        async def counting(message: dict) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counting)


class CrowdFake(FakeBotAPI):
    """The fake Bot API, waking the citizen of a chat whenever the bot calls it for that chat: a wait per chat,
    not every citizen re-reading its chat on every change anywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters: dict[int, list[asyncio.Future]] = defaultdict(list)

    async def call(self, method: str, fields: dict[str, Any], files: Any = None) -> Any:
        chat = fields.get("chat_id")
        if method.lower() == "answercallbackquery":
            chat = (self.open_callback_queries.get(str(fields.get("callback_query_id"))) or {}).get("chat_id")
        try:
            return await super().call(method, fields, files)
        finally:
            if chat is not None:
                for waiter in self.waiters.pop(int(chat), []):
                    if not waiter.done():
                        waiter.set_result(None)

    async def until(self, chat: int, condition: Any, timeout: float) -> bool:
        """Wait until ``condition()`` holds, re-checked after each call of the bot for ``chat``."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            waiter = asyncio.get_running_loop().create_future()
            self.waiters[chat].append(waiter)
            try:
                await asyncio.wait_for(waiter, min(remaining, 1.0))  # 1 s: a change not made by a call
            except TimeoutError:
                pass
        return True


@dataclass
class Walk:
    chat: int
    finished: bool = False
    step_seconds: list[float] = field(default_factory=list)  # a press (or /start) → the next screen shown
    failures: int = 0  # "Something went wrong" seen
    stuck: int = 0  # a step with no answer at all within the timeout
    stuck_at: str | None = None  # the screen it stopped at
    acknowledged: Counter[str] = field(default_factory=Counter)  # distinct buttons whose press was answered
    pressed: Counter[str] = field(default_factory=Counter)  # distinct buttons that record something
    seen: set[str] = field(default_factory=set)  # the data of the buttons counted above


def _failures(fake: FakeBotAPI, chat: int) -> int:
    return sum(1 for m in fake.messages(chat) if (m.get("text") or "").startswith(FAILURE)) + sum(
        1 for a in fake.callback_answers(chat) if (a.get("text") or "").startswith(FAILURE)
    )


def _keyboard(message: dict[str, Any]) -> tuple[str, ...]:
    return tuple(b["callback_data"] for row in message.get("buttons") or [] for b in row if "callback_data" in b)


def _thanked(message: dict[str, Any]) -> bool:
    return (message.get("text") or "").startswith("Thank you")


async def walk(fake: CrowdFake, chat: int, step_timeout: float = 60) -> Walk:
    """One citizen's way through the demo consultation."""
    result = Walk(chat)

    def newest() -> dict[str, Any] | None:
        messages = fake.messages(chat)
        return messages[-1] if messages else None

    started = time.perf_counter()
    await fake.send_text(chat, "/start", language_code="en", first_name=f"Citizen{chat}")
    if not await fake.until(chat, lambda: (m := newest()) is not None and _keyboard(m), step_timeout):
        result.stuck += 1
        return result
    result.step_seconds.append(time.perf_counter() - started)
    for _ in range(40):  # far more screens than the demo has: a loop that never ends is a failure
        message = newest()
        if _thanked(message):
            result.finished = True
            return result
        keyboard = _keyboard(message)
        if not keyboard:
            result.stuck += 1
            result.stuck_at = f"no buttons: {message.get('text')!r}"
            return result
        english = [b["callback_data"] for row in message["buttons"] for b in row if b["text"].endswith("English")]
        data = english[0] if english else keyboard[0]
        kind = KIND.get(data.split(":", 1)[0])
        # The same button met again (a screen shown twice: the reply repeated after a crash) records nothing new.
        repeated = data in result.seen
        result.seen.add(data)
        if kind and not repeated:
            result.pressed[kind] += 1
        for _attempt in range(RETRIES):
            failures_before = _failures(fake, chat)

            def moved_on(failures_before: int = failures_before, message: dict = message, keyboard=keyboard) -> bool:
                now = newest()
                return (
                    _failures(fake, chat) > failures_before
                    or _thanked(now)
                    or (
                        bool(_keyboard(now))
                        and (now["message_id"] != message["message_id"] or _keyboard(now) != keyboard)
                    )
                )

            sent_at = time.perf_counter()
            await fake.press_button(chat, message["message_id"], data)
            if not await fake.until(chat, moved_on, step_timeout):
                result.stuck += 1
                result.stuck_at = f"no answer to {data!r} under {message.get('text')!r}"
                return result
            if _failures(fake, chat) > failures_before:
                result.failures += 1
                continue
            result.step_seconds.append(time.perf_counter() - sent_at)
            if kind and not repeated:
                result.acknowledged[kind] += 1
            break
        else:
            return result
    return result


async def crowd(fake: CrowdFake, chats: range, step_timeout: float = 60) -> list[Walk]:
    """Every citizen at once."""
    return list(await asyncio.gather(*(walk(fake, chat, step_timeout) for chat in chats)))


@dataclass
class Stored:
    """What the database holds for one citizen (by their Telegram id)."""

    answers: int = 0
    votes: int = 0
    qualifications: int = 0
    pairs: int = 0
    consented: int = 0
    completed: int = 0

    def counts(self) -> Counter[str]:
        return Counter(
            {"answers": self.answers, "votes": self.votes, "qualifications": self.qualifications, "pairs": self.pairs}
        )


async def stored(db: Database, chats: range) -> dict[int, Stored]:
    """Per Telegram id: rows of answers, votes (and those with a "why?"), answered pairs, enrolments."""
    found = {chat: Stored() for chat in chats}
    async with db.session() as session:
        people = dict(
            (
                await session.execute(
                    select(Contact.participant_id, Contact.external_id).where(Contact.channel == "telegram")
                )
            ).all()
        )

        async def per_participant(statement: Any) -> dict[str, int]:
            return dict((await session.execute(statement)).all())

        tables = {
            "answers": select(Answer.participant_id, func.count()).group_by(Answer.participant_id),
            "votes": select(ProposalVote.participant_id, func.count()).group_by(ProposalVote.participant_id),
            "qualifications": select(ProposalVote.participant_id, func.count())
            .where(ProposalVote.qualification.is_not(None))
            .group_by(ProposalVote.participant_id),
            "pairs": select(PairPrompt.participant_id, func.count())
            .where(PairPrompt.outcome.is_not(None))
            .group_by(PairPrompt.participant_id),
            "consented": select(Enrolment.participant_id, func.count())
            .where(Enrolment.consented_at.is_not(None))
            .group_by(Enrolment.participant_id),
            "completed": select(Enrolment.participant_id, func.count())
            .where(Enrolment.completed_at.is_not(None))
            .group_by(Enrolment.participant_id),
        }
        for name, statement in tables.items():
            for participant, count in (await per_participant(statement)).items():
                external = people.get(participant)
                if external is not None and int(external) in found:
                    setattr(found[int(external)], name, count)
    return found


@dataclass
class Outcome:
    """A crowd's run, summed up: what a person would notice, and what the database says."""

    walks: list[Walk]
    database: dict[int, Stored]
    statuses: Counter[int]
    seconds: float

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def finished(self) -> int:
        return sum(w.finished for w in self.walks)

    @property
    def failures(self) -> int:
        return sum(w.failures for w in self.walks)

    @property
    def stuck(self) -> int:
        return sum(w.stuck for w in self.walks)

    @property
    def acknowledged(self) -> int:
        return sum(sum(w.acknowledged.values()) for w in self.walks)

    def lost(self) -> int:
        """Acknowledged answers, votes, "why?"s and pairs the database does not hold."""
        return sum(
            max(0, n - self.database[w.chat].counts()[kind]) for w in self.walks for kind, n in w.acknowledged.items()
        )

    def duplicates(self) -> int:
        """Rows beyond the buttons the person pressed (each recorded once, however often pressed or delivered)."""
        return sum(
            max(0, n - w.pressed[kind]) for w in self.walks for kind, n in self.database[w.chat].counts().items()
        )

    @property
    def steps(self) -> list[float]:
        return [s for w in self.walks for s in w.step_seconds]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.steps)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    def summary(self) -> str:
        return (
            f"{len(self.walks)} participants, {self.finished} finished in {self.seconds:.1f} s; "
            f"{self.requests} API requests, {self.server_errors} × 5xx; {self.failures} × "
            f"'Something went wrong', {self.stuck} stuck; {self.acknowledged} acknowledged writes, "
            f"{self.lost()} lost, {self.duplicates()} duplicates; steps p50 {self.percentile(50) * 1000:.0f} ms, "
            f"p99 {self.percentile(99) * 1000:.0f} ms, max {max(self.steps, default=0) * 1000:.0f} ms; "
            f"{len(self.steps) / self.seconds:.1f} steps/s"
            + "".join(
                f"; {n} stuck at {where}"
                for where, n in Counter(w.stuck_at for w in self.walks if w.stuck_at).most_common(3)
            )
        )


async def run_crowd(api_app: Any, db: Database, service_token: str, chats: range, step_timeout: float = 60) -> Outcome:
    """The crowd against a running bot in this process (polling, as many updates at once as ``viche run``)."""
    from bot.webhook import MAX_CONCURRENT_UPDATES
    from tests.harness import running_bot

    counted = StatusCount(api_app)
    fake = CrowdFake()
    async with running_bot(
        counted, service_token, default_language="en", fake=fake, concurrency=MAX_CONCURRENT_UPDATES
    ):
        started = time.perf_counter()
        walks = await crowd(fake, chats, step_timeout)
        seconds = time.perf_counter() - started
    return Outcome(walks, await stored(db, chats), counted.statuses, seconds)
