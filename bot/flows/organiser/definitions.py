"""/new and the definition file: a consultation is uploaded as a draft, checked by the API.

A document counts as a definition file when it follows /new (within ``NEW_FILE_WINDOW``), carries /new as its
caption, or is named .yaml, .yml or .json. The API checks it and answers with every problem and its line, or
with the saved draft and the texts still missing a translation.
"""

from __future__ import annotations

import time

from bot.backend import Backend, BackendError
from bot.flows.organiser.replies import OrganiserReply, chunks, failure, say, status_label
from bot.i18n import Translator

NEW_FILE_WINDOW = 15 * 60  # seconds after /new during which a document is taken as the definition file
MAX_FILE_BYTES = 512 * 1024


class Definitions:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._awaiting_file: dict[int, float] = {}

    def new(self, tr: Translator, telegram_id: int) -> OrganiserReply:
        self._awaiting_file[telegram_id] = time.monotonic() + NEW_FILE_WINDOW
        # Plain text: no parse mode, so no markdown (Telegram would show backticks as they are).
        return say(
            tr._(
                "Send me the consultation's definition file (YAML or JSON) as a document. "
                "A new slug creates a draft; the slug of an existing draft replaces it. "
                "To check the file on your computer first, run: viche validate {file}",
                file="consultation.yaml",
            )
        )

    def takes_document(self, telegram_id: int, filename: str | None, caption: str | None) -> bool:
        """Is this document meant as a definition file (after /new, with /new as caption, or by its name)?"""
        pending = self._awaiting_file.get(telegram_id, 0) > time.monotonic()
        named = (filename or "").lower().endswith((".yaml", ".yml", ".json"))
        return pending or named or (caption or "").strip().startswith("/new")

    @staticmethod
    def not_a_definition(tr: Translator) -> OrganiserReply:
        return say(tr._("To upload a consultation, send /new first, then the file (.yaml, .yml or .json)."))

    @staticmethod
    def too_large(tr: Translator) -> OrganiserReply:
        return say(
            tr._("This file is too large for a definition file (at most {size} KB).", size=MAX_FILE_BYTES // 1024)
        )

    async def upload(self, tr: Translator, telegram_id: int, filename: str | None, content: bytes) -> OrganiserReply:
        self._awaiting_file.pop(telegram_id, None)
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return say(tr._("The file is not UTF-8 text. Save it as UTF-8 and send it again."))
        try:
            draft = await self.backend.upload_definition(text, filename, tr.locale)
        except BackendError as error:
            if error.code == "invalid_definition":
                problems = error.extra.get("problems") or []
                head = tr.n_(
                    "❌ {file} has {n} problem; nothing was saved:",
                    "❌ {file} has {n} problems; nothing was saved:",
                    len(problems),
                    file=filename or tr._("The file"),
                )
                body = "\n".join(p.get("text") or p.get("message", "") for p in problems)
                return OrganiserReply(
                    messages=chunks(f"{head}\n\n{body}\n\n" + tr._("Fix them and send the file again."))
                )
            if error.code == "not_a_draft":
                return say(
                    tr._(
                        "This slug belongs to a consultation that is {status}: only a draft can be replaced. "
                        "Give the new version a new slug.",
                        status=status_label(tr, error.extra.get("consultation_status", "")),
                    )
                )
            return OrganiserReply(messages=[failure(tr, error)])
        head = tr.n_(
            "✅ Draft «{title}» saved: {n} item in {languages}.",
            "✅ Draft «{title}» saved: {n} items in {languages}.",
            draft["items"],
            title=draft["title"],
            languages=", ".join(draft["languages"]),
        )
        if not draft["created"]:
            head += "\n" + tr._("It replaced the previous draft of {slug}.", slug=draft["slug"])
        if draft["warnings"]:
            head += (
                "\n\n"
                + tr.n_(
                    "{n} text is missing a translation (participants see the default language):",
                    "{n} texts are missing a translation (participants see the default language):",
                    len(draft["warnings"]),
                )
                + "\n"
                + "\n".join(w["text"] for w in draft["warnings"])
            )
        head += "\n\n" + tr._("Next: /preview {slug} to walk through it, then /launch {slug}.", slug=draft["slug"])
        return OrganiserReply(messages=chunks(head))
