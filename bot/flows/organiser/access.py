"""Who is an organiser, and the owners' /grant and /revoke.

Who may use the organiser commands is decided by the API (``/organiser/access``): ``VICHE_ADMINS``,
``VICHE_OWNERS`` and whoever an owner granted with /grant. The handlers route only organisers to this flow (and
only owners to /grant and /revoke); anyone else's commands fall through to the participant's conversation,
which treats them like any unknown command.
"""

from __future__ import annotations

from bot.backend import Backend, BackendError
from bot.flows.organiser.arguments import quoted, telegram_id, too_many, words
from bot.flows.organiser.replies import MenuChange, OrganiserReply, chunks, failure, say
from bot.flows.person import Person
from bot.flows.screens import Screen
from bot.i18n import Translator


class Access:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def allowed(self, telegram_id: int) -> bool:
        try:
            return bool((await self.backend.access(telegram_id))["organiser"])
        except BackendError:
            return False

    async def is_owner(self, telegram_id: int) -> bool:
        try:
            return bool((await self.backend.access(telegram_id))["owner"])
        except BackendError:
            return False

    async def membership(self, tr: Translator, user: Person, args: str | None, *, grant: bool) -> OrganiserReply:
        """/grant (``grant``) or /revoke: owners only, the handlers route nobody else here."""
        given = words(args)
        usage = tr._("/grant <Telegram id>") if grant else tr._("/revoke <Telegram id>")
        if not given:
            organisers = await self.backend.organisers()
            lines = [
                f"• {o['telegram_id']}"
                + (" (" + tr._("owner") + ")" if o.get("owner") else "")
                + ("" if o["source"] == "granted" else " — " + tr._("configured"))
                for o in organisers
            ]
            return OrganiserReply(
                messages=chunks(tr._("Usage: {usage}. The organisers now:", usage=usage) + "\n" + "\n".join(lines))
            )
        if len(given) > 1:
            return too_many(tr, given[1:], usage)
        target = telegram_id(given[0])
        if target is None:
            return say(
                tr._(
                    "«{text}» is not a Telegram id: a whole number above zero, written with the digits 0–9 "
                    "(for example 123456789). Usage: {usage}",
                    text=quoted(given[0]),
                    usage=usage,
                )
            )
        try:
            if grant:
                granted = await self.backend.grant(target, user.telegram_id)
                return OrganiserReply(
                    messages=[Screen(tr._("✅ {id} is an organiser now.", id=target))],
                    menus=[MenuChange(target, organiser=True, owner=bool(granted.get("owner")))],
                )
            result = await self.backend.revoke(target, user.telegram_id)
        except BackendError as error:
            if error.code == "configured":
                return say(
                    tr._(
                        "{id} is an organiser by configuration (VICHE_ADMINS or VICHE_OWNERS): remove it there.",
                        id=target,
                    )
                )
            return OrganiserReply(messages=[failure(tr, error)])
        if result["revoked"]:
            return OrganiserReply(
                messages=[Screen(tr._("{id} is no longer an organiser.", id=target))],
                menus=[MenuChange(target, organiser=False)],
            )
        return say(tr._("{id} was not an organiser.", id=target))
