"""The recommendations report: the document an organiser hands to a city council, in any of viche's languages, as
HTML, Markdown or PDF — ``viche report <slug>`` (viche/report.py) and ``GET /organiser/consultations/{slug}/report``.

It lists the statements every opinion group agrees on (the candidates for recommendations), those a majority agrees
on but not every group, those that divide, each group's view (named by what it agrees on), who took part, each
item's results (the pairs ranking, the budgets by every counting rule), each figure with its interval and n, and the
method in plain words. It computes nothing of its own: everything comes from the results and the groups as the
pages and ``/groups`` read them, under the same disclosure rule.

Where things live: ``sources.py`` (what it reads), ``opinions.py`` (the groups' sections), ``budgets.py`` (every
counting rule), ``method.py``, ``document.py`` (the whole, in order), ``render.py`` (HTML, Markdown, PDF),
``routes.py`` (the organiser route), ``templates/report.html``.
"""

from api.report.document import Report, build_report
from api.report.render import FORMATS, render
from api.report.sources import read_sources, report_locale

__all__ = ["FORMATS", "Report", "build_report", "read_sources", "render", "report_locale"]
