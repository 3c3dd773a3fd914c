"""The organisers' conversation as the handlers see it: each command and each button to its sub-conversation.

Everything goes through the organiser routes of the API, which also decides who may use it. Organisers read the
bot in their language, by the same rule as participants (``bot.flows.language``): the one they chose with
/language, else their Telegram app's, else the bot's default; consultation titles and prompts come in that
language where the consultation has it. Every argument is checked before anything is asked of the backend
(``arguments``); a button press is read by the shared codec (``buttons``) and handed on by its kind, through
``_buttons``: data that is no button of ours is "no longer active".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.backend import Backend
from bot.flows import callbacks
from bot.flows.callbacks import CallbackData
from bot.flows.known import KnownParticipants
from bot.flows.language import person_translator
from bot.flows.menu import organiser_help
from bot.flows.organiser import buttons
from bot.flows.organiser.access import Access
from bot.flows.organiser.arguments import refuse_slug, words
from bot.flows.organiser.buttons import Dismiss, is_status_action
from bot.flows.organiser.definitions import MAX_FILE_BYTES, Definitions
from bot.flows.organiser.jury import Juries
from bot.flows.organiser.links import Links
from bot.flows.organiser.moderation import Moderation
from bot.flows.organiser.pages import ResultsPages
from bot.flows.organiser.preview import Previews, ended
from bot.flows.organiser.replies import OrganiserReply
from bot.flows.organiser.stats import Figures
from bot.flows.organiser.status import Statuses
from bot.flows.person import Person
from bot.flows.screens import Screen
from bot.i18n import Translator

__all__ = ["MAX_FILE_BYTES", "OrganiserFlow", "OrganiserReply"]

B = TypeVar("B", bound=CallbackData)
ButtonHandler = Callable[[Translator, Any, "str | None"], Awaitable[OrganiserReply]]
"""What a press does: the organiser's strings, the button pressed, and the text of the message it sat under."""


