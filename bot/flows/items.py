"""Rendering one item screen: the text and buttons for each kind of item."""

from __future__ import annotations

from typing import Any

from bot.flows import buttons
from bot.flows.ballot import render_ballot
from bot.flows.buttons import QUALIFICATIONS
from bot.flows.screens import Button, Screen
from bot.i18n import Translator


def qualification_label(tr: Translator, qualification: str) -> str:
    return {
        "like_it": tr._("I like it"),
        "doable": tr._("It is doable"),
        "platitude": tr._("It is a platitude"),
        "no_way": tr._("No way"),
        "impossible": tr._("It is impossible"),
        "dont_understand": tr._("I don't understand it"),
        "no_opinion": tr._("I have no opinion"),
        "dont_care": tr._("I don't care"),
    }[qualification]


def reason_label(tr: Translator, reason: str) -> str:
    return {
        "both": tr._("I like both"),
        "neither": tr._("I like neither"),
        "equal": tr._("They are equally good"),
        "unknown": tr._("I don't know enough"),
        "undecided": tr._("I just can't decide"),
    }[reason]


def choice_label(tr: Translator, choice: str) -> str:
    return {"agree": "👍 " + tr._("Agree"), "disagree": "👎 " + tr._("Disagree"), "neutral": "🤷 " + tr._("Neutral")}[
        choice
    ]


def side_label(tr: Translator, side: str) -> str:
    """A pair's buttons: 🅰, 🅱, Skip."""
    return {"left": "🅰", "right": "🅱", "skip": tr._("Skip")}[side]


def quoted(tr: Translator, text: str) -> str:
    """A title or a proposal in the quotation marks of the participant's language: “…” (en), «…» (uk, fr),
    „…“ (de, cs), „…” (pl), ”…” (sv). The marks live in each catalog's translation of this string."""
    return tr._("«{text}»", text=text)


def top(tr: Translator, item: dict[str, Any]) -> str:
    """The item's number and prompt. An item that takes several screens (proposals, pairs) is one question:
    its number is shown on its first screen only, not again on every proposal."""
    if int(item.get("step") or 1) > 1:
        return str(item["prompt"])
    number = tr._("Question {number} of {total}", number=item["number"], total=item["total"])
    return f"{number}\n\n{item['prompt']}"


def _add_own(tr: Translator, item: dict[str, Any]) -> list[list[Button]]:
    if not item["config"].get("allow_citizen_proposals"):
        return []
    return [[Button("✍️ " + tr._("Add my own proposal"), buttons.NewProposal(item["id"]).pack())]]


def render_item(tr: Translator, screen: dict[str, Any], selected: set[int] | None = None) -> Screen:
    item = screen["item"]
    kind = item["kind"]
    head = top(tr, item)
    if kind == "proposal":
        pid = screen["proposal"]["id"]
        return Screen(
            f"{head}\n\n{quoted(tr, screen['proposal']['text'])}",
            [
                [Button(choice_label(tr, choice), buttons.Vote(pid, choice).pack()) for choice in QUALIFICATIONS],
                *_add_own(tr, item),
            ],
        )
    if kind == "pairs":
        pair = screen["pair"]
        token = pair["token"]
        return Screen(
            f"{head}\n\n🅰 {pair['left']['text']}\n\n🅱 {pair['right']['text']}",
            [
                [Button(side_label(tr, side), buttons.Pair(token, side).pack()) for side in ("left", "right")],
                [
                    Button(tr._("I can't decide"), buttons.PairUndecided(token).pack()),
                    Button(side_label(tr, "skip"), buttons.Pair(token, "skip").pack()),
                ],
                *_add_own(tr, item),
            ],
        )
    if kind == "single_choice":
        return Screen(
            head, [[Button(o["label"], buttons.Option(item["id"], o["id"]).pack())] for o in screen["options"]]
        )
    if kind == "scale":
        low, high = item["config"].get("min", 1), item["config"].get("max", 5)
        values = list(range(low, high + 1))
        rows = [values[i : i + 6] for i in range(0, len(values), 6)]
        ends = "\n".join(
            f"{end} — {label}" for end, label in ((low, item.get("min_label")), (high, item.get("max_label"))) if label
        )
        return Screen(
            head + (f"\n\n{ends}" if ends else ""),
            [[Button(str(v), buttons.Scale(item["id"], v).pack()) for v in row] for row in rows],
        )
    if kind == "multi_choice":
        return _toggles(tr, head, screen, selected or set(), buttons.Toggle, buttons.ToggleDone)
    if kind == "budget":
        return with_places(tr, screen, render_ballot(tr, head, screen))
    if kind == "free_text":
        limit = item["config"].get("max_length", 1000)
        text = (
            head
            + "\n\n"
            + tr.n_("Type your answer (up to {n} character).", "Type your answer (up to {n} characters).", limit)
        )
        optional = item["config"].get("optional", True)
        return Screen(text, [[Button(tr._("Skip"), buttons.SkipItem(item["id"]).pack())]] if optional else [])
    if kind == "place":
        text = head + "\n\n" + tr._("Share a location: tap 📎, choose “Location” and pick the place on the map.")
        return Screen(text, [[Button(tr._("Skip"), buttons.SkipItem(item["id"]).pack())]])
    return Screen(head)


def most_choices(item: dict[str, Any], options: int) -> int:
    """How many options a multiple-choice item lets one tick."""
    return int(item["config"].get("max_choices") or options)


def _toggles(
    tr: Translator, head: str, screen: dict[str, Any], selected: set[int], toggle: type[Any], done: type[Any]
) -> Screen:
    item = screen["item"]
    rows = []
    for position, option in enumerate(screen["options"]):
        toggled = frozenset(selected ^ {position})
        mark = "☑️ " if position in selected else "⬜ "
        rows.append([Button(mark + option["label"], toggle(item["id"], toggled).pack())])
    rows.append([Button("✅ " + tr._("Done"), done(item["id"], frozenset(selected)).pack())])
    limit = most_choices(item, len(screen["options"])) if item["kind"] == "multi_choice" else len(screen["options"])
    hint = (
        tr.n_(
            "Tap to select up to {n} option, then press Done.",
            "Tap to select up to {n} options, then press Done.",
            limit,
        )
        if limit < len(screen["options"])
        else tr._("Tap to select, then press Done.")
    )
    return Screen(head + "\n\n" + hint, rows)


def with_places(tr: Translator, screen: dict[str, Any], ballot: Screen) -> Screen:
    """A budget ballot whose projects have places gets a "Where are the projects?" button above its last row."""
    if any(option.get("latitude") is not None for option in screen["options"]):
        row = [Button("📍 " + tr._("Where are the projects?"), buttons.ProjectPlaces(screen["item"]["id"]).pack())]
        ballot.buttons.insert(max(len(ballot.buttons) - 1, 0), row)
    return ballot
