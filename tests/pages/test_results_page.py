"""The results page through the real app and database: who may see it (published, signed links), what it shows
in each language, small groups kept off it, and its tables as CSV."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

import pytest

from api.pages import links
from core.assertion import InvalidAssertion
from tests.conftest import SERVICE_TOKEN
from tests.pages.support import RARE_SOURCE, crowd, simulate

ORGANISER = 900001
K = 10  # the demo's min_segment_size (the definition's default)


async def publish(http, slug: str, published: bool = True):
    return await http.put(f"/organiser/consultations/{slug}/published", json={"published": published})


@pytest.fixture
async def answered(demo, backend) -> str:
    """The demo after a crowd of simulated participants (uk, en, de; two sources and a rare one)."""
    assert await simulate(backend, demo, crowd(K)) == 3 * K + 1
    return demo


async def test_the_public_page_is_404_until_published_and_again_once_withdrawn(http, demo):
    assert (await http.get(f"/r/{demo}")).status_code == 404
    assert (await http.get(f"/r/{demo}/tables/reach.csv")).status_code == 404
    assert (await http.get("/r/no-such-consultation")).status_code == 404
    answer = await publish(http, demo)
    assert answer.status_code == 200
    assert answer.json()["published"] is True
    assert urlsplit(answer.json()["url"]).path == f"/r/{demo}"
    page = await http.get(f"/r/{demo}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Молодь і місто" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert (await publish(http, demo, False)).status_code == 200
    assert (await http.get(f"/r/{demo}")).status_code == 404


async def test_only_an_organiser_publishes(http, demo):
    stranger = await http.put(
        f"/organiser/consultations/{demo}/published", json={"published": True}, headers={"X-Viche-Actor": "1.2.3"}
    )
    assert stranger.status_code == 401
    assert (await http.get(f"/r/{demo}")).status_code == 404


async def test_the_private_link_opens_the_page_and_a_forged_or_expired_one_is_403(http, demo):
    made = await http.post(f"/organiser/consultations/{demo}/private-link")
    assert made.status_code == 200
    url = urlsplit(made.json()["url"])
    assert url.path == f"/r/{demo}/private"
    page = await http.get(f"{url.path}?{url.query}")  # unpublished: the organiser's page works anyway
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    key = url.query.removeprefix("key=")
    assert links.verify(SERVICE_TOKEN, key, demo).telegram_id == ORGANISER

    forged = key[:-1] + ("0" if key[-1] != "0" else "1")
    other_person = f"{ORGANISER + 1}{key[len(str(ORGANISER)) :]}"
    expired, _ = links.sign(SERVICE_TOKEN, ORGANISER, demo, now=0)
    wrong_key, _ = links.sign("not-the-service-token", ORGANISER, demo)
    for bad in (forged, other_person, expired, wrong_key, "", "nonsense"):
        refused = await http.get(f"/r/{demo}/private", params={"key": bad})
        assert refused.status_code == 403, bad
        assert refused.json()["error"]["code"] == "invalid_link"
    assert (await http.get(f"/r/{demo}/private")).status_code == 403
    assert (await http.get(f"/r/{demo}/private/tables/reach.csv", params={"key": forged})).status_code == 403
    # A link is for one consultation: another's page refuses it.
    other, _ = links.sign(SERVICE_TOKEN, ORGANISER, "another-one")
    assert (await http.get(f"/r/{demo}/private", params={"key": other})).status_code == 403
    with pytest.raises(InvalidAssertion):
        links.verify(SERVICE_TOKEN, other, demo)


async def test_the_page_speaks_the_asked_language_with_local_numbers(http, answered):
    await publish(http, answered)
    german = await http.get(f"/r/{answered}", headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.text
    assert "Wer teilgenommen hat" in german.text
    assert "Junge Menschen und die Stadt" in german.text
    assert re.search(r"\d,\d\u00a0%", german.text)  # "35,5 %": German decimals and spacing
    english = await http.get(f"/r/{answered}?lang=en", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in english.text
    assert "Who took part" in english.text
    assert re.search(r"\d\.\d%", english.text)
    fallback = await http.get(f"/r/{answered}", headers={"Accept-Language": "ja,zh;q=0.8"})
    assert '<html lang="uk">' in fallback.text
    assert "Хто взяв участь" in fallback.text


async def test_every_chart_has_its_text_alternative_its_table_and_its_n(http, answered):
    await publish(http, answered)
    page = (await http.get(f"/r/{answered}?lang=en")).text
    charts = re.findall(r'<svg [^>]*role="img" aria-labelledby="([\w-]+)-t \1-d"', page)
    # participation by day (people, answers), who took part, the choice question, the proposals, the pairs
    assert charts == ["chart-joined", "chart-answers", "chart-reach", "chart-age", "chart-ideas", "chart-priorities"]
    for chart in charts:
        assert f'<title id="{chart}-t">' in page and f'<desc id="{chart}-d">' in page
    assert page.count("<table>") == 5
    assert page.count("n = ") >= 4
    assert "Broad agreement" in page or "Divides people" in page or "Not clear yet" in page
    # Each proposal's verdict in plain words (the summary names two of them whatever the votes: not enough).
    assert re.search(r"<td>(Broad agreement|Broad disagreement|Divides people|Not clear yet): of those who", page)
    assert "31 people took part." in page


async def test_no_group_under_the_threshold_appears_on_any_page(http, answered):
    await publish(http, answered)
    link = urlsplit((await http.post(f"/organiser/consultations/{answered}/private-link")).json()["url"])
    pages = [(await http.get(f"/r/{answered}?lang={lang}")).text for lang in ("uk", "en", "de")]
    pages.append((await http.get(f"{link.path}?{link.query}&lang=en")).text)
    tables = [(await http.get(f"/r/{answered}/tables/reach.csv?lang=en")).content.decode("utf-8-sig")]
    tables.append((await http.get(f"{link.path}/tables/reach.csv?{link.query}&lang=en")).content.decode("utf-8-sig"))
    for text in pages + tables:
        assert "poster" in text  # the large source is shown …
        assert RARE_SOURCE not in text  # … the one under the threshold nowhere
        assert "school" not in text  # pooled with it, so that the rare one cannot be worked out by subtraction


async def test_each_table_downloads_as_csv_a_spreadsheet_reads_in_its_language(http, answered):
    await publish(http, answered)
    for lang, separator in (("uk", ";"), ("de", ";"), ("en", ",")):
        answer = await http.get(f"/r/{answered}/tables/item-age.csv?lang={lang}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=separator))
        assert len(rows[0]) == 4
        counts = {row[0]: int(row[1]) for row in rows[1:]}
        assert sum(counts.values()) == 3 * K + 1
        shares = [float(row[2].replace(",", ".")) for row in rows[1:]]
        assert abs(sum(shares) - 1) < 0.01
        if lang == "uk":
            assert "До 18" in counts  # Cyrillic intact
    assert (await http.get(f"/r/{answered}/tables/nothing.csv")).status_code == 404


async def test_every_item_kind_of_the_example_has_its_section(http, backend, db):
    """examples/riverside.yaml (every item kind, a profile block) after simulated participants: each item has its
    section with its n; the public page has no free text and no place, the organiser's page has both."""
    from tests.organiser.support import SLUG, example_text, upload

    assert (await upload(http, example_text())).status_code == 201
    assert (await http.post(f"/organiser/consultations/{SLUG}/status", json={"action": "launch"})).status_code == 200
    assert await simulate(backend, SLUG, [("uk", "poster")] * 12 + [("en", "school")] * 12) == 24
    await publish(http, SLUG)
    public = (await http.get(f"/r/{SLUG}?lang=en")).text
    link = urlsplit((await http.post(f"/organiser/consultations/{SLUG}/private-link")).json()["url"])
    private = (await http.get(f"{link.path}?{link.query}&lang=en")).text
    for kind in ("single_choice", "multi_choice", "scale", "free_text", "proposal", "pairs", "budget", "place"):
        assert f'data-kind="{kind}"' in public, kind
    assert "Average " in public  # the scale in words
    assert "Funded projects cost" in public
    assert "people marked a place." in public
    assert "more benches by the river" not in public
    assert "more benches by the river" in private
    assert 'id="chart-' in private and "<circle" in private and "<circle" not in public  # places only in private