class OrganiserFlow:
    def __init__(self, backend: Backend, known: KnownParticipants, default_language: str = "uk") -> None:
        self.backend = backend
        self.known = known
        self.default_language = default_language
        self.access = Access(backend)
        self.definitions = Definitions(backend)
        self.statuses = Statuses(backend)
        self.figures = Figures(backend)
        self.previews = Previews(backend)
        self.moderation = Moderation(backend)
        self.links = Links(backend)
        self.pages = ResultsPages(backend)
        self.juries = Juries(backend)
        self._buttons: dict[type[CallbackData], ButtonHandler] = {}
        self._on(buttons.PreviewStep, self.previews.on_step)
        self._on(buttons.Dismiss, _dismiss)
        self._on(buttons.RefreshStats, self.figures.on_refresh)
        self._on(buttons.RefreshJury, self.juries.on_refresh)
        self._on(buttons.ChooseStatus, self.statuses.on_choice)
        self._on(buttons.ConfirmClose, self.statuses.on_close)
        self._on(buttons.Accept, self.moderation.on_accept)
        self._on(buttons.Reject, self.moderation.on_reject)
        self._on(buttons.ShowReasons, self.moderation.on_reasons)
        self._on(buttons.BackToProposal, self.moderation.on_back)
        self._on(buttons.SkipProposal, self.moderation.on_skip)

    def _on(self, kind: type[B], handler: Callable[[Translator, B, str | None], Awaitable[OrganiserReply]]) -> None:
        self._buttons[kind] = handler

    # ---- who, and in which language ------------------------------------------------------------------

    async def allowed(self, telegram_id: int) -> bool:
        return await self.access.allowed(telegram_id)

    async def is_owner(self, telegram_id: int) -> bool:
        return await self.access.is_owner(telegram_id)

    async def _tr(self, user: Person) -> Translator:
        return await person_translator(self.known, user.external_id, user.language_code, self.default_language)

    async def language(self, user: Person) -> str:
        """The language this organiser reads (for the organiser screens of other flows: /digest, /broadcasts)."""
        return (await self._tr(user)).locale

    # ---- commands ----------------------------------------------------------------------------------------

    async def help(self, user: Person) -> OrganiserReply:
        """The organiser's part of /help (and all of /admin)."""
        tr = await self._tr(user)
        return OrganiserReply(messages=[Screen(organiser_help(tr, await self.is_owner(user.telegram_id)))])

    async def list(self, user: Person) -> OrganiserReply:
        return await self.statuses.listing(await self._tr(user))

    async def new(self, user: Person) -> OrganiserReply:
        return self.definitions.new(await self._tr(user), user.telegram_id)

    def takes_document(self, user: Person, filename: str | None, caption: str | None) -> bool:
        return self.definitions.takes_document(user.telegram_id, filename, caption)

    async def not_a_definition(self, user: Person) -> OrganiserReply:
        return self.definitions.not_a_definition(await self._tr(user))

    async def file_too_large(self, user: Person) -> OrganiserReply:
        return self.definitions.too_large(await self._tr(user))

    async def upload(self, user: Person, filename: str | None, content: bytes) -> OrganiserReply:
        return await self.definitions.upload(await self._tr(user), user.telegram_id, filename, content)

    async def status(self, user: Person, action: str, args: str | None) -> OrganiserReply:
        """/launch, /pause, /resume or /close (``action``)."""
        if not is_status_action(action):
            raise ValueError(f"{action!r} is not a status action")
        return await self.statuses.command(await self._tr(user), action, args)

    async def stats(self, user: Person, args: str | None) -> OrganiserReply:
        return await self.figures.command(await self._tr(user), args)

    async def preview(self, user: Person, args: str | None) -> OrganiserReply:
        return await self.previews.command(await self._tr(user), args)

    async def moderate(self, user: Person, args: str | None) -> OrganiserReply:
        return await self.moderation.command(await self._tr(user), args)

    async def link(self, user: Person, args: str | None, bot_username: str) -> OrganiserReply:
        return await self.links.command(await self._tr(user), args, bot_username)

    async def publish(self, user: Person, args: str | None) -> OrganiserReply:
        return await self.pages.publish(await self._tr(user), args)

    async def dashboard(self, user: Person, args: str | None) -> OrganiserReply:
        return await self.pages.dashboard(await self._tr(user), args)

    async def jury(self, user: Person, args: str | None) -> OrganiserReply:
        """/jury: the pool, the draw and the panel of a consultation's citizens' jury."""
        return await self.juries.command(await self._tr(user), args, user.telegram_id)

    async def results(self, user: Person, args: str | None) -> OrganiserReply:
        return await self.pages.results(await self._tr(user), args)

    async def grant(self, user: Person, args: str | None) -> OrganiserReply:
        """Owners only: the handlers route nobody else here (for them it is an unknown command)."""
        return await self.access.membership(await self._tr(user), user, args, grant=True)

    async def revoke(self, user: Person, args: str | None) -> OrganiserReply:
        return await self.access.membership(await self._tr(user), user, args, grant=False)

    async def digest_refusal(self, user: Person, args: str | None) -> OrganiserReply | None:
        """/digest's arguments checked like every organiser command's (its flow takes the slug in any case and
        checks the round itself): a reply refusing them, or None."""
        given = words(args)
        if not given:
            return None
        tr = await self._tr(user)
        return refuse_slug(tr, [given[0].lower(), *given[1:]], tr._("/digest <slug> [round]"), most=2)

    # ---- buttons -----------------------------------------------------------------------------------------

    @staticmethod
    def handles(data: str | None) -> bool:
        """Data of an organiser button (valid or not: a malformed one is answered "no longer active")."""
        return buttons.is_organiser_button(data)

    async def callback(self, user: Person, data: str | None, message_text: str | None = None) -> OrganiserReply:
        tr = await self._tr(user)
        button = callbacks.unpack(data)
        handler = None if button is None else self._buttons.get(type(button))
        if button is None or handler is None:
            return OrganiserReply(toast=tr._("This button is no longer active."))
        return await handler(tr, button, message_text)


async def _dismiss(tr: Translator, button: Dismiss, message_text: str | None) -> OrganiserReply:
    if button.what == "end_preview":
        return ended(tr, message_text)
    return OrganiserReply(edit=Screen(tr._("Cancelled.")))
