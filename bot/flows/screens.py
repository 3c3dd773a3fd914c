"""What a flow hands back to the handlers: texts with buttons, edits, toasts. No aiogram types here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    text: str
    data: str = ""  # callback data: ids only, at most 64 bytes (packed by bot/flows/buttons.py)
    url: str | None = None  # a link button instead (no callback)
    web_app: bool = False  # open ``url`` as a Mini App inside Telegram (HTTPS only, private chats only)


def link_button(text: str, url: str, *, private_chat: bool) -> Button:
    """A button that opens ``url``: as a Mini App where Telegram allows one (an HTTPS address, in a private chat
    with the bot — the Bot API's rules for ``web_app``), else as a plain link the browser opens."""
    return Button(text, url=url, web_app=private_chat and url.startswith("https://"))


@dataclass
class Screen:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    photo: bytes | None = None  # sent with sendPhoto, ``text`` as the caption
    document: tuple[str, bytes] | None = None  # (file name, content), ``text`` as the caption
    keep_text: bool = False
    """As an edit: replace only the buttons and leave the text alone (it is not known when the pressed message
    came as an InaccessibleMessage)."""
    contact_button: str | None = None
    """A custom keyboard of one button with this label that shares the person's own phone number
    (request_contact); sent instead of ``buttons``."""
    remove_keyboard: bool = False
    """Take a custom keyboard (the contact button) away with this message."""
    venue: Venue | None = None
    """Send a place (sendVenue): ``text`` is not sent."""


@dataclass(frozen=True)
class Venue:
    latitude: float
    longitude: float
    title: str
    address: str


@dataclass
class Reply:
    """The bot's reaction to one update."""

    messages: list[Screen] = field(default_factory=list)
    edit: Screen | None = None  # replaces the message whose button was pressed
    toast: str | None = None  # the answer to a callback query
    alert: bool = False

    def then(self, other: Reply) -> Reply:
        return Reply(
            messages=self.messages + other.messages,
            edit=self.edit or other.edit,
            toast=self.toast or other.toast,
            alert=self.alert or other.alert,
        )
