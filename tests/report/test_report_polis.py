"""`viche report` and its organiser route on the imported seattle conversation (Polis data: CC BY 4.0, with
Attribution to The Computational Democracy Project, https://github.com/compdemocracy/openData): the report lists
what the groups agree on and what divides them, names each group by what it agrees on, gives each figure with its
interval and n, embeds its charts, and is written in Markdown, HTML and PDF, in English and in Ukrainian."""

from __future__ import annotations

import base64
import re

from sqlalchemy import select, update

from api.opinion_groups import recompute
from api.results.groups import published_groups
from api.standing import group_view
from storage.models import Consultation
from storage.models_groups import OpinionGroups
from tests.groups.conftest import polis_folder
from tests.report.support import pdf_rectangles, pdf_text, viche

SLUG = "seattle"


async def imported(db, database_url, monkeypatch, *, grouped: bool = False) -> Consultation:
    """The seattle conversation, imported as an organiser does; ``grouped``: its groups computed, as the API's
    background refresher does once it runs (the test's app does not run it)."""
    folder = polis_folder("15-per-hour-seattle")
    assert await viche(database_url, monkeypatch, "import", "polis", str(folder), "--slug", SLUG) == 0
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == SLUG))).scalar_one()
    if grouped:
        await recompute(db, consultation.id)
    return consultation


async def set_threshold(db, k: int) -> None:
    async with db.session() as s:
        await s.execute(update(Consultation).where(Consultation.slug == SLUG).values(min_segment_size=k))
        await s.commit()


async def test_viche_report_writes_the_seattle_report_in_markdown_html_and_pdf(db, database_url, monkeypatch, tmp_path):
    consultation = await imported(db, database_url, monkeypatch)
    written = {}
    for fmt in ("md", "html", "pdf"):
        path = tmp_path / f"report.{fmt}"
        assert await viche(database_url, monkeypatch, "report", SLUG, "--format", fmt, "-o", str(path)) == 0
        written[fmt] = path.read_bytes()
    # The command computed the groups it needed (nothing had served the imported conversation yet).
    async with db.session() as s:
        stored = await s.get(OpinionGroups, consultation.id)
        assert stored is not None and stored.k == 2
        groups = await published_groups(s, consultation)
        names = await group_view(s, consultation)
    assert names is not None

    md = written["md"].decode()
    assert md.startswith("# $15/hour\n")
    for heading in (
        "## Agreed across all groups: candidates for recommendations",
        "## Agreed by a majority, but not by every group",
        "## What divides the groups",
        "## Who took part",
        "## How these figures were made",
    ):
        assert heading in md
    # Seattle's groups share no majority view (as Polis found): said in plain words, not left blank.
    assert "No statement has the agreement of a majority in every group." in md
    # Each group is named by what it agrees on, as the digest names it, never by a letter.
    for group in groups["groups"]:
        statement = names["groups"][str(group["id"])]["name"]["text"]["en"]
        heading = next(line for line in md.splitlines() if line.startswith("## People who agree that “"))
        assert heading
        assert f"People who agree that “{' '.join(statement.split())[:40]}" in md
        assert f"*n = {group['size']} · " in md
    assert not re.search(r"\bGroup [A-E0-9]\b", md)
    # The divisive statements are /groups' own, each with every group's share, its interval and its n.
    divides = md.split("## What divides the groups")[1].split("\n## ")[0]
    by_id = {s["proposal_id"]: s for s in groups["statements"]}
    top = by_id[groups["divisive"][0]]
    assert f"| 1. {' '.join(top['text'].split())} |" in divides
    for cell in top["groups"]:
        share = f"{100 * cell['agree'] / cell['seen']:.1f}".rstrip("0").rstrip(".") + "%"
        assert re.search(rf"\| {re.escape(share)} \| [\d.]+% to [\d.]+% \| {cell['seen']} \|", divides), share
    # A statement fewer people than min_segment_size voted on is not shown, and the report says so.
    assert "Not sure I believe any of this" not in md
    assert "1 proposal with fewer than 10 votes is not shown." in md
    # Its charts are embedded as SVG, each with its title.
    charts = re.findall(r"!\[[^\]]+\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", md)
    assert len(charts) >= 5  # majority-only, divisive, two groups, who took part, the statements
    assert all(base64.b64decode(c).startswith(b'<svg xmlns="http://www.w3.org/2000/svg"') for c in charts)

    html = written["html"].decode()
    assert '<html lang="en">' in html and html.count('role="img"') == len(charts)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing from another host

    text = pdf_text(written["pdf"])
    assert "Recommendations report" in text and "What divides the groups" in text and "$15/hour" in text
    assert pdf_rectangles(written["pdf"]) >= html.count("<rect")  # the charts drawn: every bar and its track


