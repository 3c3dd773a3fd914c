"""The report of examples/riverside.yaml (every item kind) after simulated participants: the pairs ranking and the
budget by every counting rule the organiser chose, each with its interval and n; nothing the public page hides
(free texts, places). And the results pages' "whole page as PDF", public and private, made by the same function."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.organiser.support import SLUG, example_text, upload
from tests.pages.support import simulate
from tests.report.support import pdf_text

RULES = """    currency: UAH
    counting:
      - rule: equalshares
      - rule: greedy
      - rule: greedy-threshold
        threshold: 9
"""


async def launched(http, backend) -> None:
    text = example_text().replace("    currency: UAH\n", RULES, 1)
    assert (await upload(http, text)).status_code == 201
    assert (await http.post(f"/organiser/consultations/{SLUG}/status", json={"action": "launch"})).status_code == 200
    assert await simulate(backend, SLUG, [("uk", "poster")] * 12 + [("en", "school")] * 12) == 24


async def test_the_report_gives_the_pairs_ranking_and_every_counting_rule(http, backend):
    await launched(http, backend)
    results = (await http.get(f"/organiser/consultations/{SLUG}/results", params={"lang": "en"})).json()
    budget = next(i for i in results["items"] if i["kind"] == "budget")
    pairs = next(i for i in results["items"] if i["kind"] == "pairs")
    answer = await http.get(f"/organiser/consultations/{SLUG}/report", params={"format": "md", "language": "en"})
    assert answer.status_code == 200, answer.text
    md = answer.text

    # The pairs ranking: each proposal's chance to win with its interval, and the comparisons it rests on.
    ranking = md.split(f"## {pairs['number']}. {pairs['prompt']}")[1].split("\n## ")[0]
    assert f"*n = {pairs['comparisons']} · " in ranking
    for p in pairs["proposals"]:
        assert re.search(rf"\| {p['rank']} \| {re.escape(p['text'])} \| [\d.]+% \| [\d.]+% to [\d.]+% \| ", ranking)

    # Every counting rule side by side, the first the official one, with the projects it funds and their cost.
    rules = md.split("every counting rule\n\n")[1].split("\n## ")[0]
    assert f"*n = {budget['ballots']} · " in rules
    assert [r["rule"] for r in budget["rules"]] == ["equalshares", "greedy", "greedy-threshold"]
    names = (
        "Method of Equal Shares (official)",
        "Most votes first, each project that still fits",
        "Most votes first, projects with at least 9 votes",
    )
    label = {p["key"]: p["label"] for p in budget["projects"]}
    for name, rule in zip(names, budget["rules"], strict=True):
        funded = ", ".join(label[key] for key in rule["funded"]) or "—"
        assert f"| {name} | {funded} | UAH{rule['spent']:,} |" in rules.replace("\u00a0", " "), name
    # Each project's votes with its interval (the results page's own section).
    assert re.search(r"\| 1 \| [^|]+ \| UAH[\d,]+ \| \d+ \| [\d.]+% \| (funded|not funded) \|", md)

    # Only what may be handed over: no free text, no place (the public page's rule), no opinion groups to show.
    assert "more benches by the river" not in md and "Latitude" not in md
    assert "## Opinion groups" in md


async def test_the_results_page_downloads_as_one_pdf(http, backend):
    await launched(http, backend)
    assert (await http.get(f"/r/{SLUG}/page.pdf")).status_code == 404  # not published: no PDF either
    await http.put(f"/organiser/consultations/{SLUG}/published", json={"published": True})
    page = (await http.get(f"/r/{SLUG}?lang=uk")).text
    link = re.search(r'<a href="([^"]+)" download>Завантажити всю сторінку \(PDF\)</a>', page)
    assert link is not None
    answer = await http.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.content)
    assert "Хто взяв участь" in text and "Результати консультації" in text
    assert "Завантажити" not in text  # the links that only work on screen are left out
    assert "Idea 3: more benches by the river" not in text

    # The organiser's private page has its own PDF, with the free texts, behind the same signed link.
    url = urlsplit((await http.post(f"/organiser/consultations/{SLUG}/private-link")).json()["url"])
    private = (await http.get(f"{url.path}?{url.query}&lang=en")).text
    link = re.search(r'<a href="([^"]+)" download>Download the whole page \(PDF\)</a>', private)
    assert link is not None and "key=" in link.group(1)
    answer = await http.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert "more benches by the river" in pdf_text(answer.content)
    forged = link.group(1).replace("&amp;", "&").replace("key=", "key=x")
    assert (await http.get(forged)).status_code == 403
