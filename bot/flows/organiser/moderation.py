"""/moderate: citizen proposals, one at a time, accepted into the pool or rejected with a reason.

The author is told about the decision in *their* language (``author_message``, sent by the handler as a
``Notice``). Two organisers may decide the same proposal at once: the second is told who was first.
"""

from __future__ import annotations

from typing import Any, get_args

from bot.backend import Backend, BackendError
from bot.flows.items import quoted as in_marks
from bot.flows.organiser.arguments import refuse_slug, words
from bot.flows.organiser.buttons import ALL, Accept, BackToProposal, Reject, ShowReasons, SkipProposal
from bot.flows.organiser.replies import Notice, OrganiserReply, failure, status_label
from bot.flows.screens import Button, Screen
from bot.i18n import Translator, translator
from core.vocabulary import RejectReason

_REASONS: tuple[RejectReason, ...] = get_args(RejectReason)  # core.vocabulary.REJECT_REASONS, in their order


class Moderation:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def command(self, tr: Translator, args: str | None) -> OrganiserReply:
        given = words(args)
        if given:
            refusal = refuse_slug(tr, given, "/moderate [slug]")
            if refusal is not None:
                return refusal
        return OrganiserReply(messages=[await self.next_pending(tr, given[0] if given else ALL)])

    async def next_pending(self, tr: Translator, scope: str, after: int | None = None) -> Screen:
        try:
            queue = await self.backend.moderation_next(None if scope == ALL else scope, after, tr.locale)
        except BackendError as error:
            return failure(tr, error, None if scope == ALL else scope)
        proposal = queue["proposal"]
        if proposal is None:
            return Screen(tr._("No proposal is waiting for moderation. ✓"))
        return _proposal_screen(tr, proposal, queue["pending"], scope)

    async def on_accept(self, tr: Translator, button: Accept, message_text: str | None) -> OrganiserReply:
        return await self._decide(tr, button.proposal, button.scope, None, message_text)

    async def on_reject(self, tr: Translator, button: Reject, message_text: str | None) -> OrganiserReply:
        return await self._decide(tr, button.proposal, button.scope, button.reason, message_text)

    async def on_reasons(self, tr: Translator, button: ShowReasons, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=_reasons_screen(tr, button.proposal, button.scope, _strip_question(message_text)))

    async def on_back(self, tr: Translator, button: BackToProposal, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=await self.next_pending(tr, button.scope, button.proposal - 1))

    async def on_skip(self, tr: Translator, button: SkipProposal, message_text: str | None) -> OrganiserReply:
        return OrganiserReply(edit=await self.next_pending(tr, button.scope, button.proposal))

    async def _decide(
        self, tr: Translator, pid: int, scope: str, reason: RejectReason | None, message_text: str | None
    ) -> OrganiserReply:
        try:
            decision = (
                await self.backend.accept_proposal(pid)
                if reason is None
                else await self.backend.reject_proposal(pid, reason)
            )
        except BackendError as error:
            if error.code == "already_moderated":
                done = Screen(
                    _strip_question(message_text)
                    + "\n\n"
                    + tr._(
                        "Already decided by another organiser ({status}).",
                        status=status_label(tr, error.extra.get("proposal_status", "")),
                    )
                )
                return OrganiserReply(edit=done, messages=[await self.next_pending(tr, scope, pid)])
            if error.code == "duplicate":
                return OrganiserReply(
                    toast=tr._("The pool already holds this proposal: reject it as a duplicate."), alert=True
                )
            if error.status == 404:  # a proposal deleted since (its author forgot their data …)
                return OrganiserReply(toast=tr._("This button is no longer active."))
            return OrganiserReply(toast=error.message[:190], alert=True)
        notice = decision.get("notify")
        if reason is None:
            outcome = "✅ " + tr._("Accepted: it is in the pool now.")
        else:
            outcome = "❌ " + tr._("Rejected: {reason}.", reason=reason_button(tr, reason))
        outcome += " " + (tr._("The author is told.") if notice else tr._("The author cannot be reached any more."))
        reply = OrganiserReply(
            edit=Screen(_strip_question(message_text) + "\n\n" + outcome),
            toast=tr._("Done ✓"),
            messages=[await self.next_pending(tr, scope, pid)],
        )
        if notice and notice.get("channel") == "telegram" and str(notice.get("external_id", "")).lstrip("-").isdigit():
            reply.notices.append(Notice(int(notice["external_id"]), author_message(decision)))
        return reply


def _proposal_screen(tr: Translator, proposal: dict[str, Any], pending: int, scope: str) -> Screen:
    pid = proposal["id"]
    text = (
        tr.n_("🗳 Proposal #{id} — {n} waiting", "🗳 Proposal #{id} — {n} waiting", pending, id=pid)
        + "\n"
        + f"{in_marks(tr, proposal['consultation_title'])} ({proposal['slug']}) → {proposal['item_key']}\n"
        + f"{proposal['item_prompt']}\n\n{in_marks(tr, proposal['text'])} [{proposal['language']}]"
    )
    return Screen(
        text,
        [
            [
                Button("✅ " + tr._("Accept"), Accept(pid, scope).pack()),
                Button("❌ " + tr._("Reject…"), ShowReasons(pid, scope).pack()),
            ],
            [Button("⏭ " + tr._("Skip"), SkipProposal(pid, scope).pack())],
        ],
    )


def _reasons_screen(tr: Translator, pid: int, scope: str, message_text: str | None) -> Screen:
    rows = [[Button(reason_button(tr, reason), Reject(pid, reason, scope).pack())] for reason in _REASONS]
    rows.append([Button("◀ " + tr._("Back"), BackToProposal(pid, scope).pack())])
    return Screen((message_text or "") + "\n\n❓ " + tr._("Why is it rejected? The author is told."), rows)


def reason_button(tr: Translator, reason: str) -> str:
    return {
        "off_topic": tr._("Off-topic"),
        "incomprehensible": tr._("Incomprehensible"),
        "insulting": tr._("Insulting or discriminatory"),
        "advertising": tr._("Advertising"),
        "several_ideas": tr._("Several ideas"),
        "duplicate": tr._("Duplicate"),
        "other": tr._("Other"),
    }[reason]


def reason_for_author(tr: Translator, reason: str) -> str:
    return {
        "off_topic": tr._("it is not about the topic of this consultation"),
        "incomprehensible": tr._("it is hard to understand"),
        "insulting": tr._("it is insulting or discriminatory"),
        "advertising": tr._("it is advertising"),
        "several_ideas": tr._("it contains several ideas; please send one idea per proposal"),
        "duplicate": tr._("the same idea is already among the proposals"),
        "other": tr._("it does not follow the rules of this consultation"),
    }[reason]


def author_message(decision: dict[str, Any]) -> Screen:
    """What the author of a moderated proposal reads, in their own language."""
    notice = decision["notify"]
    tr = translator(notice["language"])
    values = {"text": notice["text"], "title": notice["consultation_title"]}
    if decision["status"] == "accepted":
        return Screen(
            tr._(
                "🎉 Your proposal «{text}» in «{title}» was accepted. Other participants can now vote on it.", **values
            )
        )
    return Screen(
        tr._(
            "Your proposal «{text}» in «{title}» was not published: {reason}.",
            reason=reason_for_author(tr, decision["reason"]),
            **values,
        )
        + "\n\n"
        + tr._("You are welcome to send another one.")
    )


def _strip_question(text: str | None) -> str:
    """The message without the question under it that the buttons answered."""
    return (text or "").split("\n\n❓", 1)[0].rstrip()