async def test_the_report_in_ukrainian_and_through_the_organiser_route(db, database_url, monkeypatch, http):
    consultation = await imported(db, database_url, monkeypatch, grouped=True)
    path = f"/organiser/consultations/{SLUG}/report"
    # The route does what the command does, in any of viche's languages; the statements stay in English.
    answer = await http.get(path, params={"format": "pdf", "language": "uk"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="{SLUG}-report-uk.pdf"' in answer.headers["content-disposition"]
    text = pdf_text(answer.content)
    for phrase in ("Звіт із рекомендаціями", "Що розділяє групи", "Як отримано ці числа", "Ті, хто погоджується"):
        assert phrase in text, phrase
    assert "minimum wage" in text

    md = await http.get(path, params={"format": "md", "language": "de"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "## Was die Gruppen trennt" in md.text and "## Wie diese Zahlen entstanden sind" in md.text
    html = await http.get(path)  # HTML in the consultation's language by default
    assert html.status_code == 200 and '<html lang="en">' in html.text and "<svg" in html.text
    assert html.headers["content-type"].startswith("text/html")

    assert (await http.get(path, params={"language": "xx"})).status_code == 422
    assert (await http.get(path, params={"format": "docx"})).status_code == 422
    assert (await http.get("/organiser/consultations/nowhere/report")).status_code == 404
    assert (await http.get(path, headers={"Authorization": "Bearer wrong"})).status_code == 401
    assert consultation.min_segment_size == 10


async def test_no_group_or_figure_under_the_threshold_is_in_the_report(db, database_url, monkeypatch, http, tmp_path):
    await imported(db, database_url, monkeypatch, grouped=True)
    path = f"/organiser/consultations/{SLUG}/report"
    async with db.session() as session:
        stored = (await session.execute(select(OpinionGroups))).scalar_one()
    smallest_group = min(stored.sizes)
    assert 10 < smallest_group < 200
    # Raise the threshold above the smaller group: no group can be shown, none is named.
    await set_threshold(db, smallest_group + 1)
    withheld = (await http.get(path, params={"format": "md"})).text
    assert "People who agree that" not in withheld and "What divides the groups" not in withheld
    assert f"fewer than two groups have at least {smallest_group + 1} people" in withheld
    # Every count a group's figure rests on is at least the threshold, in every table of group figures.
    await set_threshold(db, 20)
    report = (await http.get(path, params={"format": "md"})).text
    groups_part = report.split("## Who took part")[0]
    voted = [int(n) for n in re.findall(r"\| [\d.]+% to [\d.]+% \| (\d+) \|", groups_part)]
    assert voted and min(voted) >= 20
    assert all(int(n) >= 20 for n in re.findall(r"n = (\d+)\b", groups_part))
    # Fewer participants than the threshold: no report at all, from the route or the command.
    await set_threshold(db, 1000)
    refused = await http.get(path)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "below_threshold"
    assert await viche(database_url, monkeypatch, "report", SLUG, "-o", str(tmp_path / "r.html")) == 1
    assert not (tmp_path / "r.html").exists()
