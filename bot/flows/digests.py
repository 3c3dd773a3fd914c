"""What broadcasts say: a participant's results digest, an invitation, an organiser's progress message; and the
/digests, /stop, /digest and /broadcasts conversations. No aiogram here (see tests/test_architecture.py).

A digest is sent as a photo (the chart) with the text as its caption, so the text must fit Telegram's caption
limit of 1024 characters (UTF-16 code units): long proposals are shortened, then the least important sections
dropped, until it does.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date, format_timedelta

from bot.backend import Backend, BackendError
from bot.flows.buttons import Digests, Switch
from bot.flows.known import CHANNEL
from bot.flows.language import reader_translator
from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen, link_button
from bot.flows.standing import compare_button, how_it_fared, where_you_stand
from bot.flows.texts import localized, shorten
from bot.i18n import Translator
from bot.i18n.formats import format_number, format_share

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---- the digest ------------------------------------------------------------------------------------------


def digest_caption(tr: Translator, content: dict[str, Any], personal: dict[str, Any] | None) -> str:
    """The digest's text in ``tr``'s language, within the caption limit."""
    for text_limit, drop in ((140, 0), (90, 0), (60, 0), (60, 1), (45, 2), (45, 3), (30, 4)):
        text = _digest_text(tr, content, personal or {}, text_limit, drop)
        if utf16_len(text) <= CAPTION_LIMIT:
            return text
    return shorten(text, CAPTION_LIMIT - 1)


def _digest_text(tr: Translator, content: dict[str, Any], personal: dict[str, Any], limit: int, drop: int) -> str:
    locale, default = tr.locale, content.get("default_language")
    title = localized(content.get("title"), locale, default)
    final = content.get("round") == "final"
    head = (
        tr._("📊 «{title}»: the results", title=title) if final else tr._("📊 «{title}»: results so far", title=title)
    )
    participants, answers = int(content.get("participants", 0)), int(content.get("answers", 0))
    lines = [
        head,
        tr.n_(
            "👥 {count} participant", "👥 {count} participants", participants, count=format_number(participants, locale)
        )
        + " · "
        + tr.n_("💬 {count} answer", "💬 {count} answers", answers, count=format_number(answers, locale)),
    ]

    def text_of(entry: dict[str, Any]) -> str:
        return shorten(localized(entry.get("text"), locale, default), limit)

    def agree(entry: dict[str, Any]) -> str:
        return tr._("{share} agree", share=format_share(entry.get("agree", 0), locale))

    sections: list[list[str]] = []
    # Only proposals a majority of their voters agree with are "most supported" (digests stored before this rule
    # may list others: they are left out here too).
    top = [e for e in content.get("top") or [] if float(e.get("agree", 0)) > 0.5]
    if top:
        sections.append(
            [tr._("🏆 Most supported")]
            + [f"{number}. {text_of(e)} — {agree(e)}" for number, e in enumerate(top, start=1)]
        )
    elif content.get("top") or content.get("top_none"):
        sections.append(
            [
                tr._("🏆 Most supported"),
                tr._("No proposal has the agreement of a majority of its voters.")
                if final
                else tr._("No proposal has the agreement of a majority of its voters yet."),
            ]
        )
    if content.get("consensus"):
        sections.append([tr._("🤝 Broad agreement")] + [f"• {text_of(e)} — {agree(e)}" for e in content["consensus"]])
    if content.get("divisive"):
        sections.append(
            [tr._("⚖️ Most divisive")]
            + [
                f"• {text_of(e)} — "
                + tr._(
                    "{agree} agree, {disagree} disagree",
                    agree=format_share(e.get("agree", 0), locale),
                    disagree=format_share(e.get("disagree", 0), locale),
                )
                for e in content["divisive"]
            ]
        )
    for pairs in content.get("pairs") or []:
        sections.append(
            ["🥇 " + shorten(localized(pairs.get("prompt"), locale, default), limit)]
            + [f"{number}. {text_of(e)}" for number, e in enumerate(pairs["top"], start=1)]
        )
    # Least important last: pairs leaders, then divisive, then consensus go first when space runs out.
    keep = max(1, len(sections) - drop) if sections else 0
    sections = sections[:keep]

    mine = []
    if personal.get("votes"):
        mine.append(
            tr.n_(
                "🙋 You agreed with the majority on {k} of {n} proposal.",
                "🙋 You agreed with the majority on {k} of {n} proposals.",
                personal["votes"],
                k=personal.get("with_majority", 0),
            )
        )
    if personal.get("pairs"):
        mine.append(
            tr.n_(
                "🙋 Your choice matched the overall ranking in {k} of {n} pair.",
                "🙋 Your choices matched the overall ranking in {k} of {n} pairs.",
                personal["pairs"],
                k=personal.get("pairs_with_ranking", 0),
            )
        )
    blocks = ["\n".join(lines)] + ["\n".join(section) for section in sections]
    # Where the reader stands among the opinion groups: their group only when the API released it to them.
    view = content.get("standing")
    if view:
        group = view["groups"].get(personal["group"]) if personal.get("group") is not None else None
        blocks.append("\n".join(where_you_stand(tr, group, view.get("common") or [], text_of)))
    mine += how_it_fared(tr, personal.get("own") or [], text_of)
    if mine:
        blocks.append("\n".join(mine))
    blocks.append(tr._("/digests — turn these messages off"))
    return "\n\n".join(blocks)


def digest_buttons(tr: Translator, content: dict[str, Any]) -> Screen | None:
    """The digest's buttons: "How do I compare?" once the consultation has opinion groups, and the results page
    once it is public (``page_url``; a Mini App where Telegram allows it: digests go to private chats)."""
    rows = []
    if content.get("standing") and content.get("slug"):
        rows.append([compare_button(tr, content["slug"])])
    if content.get("page_url"):
        rows.append([link_button(tr._("📊 Open the results page"), content["page_url"], private_chat=True)])
    return Screen("", rows) if rows else None


def chart_labels(tr: Translator) -> dict[str, str]:
    return {
        "agree": tr._("Agree"),
        "neutral": tr._("Neutral"),
        "disagree": tr._("Disagree"),
        "share": tr._("Share of votes"),
        "p_beat": tr._("Chance to win against another proposal"),
    }


def invitation(tr: Translator, content: dict[str, Any]) -> Screen:
    locale, default = tr.locale, content.get("default_language")
    title = localized(content.get("title"), locale, default)
    intro = shorten(localized(content.get("intro"), locale, default), 700)
    text = tr._("📣 A new consultation is open: «{title}»", title=title)
    if intro:
        text += "\n\n" + intro
    text += "\n\n" + tr._("/stop — no more messages from me")
    return Screen(text, [[Button(tr._("Take part"), Switch(content["slug"]).pack())]])


# ---- progress, for organisers ----------------------------------------------------------------------------

_UPDATE_ROUND = re.compile(r"^update-(\d{4})(\d{2})(\d{2})$")
_INTERIM_ROUND = re.compile(r"^interim-(\d+)$")
_JURY_ROUND = re.compile(r"^draw-(\d+)$")


def round_label(tr: Translator, round_: str) -> str:
    """A round as people say it: the automatic ids ("final", "update-20261201", "interim-2", "launch") in words and
    the date in the reader's locale; a name the organiser gave ("week-1") as they wrote it."""
    if round_ == "final":
        return tr._("final results")
    if round_ == "launch":
        return tr._("launch")
    update = _UPDATE_ROUND.match(round_ or "")
    if update:
        try:
            day = date(*(int(part) for part in update.groups()))
        except ValueError:
            return round_
        return tr._("update of {date}", date=format_date(day, "long", locale=tr.locale))
    interim = _INTERIM_ROUND.match(round_ or "")
    if interim:
        return tr._("interim update {number}", number=format_number(int(interim.group(1)), tr.locale))
    jury = _JURY_ROUND.match(round_ or "")
    if jury:
        return tr._("jury calls of draw {number}", number=format_number(int(jury.group(1)), tr.locale))
    return round_


