"""Charts as inline SVG, drawn here so that a page needs no script and nothing from another host.

Each chart is an image with a title and a description (``role="img"``, ``aria-labelledby``); the page puts the
same figures in a table under it, so nothing is only in the picture. Colours keep WCAG AA contrast on white:
text #1a1a1a, bars #1d4f91 (and the three vote colours below, each at least 3:1 against white and marked by
their labels too).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360  # about a phone's width in CSS pixels: the text is drawn at the size it is read
LABEL_CHARS = 46
TEXT = "#1a1a1a"
BAR = "#1d4f91"
TRACK = "#e8ecf2"
INTERVAL = "#1a1a1a"
TARGET = "#a34e00"  # 5:1 on white, apart from the bars' blue
AGREE, NEUTRAL, DISAGREE = "#1e6b3a", "#6b6b6b", "#a8322d"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0..1 of the bar's full length
    text: str  # the figure written after the bar
    low: float | None = None  # an interval, 0..1, drawn as a whisker
    high: float | None = None
    target: float | None = None  # a target share, 0..1, drawn as a dashed mark across the bar


@dataclass(frozen=True)
class Column:
    label: str  # under the axis (only some are written when there are many)
    value: float  # 0..1 of the tallest
    text: str  # the figure, in the column's tooltip-free title (the table has them all)
    hidden: bool = False  # a count too small to show: no column, a small grey square on the axis


@dataclass(frozen=True)
class Part:
    value: float  # 0..1
    colour: str
    text: str


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def _frame(chart_id: str, title: str, description: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" focusable="false">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{body}</svg>"
    )


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bars(chart_id: str, title: str, description: str, rows: list[Bar]) -> Markup:
    """Horizontal bars, the label above each, its figure after it, an interval as a whisker."""
    row_height, bar_height, track = 40, 14, WIDTH - 118
    parts = []
    for i, row in enumerate(rows):
        y = 8 + i * row_height
        length = max(0.0, min(1.0, row.value)) * track
        parts.append(f'<text x="0" y="{y + 12}" fill="{TEXT}" font-size="13">{escape(_short(row.label))}</text>')
        parts.append(f'<rect x="0" y="{y + 18}" width="{track}" height="{bar_height}" fill="{TRACK}"/>')
        parts.append(f'<rect x="0" y="{y + 18}" width="{length:.1f}" height="{bar_height}" fill="{BAR}"/>')
        if row.low is not None and row.high is not None:
            low, high, middle = row.low * track, row.high * track, y + 18 + bar_height / 2
            parts.append(
                f'<path d="M{low:.1f} {middle - 5}v10M{low:.1f} {middle}H{high:.1f}M{high:.1f} {middle - 5}v10" '
                f'stroke="{INTERVAL}" stroke-width="1.5" fill="none"/>'
            )
        if row.target is not None:
            mark = max(0.0, min(1.0, row.target)) * track
            parts.append(
                f'<path d="M{mark:.1f} {y + 14}v{bar_height + 8}" stroke="{TARGET}" stroke-width="2.5" '
                f'stroke-dasharray="3 2" fill="none"/>'
            )
        parts.append(f'<text x="{track + 8}" y="{y + 30}" fill="{TEXT}" font-size="13">{escape(row.text)}</text>')
    return _frame(chart_id, title, description, 8 + len(rows) * row_height, "".join(parts))


def columns(chart_id: str, title: str, description: str, rows: list[Column]) -> Markup:
    """Vertical columns over time, the tallest one's figure written over it, the first and last labels (and a few
    between) under the axis; a count not shown is a small square on the axis."""
    height, top, axis = 150, 22, 124
    step = WIDTH / max(1, len(rows))
    width = max(1.0, step * 0.75)
    every = max(1, len(rows) // 4)
    tallest = max(range(len(rows)), key=lambda i: rows[i].value, default=None)
    parts = [f'<path d="M0 {axis + 0.5}H{WIDTH}" stroke="#6b6b6b"/>']
    for i, row in enumerate(rows):
        x = i * step + (step - width) / 2
        if row.hidden:
            parts.append(f'<rect x="{x + width / 2 - 2:.1f}" y="{axis - 5}" width="4" height="4" fill="#6b6b6b"/>')
        elif (tall := max(0.0, min(1.0, row.value)) * (axis - top)) >= 0.05:  # a day of nothing draws nothing
            parts.append(
                f'<rect x="{x:.1f}" y="{axis - tall:.1f}" width="{width:.1f}" height="{tall:.1f}" fill="{BAR}">'
                f"<title>{escape(row.label)}: {escape(row.text)}</title></rect>"
            )
        if i == tallest and not row.hidden:
            anchor = "end" if x > WIDTH / 2 else "start"
            at = x + width if anchor == "end" else x
            parts.append(
                f'<text x="{at:.1f}" y="{top - 6}" fill="{TEXT}" font-size="12" text-anchor="{anchor}">'
                f"{escape(row.text)}</text>"
            )
        if i % every == 0 or i == len(rows) - 1:
            anchor = "start" if i == 0 else "end" if i == len(rows) - 1 else "middle"
            at = 0 if anchor == "start" else WIDTH if anchor == "end" else x + width / 2
            if anchor == "middle" and (i + every > len(rows) - 1):
                continue  # too close to the last label
            parts.append(
                f'<text x="{at:.1f}" y="{height - 8}" fill="{TEXT}" font-size="12" text-anchor="{anchor}">'
                f"{escape(row.label)}</text>"
            )
    return _frame(chart_id, title, description, height, "".join(parts))


def stacked(chart_id: str, title: str, description: str, rows: list[tuple[str, str, list[Part]]]) -> Markup:
    """One bar per row split into parts (agree / neutral / disagree), each part's figure written under it, then
    the row's note (its verdict in plain words)."""
    row_height, bar_height = 80, 18
    parts = []
    for i, (label, note, pieces) in enumerate(rows):
        y = 8 + i * row_height
        parts.append(f'<text x="0" y="{y + 12}" fill="{TEXT}" font-size="13">{escape(_short(label))}</text>')
        x = 0.0
        for piece in pieces:
            length = max(0.0, min(1.0, piece.value)) * WIDTH
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 18}" width="{length:.1f}" height="{bar_height}" fill="{piece.colour}"/>'
            )
            x += length
        legend = "   ".join(piece.text for piece in pieces)
        parts.append(f'<text x="0" y="{y + 52}" fill="{TEXT}" font-size="12">{escape(legend)}</text>')
        parts.append(f'<text x="0" y="{y + 68}" fill="{TEXT}" font-size="13" font-weight="600">{escape(note)}</text>')
    return _frame(chart_id, title, description, 8 + len(rows) * row_height, "".join(parts))


def places(chart_id: str, title: str, description: str, points: list[Point]) -> Markup:
    """The points inside their bounding box (no map tiles: the box, a grid, the points)."""
    height, margin = 260, 12
    south = min(p.latitude for p in points)
    north = max(p.latitude for p in points)
    west = min(p.longitude for p in points)
    east = max(p.longitude for p in points)
    span_x, span_y = (east - west) or 0.001, (north - south) or 0.001
    parts = [f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" fill="#f6f8fb" stroke="#6b6b6b"/>']
    for k in range(1, 4):
        parts.append(f'<path d="M{WIDTH * k / 4:.1f} 0V{height}M0 {height * k / 4:.1f}H{WIDTH}" stroke="{TRACK}"/>')
    for p in points:
        x = margin + (p.longitude - west) / span_x * (WIDTH - 2 * margin)
        y = margin + (north - p.latitude) / span_y * (height - 2 * margin)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{BAR}" fill-opacity="0.75" stroke="#fff"/>')
    return _frame(chart_id, title, description, height, "".join(parts))
