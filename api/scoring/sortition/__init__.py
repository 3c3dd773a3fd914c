"""The draw of a citizens' jury by stratified lottery, pure: quotas, the panel, its audit.

Volunteers who gave the same answer in every category are interchangeable for the quotas: the draw computes the
leximin distribution over the panel's compositions by type (every volunteer's chance as large as the quotas
allow, the smallest first, then the next), on the open-source HiGHS solver, then draws one panel from it with
the seed. Its smallest chance is the maximin of the Sortition Foundation's ``sortition-algorithms`` (whose own
LEXIMIN needs the commercial Gurobi), which the tests keep as the reference; the library also proposes the
relaxation of quotas no panel meets. ``complementary_draw`` fills the seats of those who declined.
"""

from api.scoring.sortition.audit import Audit, audit
from api.scoring.sortition.draw import (
    DRAW_ALGORITHM,
    Draw,
    InfeasibleQuotas,
    PoolError,
    Relaxation,
    complementary_draw,
    draw,
)
from api.scoring.sortition.quotas import Quota, Quotas, QuotasError, parse_quotas

__all__ = [
    "DRAW_ALGORITHM",
    "Audit",
    "Draw",
    "InfeasibleQuotas",
    "PoolError",
    "Quota",
    "Quotas",
    "QuotasError",
    "Relaxation",
    "audit",
    "complementary_draw",
    "draw",
    "parse_quotas",
]
