"""What Telegram does to message text before storing it: parse HTML into entities, trim, measure.

Telegram stores plain text plus entities (offsets in UTF-16 code units) and rejects HTML it does not
support, such as ``<br>`` or an unescaped user name containing ``<``. Doing the same here lets the
bot's tests catch those bugs before production does. MarkdownV2 is passed through unparsed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from sandbox.errors import bad_request

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}


# What Telegram recognises by itself in any message text: commands and web links.
BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")
_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
_OPAQUE = {"code", "pre", "text_link", "url", "email", "text_mention", "custom_emoji"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def format_text(
    text: str | None, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) as Telegram would store them; raise BotAPIError if unparsable."""
    text = text or ""
    if (parse_mode or "").lower() == "html":
        plain, found = _parse_html(text)
    else:
        plain, found = text, list(entities or [])
    plain, found = _trim(plain, found)
    return plain, detected_entities(plain, found)


def detected_entities(text: str, entities: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``entities`` plus the commands and links Telegram finds on its own, outside code and links."""
    entities = list(entities or [])
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE]
    for kind, pattern in (("bot_command", BOT_COMMAND), ("url", _URL)):
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group())
            if not any(start < taken_end and taken_start < end for taken_start, taken_end in taken):
                entities.append({"type": kind, "offset": start, "length": end - start})
                taken.append((start, end))
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    stripped = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip()
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _TelegramHTML(source)
    parser.feed(source)
    parser.close()
    if parser.open_tags:
        tag = parser.open_tags[-1][0]
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def _entity_error(reason: str):
    return bad_request(f"can't parse entities: {reason}")


class _TelegramHTML(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.parts: list[str] = []
        self.length = 0
        self.open_tags: list[tuple[str, dict[str, Any] | None, int]] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self) -> int:
        line, column = self.getpos()
        return len(self.source[: self.line_starts[line - 1] + column].encode("utf-8"))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open_tags.append((tag, self._entity_for(tag, dict(attrs)), self.length))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _entity_error(f'Unsupported start tag "{tag}/" at byte offset {self.byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags:
            raise _entity_error(f"Unexpected end tag at byte offset {self.byte_offset()}")
        open_tag, entity, start = self.open_tags.pop()
        if open_tag != tag:
            raise _entity_error(
                f'Unmatched end tag at byte offset {self.byte_offset()}, expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is not None and self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def _entity_for(self, tag: str, attrs: dict[str, str | None]) -> dict[str, Any] | None:
        if tag == "code" and self.open_tags and self.open_tags[-1][0] == "pre":
            language = (attrs.get("class") or "").removeprefix("language-")
            pre = self.open_tags[-1][1]
            if pre is not None and language:
                pre["language"] = language
            return None
        if tag in _SIMPLE_TAGS:
            return {"type": _SIMPLE_TAGS[tag]}
        if tag == "span" and attrs.get("class") == "tg-spoiler":
            return {"type": "spoiler"}
        if tag == "a":
            return {"type": "text_link", "url": attrs["href"]} if attrs.get("href") else None
        if tag == "blockquote":
            return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
        if tag == "tg-emoji" and attrs.get("emoji-id"):
            return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
        raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {self.byte_offset()}')
