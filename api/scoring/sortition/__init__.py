"""The draw of a citizens' jury by stratified lottery, pure: quotas, the panel, its audit.

The panel is drawn with the Sortition Foundation's ``sortition-algorithms``: it computes a distribution over
panels that meet every quota and gives every volunteer as equal a chance as the quotas allow (maximin: the
smallest chance as large as possible), then one panel is drawn from it with the seed. LEXIMIN (which also
evens out the chances above the smallest) needs Gurobi, a commercial solver that is not installed: maximin on
HiGHS (open source, installed from PyPI with the library) is what runs, and every result says so.
"""

from api.scoring.sortition.audit import Audit, audit
from api.scoring.sortition.draw import DRAW_ALGORITHM, Draw, InfeasibleQuotas, Relaxation, draw
from api.scoring.sortition.quotas import Quota, Quotas, QuotasError, parse_quotas

__all__ = [
    "DRAW_ALGORITHM",
    "Audit",
    "Draw",
    "InfeasibleQuotas",
    "Quota",
    "Quotas",
    "QuotasError",
    "Relaxation",
    "audit",
    "draw",
    "parse_quotas",
]
