"""Small-cell suppression: what the segments of a result may show (k-suppression).

With a ``segment``, the values held by fewer than k participants (``Consultation.min_segment_size``) are pooled
before anything is counted (:meth:`api.results.population.Population.form_groups`). Inside the segments shown,
this module applies the one disclosure rule of :mod:`api.disclosure` (docs/privacy.md) to the figures: a count of
fewer than k people is ``null`` (a share object ``{"count": null, "share": null, "interval": null}``), together
with the counts that would give it back by subtraction from the segment's answers or from the whole's count
(:func:`api.disclosure.suppress_cells`); a segment's item answered by fewer than k is only
``{"key", "kind", "number", "prompt", "withheld": true}``; a proposal's or pair's figures are nulled together
(and it goes last: its place in the ranking would tell its scores); a scale's ``mean``, ``mean_interval`` and
``median`` go with any nulled count; a hidden budget project loses its rank and whether it was funded.
"""

from __future__ import annotations

from typing import Any

from api import disclosure
from api.results.context import ALL
from core.vocabulary import QUALIFICATIONS


def suppress_small_cells(per_item: dict[Any, list[dict[str, Any]]], groups: list[Any], k: int) -> None:
    """Within segments, no count of fewer than k people, nor one that subtraction from a total gives back
    (:func:`api.disclosure.suppress_cells`): a segment's item answered by fewer than k is withheld whole, and
    each count below k — with the complementary counts that would give it away — is shown as null."""
    for index in range(len(per_item[ALL])):
        bodies = {g: per_item[g][index] for g in groups}
        answered = {(g, "answered"): int(body["answered"]) for g, body in bodies.items()}
        withheld = {g for g, _ in disclosure.suppress_cells(answered, k)}
        cells: dict[tuple, int] = {}
        links: dict[tuple, Any] = {}
        for g, body in bodies.items():
            for column, (count, link) in cells_of(body).items():
                cells[(g, column)] = count
                if link is not None:
                    links[(g, column)] = (g, link)
        suppressed = disclosure.suppress_cells(cells, k, links, initial=[c for c in cells if c[0] in withheld])
        for g, body in bodies.items():
            if g in withheld:
                per_item[g][index] = {
                    **{key: body[key] for key in ("key", "kind", "number", "prompt")},
                    "withheld": True,
                }
            else:
                blank(body, {column for group, column in suppressed if group == g})


def cells_of(body: dict[str, Any]) -> dict[tuple, tuple[int, Any]]:
    """A segment's item as counts of people: column → (count, link of the figures shown or hidden with it)."""
    kind, out = body["kind"], {}
    if kind in ("single_choice", "multi_choice"):
        out = {("option", o["key"]): (o["count"], None) for o in body["options"]}
    elif kind == "scale":
        out = {("value", d["value"]): (d["count"], None) for d in body["distribution"]}
    elif kind == "budget":
        out = {("project", p["key"]): (p["votes"], None) for p in body["projects"]}
    elif kind == "free_text":
        out = {("skipped",): (body["skipped"], None)}
    elif kind == "place":
        out = {("comments",): (body["comments"], None)}
    elif kind == "proposal":
        for p in body["proposals"]:
            for choice in ("agree", "disagree", "neutral"):
                out[("proposal", p["id"], choice)] = (p[choice]["count"], ("proposal", p["id"]))
            for choice, names in p["qualifications"].items():
                for name, share in names.items():
                    out[("qualification", p["id"], choice, name)] = (share["count"], ("qualification", p["id"]))
    elif kind == "pairs":
        for p in body["proposals"]:
            out[("pair", p["id"], "wins")] = (p["wins"], ("pair", p["id"]))
            out[("pair", p["id"], "losses")] = (p["losses"], ("pair", p["id"]))
    return out


HIDDEN_SHARE = {"count": None, "share": None, "interval": None}


def blank(body: dict[str, Any], columns: set[tuple]) -> None:
    """Null the figures of the suppressed ``columns`` of a segment's item (and what would give them away)."""
    if not columns:
        return
    kind = body["kind"]
    if kind in ("single_choice", "multi_choice"):
        body["options"] = [{**o, **HIDDEN_SHARE} if ("option", o["key"]) in columns else o for o in body["options"]]
    elif kind == "scale":
        body["distribution"] = [
            {**d, **HIDDEN_SHARE} if ("value", d["value"]) in columns else d for d in body["distribution"]
        ]
        body.update(mean=None, mean_interval=None, median=None)  # with the shown counts, they give the rest away
    elif kind == "budget":
        hidden = {c[1] for c in columns if c[0] == "project"}
        # A hidden project loses its place too (the list is ranked by votes), and whether it was funded.
        body["projects"] = [p for p in body["projects"] if p["key"] not in hidden] + sorted(
            (
                {**p, "votes": None, "score": None, "share": None, "interval": None, "rank": None, "funded": None}
                for p in body["projects"]
                if p["key"] in hidden
            ),
            key=lambda p: p["key"],
        )
        if hidden & set(body["funded"]):
            body["spent"] = None
        body["funded"] = [key for key in body["funded"] if key not in hidden]
        for rule in body.get("rules", []):
            if hidden & set(rule["funded"]):
                rule["spent"] = None
            rule["funded"] = [key for key in rule["funded"] if key not in hidden]
    elif kind == "free_text" and ("skipped",) in columns:
        body["skipped"] = None
    elif kind == "place" and ("comments",) in columns:
        body["comments"] = None
    elif kind == "proposal":
        hidden = {c[1] for c in columns if c[0] == "proposal"}
        unqualified = {c[1] for c in columns if c[0] == "qualification"}
        proposals = []
        for p in body["proposals"]:
            if p["id"] in hidden:
                p = {
                    "id": p["id"],
                    "text": p["text"],
                    "rank": None,
                    "controversy_rank": None,
                    "votes": None,
                    **{f: dict(HIDDEN_SHARE) for f in ("agree", "disagree", "neutral", "agree_among_decided")},
                    "zone": None,
                    "top_score": None,
                    "support": None,
                    "controversy_score": None,
                }
            if p["id"] in hidden or p["id"] in unqualified:
                p = {
                    **p,
                    "qualifications": {
                        choice: {name: dict(HIDDEN_SHARE) for name in names} for choice, names in QUALIFICATIONS.items()
                    },
                }
            proposals.append(p)
        # Hidden proposals go last, by id: their place in the segment's ranking would tell their scores apart.
        body["proposals"] = [p for p in proposals if p["id"] not in hidden] + sorted(
            (p for p in proposals if p["id"] in hidden), key=lambda p: p["id"]
        )
        body["zones"] = {zone: sum(1 for p in proposals if p["zone"] == zone) for zone in body["zones"]}
    elif kind == "pairs":
        hidden = {c[1] for c in columns if c[0] == "pair"}
        blanked = dict.fromkeys(("rank", "score", "interval", "strength", "wins", "losses", "comparisons", "aoi_score"))
        body["proposals"] = [p for p in body["proposals"] if p["id"] not in hidden] + sorted(
            ({**p, **blanked} for p in body["proposals"] if p["id"] in hidden), key=lambda p: p["id"]
        )
