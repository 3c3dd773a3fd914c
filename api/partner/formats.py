"""Column layouts: viche's own answer export, All Our Ideas' exports and Polis' open-data files.

All Our Ideas (allourideas.org, exports as a wiki survey's owner downloads them):

- votes: one row per vote. ``Session ID`` is the voter; ``Valid`` is FALSE for votes AOI discarded.
- ideas: one row per idea, with ``Wins``, ``Losses`` and ``Score`` = 100·(W+1)/(W+L+2).
- non_votes: "can't decide" skips (and, in AOI, bounces), one row each.

Polis (github.com/compdemocracy/openData): ``votes.csv`` is an event log (+1 agree, -1 disagree,
0 pass; the latest vote of a voter on a statement counts) and ``comments.csv`` lists the statements.

In exports of viche data, every voter/session/author id is the participant's pseudonym, never a
Telegram id, username or name; fields AOI filled from a browser session (hashed IP, user agent,
referrer) are ``NA``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

# viche's own export: one row per answer, vote or answered pair.
ANSWER_COLUMNS = [
    "cursor",
    "type",
    "item",
    "item_kind",
    "participant",
    "age_band",
    "country",
    "region",
    "language",
    "source",
    "option",
    "value",
    "proposal",
    "choice",
    "qualification",
    "left",
    "right",
    "outcome",
    "reason",
    "after_skip",
    "answered_at",
]
SEGMENT_COLUMNS = ["age_band", "country", "region", "language", "source"]

AOI_VOTES_COLUMNS = [
    "Vote ID",
    "Session ID",
    "Wikisurvey ID",
    "Winner ID",
    "Winner Text",
    "Loser ID",
    "Loser Text",
    "Prompt ID",
    "Appearance ID",
    "Left Choice ID",
    "Right Choice ID",
    "Created at",
    "Updated at",
    "Response Time (s)",
    "Missing Response Time Explanation",
    "Valid",
    "Hashed IP Address",
    "URL Alias",
    "User Agent",
    "Referrer",
    "Widget",
    "Info",
]
AOI_IDEAS_COLUMNS = [
    "Wikisurvey ID",
    "Idea ID",
    "Idea Text",
    "Wins",
    "Losses",
    "Times involved in Cant Decide",
    "Score",
    "User Submitted",
    "Session ID",
    "Created at",
    "Last Activity",
    "Active",
    "Appearances on Left",
    "Appearances on Right",
    "Info",
]
AOI_NON_VOTES_COLUMNS = [
    "Record Type",
    "Skip ID",
    "Appearance ID",
    "Session ID",
    "Wikisurvey ID",
    "Left Choice ID",
    "Left Choice Text",
    "Right Choice ID",
    "Right Choice Text",
    "Prompt ID",
    "Reason",
    "Created at",
    "Updated at",
    "Response Time (s)",
    "Missing Response Time Explanation",
    "Valid",
    "Hashed IP Address",
    "URL Alias",
    "User Agent",
    "Referrer",
    "Widget",
    "Info",
]
AOI_SCORE_DECIMALS = 4

POLIS_VOTES_COLUMNS = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
POLIS_COMMENTS_COLUMNS = [
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
]
POLIS_VOTE = {"agree": 1, "disagree": -1, "neutral": 0}
POLIS_CHOICE = {1: "agree", -1: "disagree", 0: "neutral"}
POLIS_MODERATED = {"accepted": 1, "pending": 0, "rejected": -1}


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)


def iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    text = moment.isoformat()
    if text.endswith("+00:00"):  # what the database gives back (UTC): the fast path of every export row
        return text[:-6] + "Z"
    return utc(moment).isoformat().replace("+00:00", "Z")


def aoi_time(moment: datetime | None) -> str:
    moment = utc(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def parse_aoi_time(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text or text == "NA":
        return None
    for pattern in (
        "%Y-%m-%d %H:%M:%S UTC",
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%SZ",
    ):
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)
    return utc(datetime.fromisoformat(text))


def epoch_ms(moment: datetime | None) -> int | str:
    moment = utc(moment)
    if moment is None:
        return ""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def from_epoch_ms(value: str | int) -> datetime:
    ms = int(value)
    return datetime.fromtimestamp(ms // 1000, tz=UTC).replace(microsecond=(ms % 1000) * 1000)


def polis_time(moment: datetime | None) -> str:
    moment = utc(moment)
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y") if moment else ""


def aoi_score(wins: int, losses: int, decimals: int = AOI_SCORE_DECIMALS) -> Decimal:
    """100·(W+1)/(W+L+2), rounded half up from the exact fraction."""
    exact = Fraction(100 * (wins + 1), wins + losses + 2) * 10**decimals
    whole, rest = divmod(exact.numerator, exact.denominator)
    if 2 * rest >= exact.denominator:
        whole += 1
    return Decimal(whole).scaleb(-decimals)


def aoi_bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


OPTION_LIST_KINDS = ("multi_choice", "budget")
"""Item kinds whose answer is stored as a list of option ids."""


def option_keys(value: Any, keys: dict[int, str]) -> Any:
    """A multi-choice or budget answer as partners read it: the option keys /results uses, not the ids stored.

    An id no option has any more stays as it is (options cannot change once a consultation is open).
    """
    if not isinstance(value, list):
        return value
    return [keys.get(option_id, option_id) for option_id in value]


def csv_value(value: Any) -> Any:
    """A cell: scalars as they are, structures as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


FORMULA_PREFIXES = frozenset("=+-@\t\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""


def csv_safe(cell: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: ``'`` before text that starts like a formula.

    ``=HYPERLINK("http://evil","Click")`` in a free-text answer or a proposal would otherwise run when a
    partner opens the file in Excel or LibreOffice. Numbers are left alone (``-1`` is a vote, not a formula);
    JSON Lines exports carry the raw text.
    """
    if cell.__class__ is str and cell[:1] in FORMULA_PREFIXES:
        return "'" + cell
    return cell


def csv_safe_row(row: Any, _prefixes: frozenset[str] = FORMULA_PREFIXES) -> list[Any]:
    """:func:`csv_safe` on every cell (written out: it runs on every cell of a million-row export)."""
    return [("'" + cell) if cell.__class__ is str and cell[:1] in _prefixes else cell for cell in row]


def text_of(text: dict[str, str] | None, language: str) -> str:
    text = text or {}
    return (text.get(language) or next(iter(text.values()), "")).strip()
