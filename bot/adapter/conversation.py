"""One update, answered by the flows, for a front end that has no router of its own to express it with (viche.ptb):
which flow takes a command, a text, a location, a file or a press, in the order aiogram's routers are registered
(bot/dispatcher.py), through the same tables (``routing``) and the same road to the Bot API (``render``).

Two ways to be in a bot. **Whole** (``standalone``): viche is the bot and answers everything in private chats,
as the aiogram bot does. **Shared** with a host bot: viche takes only what is its own and leaves the rest to the
host: /start with a payload naming one of its open consultations, its own command (``entry``, e.g. /consult:
where /start leads in a bot of its own), the citizen commands the host lends it, organiser commands from
organisers, text and locations while a screen of viche waits for them, organiser files that are definitions,
and presses of its own buttons. Each method says whether the update was viche's (``True``: the front end stops
it from reaching the host's handlers).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from bot.adapter.flows import Flows, tell_others
from bot.adapter.menus import MenuCalls
from bot.adapter.render import BotCalls, PressOrigin, answer_press, send_reply
from bot.adapter.routing import (
    DIGEST_COMMANDS,
    ORGANISER_COMMAND_NAMES,
    ORGANISER_COMMANDS,
    ORGANISER_COMMANDS_WITH_ARGS,
    OWNER_COMMANDS,
    PARTICIPANT_COMMANDS,
    PRIVACY_COMMANDS,
    STATUS_COMMANDS,
    press_owner,
)
from bot.backend import Backend
from bot.flows.deeplink import parse_payload
from bot.flows.organiser.flow import MAX_FILE_BYTES
from bot.flows.organiser.replies import OrganiserReply
from bot.flows.person import Person
from bot.flows.screens import Reply, Screen

log = logging.getLogger(__name__)

CITIZEN_COMMANDS = ("consultations", "language", "digests", "mydata", "forget")
"""The citizen commands viche takes in a shared bot unless the host lends it others: /start, /help and /stop are
the host's (its own welcome, its own help; /stop is too common a name to take)."""


@dataclass(frozen=True)
class Document:
    file_name: str | None
    file_size: int | None
    caption: str | None
    download: Callable[[], Awaitable[bytes]]


@dataclass(frozen=True)
class Message:
    """A message in a private chat, as a front end reads it. ``command``: its name (no slash, no @bot) when the
    text or caption is a command to this bot, ``args`` what follows; ``media``: a kind the conversation has no
    use for (a sticker, a photo …; bot/adapter/routing.UNSUPPORTED)."""

    person: Person
    chat_id: int
    text: str | None = None
    command: str | None = None
    args: str | None = None
    location: tuple[float, float] | None = None
    contact: tuple[str, int | None] | None = None  # a shared contact: its phone number and its user's id, if any
    document: Document | None = None
    media: bool = False


@dataclass(frozen=True)
class Press:
    person: Person
    origin: PressOrigin
    data: str  # viche's own data (a front end that marks its buttons has removed the mark)
    private: bool
    label: str | None  # the pressed button's text, when the press came with the keyboard
    message_text: str | None  # the text above it, when the message is accessible


