"""What a budget asks before its ballot (api/eligibility.py): the screens and the words, framework-free.

The consent screen says what will be asked and why; the check screen asks for it: the participant's own phone
number through Telegram's contact button (a custom keyboard: it cannot sit beside inline buttons, so passing the
budget over comes in a second message), or an invitation code typed as a message.
"""

from __future__ import annotations

from typing import Any

from bot.flows import buttons
from bot.flows.items import top
from bot.flows.screens import Button, Screen
from bot.i18n import Translator


def consent_lines(tr: Translator, asks: list[str]) -> list[str]:
    """What the consent screen adds for budgets that ask for a check."""
    lines = []
    if "phone" in asks:
        lines.append(
            tr._(
                "One budget here asks for your phone number, shared with Telegram's button, so that each number "
                "votes once. We keep only a keyed fingerprint of it, never the number itself; /forget deletes it, "
                "and it is deleted anyway after the consultation."
            )
        )
    if "invitation" in asks:
        lines.append(
            tr._(
                "One budget here is for invited people: you will be asked for the invitation code you received. "
                "Each code works once and is not linked to your answers."
            )
        )
    return lines


def pass_over(tr: Translator, item: dict[str, Any]) -> list[Button]:
    return [Button(tr._("Pass over this budget"), buttons.SkipItem(item["id"]).pack())]


def check_screens(tr: Translator, screen: dict[str, Any], notice: str | None = None) -> list[Screen]:
    """The messages asking for the item's check, under ``notice`` (why the last try was refused) if any."""
    item = screen["item"]
    above = f"{notice}\n\n" if notice else ""
    if screen.get("check") == "phone":
        codes = (item["config"].get("eligibility") or {}).get("country_codes") or []
        where = (
            "\n\n"
            + tr._(
                "Only numbers with the calling code {codes} can vote here.",
                codes=", ".join(f"+{code}" for code in codes),
            )
            if codes
            else ""
        )
        ask = Screen(
            above
            + top(tr, item)
            + "\n\n"
            + tr._("To vote in this budget, share your own phone number with the button below.")
            + where,
            contact_button="📱 " + tr._("Share my phone number"),
        )
        other = Screen(tr._("Rather not, or not eligible?"), [pass_over(tr, item)])
        return [ask, other]
    text = above + top(tr, item) + "\n\n" + tr._("This budget is for invited people: please type your invitation code.")
    return [Screen(text, [pass_over(tr, item)])]


def refusal(tr: Translator, code: str, extra: dict[str, Any]) -> str | None:
    """Why a check did not pass, kindly; None for a refusal that is not the check's."""
    if code == "not_own_contact":
        return tr._("This is someone else's number. Please share your own with the button below.")
    if code == "country_not_admitted":
        codes = ", ".join(f"+{c}" for c in extra.get("codes") or [])
        return tr._(
            "Sorry: this budget is only for phone numbers with the calling code {codes}. "
            "Thank you for wanting to take part!",
            codes=codes,
        )
    if code == "invalid_phone":
        return tr._("I could not read this phone number. Please share it with the button below.")
    if code == "phone_used":
        return tr._("This phone number has already been used to vote in this budget. Each number votes once.")
    if code == "code_used":
        return tr._(
            "This invitation code has already been used. If it was given to you, please ask the organisers "
            "for a new one."
        )
    if code == "unknown_code":
        return tr._("This is not one of the invitation codes. Please check it and type it again.")
    return None
