"""The organisers' conversation: upload a definition, preview, launch … close, figures, moderation, links.

Everything goes through the organiser routes of the API. Who may use it is decided there too
(``/organiser/access``): ``VICHE_ADMINS``, ``VICHE_OWNERS`` and whoever an owner granted with /grant.
The handlers only route organisers here; anyone else's commands fall through to the citizen flow,
which treats them like any unknown command.

Organisers read the bot in their language, by the same rule as citizens (``bot.flows.language``): the one
they chose with /language, else their Telegram app's, else the bot's default; consultation titles and prompts
come in that language where the consultation has it. A proposal's author is told about the decision in
*their* language, through ``AdminReply.notices``, which the handler sends to the author's chat after
answering the organiser.

Every argument is checked before anything is asked of the backend (``bot.flows.admin_args``): a slug by the
definition's rule, a Telegram id as ASCII digits; a bad one gets a translated explanation, never an action on
something else. Organiser buttons are read by their exact shape; anything else is "no longer active".

Preview: the API serves each screen a participant can meet — consent, profile questions, every item
(branches included, each marked with its condition), the end — at a position; the organiser steps
through them with ◀ / ▶ (any answer button also moves on). Nothing is ever sent to the participant
routes, so nothing is recorded and nothing about the organiser's own participation changes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.backend import Backend, BackendError
from bot.flows.admin_args import (ALL, REASON_CODES, STATUS_CODES, button, fits, is_language, is_organiser_button,
                                  is_slug, is_source, quoted, read_button, telegram_id, words)
from bot.flows.items import quoted as in_marks, render_item
from bot.flows.known import KnownParticipants
from bot.flows.language import person_translator
from bot.flows.menu import organiser_help
from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen
from bot.i18n import Translator, translator
from bot.i18n.formats import format_number, format_share
from core.vocabulary import TRANSITIONS

ACTION_FROM = {action: sources for action, (sources, _target) in TRANSITIONS.items()}  # what each action applies to
PROMPT_LIMIT = 80  # characters of an item's prompt in /stats
NEW_FILE_WINDOW = 15 * 60  # seconds after /new during which a document is taken as the definition file
MAX_FILE_BYTES = 512 * 1024
MESSAGE_LIMIT = 3900


@dataclass
class Notice:
    """A message for someone else than the organiser: the author of a moderated proposal."""

    chat_id: int
    screen: Screen


@dataclass(frozen=True)
class MenuChange:
    """Someone became an organiser (``organiser``) or stopped being one: their chat's command menu follows."""

    telegram_id: int
    organiser: bool
    owner: bool = False


@dataclass
class AdminReply(Reply):
    notices: list[Notice] = field(default_factory=list)
    menus: list[MenuChange] = field(default_factory=list)


