"""Example answers of the partner routes, as /docs shows them (a consultation of two items, in English)."""

from __future__ import annotations

RESULTS_EXAMPLE = {
    "slug": "budget-2026",
    "title": "Participatory budget 2026",
    "status": "open",
    "language": "en",
    "computed_at": "2026-03-12T14:03:11Z",
    "min_segment_size": 10,
    "participants": 1790,
    "consented": 1790,
    "completed": 1211,
    "segment": None,
    "items": [
        {
            "key": "age",
            "kind": "single_choice",
            "number": 1,
            "prompt": "How old are you?",
            "reached": 1790,
            "answered": 1777,
            "answer_rate": 0.9927,
            "options": [
                {"key": "18_24", "label": "18–24", "count": 412, "share": 0.2319, "interval": [0.2128, 0.2521]}
            ],
        },
        {
            "key": "priorities",
            "kind": "pairs",
            "number": 3,
            "prompt": "Which matters more?",
            "reached": 1402,
            "answered": 1388,
            "answer_rate": 0.99,
            "comparisons": 9743,
            "cant_decide": 310,
            "skips": 95,
            "after_skip": 12,
            "served": 10160,
            "method": "bradley_terry",
            "proposals": [
                {
                    "id": 17,
                    "text": "More night buses",
                    "rank": 1,
                    "score": 71.4,
                    "interval": [66.2, 76.1],
                    "strength": 0.9121,
                    "wins": 412,
                    "losses": 163,
                    "comparisons": 575,
                    "aoi_score": 71.58,
                }
            ],
        },
        {
            "key": "ideas",
            "kind": "proposal",
            "number": 2,
            "prompt": "What do you think of this proposal?",
            "reached": 1640,
            "answered": 1598,
            "answer_rate": 0.9744,
            "votes": 14010,
            "zones": {"limbo": 3, "consensus": 5, "rejection": 1, "controversy": 2},
            "proposals": [
                {
                    "id": 42,
                    "text": "Free buses for students",
                    "rank": 1,
                    "controversy_rank": 9,
                    "votes": 1187,
                    "agree": {"count": 768, "share": 0.647, "interval": [0.6194, 0.6737]},
                    "disagree": {"count": 201, "share": 0.1693, "interval": [0.1491, 0.1917]},
                    "neutral": {"count": 218, "share": 0.1837, "interval": [0.1627, 0.2067]},
                    "agree_among_decided": {"count": 768, "share": 0.7926, "interval": [0.7659, 0.8169]},
                    "zone": "consensus",
                    "top_score": 0.6149,
                    "support": {"value": 0.6425, "interval": [0.6149, 0.6693]},
                    "controversy_score": 0.2981,
                    "qualifications": {
                        "agree": {
                            "like_it": {"count": 301, "share": 0.3919, "interval": [0.358, 0.4269]},
                            "doable": {"count": 244, "share": 0.3177, "interval": [0.2858, 0.3515]},
                            "platitude": {"count": 38, "share": 0.0495, "interval": [0.0363, 0.0672]},
                        },
                        "disagree": {
                            "no_way": {"count": 64, "share": 0.3184, "interval": [0.2579, 0.3857]},
                            "impossible": {"count": 71, "share": 0.3532, "interval": [0.2905, 0.4215]},
                            "platitude": {"count": 5, "share": 0.0249, "interval": [0.0107, 0.0569]},
                        },
                        "neutral": {
                            "dont_understand": {"count": 12, "share": 0.055, "interval": [0.0318, 0.0937]},
                            "no_opinion": {"count": 80, "share": 0.367, "interval": [0.3058, 0.4327]},
                            "dont_care": {"count": 31, "share": 0.1422, "interval": [0.102, 0.1948]},
                        },
                    },
                }
            ],
        },
    ],
}
RANKING_EXAMPLE = {
    "slug": "budget-2026",
    "items": [
        {
            "key": "priorities",
            "kind": "pairs",
            "prompt": "Which matters more?",
            "ranking": [
                {
                    "rank": 1,
                    "proposal": 17,
                    "text": "More night buses",
                    "score": 71.4,
                    "interval": [66.2, 76.1],
                    "wins": 412,
                    "losses": 163,
                    "aoi_score": 71.58,
                }
            ],
        },
        {
            "key": "ideas",
            "kind": "proposal",
            "prompt": "What do you think of this proposal?",
            "ranking": [
                {
                    "rank": 1,
                    "proposal": 42,
                    "text": "Free buses for students",
                    "score": 61.49,
                    "interval": [61.49, 66.93],
                    "support": 64.25,
                    "agree": 0.647,
                    "zone": "consensus",
                    "votes": 1187,
                }
            ],
        },
    ],
}
