"""What the participant types or sends rather than presses: free-text answers, their own proposal, a place (a
shared location) and its comment."""

from __future__ import annotations

from typing import Any

from bot.backend import BackendError
from bot.flows import buttons, checks
from bot.flows.items import quoted
from bot.flows.known import CHANNEL
from bot.flows.participant.checks import Checks
from bot.flows.participant.conversation import Press, length_hint
from bot.flows.person import Person
from bot.flows.screens import Button, Reply, Screen


class TypedInput(Checks):
    """Typed messages and shared locations: free-text answers, own proposals, places and their comments."""

    async def text(self, user: Person, text: str) -> Reply:
        participant = await self.known.identify(user.external_id)
        if participant["language"] is None:
            return Reply(messages=[self._language_picker(user, participant)])
        tr = self._tr(participant, user)
        slug = await self._current_slug(participant)
        if slug is None:
            return await self._continue(user, participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale)
        awaiting = screen.get("awaiting") or ""
        if awaiting.startswith("proposal:"):
            return await self._submit_proposal(user, participant, int(awaiting.split(":")[1]), text)
        if awaiting.startswith("comment:"):
            return await self._submit_comment(user, participant, int(awaiting.split(":")[1]), text)
        if screen["status"] == "done":
            # Nothing left to answer here: no "use the buttons" above a message that has none.
            title = quoted(tr, screen["consultation"]["title"])
            return Reply(
                messages=[
                    Screen(
                        tr._(
                            "You have answered every question in {title}. Thank you! "
                            "/consultations shows what else is open.",
                            title=title,
                        )
                    )
                ]
            )
        if screen["status"] == "not_open":
            return Reply(messages=[self._render(tr, screen)])
        if screen["status"] == "item" and screen.get("check") == "invitation":
            return await self._submit_code(user, participant, screen, text)
        if screen["status"] == "item" and screen.get("check") == "phone":
            notice = tr._("Please share your number with the button below (typed numbers cannot be checked).")
            return Reply(messages=checks.check_screens(tr, screen, notice))
        if screen["status"] == "item" and screen["item"]["kind"] == "place":
            return Reply(messages=[Screen(tr._("Please send a location (📎 → Location), or press Skip."))]).then(
                Reply(messages=[self._render(tr, screen)])
            )
        if screen["status"] == "item" and screen["item"]["kind"] == "free_text":
            item = screen["item"]
            try:
                result = await self.backend.answer(
                    participant["id"], item["id"], value=text, then=self._then(participant, tr)
                )
            except BackendError as error:
                if error.code != "invalid_length":
                    return self._refusal(participant, user, error)
                return Reply(messages=[Screen(length_hint(tr, error.extra.get("min"), error.extra.get("max")))])
            return Reply(messages=[Screen("✓ " + tr._("Saved"))]).then(
                await self._continue(user, participant, result.get("next"))
            )
        hint = Screen(tr._("Please answer with the buttons under the message. 👇"))
        return Reply(messages=[hint, self._render(tr, screen)])

    async def expects_typing(self, user: Person) -> bool:
        """Whether this person's current screen waits for something typed or sent (a free-text answer, their own
        proposal, a place or its comment). For a front end that shares the chat with a host bot (viche.ptb):
        what no screen of ours waits for is the host's. Never creates a participant."""
        participant = await self.backend.find(CHANNEL, user.external_id)
        if participant is None or participant.get("language") is None:
            return False
        self.known.remember(user.external_id, participant)
        slug = participant.get("current_consultation")
        if slug is None:
            return False
        screen = await self.backend.next(participant["id"], slug, self._tr(participant, user).locale)
        if (screen.get("awaiting") or "").startswith(("proposal:", "comment:")):
            return True
        if screen["status"] == "item" and screen.get("check"):
            return True  # a budget's check waits for an own contact or a typed invitation code
        return screen["status"] == "item" and screen["item"]["kind"] in ("free_text", "place")

    async def location(self, user: Person, latitude: float, longitude: float) -> Reply:
        participant = await self.known.identify(user.external_id)
        tr = self._tr(participant, user)
        slug = await self._current_slug(participant)
        screen = await self.backend.next(participant["id"], slug, tr.locale) if slug else None
        if slug is None or not screen or screen["status"] != "item" or screen["item"]["kind"] != "place":
            return Reply(messages=[Screen(tr._("I was not expecting a location here."))]).then(
                await self._continue(user, participant)
            )
        item = screen["item"]
        try:
            await self.backend.answer(
                participant["id"], item["id"], value={"latitude": latitude, "longitude": longitude}
            )
        except BackendError as error:
            return self._refusal(participant, user, error, as_message=True)
        if item["config"].get("allow_comment", True):
            await self.backend.set_awaiting(participant["id"], slug, f"comment:{item['id']}")
            return Reply(
                messages=[
                    Screen(
                        tr._("Got the place ✓ Add a short comment about it, or skip."),
                        [[Button(tr._("Skip"), buttons.SkipComment(item["id"]).pack())]],
                    )
                ]
            )
        return await self._continue(user, participant)

    async def _submit_proposal(self, user: Person, participant: dict[str, Any], item_id: int, text: str) -> Reply:
        tr = self._tr(participant, user)
        try:
            await self.backend.propose(participant["id"], item_id, text, tr.locale)
        except BackendError as error:
            if error.code == "invalid_length":
                return Reply(
                    messages=[
                        Screen(
                            tr._(
                                "A proposal needs 12 to 280 characters; yours has {length}. Please try again.",
                                length=error.extra.get("length", 0),
                            )
                        )
                    ]
                )
            if error.code == "duplicate":
                slug = await self._current_slug(participant)
                if slug is not None:
                    await self.backend.set_awaiting(participant["id"], slug, None)
                return Reply(
                    messages=[
                        Screen(
                            tr._("This idea is already in the consultation: «{text}»", text=error.extra.get("text", ""))
                        )
                    ]
                ).then(await self._continue(user, participant))
            return self._refusal(participant, user, error, as_message=True)
        return Reply(
            messages=[
                Screen(
                    tr._(
                        "Thank you! Your proposal will be shown to others once a moderator "
                        "has checked it. We will let you know."
                    )
                )
            ]
        ).then(await self._continue(user, participant))

    async def _submit_comment(self, user: Person, participant: dict[str, Any], item_id: int, text: str) -> Reply:
        tr = self._tr(participant, user)
        try:
            await self.backend.comment(participant["id"], item_id, text)
        except BackendError as error:
            if error.code == "invalid_length":
                return Reply(messages=[Screen(length_hint(tr, 1, error.extra.get("max")))])
            return self._refusal(participant, user, error, as_message=True)
        return Reply(messages=[Screen("✓ " + tr._("Saved"))]).then(await self._continue(user, participant))

    async def _on_skip_comment(self, press: Press, button: buttons.SkipComment) -> Reply:
        tr = self._tr(press.participant, press.user)
        slug = await self._current_slug(press.participant)
        screen = await self.backend.next(press.participant["id"], slug, tr.locale) if slug else None
        if slug is None or not screen or screen.get("awaiting") != f"comment:{button.item}":
            return self._inactive(press.participant, press.user)  # no comment asked for: nothing to skip
        await self.backend.set_awaiting(press.participant["id"], slug, None)
        return Reply(edit=self._answered(press, self._tr(press.participant, press.user)._("Skip"))).then(
            await self._continue(press.user, press.participant)
        )
