"""Rendering one item screen: the text and buttons for each kind of item."""
from __future__ import annotations

from bot.flows.callbacks import encode
from bot.flows.screens import Button, Screen
from bot.i18n import Translator

QUALIFICATION_CODES = {
    "agree": (("l", "like_it"), ("d", "doable"), ("p", "platitude")),
    "disagree": (("w", "no_way"), ("i", "impossible"), ("p", "platitude")),
    "neutral": (("u", "dont_understand"), ("o", "no_opinion"), ("c", "dont_care")),
}
CANT_DECIDE_REASONS = ("both", "neither", "equal", "unknown", "undecided")


def qualification_label(tr: Translator, qualification: str) -> str:
    return {
        "like_it": tr._("I like it"), "doable": tr._("It is doable"), "platitude": tr._("It is a platitude"),
        "no_way": tr._("No way"), "impossible": tr._("It is impossible"),
        "dont_understand": tr._("I don't understand it"), "no_opinion": tr._("I have no opinion"),
        "dont_care": tr._("I don't care"),
    }[qualification]


def reason_label(tr: Translator, reason: str) -> str:
    return {
        "both": tr._("I like both"), "neither": tr._("I like neither"), "equal": tr._("They are equally good"),
        "unknown": tr._("I don't know enough"), "undecided": tr._("I just can't decide"),
    }[reason]


def decode_mask(mask: str) -> set[int]:
    bits = int(mask, 16)
    return {i for i in range(16) if bits >> i & 1}


def encode_mask(positions: set[int]) -> str:
    return format(sum(1 << i for i in positions), "x")


def quoted(tr: Translator, text: str) -> str:
    """A title or a proposal in the quotation marks of the participant's language: «…», „…“, ”…”."""
    return tr._("«{text}»", text=text)


def header(tr: Translator, item: dict) -> str:
    return tr._("Question {number} of {total}", number=item["number"], total=item["total"])


def _add_own(tr: Translator, item: dict) -> list[list[Button]]:
    if not item["config"].get("allow_citizen_proposals"):
        return []
    return [[Button("✍️ " + tr._("Add my own proposal"), encode("np", item["id"]))]]


def render_item(tr: Translator, screen: dict, selected: set[int] | None = None) -> Screen:
    item = screen["item"]
    kind = item["kind"]
    top = f"{header(tr, item)}\n\n{item['prompt']}"
    if kind == "proposal":
        pid = screen["proposal"]["id"]
        return Screen(f"{top}\n\n{quoted(tr, screen['proposal']['text'])}", [[
            Button("👍 " + tr._("Agree"), encode("v", pid, "a")),
            Button("👎 " + tr._("Disagree"), encode("v", pid, "d")),
            Button("🤷 " + tr._("Neutral"), encode("v", pid, "n")),
        ], *_add_own(tr, item)])
    if kind == "pairs":
        pair = screen["pair"]
        token = pair["token"]
        return Screen(f"{top}\n\n🅰 {pair['left']['text']}\n\n🅱 {pair['right']['text']}", [
            [Button("🅰", encode("p", token, "l")), Button("🅱", encode("p", token, "r"))],
            [Button(tr._("I can't decide"), encode("p", token, "c")), Button(tr._("Skip"), encode("p", token, "s"))],
            *_add_own(tr, item),
        ])
    if kind == "single_choice":
        return Screen(top, [[Button(o["label"], encode("a", item["id"], o["id"]))] for o in screen["options"]])
    if kind == "scale":
        low, high = item["config"].get("min", 1), item["config"].get("max", 5)
        values = list(range(low, high + 1))
        rows = [values[i:i + 6] for i in range(0, len(values), 6)]
        ends = ""
        if item.get("min_label") or item.get("max_label"):
            ends = f"\n\n{low} — {item.get('min_label', '')}\n{high} — {item.get('max_label', '')}"
        return Screen(top + ends, [[Button(str(v), encode("s", item["id"], v)) for v in row] for row in rows])
    if kind == "multi_choice":
        return _toggles(tr, top, screen, selected or set(), "m")
    if kind == "budget":
        return _budget(tr, top, screen, selected or set())
    if kind == "free_text":
        limit = item["config"].get("max_length", 1000)
        text = top + "\n\n" + tr.n_("Type your answer (up to {n} character).",
                                    "Type your answer (up to {n} characters).", limit)
        skip = [[Button(tr._("Skip"), encode("x", item["id"]))]] if item["config"].get("optional", True) else []
        return Screen(text, skip)
    if kind == "place":
        text = top + "\n\n" + tr._("Share a location: tap 📎, choose “Location” and pick the place on the map.")
        return Screen(text, [[Button(tr._("Skip"), encode("x", item["id"]))]])
    return Screen(top)


def _toggles(tr: Translator, top: str, screen: dict, selected: set[int], prefix: str) -> Screen:
    item = screen["item"]
    rows = []
    for position, option in enumerate(screen["options"]):
        toggled = selected ^ {position}
        mark = "☑️ " if position in selected else "⬜ "
        rows.append([Button(mark + option["label"], encode(prefix, item["id"], encode_mask(toggled)))])
    rows.append([Button("✅ " + tr._("Done"), encode(prefix + "d", item["id"], encode_mask(selected)))])
    return Screen(top + "\n\n" + tr._("Tap to select, then press Done."), rows)


def _budget(tr: Translator, top: str, screen: dict, selected: set[int]) -> Screen:
    item = screen["item"]
    total, currency = item["config"]["total"], item["config"].get("currency", "EUR")
    spent = sum(screen["options"][p]["cost"] or 0 for p in selected if p < len(screen["options"]))
    left = tr._("Budget left: {left} of {total}",
                left=format_money(total - spent, currency, tr.locale), total=format_money(total, currency, tr.locale))
    rendered = _toggles(tr, f"{top}\n\n{left}", screen, selected, "b")
    for row, option in zip(rendered.buttons, screen["options"]):
        button = row[0]
        row[0] = Button(f"{button.text} — {format_money(option['cost'], currency, tr.locale)}", button.data)
    return rendered


def format_money(amount: int, currency: str, locale: str) -> str:
    from bot.i18n.formats import format_currency

    return format_currency(amount, currency, locale)