async def test_every_ballot_kind_of_the_civic_budget_example_is_counted_on_its_page(http, backend, db):
    """examples/civic-budget.yaml (a knapsack, an approval, a cumulative and an ordinal budget) filled as the chat
    fills ballots, pick by pick: each budget has its section, counted by its first rule."""
    from storage.consultations import save_definition
    from tests.conftest import repo_root
    from viche.loading import read_definition

    async with db.session() as session:
        definition = read_definition(repo_root() / "examples" / "civic-budget.yaml")
        slug = (await save_definition(session, definition, status="open")).slug
    assert await simulate(backend, slug, [("pl", "poster")] * 12 + [("en", "school")] * 12) == 24
    results = (await http.get(f"/organiser/consultations/{slug}/results", params={"fresh": "true"})).json()
    budgets = {item["key"]: item for item in results["items"]}
    assert {key: item["ballot"] for key, item in budgets.items()} == {
        "town_wide": "knapsack",
        "small_projects": "approval",
        "youth": "cumulative",
        "green": "ordinal",
    }
    for item in budgets.values():
        assert item["ballots"] == 24 and item["funded"] and item["spent"] <= item["total"]
    await publish(http, slug)
    page = (await http.get(f"/r/{slug}?lang=en")).text
    sections = {key: page.split(f'<section id="item-{key}"')[1].split("</section>")[0] for key in budgets}
    assert {key: "Funded projects cost" in section for key, section in sections.items()} == dict.fromkeys(budgets, True)
    # Points and rankings are counted by points: their tables show them beside the votes.
    assert {key: ">Points<" in section for key, section in sections.items()} == {
        "town_wide": False,
        "small_projects": False,
        "youth": True,
        "green": True,
    }