class AdminFlow:
    def __init__(self, backend: Backend, known: KnownParticipants, default_language: str = "uk") -> None:
        self.backend = backend
        self.known = known
        self.default_language = default_language
        self._awaiting_file: dict[int, float] = {}

    # ---- who ------------------------------------------------------------------------------------------

    async def allowed(self, telegram_id: int) -> bool:
        try:
            return bool((await self.backend.access(telegram_id))["organiser"])
        except BackendError:
            return False

    async def _tr(self, user: Person) -> Translator:
        return await person_translator(self.known, str(user.telegram_id), user.language_code, self.default_language)

    async def language(self, user: Person) -> str:
        """The language this organiser reads (for the organiser screens of other flows: /digest, /broadcasts)."""
        return (await self._tr(user)).locale

    # ---- help, list --------------------------------------------------------------------------------------

    async def help(self, user: Person) -> AdminReply:
        """The organiser's part of /help (and all of /admin)."""
        tr = await self._tr(user)
        return AdminReply(messages=[Screen(organiser_help(tr, await self.is_owner(user.telegram_id)))])

    async def list(self, user: Person) -> AdminReply:
        tr = await self._tr(user)
        rows = await self.backend.consultations(tr.locale)
        if not rows:
            return AdminReply(messages=[Screen(tr._("No consultation yet. Send /new to upload one."))])
        lines = [tr._("Consultations:")]
        for row in rows:
            lines.append("• " + tr.n_("{slug} — «{title}» — {status}, {n} participant",
                                      "{slug} — «{title}» — {status}, {n} participants", row["participants"],
                                      slug=row["slug"], title=row["title"], status=status_label(tr, row["status"])))
        return AdminReply(messages=_chunks("\n".join(lines)))

    # ---- /new and the file ---------------------------------------------------------------------------

    async def new(self, user: Person) -> AdminReply:
        self._awaiting_file[user.telegram_id] = time.monotonic() + NEW_FILE_WINDOW
        tr = await self._tr(user)
        # Plain text: no parse mode, so no markdown (Telegram would show backticks as they are).
        return AdminReply(messages=[Screen(tr._(
            "Send me the consultation's definition file (YAML or JSON) as a document. "
            "A new slug creates a draft; the slug of an existing draft replaces it. "
            "To check the file on your computer first, run: viche validate {file}", file="consultation.yaml"))])

    def takes_document(self, user: Person, filename: str | None, caption: str | None) -> bool:
        """Is this document meant as a definition file (after /new, with /new as caption, or by its name)?"""
        pending = self._awaiting_file.get(user.telegram_id, 0) > time.monotonic()
        named = (filename or "").lower().endswith((".yaml", ".yml", ".json"))
        return pending or named or (caption or "").strip().startswith("/new")

    async def not_a_definition(self, user: Person) -> AdminReply:
        return AdminReply(messages=[Screen((await self._tr(user))._(
            "To upload a consultation, send /new first, then the file (.yaml, .yml or .json)."))])

    async def file_too_large(self, user: Person) -> AdminReply:
        return AdminReply(messages=[Screen((await self._tr(user))._(
            "This file is too large for a definition file (at most {size} KB).", size=MAX_FILE_BYTES // 1024))])

    async def upload(self, user: Person, filename: str | None, content: bytes) -> AdminReply:
        tr = await self._tr(user)
        self._awaiting_file.pop(user.telegram_id, None)
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return AdminReply(messages=[Screen(tr._("The file is not UTF-8 text. Save it as UTF-8 and send it again."))])
        try:
            draft = await self.backend.upload_definition(text, filename, tr.locale)
        except BackendError as error:
            if error.code == "invalid_definition":
                problems = error.extra.get("problems") or []
                head = tr.n_("❌ {file} has {n} problem; nothing was saved:",
                             "❌ {file} has {n} problems; nothing was saved:", len(problems),
                             file=filename or tr._("The file"))
                body = "\n".join(p.get("text") or p.get("message", "") for p in problems)
                return AdminReply(messages=_chunks(f"{head}\n\n{body}\n\n"
                                                   + tr._("Fix them and send the file again.")))
            if error.code == "not_a_draft":
                return AdminReply(messages=[Screen(tr._(
                    "This slug belongs to a consultation that is {status}: only a draft can be replaced. "
                    "Give the new version a new slug.", status=status_label(tr, error.extra.get("consultation_status", ""))))])
            return self._failure(tr, error)
        head = tr.n_("✅ Draft «{title}» saved: {n} item in {languages}.",
                     "✅ Draft «{title}» saved: {n} items in {languages}.", draft["items"],
                     title=draft["title"], languages=", ".join(draft["languages"]))
        if not draft["created"]:
            head += "\n" + tr._("It replaced the previous draft of {slug}.", slug=draft["slug"])
        if draft["warnings"]:
            head += "\n\n" + tr.n_("{n} text is missing a translation (participants see the default language):",
                                   "{n} texts are missing a translation (participants see the default language):",
                                   len(draft["warnings"])) + "\n" + "\n".join(w["text"] for w in draft["warnings"])
        head += "\n\n" + tr._("Next: /preview {slug} to walk through it, then /launch {slug}.", slug=draft["slug"])
        return AdminReply(messages=_chunks(head))

    # ---- status changes ----------------------------------------------------------------------------------

    async def status(self, user: Person, action: str, args: str | None) -> AdminReply:
        tr = await self._tr(user)
        given = words(args)
        if not given:
            return await self._choose(tr, action)
        refusal = _refuse_slug(tr, given, f"/{action} <slug>")
        if refusal is not None:
            return refusal
        slug = given[0]
        if action == "close":
            return AdminReply(messages=[Screen(
                tr._("Close {slug}? Participants will no longer be able to answer. This cannot be undone.",
                     slug=slug),
                [[Button("🏁 " + tr._("Close it"), button("xc", slug)), Button(tr._("Cancel"), button("xn", 0))]])])
        return AdminReply(messages=[await self._change(tr, slug, action)])

    async def _choose(self, tr: Translator, action: str) -> AdminReply:
        candidates = [row for row in await self.backend.consultations(tr.locale)
                      if row["status"] in ACTION_FROM[action] and is_slug(row["slug"])]
        usage = f"/{action} <slug>"
        if not candidates:
            return AdminReply(messages=[Screen(tr._("Usage: {usage}. No consultation can be changed that way now.",
                                                    usage=usage))])
        code = next(c for c, a in STATUS_CODES.items() if a == action)
        rows = [[Button(f"{row['slug']} — {row['title']}"[:60],
                        button("xc", row["slug"]) if action == "close" else button("xs", code, row["slug"]))]
                for row in candidates]
        return AdminReply(messages=[Screen(tr._("Usage: {usage}. Or choose:", usage=usage), rows)])

    async def _change(self, tr: Translator, slug: str, action: str) -> Screen:
        try:
            row = await self.backend.change_status(slug, action, tr.locale)
        except BackendError as error:
            if error.code == "invalid_transition":
                return Screen(tr._("{slug} is {status}: this command does not apply to it.", slug=slug,
                                   status=status_label(tr, error.extra.get("consultation_status", ""))))
            return self._failure(tr, error, slug).messages[0]
        title, slug = row["title"], row["slug"]
        return Screen({
            "launch": tr._("🚀 «{title}» is open. Share it with /link {slug}.", title=title, slug=slug),
            "pause": tr._("⏸ «{title}» is paused: participants are told it is not open right now. "
                          "/resume {slug} reopens it.", title=title, slug=slug),
            "resume": tr._("▶️ «{title}» is open again.", title=title),
            "close": tr._("🏁 «{title}» is closed. /stats {slug} shows the final figures.", title=title, slug=slug),
        }[action])

    async def digest_refusal(self, user: Person, args: str | None) -> AdminReply | None:
        """/digest's arguments checked like every organiser command's (its flow takes the slug in any case and
        checks the round itself): a reply refusing them, or None."""
        given = words(args)
        if not given:
            return None
        tr = await self._tr(user)
        return _refuse_slug(tr, [given[0].lower(), *given[1:]], tr._("/digest <slug> [round]"), most=2)

    # ---- stats -----------------------------------------------------------------------------------------

    async def stats(self, user: Person, args: str | None) -> AdminReply:
        tr = await self._tr(user)
        given = words(args)
        if not given:
            return AdminReply(messages=[Screen(tr._("Usage: /stats <slug>. /list shows the slugs."))])
        refusal = _refuse_slug(tr, given, "/stats <slug>")
        if refusal is not None:
            return refusal
        return AdminReply(messages=[await self._stats_screen(tr, given[0])])

    async def _stats_screen(self, tr: Translator, slug: str) -> Screen:
        try:
            stats = await self.backend.stats(slug, tr.locale)
        except BackendError as error:
            return self._failure(tr, error, slug).messages[0]
        lines = [f"📊 {in_marks(tr, stats['title'])} ({stats['slug']}) — {status_label(tr, stats['status'])}", "",
                 tr._("Participants: {participants}", participants=format_number(stats["participants"], tr.locale)),
                 tr._("Consented: {consented}", consented=format_number(stats["consented"], tr.locale)),
                 tr._("Completed: {completed} ({rate} of those who consented)",
                      completed=format_number(stats["completed"], tr.locale),
                      rate=format_share(stats["completion_rate"], tr.locale))]
        if stats.get("pending_proposals"):
            lines.append(tr._("Proposals waiting for moderation: {n} — /moderate {slug}",
                              n=format_number(stats["pending_proposals"], tr.locale), slug=stats["slug"]))
        lines += ["", tr._("Answers per item:")]
        lines += [f"{number}. " + tr.n_("{prompt} — {n} answer", "{prompt} — {n} answers", item["answers"],
                                        prompt=_shortened(item.get("prompt") or item["key"], PROMPT_LIMIT))
                  for number, item in enumerate(stats["items"], start=1)]
        return Screen("\n".join(lines), [[Button("🔄 " + tr._("Refresh"), button("xt", stats["slug"]))]])

    # ---- preview -------------------------------------------------------------------------------------

    async def preview(self, user: Person, args: str | None) -> AdminReply:
        tr = await self._tr(user)
        given = words(args)
        usage = tr._("/preview <slug> [language]")
        if not given:
            return AdminReply(messages=[Screen(tr._("Usage: /preview <slug> [language]. /list shows the slugs."))])
        refusal = _refuse_slug(tr, given, usage, most=2)
        if refusal is not None:
            return refusal
        language = given[1] if len(given) > 1 else None
        if language is not None and not is_language(language):
            return AdminReply(messages=[Screen(tr._("«{text}» is not a language code such as en or uk. Usage: {usage}",
                                                    text=quoted(language), usage=usage))])
        return AdminReply(messages=[await self._preview_screen(tr, given[0], 0, language, asked=language)])

    async def _preview_screen(self, tr: Translator, slug: str, position: int, language: str | None,
                              asked: str | None = None) -> Screen:
        try:
            step = await self.backend.preview(slug, position, language)
        except BackendError as error:
            return self._failure(tr, error, slug).messages[0]
        consultation = step["consultation"]
        if language not in consultation["languages"]:
            language = consultation["default_language"]
        if not fits("xp", consultation["slug"], step["steps"], language):  # an odd language code in the file
            language = consultation["default_language"]
        participant_tr = translator(language)
        head = tr._("👁 Preview of {slug} ({language}), screen {number} of {total} — nothing is recorded",
                    slug=consultation["slug"], language=language, number=step["position"] + 1, total=step["steps"])
        if asked is not None and asked != language:
            head += "\n" + tr._("{slug} has no «{asked}»: its languages are {languages}.", slug=consultation["slug"],
                                asked=asked, languages=", ".join(consultation["languages"]))
        view = self._participant_view(tr, participant_tr, step)
        following = step["next_position"]
        go = button("xp", consultation["slug"], following if following is not None else step["position"], language)
        buttons = [[Button(b.text, go) for b in row] for row in view.buttons] if following is not None else []
        nav = []
        if step["position"] > 0:
            nav.append(Button("◀", button("xp", consultation["slug"], step["position"] - 1, language)))
        if following is not None:
            nav.append(Button("▶", go))
        nav.append(Button("✖ " + tr._("End preview"), button("xn", 1)))
        return Screen(f"{head}\n\n{view.text}"[:MESSAGE_LIMIT], [*buttons, nav])

    def _participant_view(self, tr: Translator, ptr: Translator, step: dict) -> Screen:
        consultation = step["consultation"]
        status = step["status"]
        if status == "consent":
            intro = f"\n\n{step['intro']}" if step.get("intro") else ""
            return Screen(f"{in_marks(ptr, consultation['title'])}{intro}\n\n"
                          + tr._("(Then the data notice; the participant agrees to start.)"),
                          [[Button("✅ " + ptr._("I agree, let's start"), "-")]])
        if status == "profile":
            question = step["profile"]
            label = {"age_band": tr._("age group"), "country": tr._("country"),
                     "region": tr._("region")}[question["field"]]
            return Screen(tr._("Optional profile question: {question}", question=label),
                          [[Button(choice["label"], "-")] for choice in question["choices"]])
        if status == "done":
            return Screen(tr._("The end: the participant is thanked and told that results will follow."))
        item = step["item"]
        notes = []
        condition = step.get("show_if")
        if condition:
            values = condition.get("any_of") if condition.get("any_of") is not None else [condition.get("equals")]
            notes.append(tr._("↳ Shown only when {item} is {values}.", item=condition["item"],
                              values=" / ".join(str(v) for v in values)))
        if item["kind"] in ("proposal", "pairs"):
            notes.append(tr.n_("{n} proposal in the pool", "{n} proposals in the pool", step["pool"])
                         + (" · " + tr.n_("{n} waiting for moderation", "{n} waiting for moderation",
                                          step["pending"]) if step.get("pending") else ""))
        missing = (item["kind"] == "proposal" and not step.get("proposal")) or (
            item["kind"] == "pairs" and not step.get("pair"))
        if missing:
            rendered = Screen(f"{item['prompt']}\n\n" + tr._(
                "(No proposal to show yet: participants see this question once the pool has proposals.)"))
        else:
            rendered = render_item(ptr, step)
        text = rendered.text + ("\n\n" + "\n".join(notes) if notes else "")
        return Screen(text, rendered.buttons)

    # ---- moderation ---------------------------------------------------------------------------------------

    async def moderate(self, user: Person, args: str | None) -> AdminReply:
        tr = await self._tr(user)
        given = words(args)
        if given:
            refusal = _refuse_slug(tr, given, "/moderate [slug]")
            if refusal is not None:
                return refusal
        return AdminReply(messages=[await self._next_pending(tr, given[0] if given else ALL)])

    async def _next_pending(self, tr: Translator, scope: str, after: int | None = None) -> Screen:
        try:
            queue = await self.backend.moderation_next(None if scope == ALL else scope, after, tr.locale)
        except BackendError as error:
            return self._failure(tr, error, None if scope == ALL else scope).messages[0]
        proposal = queue["proposal"]
        if proposal is None:
            return Screen(tr._("No proposal is waiting for moderation. ✓"))
        return self._proposal_screen(tr, proposal, queue["pending"], scope)

    def _proposal_screen(self, tr: Translator, proposal: dict, pending: int, scope: str) -> Screen:
        pid = proposal["id"]
        text = (tr.n_("🗳 Proposal #{id} — {n} waiting", "🗳 Proposal #{id} — {n} waiting", pending, id=pid) + "\n"
                + f"{in_marks(tr, proposal['consultation_title'])} ({proposal['slug']}) → {proposal['item_key']}\n"
                + f"{proposal['item_prompt']}\n\n{in_marks(tr, proposal['text'])} [{proposal['language']}]")
        return Screen(text, [
            [Button("✅ " + tr._("Accept"), button("xa", pid, scope)),
             Button("❌ " + tr._("Reject…"), button("xr", pid, scope))],
            [Button("⏭ " + tr._("Skip"), button("xk", pid, scope))],
        ])

    def _reasons_screen(self, tr: Translator, pid: int, scope: str, message_text: str | None) -> Screen:
        rows = [[Button(reason_button(tr, reason), button("xj", pid, code, scope))]
                for code, reason in REASON_CODES.items()]
        rows.append([Button("◀ " + tr._("Back"), button("xb", pid, scope))])
        return Screen((message_text or "") + "\n\n❓ " + tr._("Why is it rejected? The author is told."), rows)

    async def _decide(self, tr: Translator, pid: int, scope: str, reason: str | None,
                      message_text: str | None) -> AdminReply:
        try:
            decision = (await self.backend.accept_proposal(pid) if reason is None
                        else await self.backend.reject_proposal(pid, reason))
        except BackendError as error:
            if error.code == "already_moderated":
                done = Screen(_strip_question(message_text) + "\n\n" + tr._(
                    "Already decided by another organiser ({status}).",
                    status=status_label(tr, error.extra.get("proposal_status", ""))))
                return AdminReply(edit=done, messages=[await self._next_pending(tr, scope, pid)])
            if error.code == "duplicate":
                return AdminReply(toast=tr._("The pool already holds this proposal: reject it as a duplicate."),
                                  alert=True)
            if error.status == 404:  # a proposal deleted since (its author forgot their data …)
                return AdminReply(toast=tr._("This button is no longer active."))
            return AdminReply(toast=error.message[:190], alert=True)
        notice = decision.get("notify")
        if reason is None:
            outcome = "✅ " + tr._("Accepted: it is in the pool now.")
        else:
            outcome = "❌ " + tr._("Rejected: {reason}.", reason=reason_button(tr, reason))
        outcome += " " + (tr._("The author is told.") if notice else tr._("The author cannot be reached any more."))
        reply = AdminReply(edit=Screen(_strip_question(message_text) + "\n\n" + outcome), toast=tr._("Done ✓"),
                           messages=[await self._next_pending(tr, scope, pid)])
        if notice and notice.get("channel") == "telegram" and str(notice.get("external_id", "")).lstrip("-").isdigit():
            reply.notices.append(Notice(int(notice["external_id"]), author_message(decision)))
        return reply

    # ---- link ------------------------------------------------------------------------------------------

    async def link(self, user: Person, args: str | None, bot_username: str) -> AdminReply:
        tr = await self._tr(user)
        given = words(args)
        if not given:
            return AdminReply(messages=[Screen(tr._("Usage: /link <slug> [source]. The source (letters, digits, _) "
                                                    "tells you later where participants came from."))])
        refusal = _refuse_slug(tr, given, tr._("/link <slug> [source]"), most=2)
        if refusal is not None:
            return refusal
        slug, source = given[0], (given[1] if len(given) > 1 else None)
        if source is not None and not is_source(source):
            return AdminReply(messages=[Screen(tr._(
                "«{text}» cannot be a source: it has 1 to 40 letters, digits or _, for example {example}.",
                text=quoted(source), example="poster_3"))])
        try:
            link = await self.backend.link(slug, bot_username, source, tr.locale)
            png = await self.backend.link_qr(slug, bot_username, source)
        except BackendError as error:
            return self._failure(tr, error, slug)
        caption = f"{link['url']}\n\n" + tr._("This link and QR code open «{title}» in the bot.", title=link["title"])
        if link["status"] == "draft":
            caption += "\n" + tr._("It is still a draft: the link works once you /launch {slug}.", slug=slug)
        elif link["status"] != "open":
            caption += "\n" + tr._("It is {status} now.", status=status_label(tr, link["status"]))
        return AdminReply(messages=[Screen(caption, photo=png)])

    # ---- owners: grant, revoke ---------------------------------------------------------------------------

    async def grant(self, user: Person, args: str | None) -> AdminReply:
        """Owners only: the handlers route nobody else here (for them it is an unknown command)."""
        return await self._membership(user, args, grant=True)

    async def revoke(self, user: Person, args: str | None) -> AdminReply:
        return await self._membership(user, args, grant=False)

    async def is_owner(self, telegram_id: int) -> bool:
        try:
            return bool((await self.backend.access(telegram_id))["owner"])
        except BackendError:
            return False

    async def _membership(self, user: Person, args: str | None, *, grant: bool) -> AdminReply:
        tr = await self._tr(user)
        given = words(args)
        usage = tr._("/grant <Telegram id>") if grant else tr._("/revoke <Telegram id>")
        if not given:
            organisers = await self.backend.organisers()
            lines = [f"• {o['telegram_id']}" + (" (" + tr._("owner") + ")" if o.get("owner") else "")
                     + ("" if o["source"] == "granted" else " — " + tr._("configured")) for o in organisers]
            return AdminReply(messages=_chunks(tr._("Usage: {usage}. The organisers now:", usage=usage)
                                               + "\n" + "\n".join(lines)))
        if len(given) > 1:
            return _too_many(tr, given[1:], usage)
        target = telegram_id(given[0])
        if target is None:
            return AdminReply(messages=[Screen(tr._(
                "«{text}» is not a Telegram id: a whole number above zero, written with the digits 0–9 "
                "(for example 123456789). Usage: {usage}", text=quoted(given[0]), usage=usage))])
        try:
            if grant:
                granted = await self.backend.grant(target, user.telegram_id)
                return AdminReply(messages=[Screen(tr._("✅ {id} is an organiser now.", id=target))],
                                  menus=[MenuChange(target, organiser=True, owner=bool(granted.get("owner")))])
            result = await self.backend.revoke(target, user.telegram_id)
        except BackendError as error:
            if error.code == "configured":
                return AdminReply(messages=[Screen(tr._(
                    "{id} is an organiser by configuration (VICHE_ADMINS or VICHE_OWNERS): "
                    "remove it there.", id=target))])
            return self._failure(tr, error)
        if result["revoked"]:
            return AdminReply(messages=[Screen(tr._("{id} is no longer an organiser.", id=target))],
                              menus=[MenuChange(target, organiser=False)])
        return AdminReply(messages=[Screen(tr._("{id} was not an organiser.", id=target))])

    # ---- buttons -----------------------------------------------------------------------------------------

    @staticmethod
    def handles(data: str | None) -> bool:
        """Data of an organiser button (valid or not: a malformed one is answered "no longer active")."""
        return is_organiser_button(data)

    async def callback(self, user: Person, data: str | None, message_text: str | None = None) -> AdminReply:
        tr = await self._tr(user)
        pressed = read_button(data)
        if pressed is None:
            return AdminReply(toast=tr._("This button is no longer active."))
        prefix, values = pressed.prefix, pressed.values
        if prefix == "xp":
            slug, position, language = values
            return AdminReply(edit=await self._preview_screen(tr, slug, position, language))
        if prefix == "xn" and values[0] == "1":  # end of a preview: keep the last screen, drop buttons
            return AdminReply(edit=Screen(message_text or tr._("Preview ended.")), toast=tr._("Preview ended."))
        if prefix == "xn":
            return AdminReply(edit=Screen(tr._("Cancelled.")))
        if prefix == "xt":
            return AdminReply(edit=await self._stats_screen(tr, values[0]), toast=tr._("Updated ✓"))
        if prefix == "xs":
            action, slug = values
            return AdminReply(edit=await self._change(tr, slug, action))
        if prefix == "xc":
            return AdminReply(edit=await self._change(tr, values[0], "close"))
        pid, scope = values[0], values[-1]
        if prefix == "xa":
            return await self._decide(tr, pid, scope, None, message_text)
        if prefix == "xj":
            return await self._decide(tr, pid, scope, values[1], message_text)
        if prefix == "xr":
            return AdminReply(edit=self._reasons_screen(tr, pid, scope, _strip_question(message_text)))
        if prefix == "xb":
            return AdminReply(edit=await self._next_pending(tr, scope, pid - 1))
        return AdminReply(edit=await self._next_pending(tr, scope, pid))  # xk: skip

    # ---- errors -----------------------------------------------------------------------------------------

    def _failure(self, tr: Translator, error: BackendError, slug: str | None = None) -> AdminReply:
        if error.status == 404 and slug is not None:
            return AdminReply(messages=[Screen(tr._("There is no consultation {slug}. /list shows them all.",
                                                    slug=slug))])
        if error.status == 404:
            return AdminReply(messages=[Screen(tr._("Not found: {what}. /list shows the consultations.",
                                                    what=error.message.removesuffix(" not found")))])
        if error.status in (400, 409, 422):
            return AdminReply(messages=[Screen(tr._("Not done: {reason}", reason=error.message))])
        raise error


# ---- texts shared by the screens -----------------------------------------------------------------------


def status_label(tr: Translator, status: str) -> str:
    return {"draft": tr._("a draft"), "open": tr._("open"), "paused": tr._("paused"), "closed": tr._("closed"),
            "accepted": tr._("accepted"), "rejected": tr._("rejected"), "pending": tr._("pending")}.get(status, status)


def reason_button(tr: Translator, reason: str) -> str:
    return {"off_topic": tr._("Off-topic"), "incomprehensible": tr._("Incomprehensible"),
            "insulting": tr._("Insulting or discriminatory"), "advertising": tr._("Advertising"),
            "several_ideas": tr._("Several ideas"), "duplicate": tr._("Duplicate"), "other": tr._("Other")}[reason]


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


def author_message(decision: dict) -> Screen:
    """What the author of a moderated proposal reads, in their own language."""
    notice = decision["notify"]
    tr = translator(notice["language"])
    values = {"text": notice["text"], "title": notice["consultation_title"]}
    if decision["status"] == "accepted":
        return Screen(tr._("🎉 Your proposal «{text}» in «{title}» was accepted. "
                           "Other participants can now vote on it.", **values))
    return Screen(tr._("Your proposal «{text}» in «{title}» was not published: {reason}.",
                       reason=reason_for_author(tr, decision["reason"]), **values)
                  + "\n\n" + tr._("You are welcome to send another one."))


def _refuse_slug(tr: Translator, given: list[str], usage: str, most: int = 1) -> AdminReply | None:
    """A reply refusing the arguments, or None when the first is a slug and there are at most ``most``."""
    if not is_slug(given[0]):
        return AdminReply(messages=[Screen(tr._(
            "«{text}» is not a consultation's slug: 3 to 42 lowercase letters, digits and single hyphens, "
            "as /list shows them. Nothing was done. Usage: {usage}", text=quoted(given[0]), usage=usage))])
    if len(given) > most:
        return _too_many(tr, given[most:], usage)
    return None


def _too_many(tr: Translator, extra: list[str], usage: str) -> AdminReply:
    return AdminReply(messages=[Screen(tr._("I did not understand «{text}»; nothing was done. Usage: {usage}",
                                            text=quoted(" ".join(extra)), usage=usage))])


def _shortened(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _strip_question(text: str | None) -> str:
    """The message without the question under it that the buttons answered."""
    return (text or "").split("\n\n❓", 1)[0].rstrip()


def _chunks(text: str) -> list[Screen]:
    """Telegram takes 4096 characters per message: split long texts on line ends."""
    screens, current = [], ""
    for line in text.split("\n"):
        while len(line) > MESSAGE_LIMIT:
            if current:
                screens.append(Screen(current))
                current = ""
            screens.append(Screen(line[:MESSAGE_LIMIT]))
            line = line[MESSAGE_LIMIT:]
        if len(current) + len(line) + 1 > MESSAGE_LIMIT:
            screens.append(Screen(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not screens:
        screens.append(Screen(current))
    return screens
