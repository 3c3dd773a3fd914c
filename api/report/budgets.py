"""Every counting rule a budget item was counted by, side by side (:mod:`api.results.budget` counts them; the
first is the official one): which projects each funds and what they cost."""

from __future__ import annotations

from typing import Any

from api.pages import charts, formats
from api.pages.model import Cell, Section, Table
from api.pages.model import Shape as Figures


def rule_name(figures: Figures, rule: dict[str, Any]) -> str:
    tr = figures.tr
    names = {
        "greedy": tr._("Most votes first, each project that still fits"),
        "greedy-no-skip": tr._("Most votes first, until one does not fit"),
        "greedy-threshold": tr._(
            "Most votes first, projects with at least {votes} votes", votes=figures.number(rule["threshold"])
        ),
        "equalshares": tr._("Method of Equal Shares"),
        "equalshares/add1": tr._("Method of Equal Shares, completed (add1)"),
    }
    name = names.get(rule["rule"], rule["rule"])
    if rule["comparison"]:
        name = tr._("{rule}, unless more voters prefer the outcome of most votes first", rule=name)
    return name


def rules_section(figures: Figures, item: dict[str, Any]) -> Section:
    tr, locale = figures.tr, figures.tr.locale
    label = {p["key"]: p["label"] for p in item["projects"]}
    title = f"{item['number']}. {item['prompt']}"
    heading = tr._("{item}: every counting rule", item=title)
    bars, rows = [], []
    for position, rule in enumerate(item["rules"]):
        name = rule_name(figures, rule)
        if position == 0:
            name = tr._("{rule} (official)", rule=name)
        spent = formats.money(rule["spent"], item["currency"], locale)
        used = rule["spent"] / item["total"] if item["total"] else 0.0
        bars.append(charts.Bar(name, used, f"{spent} · {figures.share(used)}"))
        rows.append(
            [
                Cell(name),
                Cell(", ".join(label[key] for key in rule["funded"]) or "—"),
                Cell(spent, rule["spent"]),
                Cell(figures.share(used), used),
            ]
        )
    return Section(
        id=f"rules-{item['key']}",
        heading=heading,
        meta=figures.meta(item["ballots"]),
        summary=[
            tr.n_("{n} person voted.", "{n} people voted.", item["ballots"]),
            tr._("Each rule funds projects from the same ballots; the first is the one the organisers chose."),
        ],
        chart=charts.bars(
            f"chart-rules-{item['key']}", heading, tr._("The share of the budget each rule spends."), bars
        ),
        table=Table(heading, [tr._("Rule"), tr._("Funded"), tr._("Cost"), tr._("Share of the budget")], rows),
        kind="budget",
    )
