"""What each message says, in its recipient's language: a digest's caption and chart, an invitation's or a jury
call's text and buttons. Each wording is made once per broadcast and language (a caption once per set of personal
figures, which repeat a lot) and reused for everyone who reads it the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from bot.adapter.render import marked
from bot.flows.digests import chart_labels, digest_buttons, digest_caption, invitation
from bot.flows.jury import jury_call
from bot.flows.texts import localized
from bot.handlers.render import keyboard
from bot.i18n import resolve_locale, translator

log = logging.getLogger(__name__)

#: (broadcast id, locale): a chart is drawn, uploaded and reused per broadcast and language.
ChartKey = tuple[int, str]


class Composer:
    """The wording of digests and invitations, cached per broadcast and language."""

    def __init__(self, default_language: str, namespace: str = "") -> None:
        self.default_language = default_language
        self.namespace = namespace  # the mark a bot shared with a host puts on viche's buttons (viche.ptb)
        self._locales: dict[tuple[str | None, str | None], Any] = {}
        self._captions: dict[tuple, str] = {}
        self._invitations: dict[ChartKey, dict[str, Any]] = {}
        self._digest_markups: dict[ChartKey, dict[str, Any] | None] = {}

    def translator(self, language: str | None, content: dict[str, Any]) -> Any:
        """The recipient's language if the bot speaks it, else the consultation's, else the configured one."""
        wanted = (language, content.get("default_language"))
        tr = self._locales.get(wanted)
        if tr is None:
            tr = self._locales[wanted] = translator(
                resolve_locale(language, None, content.get("default_language") or self.default_language)
            )
        return tr

    def caption(self, broadcast_id: int, tr: Any, content: dict[str, Any], personal: dict[str, Any]) -> str:
        """Captions differ only by the personal figures (and opinion group), which repeat a lot: each is worded
        once."""
        key = (broadcast_id, tr.locale, json.dumps(personal or {}, sort_keys=True))
        caption = self._captions.get(key)
        if caption is None:
            if len(self._captions) > 50_000:
                self._captions.clear()
            caption = self._captions[key] = digest_caption(tr, content, personal)
        return caption

    def digest_markup(self, broadcast_id: int, tr: Any, content: dict[str, Any]) -> dict[str, Any] | None:
        """The digest's buttons in one language ("How do I compare?" once there are opinion groups), or None."""
        key = (broadcast_id, tr.locale)
        if key not in self._digest_markups:
            screen = digest_buttons(tr, content)
            markup = keyboard(marked(screen, self.namespace)) if screen is not None else None
            self._digest_markups[key] = markup.model_dump(mode="json", exclude_none=True) if markup else None
        return self._digest_markups[key]

    def message(self, kind: str, broadcast_id: int, tr: Any, content: dict[str, Any]) -> dict[str, Any]:
        """An invitation's or a jury call's text and buttons in one language (the same for everyone who reads it)."""
        key = (broadcast_id, tr.locale)
        payload = self._invitations.get(key)
        if payload is None:
            screen = jury_call(tr, content) if kind == "jury_call" else invitation(tr, content)
            payload = {"text": screen.text}
            markup = keyboard(marked(screen, self.namespace))
            if markup is not None:
                payload["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
            payload = self._invitations[key] = payload
        return payload


def draw_chart(content: dict[str, Any], tr: Any) -> bytes:
    """The digest's chart as a PNG, its texts and labels in ``tr``'s language."""
    chart, default = content["chart"], content.get("default_language")
    texts = [localized(row.get("text"), tr.locale, default) for row in chart.get("rows") or []]
    title = localized(content.get("title"), tr.locale, default)
    from bot.delivery.chart import render_chart  # matplotlib (~1 s to import): only once a digest is drawn

    return render_chart(chart, texts, chart_labels(tr), tr.locale, title=title)


class Charts:
    """Each digest's chart: drawn once per broadcast and language (in a thread, before its rows are claimed),
    uploaded with the first message in that language, then sent by Telegram's ``file_id``.

    ``pngs`` holds b"" for a chart that could not be drawn: that digest goes as text. ``on_change`` is called
    when a drawing or an upload ends, so that rows waiting for it are looked at again."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.pngs: dict[ChartKey, bytes] = {}
        self.drawing: dict[ChartKey, asyncio.Task] = {}
        self.file_ids: dict[ChartKey, str] = {}
        self.uploading: set[ChartKey] = set()
        self._on_change = on_change

    def need(self, key: ChartKey, content: dict[str, Any], tr: Any) -> None:
        """Start drawing this chart unless it is drawn or being drawn."""
        if key not in self.pngs and key not in self.drawing:
            self.drawing[key] = asyncio.create_task(self._draw(key, content, tr))

    async def _draw(self, key: ChartKey, content: dict[str, Any], tr: Any) -> None:
        try:
            self.pngs[key] = await asyncio.to_thread(draw_chart, content, tr)
        except Exception:
            log.exception("could not draw the chart of broadcast %s in %s", *key)
            self.pngs[key] = b""
        finally:
            self.drawing.pop(key, None)
            self._on_change()

    def uploaded(self, key: ChartKey, message: dict[str, Any] | None) -> None:
        """The upload of this chart ended (``message``: Telegram's answer, None if it failed)."""
        if message and message.get("photo"):
            self.file_ids[key] = message["photo"][-1]["file_id"]
        self.uploading.discard(key)
        self._on_change()
