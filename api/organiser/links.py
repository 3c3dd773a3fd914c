"""The deep link that opens a consultation in the bot (``t.me/<bot>?start=<slug>[--<source>]``) and its QR code."""

from __future__ import annotations

import io
import re

from api.errors import bad_request

BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
SOURCE = re.compile(r"^[A-Za-z0-9_]{1,40}$")


def payload(slug: str, source: str | None) -> str:
    """The /start payload: the slug, or ``<slug>--<source>`` (a slug never holds "--")."""
    if source is not None and not SOURCE.match(source):
        raise bad_request("invalid_source", "a source has 1 to 40 letters, digits or underscores")
    text = f"{slug}--{source}" if source else slug
    if len(text) > 64:
        raise bad_request("payload_too_long", f"the /start payload {text!r} is longer than Telegram's 64 characters")
    return text


def deep_link(bot: str, start: str) -> str:
    if not BOT_USERNAME.match(bot):
        raise bad_request("invalid_bot_username", f"{bot!r} is not a Telegram bot username")
    return f"https://t.me/{bot}?start={start}"


def qr_png(text: str) -> bytes:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
