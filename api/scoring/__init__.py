"""Results mathematics for viche: pure functions and in-memory selectors, no framework imports.

Modules:
  aoi                 All Our Ideas' score, for comparison.
  intervals           Wilson score intervals for shares.
  bradley_terry       Bradley–Terry strengths (regularised MAP, Newton–CG) with intervals.
  pair_ranking        Results table of a pairs item.
  proposals           Shares, zones, top and controversy scores of agree/disagree items.
  pair_selection      PairSelector: next pair to show in a pairs item.
  proposal_selection  ProposalSelector: next statement to show in a proposal item.
Helpers: slot_pool (what the two selectors share: live pool, draws), weighted_sampler
(Fenwick tree), hearing_queue (newcomers first), selection_inputs (rng / history adapters).
Packages: budget (participatory-budget counting), opinion_groups (Pol.is's opinion groups).

Runtime dependency: numpy only; opinion_groups also scikit-learn and scipy.
"""

from .aoi import aoi_score, aoi_scores
from .bradley_terry import BradleyTerryFit, fit_bradley_terry
from .intervals import wilson_interval, wilson_intervals
from .pair_ranking import PairRanking, rank_pairs
from .pair_selection import PairSelector
from .proposal_selection import ProposalSelector
from .proposals import ProposalScore, Share, VoteCounts, Zone, score_proposal, score_proposals

__all__ = [
    "BradleyTerryFit",
    "PairRanking",
    "PairSelector",
    "ProposalScore",
    "ProposalSelector",
    "Share",
    "VoteCounts",
    "Zone",
    "aoi_score",
    "aoi_scores",
    "fit_bradley_terry",
    "rank_pairs",
    "score_proposal",
    "score_proposals",
    "wilson_interval",
    "wilson_intervals",
]