def duration(seconds: float, locale: str) -> str:
    return format_timedelta(timedelta(seconds=max(1, round(seconds))), threshold=1.1, locale=locale)


def progress_text(
    tr: Translator, progress: dict[str, Any], eta_seconds: float | None, elapsed_seconds: float | None
) -> str:
    """The live message an organiser watches: sent, not delivered, remaining, time left (or how it ended)."""
    counts = progress.get("counts") or {}
    slug, round_ = progress["slug"], round_label(tr, progress["round"])
    head = (
        tr._("📊 Digest of {slug}: {round}", slug=slug, round=round_)
        if progress["kind"] == "digest"
        else tr._("📣 Invitations to {slug}: {round}", slug=slug, round=round_)
    )
    failed = sum(counts.get(state, 0) for state in ("failed", "unreachable", "uncertain"))
    remaining = counts.get("pending", 0) + counts.get("sending", 0)
    lines = [
        head,
        tr._(
            "✅ Sent: {count} of {total}",
            count=format_number(counts.get("sent", 0), tr.locale),
            total=format_number(progress.get("total", 0), tr.locale),
        ),
        tr._("⚠️ Not delivered: {count}", count=format_number(failed, tr.locale)),
    ]
    if counts.get("skipped"):
        lines.append(tr._("🔕 Opted out meanwhile: {count}", count=format_number(counts["skipped"], tr.locale)))
    if progress["status"] == "running":
        lines.append(tr._("⏳ Remaining: {count}", count=format_number(remaining, tr.locale)))
        if eta_seconds is not None and remaining:
            lines.append(tr._("🕒 Time left: about {duration}", duration=duration(eta_seconds, tr.locale)))
    elif progress["status"] == "cancelled":
        lines.append(tr._("✖️ Cancelled."))
    else:
        lines.append(tr._("🏁 Finished in {duration}.", duration=duration(elapsed_seconds or 1, tr.locale)))
    return "\n".join(lines)


