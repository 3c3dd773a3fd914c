"""A participatory-budget ballot in the chat, for each kind of ballot: its rules said plainly, what is chosen and
what is left, one button per project, and why a refused pick was refused.

The ballot itself is kept by the API (``api/participant/ballots.py``), which checks every pick against the
rules (``api/ballot_rules.py``): a press names only the item, the project and add / remove, so it means the
same whatever the message under it shows — or whether Telegram sent that message at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from math import ceil
from typing import Any, Literal

from bot.backend import BackendError
from bot.flows import buttons
from bot.flows.screens import Button, Screen
from bot.i18n import Translator
from bot.i18n.formats import format_currency

Money = Callable[[int], str]


def _money(tr: Translator, config: dict[str, Any]) -> Money:
    currency = str(config.get("currency", "EUR"))
    return lambda amount: format_currency(amount, currency, tr.locale)


def _minimum_spend(config: dict[str, Any]) -> int:
    """As the API counts it (core.definition.model.minimum_spend, which the bot may not import)."""
    share = config.get("min_spend_share")
    return ceil(Fraction(str(share)) * int(config["total"])) if share else 0


def _limits(config: dict[str, Any], projects: int) -> tuple[int, int]:
    return int(config.get("min_projects", 1)), int(config.get("max_projects") or projects)


def _count_rule(tr: Translator, low: int, high: int, projects: int, *, upper: bool = True) -> str | None:
    """How many projects a ballot names, when the definition limits it (``upper``: say the most, too)."""
    if low == high:
        return tr.n_("Choose exactly {n} project.", "Choose exactly {n} projects.", high)
    if upper and high < projects and low > 1:
        return tr.n_("Choose {low} to {n} project.", "Choose {low} to {n} projects.", high, low=low)
    if upper and high < projects:
        return tr.n_("Choose at most {n} project.", "Choose at most {n} projects.", high)
    if low > 1:
        return tr.n_("Choose at least {n} project.", "Choose at least {n} projects.", low)
    return None


def rules_text(tr: Translator, config: dict[str, Any], projects: int) -> list[str]:
    """The ballot's rules and how to use its buttons, in the participant's language."""
    kind = config.get("ballot", "knapsack")
    low, high = _limits(config, projects)
    money = _money(tr, config)
    if kind == "knapsack":
        lines = [tr._("Choose projects whose costs add up to at most {total}.", total=money(int(config["total"])))]
        if config.get("min_spend_share"):
            lines.append(tr._("Spend at least {least} of it.", least=money(_minimum_spend(config))))
        lines.append(_count_rule(tr, low, high, projects) or "")
        lines.append(tr._("Tap a project to add it or take it out, then press Done."))
    elif kind == "approval":
        lines = [
            tr.n_("Choose up to {n} project you support.", "Choose up to {n} projects you support.", high)
            if low != high
            else _count_rule(tr, low, high, projects) or "",
            tr._("Costs are shown for information: they are not added up."),
            (_count_rule(tr, low, high, projects, upper=False) or "") if low != high else "",
            tr._("Tap a project to add it or take it out, then press Done."),
        ]
    elif kind == "cumulative":
        points = int(config["points"])
        per = int(config.get("max_points_per_project") or points)
        lines = [
            tr.n_("Share out {n} point among the projects.", "Share out {n} points among the projects.", points),
            tr.n_("At most {n} point can go to one project.", "At most {n} points can go to one project.", per)
            if per < points
            else "",
            _count_rule(tr, low, high, projects) or "",
            tr._("Tap a project to give it a point, ➖ to take one back, then press Done."),
        ]
    else:
        lines = [
            tr.n_("Rank up to {n} project, best first.", "Rank up to {n} projects, best first.", high)
            if low != high
            else _count_rule(tr, low, high, projects) or "",
            (_count_rule(tr, low, high, projects, upper=False) or "") if low != high else "",
            tr._(
                "Tap the projects in your order of preference; tap a ranked one to take it out "
                "(the ones after it move up). Then press Done."
            ),
        ]
    return [line for line in lines if line]


def chosen_text(tr: Translator, config: dict[str, Any], options: list[dict[str, Any]], chosen: list[int]) -> str:
    """What the ballot holds, as the participant reads it."""
    kind = config.get("ballot", "knapsack")
    label = {o["id"]: o["label"] for o in options}
    if kind == "cumulative":
        points = Counter(chosen)
        given = [f"{label[o['id']]} — {points[o['id']]}" for o in options if points[o["id"]]]
        return tr._("Your points: {points}", points="; ".join(given)) if given else tr._("No points given yet.")
    if kind == "ordinal":
        ranked = [f"{rank}. {label[o]}" for rank, o in enumerate(chosen, start=1) if o in label]
        return tr._("Your ranking: {ranking}", ranking="; ".join(ranked)) if ranked else tr._("Nothing ranked yet.")
    names = [o["label"] for o in options if o["id"] in chosen]
    return tr._("Chosen: {projects}", projects="; ".join(names)) if names else tr._("Nothing chosen yet.")


def status_text(tr: Translator, config: dict[str, Any], options: list[dict[str, Any]], chosen: list[int]) -> str:
    """What is left: money (knapsack), points (cumulative), places (approval, ordinal)."""
    kind = config.get("ballot", "knapsack")
    money = _money(tr, config)
    if kind == "knapsack":
        cost = {o["id"]: o["cost"] or 0 for o in options}
        total = int(config["total"])
        spent = sum(cost.get(o, 0) for o in set(chosen))
        return tr._("Budget left: {left} of {total}", left=money(total - spent), total=money(total))
    if kind == "cumulative":
        points = int(config["points"])
        return tr._("Points left: {left} of {points}", left=points - len(chosen), points=points)
    _, high = _limits(config, len(options))
    return tr._("Chosen: {count} of {most}", count=len(set(chosen)), most=high)


def render_ballot(tr: Translator, head: str, screen: dict[str, Any]) -> Screen:
    item, options = screen["item"], screen["options"]
    config = item["config"]
    ballot = screen.get("ballot") or {}
    chosen = [int(o) for o in ballot.get("chosen") or []]
    kind = config.get("ballot", "knapsack")
    money = _money(tr, config)
    parts = [head, "\n".join(rules_text(tr, config, len(options)))]
    parts.append(status_text(tr, config, options, chosen) + "\n" + chosen_text(tr, config, options, chosen))
    if ballot.get("sent"):
        parts.append(
            tr._("Your earlier ballot counts until you press Done.")
            if ballot.get("changed")
            else tr._("This is the ballot you sent. Change it, then press Done.")
        )
    rows: list[list[Button]] = []
    points = Counter(chosen)
    for option in options:
        cost = money(int(option["cost"] or 0))
        ident = option["id"]
        if kind == "cumulative":
            given = points[ident]
            mark = f"{given} ★ " if given else "➕ "
            row = [Button(f"{mark}{option['label']} — {cost}", buttons.BallotPick(item["id"], ident, "add").pack())]
            if given:
                row.append(Button("➖", buttons.BallotPick(item["id"], ident, "remove").pack()))
            rows.append(row)
            continue
        action: Literal["add", "remove"] = "remove" if ident in chosen else "add"
        mark = "⬜ "
        if ident in chosen:
            mark = f"{chosen.index(ident) + 1}. " if kind == "ordinal" else "☑️ "
        rows.append([Button(f"{mark}{option['label']} — {cost}", buttons.BallotPick(item["id"], ident, action).pack())])
    footer = [Button("✅ " + tr._("Done"), buttons.BallotSend(item["id"]).pack())]
    if chosen:
        footer.append(Button("🔄 " + tr._("Start again"), buttons.BallotClear(item["id"]).pack()))
    rows.append(footer)
    return Screen("\n\n".join(parts), rows)


def sent_screen(tr: Translator, head: str, screen: dict[str, Any]) -> Screen:
    """The ballot once sent: what it holds, and the button that changes it until the consultation closes."""
    item, options = screen["item"], screen["options"]
    config = item["config"]
    chosen = [int(o) for o in (screen.get("ballot") or {}).get("chosen") or []]
    lines = [head, "✓ " + chosen_text(tr, config, options, chosen)]
    if config.get("ballot", "knapsack") == "knapsack":
        lines[-1] += "\n" + status_text(tr, config, options, chosen)
    lines.append(tr._("You can change your ballot until the consultation closes."))
    return Screen(
        "\n\n".join(lines), [[Button("✏️ " + tr._("Change my ballot"), buttons.BallotChange(item["id"]).pack())]]
    )


def refusal(tr: Translator, error: BackendError) -> str | None:
    """Why the API refused a pick or a ballot, in the participant's words (None: not a ballot rule)."""
    extra = error.extra

    def number(key: str, default: int = 0) -> int:
        value = extra.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def money(amount: int) -> str:
        currency = extra.get("currency")
        return format_currency(amount, currency, tr.locale) if isinstance(currency, str) else str(amount)

    code = error.code
    if code == "over_budget" and "cost" in extra:
        return tr._(
            "This project costs {cost}, but only {left} is left. Take a project out first.",
            cost=money(number("cost")),
            left=money(number("left")),
        )
    if code == "over_budget":
        return tr._("That does not fit in the budget. Remove a project first.")
    if code == "too_many" or (code == "invalid_count" and number("named") > number("max")):
        return tr.n_(
            "You can choose at most {n} project. Take one out first.",
            "You can choose at most {n} projects. Take one out first.",
            number("max"),
        )
    if code in ("empty_ballot", "invalid_count"):
        return tr.n_(
            "Choose at least {n} project before pressing Done.",
            "Choose at least {n} projects before pressing Done.",
            number("min", 1),
        )
    if code in ("no_points_left", "over_points"):
        return tr.n_(
            "You have given all your {n} point. Take one back from a project first.",
            "You have given all your {n} points. Take one back from a project first.",
            number("points"),
        )
    if code == "project_points":
        return tr.n_(
            "At most {n} point can go to one project.", "At most {n} points can go to one project.", number("max")
        )
    if code == "under_min_spend":
        return tr._(
            "Your projects come to {spent}, but a ballot spends at least {least}. Add a project, then press Done.",
            spent=money(number("spent")),
            least=money(number("min_spend")),
        )
    return None
