"""The digest's chart: the top results as a PNG made for a phone screen (matplotlib, Agg, no display).

1080 pixels wide (what Telegram keeps of a photo's width on most phones), large type, each proposal's text
written above its bar rather than squeezed beside it. Labels come in the recipient's language: pass them
from ``bot.flows.digests.chart_labels``. Uses the object API (``Figure``), not pyplot, so charts can be drawn
in worker threads.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.i18n.formats import format_share

WIDTH_INCHES, DPI = 7.2, 150  # 1080 px
COLOURS = {"agree": "#2e7d32", "neutral": "#b0bec5", "disagree": "#c62828", "p_beat": "#1565c0"}
WRAP = 48
MAX_LINES = 2


def _label(text: str) -> str:
    lines = textwrap.wrap(" ".join(text.split()), WRAP) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: WRAP - 1].rstrip() + "…"
    return "\n".join(lines)


def render_chart(
    chart: dict[str, Any], texts: list[str], labels: dict[str, str], locale: str, title: str = ""
) -> bytes:
    """PNG bytes. ``chart`` is the digest content's chart ({"kind": "proposals"|"pairs", "rows": […]}) and
    ``texts`` the rows' texts already in the recipient's language."""
    rows = chart.get("rows") or []
    n = max(1, len(rows))
    height = 1.25 + 1.05 * n
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    axes = figure.add_axes((0.03, 0.55 / height, 0.94, 1 - 1.25 / height))
    axes.set_xlim(0, 1)
    axes.set_ylim(n - 0.45, -0.95)
    axes.axis("off")
    proposals = chart.get("kind") == "proposals"
    for index, (row, text) in enumerate(zip(rows, texts, strict=False)):
        axes.text(
            0, index - 0.24, _label(text), fontsize=12.5, va="bottom", ha="left", color="#212121", linespacing=1.1
        )
        if proposals:
            left = 0.0
            for key in ("agree", "neutral", "disagree"):
                share = float(row.get(key, 0) or 0)
                if share <= 0:
                    continue
                axes.barh(index, share, left=left, height=0.36, color=COLOURS[key])
                if share >= 0.09:
                    axes.text(
                        left + share / 2,
                        index,
                        format_share(share, locale),
                        fontsize=12,
                        ha="center",
                        va="center",
                        color="white" if key != "neutral" else "#263238",
                        fontweight="bold",
                    )
                left += share
        else:
            share = float(row.get("p_beat", 0) or 0)
            axes.barh(index, 1, height=0.36, color="#eceff1")
            axes.barh(index, share, height=0.36, color=COLOURS["p_beat"])
            axes.text(
                min(share + 0.01, 0.88),
                index,
                format_share(share, locale),
                fontsize=12,
                ha="left",
                va="center",
                color="#263238",
                fontweight="bold",
            )
    if proposals:
        handles = [Patch(color=COLOURS[key], label=labels[key]) for key in ("agree", "neutral", "disagree")]
        figure.legend(
            handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=12, bbox_to_anchor=(0.5, 0.0)
        )
        caption = labels["share"]
    else:
        caption = labels["p_beat"]
    heading = (textwrap.shorten(title, 60, placeholder="…") + "\n" + caption) if title else caption
    figure.text(
        0.03, 1 - 0.12 / height, heading, fontsize=13.5, fontweight="bold", va="top", ha="left", color="#212121"
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()