# ---- conversations ---------------------------------------------------------------------------------------


class DigestFlow:
    def __init__(self, backend: Backend, default_language: str = "uk") -> None:
        self.backend = backend
        self.default_language = default_language

    async def _participant(self, person: Person) -> tuple[dict[str, Any], Translator]:
        participant = await self.backend.identify(CHANNEL, person.external_id)
        return participant, reader_translator(participant.get("language"), person, self.default_language)

    def _organiser_tr(self, person: Person) -> Translator:
        return reader_translator(None, person, self.default_language)

    # citizens

    async def digests_menu(self, person: Person) -> Reply:
        participant, tr = await self._participant(person)
        pref = await self.backend.messaging(participant["id"])
        return Reply(messages=[self._menu(tr, pref)])

    def _menu(self, tr: Translator, pref: dict[str, Any]) -> Screen:
        if pref.get("stopped"):
            text = tr._(
                "You stopped all messages from me with /stop. Turn digests on to hear what comes of the "
                "consultations you took part in."
            )
            return Screen(text, [[Button(tr._("Turn digests on"), Digests("turn_on").pack())]])
        if pref.get("digests", True):
            text = tr._(
                "Digests are on: when a consultation you took part in has results, I send you a short "
                "summary with a chart."
            )
            return Screen(text, [[Button(tr._("Turn digests off"), Digests("turn_off").pack())]])
        return Screen(
            tr._("Digests are off: I will not send you results."),
            [[Button(tr._("Turn digests on"), Digests("turn_on").pack())]],
        )

    @staticmethod
    def handles(data: str | None) -> bool:
        return Digests.unpack(data) is not None

    async def callback(self, person: Person, data: str | None) -> Reply:
        participant, tr = await self._participant(person)
        button = Digests.unpack(data)
        turn_on = button is not None and button.action == "turn_on"
        change = {"digests": True, "stopped": False} if turn_on else {"digests": False}
        pref = await self.backend.set_messaging(participant["id"], **change)
        return Reply(edit=self._menu(tr, pref), toast="✓")

    async def stop(self, person: Person) -> Reply:
        participant, tr = await self._participant(person)
        await self.backend.set_messaging(participant["id"], stopped=True)
        return Reply(
            messages=[
                Screen(
                    tr._(
                        "Done: I will not send you any message unless you write to me first. "
                        "/digests turns results digests back on."
                    )
                )
            ]
        )

    # organisers

    async def start_digest(self, person: Person, chat_id: int, args: str | None) -> Reply:
        tr = self._organiser_tr(person)
        words = (args or "").split()
        if not words:
            return Reply(
                messages=[
                    Screen(
                        tr._(
                            "Write /digest followed by the consultation's short name, for example /digest {example}.",
                            example="city-budget",
                        )
                    )
                ]
            )
        slug, round_ = words[0].lower(), (words[1].lower() if len(words) > 1 else None)
        try:
            out = await self.backend.start_digest(
                slug, round_=round_, organiser_chat_id=chat_id, organiser_language=tr.locale
            )
        except BackendError as error:
            if error.status == 404:
                return Reply(
                    messages=[Screen(tr._("There is no consultation {slug}. /list shows them all.", slug=slug))]
                )
            if error.code == "no_recipients":
                return Reply(
                    messages=[
                        Screen(
                            tr._(
                                "Nobody can receive a digest of {slug} yet: no participant who has not opted out.",
                                slug=slug,
                            )
                        )
                    ]
                )
            if error.code == "draft":
                return Reply(
                    messages=[Screen(tr._("{slug} is still a draft: there are no results to send.", slug=slug))]
                )
            if error.code == "below_threshold":
                needed = int(error.extra.get("needed") or 0)
                count = int(error.extra.get("participants") or 0)
                return Reply(
                    messages=[
                        Screen(
                            tr.n_(
                                "Results of {slug} go out only once at least {needed} participant has answered "
                                "(its minimum group size), so that nobody can be recognised in them.",
                                "Results of {slug} go out only once at least {needed} participants have answered "
                                "(its minimum group size), so that nobody can be recognised in them.",
                                needed,
                                slug=slug,
                                needed=format_number(needed, tr.locale),
                            )
                            + " "
                            + tr.n_(
                                "So far: {count} participant. No digest was sent.",
                                "So far: {count} participants. No digest was sent.",
                                count,
                                count=format_number(count, tr.locale),
                            )
                        )
                    ]
                )
            if error.status == 422:
                return Reply(
                    messages=[
                        Screen(
                            tr._(
                                "A round name has lowercase letters, digits and hyphens only, for example {example}.",
                                example="week-2",
                            )
                        )
                    ]
                )
            raise
        if not out["created"]:
            return Reply(
                messages=[
                    Screen(
                        tr._(
                            "Everyone has already received this digest of {slug} ({round}). "
                            "/broadcasts shows how it went.",
                            round=round_label(tr, out["round"]),
                            slug=slug,
                        )
                    )
                ]
            )
        return Reply(
            messages=[
                Screen(
                    tr.n_(
                        "The digest of {slug} ({round}) goes to {n} participant. I will show the progress here.",
                        "The digest of {slug} ({round}) goes to {n} participants. I will show the progress here.",
                        out["total"],
                        slug=slug,
                        round=round_label(tr, out["round"]),
                    )
                )
            ]
        )

    async def broadcasts(self, person: Person) -> Reply:
        tr = self._organiser_tr(person)
        rows = await self.backend.broadcasts(limit=15)
        if not rows:
            return Reply(messages=[Screen(tr._("No broadcast yet. /digest sends the results to participants."))])
        status_mark = {"running": "⏳", "finished": "✅", "cancelled": "✖️"}
        kind_mark = {"digest": "📊", "invitation": "📣", "jury_call": "⚖️"}
        lines = [tr._("Broadcasts, newest first:")]
        for row in rows:
            failed = row["failed"] + row["unreachable"] + row["uncertain"]
            line = tr._(
                "{slug} ({round}): {sent} of {total} sent, {failed} not delivered",
                slug=row["slug"],
                round=round_label(tr, row["round"]),
                sent=format_number(row["sent"], tr.locale),
                total=format_number(row["total"], tr.locale),
                failed=format_number(failed, tr.locale),
            )
            if row["status"] == "running" and row.get("eta_seconds"):
                line += " · " + tr._("about {duration} left", duration=duration(row["eta_seconds"], tr.locale))
            lines.append(f"{status_mark.get(row['status'], '•')} {kind_mark.get(row['kind'], '')} {line}")
        return Reply(messages=[Screen("\n".join(lines)[:TEXT_LIMIT])])
