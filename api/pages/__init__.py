"""Results pages people look at: ``/r/<slug>`` (public once published) and the organiser's private page.

Server-rendered HTML (Jinja2, ``templates/``) with charts drawn as SVG in Python (``charts.py``), no script and
nothing from another host. The figures come from the results cache (:mod:`api.results`), which already keeps
segments under ``min_segment_size`` out (:mod:`api.disclosure`); ``view.py`` only shapes them for the page.
Where things live: the routes (``routes.py``), the organiser's publish and link routes (``organiser_routes.py``),
the signed expiring link of the private page (``links.py``), the page's language and strings (``i18n.py``),
numbers and dates the local way (``formats.py``), each table as CSV (``downloads.py``), whether a page is
public and its address (``publishing.py``).
"""
