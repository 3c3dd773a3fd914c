"""Answering a question item with its buttons: one option, several (ticked in the buttons until Done), a scale,
or a skip. Budget ballots are in ``ballots``."""

from __future__ import annotations

from bot.backend import BackendError
from bot.flows import buttons
from bot.flows.items import most_choices, render_item
from bot.flows.participant.conversation import Conversation, Press, whole
from bot.flows.screens import Reply, Screen
from bot.i18n.formats import format_number


class Questions(Conversation):
    """Question items answered with buttons."""

    async def _on_option(self, press: Press, button: buttons.Option) -> Reply:
        return await self._record(
            press,
            press.pressed,
            self.backend.answer(
                press.participant["id"], button.item, option_id=button.option, then=self._then_for(press)
            ),
        )

    async def _on_scale(self, press: Press, button: buttons.Scale) -> Reply:
        return await self._record(
            press,
            str(button.value),
            self.backend.answer(press.participant["id"], button.item, value=button.value, then=self._then_for(press)),
        )

    async def _on_skip(self, press: Press, button: buttons.SkipItem) -> Reply:
        return await self._record(
            press,
            self._tr(press.participant, press.user)._("Skip"),
            self.backend.answer(press.participant["id"], button.item, value=None, then=self._then_for(press)),
        )

    async def _on_toggle(self, press: Press, button: buttons.Toggle) -> Reply:
        """A multiple-choice selection lives in the buttons themselves until Done is pressed."""
        tr = self._tr(press.participant, press.user)
        screen = await self._screen_for_item(press.participant, tr, button.item)
        if screen is None:
            return self._stale(tr, await self._current_screen(press.participant, tr))
        options = screen["options"]
        selected = set(button.selected)
        if any(p >= len(options) for p in selected):
            return self._inactive(press.participant, press.user)
        limit = most_choices(screen["item"], len(options))
        if len(selected) > limit:
            return Reply(
                toast=tr.n_(
                    "You can choose up to {n} option. Untick one first.",
                    "You can choose up to {n} options. Untick one first.",
                    limit,
                ),
                alert=True,
            )
        return Reply(edit=render_item(tr, screen, selected))

    async def _on_toggles_done(self, press: Press, button: buttons.ToggleDone) -> Reply:
        participant, user = press.participant, press.user
        tr = self._tr(participant, user)
        screen = await self._screen_for_item(participant, tr, button.item)
        if screen is None:
            return self._stale(tr, await self._current_screen(participant, tr))
        if any(p >= len(screen["options"]) for p in button.selected):
            return self._inactive(participant, user)
        chosen = [screen["options"][p] for p in sorted(button.selected)]
        try:
            result = await self.backend.answer(
                participant["id"], button.item, value=[o["id"] for o in chosen], then=self._then(participant, tr)
            )
        except BackendError as error:
            if error.code == "invalid_count":
                high = whole(error.extra.get("max"), len(screen["options"]))
                return Reply(
                    toast=tr.n_(
                        "Choose from {low} to {n} option.",
                        "Choose from {low} to {n} options.",
                        high,
                        low=format_number(whole(error.extra.get("min"), 0), tr.locale),
                    ),
                    alert=True,
                )
            raise
        summary = ", ".join(o["label"] for o in chosen) or "—"
        # The question as it stood, from our own state when Telegram did not send the message's text.
        text = press.message_text or render_item(tr, screen, set(button.selected)).text
        return Reply(edit=Screen(f"{text}\n\n✓ {summary}"), toast=tr._("Saved ✓")).then(
            await self._continue(user, participant, result.get("next"))
        )