async def test_each_table_downloads_as_xlsx_that_reads_back_the_same_numbers(http, answered):
    import openpyxl

    await publish(http, answered)
    page = (await http.get(f"/r/{answered}?lang=uk")).text
    assert f"/r/{answered}/tables/item-age.xlsx?lang=uk" in page
    for lang in ("uk", "en", "de"):
        answer = await http.get(f"/r/{answered}/tables/item-age.xlsx?lang={lang}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        as_csv = (await http.get(f"/r/{answered}/tables/item-age.csv?lang={lang}")).content.decode("utf-8-sig")
        separator = "," if lang == "en" else ";"
        csv_rows = list(csv.reader(io.StringIO(as_csv), delimiter=separator))
        assert [str(v) for v in rows[0]] == csv_rows[0]  # the same header, in the page's language
        counts = {row[0]: row[1] for row in rows[1:]}
        assert all(isinstance(n, int) for n in counts.values()) and sum(counts.values()) == 3 * K + 1
        assert counts == {row[0]: int(row[1]) for row in csv_rows[1:]}
        shares = [row[2] for row in rows[1:]]
        assert all(isinstance(s, float) for s in shares) and abs(sum(shares) - 1) < 0.01
        assert sheet.cell(row=2, column=3).number_format == "0.0%"
        if lang == "uk":
            assert "До 18" in counts  # Cyrillic intact
    reach = openpyxl.load_workbook(io.BytesIO((await http.get(f"/r/{answered}/tables/reach.xlsx")).content)).active
    assert RARE_SOURCE not in str(list(reach.iter_rows(values_only=True)))
    assert (await http.get(f"/r/{answered}/tables/nothing.xlsx")).status_code == 404