class Conversation:
    def __init__(
        self,
        backend: Backend,
        *,
        default_language: str = "uk",
        standalone: bool = False,
        entry: str = "consult",
        citizen_commands: Collection[str] = CITIZEN_COMMANDS,
        delivery: Any = None,
        api_errors: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.backend = backend
        self.api_errors = api_errors  # the framework's Bot API errors, which a notice to someone else may meet
        self.flows = Flows.build(backend, default_language)
        self.standalone = standalone
        self.entry = entry
        self.citizen_commands = frozenset(citizen_commands)
        self.delivery = delivery  # the sender of this process, woken by /digest (viche.runner's), if any

    def lends(self, command: str) -> bool:
        return self.standalone or command in self.citizen_commands

    async def message(self, m: Message, calls: BotCalls, menus: MenuCalls, bot_username: str) -> bool:
        flows, person = self.flows, m.person
        organiser = flows.organiser
        if m.document is not None and await organiser.allowed(person.telegram_id):
            takes = organiser.takes_document(person, m.document.file_name, m.document.caption)
            if takes or self.standalone:
                await self._organiser(calls, menus, m.chat_id, await self._document(m, m.document, takes))
                return True
        if m.command is not None and await self._command(m, m.command, calls, menus, bot_username):
            return True
        participant = flows.participant
        if m.command is not None and m.text is not None:  # a caption is no command of anyone's: the file is media
            if not self.standalone:
                return False
            reply = await participant.unknown_command(person)
        elif m.text is not None:
            if not (self.standalone or await participant.expects_typing(person)):
                return False
            reply = await participant.text(person, m.text)
        elif m.location is not None:
            if not (self.standalone or await participant.expects_typing(person)):
                return False
            reply = await participant.location(person, *m.location)
        elif m.contact is not None and (self.standalone or await participant.expects_typing(person)):
            reply = await participant.contact(person, *m.contact)  # a budget's phone check (an own number)
        elif m.media and self.standalone:
            reply = await flows.fallback.unsupported(person)
        else:
            return False  # service messages (pins, joins …), or media in a shared bot: not viche's
        await send_reply(calls, m.chat_id, reply)
        return True

    async def _document(self, m: Message, document: Document, takes: bool) -> OrganiserReply:
        organiser, person = self.flows.organiser, m.person
        if not takes:
            return await organiser.not_a_definition(person)
        if document.file_size and document.file_size > MAX_FILE_BYTES:
            return await organiser.file_too_large(person)
        return await organiser.upload(person, document.file_name, await document.download())

    async def _command(self, m: Message, name: str, calls: BotCalls, menus: MenuCalls, bot_username: str) -> bool:
        flows, person, args = self.flows, m.person, m.args
        if await self._organiser_command(m, name, calls, menus, bot_username):
            return True
        reply: Reply
        if name in DIGEST_COMMANDS and self.lends(name):
            reply = await getattr(flows.digest, DIGEST_COMMANDS[name].__name__)(person)
        elif name in PRIVACY_COMMANDS and self.lends(name):
            reply = await getattr(flows.privacy, PRIVACY_COMMANDS[name].__name__)(person)
        elif name == "start" and (self.standalone or await self._own_payload(args)):
            reply = await flows.participant.start(person, args)
        elif name == self.entry and not self.standalone:
            reply = await flows.participant.start(person, None)
        elif name in PARTICIPANT_COMMANDS and self.lends(name):
            reply = await getattr(flows.participant, PARTICIPANT_COMMANDS[name].__name__)(person)
        else:
            return False
        await send_reply(calls, m.chat_id, reply)
        return True

    async def _own_payload(self, payload: str | None) -> bool:
        """A deep link of viche's in a shared bot: its payload names one of the open consultations."""
        slug, _source = parse_payload(payload)
        return slug is not None and any(c["slug"] == slug for c in await self.backend.open_consultations(None))

    async def _organiser_command(
        self, m: Message, name: str, calls: BotCalls, menus: MenuCalls, bot_username: str
    ) -> bool:
        if name == "help" and not self.standalone:  # a shared bot's /help is the host's
            return False
        if name != "help" and name not in ORGANISER_COMMAND_NAMES:
            return False
        flows, person, args = self.flows, m.person, m.args
        organiser = flows.organiser
        if name in OWNER_COMMANDS:
            if not await organiser.is_owner(person.telegram_id):
                return False
        elif not await organiser.allowed(person.telegram_id):
            return False
        reply: Reply
        if name == "help":
            participant, own = await flows.participant.help(person), await organiser.help(person)
            reply = Reply(messages=[Screen("\n\n".join(s.text for s in [*participant.messages, *own.messages]))])
        elif name in STATUS_COMMANDS:
            reply = await organiser.status(person, name, args)
        elif name == "link":
            reply = await organiser.link(person, args, bot_username)
        elif name == "digest":
            refusal = await organiser.digest_refusal(person, args)
            if refusal is not None:
                reply = refusal
            else:
                as_organiser = replace(person, language_code=await organiser.language(person))
                reply = await flows.digest.start_digest(as_organiser, m.chat_id, args)
                if self.delivery is not None:  # start now, not at the sender's next poll
                    self.delivery.wake()
        elif name == "broadcasts":
            as_organiser = replace(person, language_code=await organiser.language(person))
            reply = await flows.digest.broadcasts(as_organiser)
        elif name in ORGANISER_COMMANDS:
            reply = await getattr(organiser, ORGANISER_COMMANDS[name].__name__)(person)
        else:
            table = ORGANISER_COMMANDS_WITH_ARGS if name in ORGANISER_COMMANDS_WITH_ARGS else OWNER_COMMANDS
            reply = await getattr(organiser, table[name].__name__)(person, args)
        await self._organiser(calls, menus, m.chat_id, reply)
        return True

    async def _organiser(self, calls: BotCalls, menus: MenuCalls, chat_id: int, reply: Reply) -> None:
        await send_reply(calls, chat_id, reply)
        if isinstance(reply, OrganiserReply):
            await tell_others(calls, menus, reply, self.api_errors)

    async def press(self, p: Press, calls: BotCalls, menus: MenuCalls) -> bool:
        flows, person = self.flows, p.person
        if not p.private:  # a button in a group or channel: the bot holds no conversation there
            await answer_press(calls, p.origin, flows.fallback.inactive(person))
            return True
        owner = press_owner(p.data)
        reply: Reply
        if owner == "organiser" and await flows.organiser.allowed(person.telegram_id):
            reply = await flows.organiser.callback(person, p.data, p.message_text)
            await answer_press(calls, p.origin, reply)
            if isinstance(reply, OrganiserReply):
                await tell_others(calls, menus, reply, self.api_errors)
            return True
        if owner == "digest":
            reply = await flows.digest.callback(person, p.data)
        elif owner == "privacy":
            reply = await flows.privacy.callback(person, p.data)
        else:
            reply = await flows.participant.callback(person, p.data, p.label, p.message_text)
        await answer_press(calls, p.origin, reply)
        return True
