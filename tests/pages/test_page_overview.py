"""What a results page shows besides the items, through the real app and database: participation by day, who took
part next to the organisers' target shares, the opinion groups' view of each proposal — and that a page costs one
computation of the results and one of the overview, not one per segment."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

from sqlalchemy import select, update

from api import results
from api.opinion_groups import recompute
from core.vocabulary import SEGMENTS
from storage.models import Consultation, Enrolment
from tests.pages.support import RARE_SOURCE, crowd, simulate
from tests.pages.test_results_page import K, publish


async def test_a_page_costs_one_results_computation_and_one_overview(http, api_app, demo, backend):
    await simulate(backend, demo, crowd(K))
    await publish(http, demo)
    cache = api_app.state.results_cache
    before = cache.computations
    assert (await http.get(f"/r/{demo}?lang=en")).status_code == 200
    # The whole's results and the overview (every segment's sizes, the days, the groups): not one per segment.
    assert cache.computations - before == 2


async def test_the_overview_sizes_every_segment_as_the_results_split_by_it_do(db, api_app, demo, backend):
    await simulate(backend, demo, crowd(K))
    cache = api_app.state.results_cache
    async with db.session() as session:
        consultation = (await session.execute(select(Consultation).where(Consultation.slug == demo))).scalar_one()
        overview = await results.results_overview(session, consultation, cache=cache, language="en")
        for segment in SEGMENTS:
            split = await results.consultation_results(session, consultation, cache=cache, segment=segment)
            expected = [(g["value"], g["kind"], g["participants"]) for g in split["segments"]]
            assert [(g["value"], g["kind"], g["participants"]) for g in overview["segments"][segment]] == expected
    assert overview["participants"] == 3 * K + 1
    assert RARE_SOURCE not in str(overview)


async def test_participation_by_day_in_each_language_and_a_small_day_is_not_shown(http, db, demo, backend):
    await simulate(backend, demo, crowd(K))
    # Three of the participants joined two days earlier: too few for that day to be shown on its own.
    async with db.session() as session:
        enrolments = (await session.execute(select(Enrolment).order_by(Enrolment.id))).scalars().all()
        moved = [e.id for e in enrolments[:3]]
        day = enrolments[0].consented_at
        await session.execute(
            update(Enrolment).where(Enrolment.id.in_(moved)).values(consented_at=day - timedelta(days=2))
        )
        await session.commit()
    await publish(http, demo)
    english = (await http.get(f"/r/{demo}?lang=en")).text
    assert 'id="participation"' in english
    assert 'aria-labelledby="chart-joined-t' in english and 'aria-labelledby="chart-answers-t' in english
    assert "Participation over time" in english
    table = (await http.get(f"/r/{demo}/tables/participation.csv?lang=en")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["Day", "People who joined", "Answers"]
    assert len(rows) == 1 + 3  # three days, the empty one between included
    joined = [row[1] for row in rows[1:]]
    # 3 people on the first day: under k, so hidden, and with it the smallest other count (else the headline's
    # total minus the days shown would give it back); the empty day shows 0.
    assert joined[0] == "not shown" and joined[1] == "0" and joined[2] == "not shown"
    assert "3" not in joined
    # Days as each language writes them (Babel): "Dec 2, 2026" / "2 груд. 2026 р." / "02.12.2026".
    ukrainian = (await http.get(f"/r/{demo}?lang=uk")).text
    german = (await http.get(f"/r/{demo}?lang=de")).text
    assert re.search(r"<td>[A-Z][a-z]{2}\s\d{1,2},\s\d{4}</td>", english)
    assert re.search(r"<td>\d{1,2}\s[а-яі]+\.\s\d{4}\sр\.</td>", ukrainian)
    assert re.search(r"<td>\d{2}\.\d{2}\.\d{4}</td>", german)
    assert "Участь з часом" in ukrainian and "Beteiligung im Zeitverlauf" in german


async def test_reach_stands_next_to_the_organisers_target_shares(http, db, demo, backend):
    await simulate(backend, demo, crowd(K))
    async with db.session() as session:
        consultation = (await session.execute(select(Consultation).where(Consultation.slug == demo))).scalar_one()
        definition = dict(consultation.definition)
        # uk, en, de: a third each came; the organisers hoped for more Ukrainian speakers.
        definition["targets"] = {"language": {"uk": 0.6, "en": 0.2, "de": 0.2}}
        consultation.definition = definition
        session.add(consultation)
        await session.commit()
    await publish(http, demo)
    page = html.unescape((await http.get(f"/r/{demo}?lang=en")).text)
    assert "Under-represented against the organisers' targets: Ukrainian (Language)." in page
    assert 'stroke-dasharray="3 2"' in page  # the target marks on the chart
    table = (await http.get(f"/r/{demo}/tables/reach.csv?lang=en")).content.decode("utf-8-sig")
    rows = {(row[0], row[1]): row for row in csv.reader(io.StringIO(table))}
    assert rows[("Split by", "Group")][4:] == ["Interval (95 %)", "Target share", "Against the target"]
    ukrainian = rows[("Language", "Ukrainian")]
    assert ukrainian[5] == "0.6" and float(ukrainian[6]) < 0
    assert float(rows[("Language", "German")][6]) > 0
    assert RARE_SOURCE not in table


def camps(n: int, proposal: dict) -> str:
    """Two camps that disagree on transport and cycle lanes, and all agree on a youth centre."""
    first = n < 14
    text = proposal["text"]
    if "transport" in text or "транспорт" in text:
        return "agree" if first else "disagree"
    if "cycle" in text or "велосмуг" in text:
        return "disagree" if first else "agree"
    return "agree"


async def test_each_proposal_shows_consensus_across_the_opinion_groups_and_each_groups_view(http, db, demo, backend):
    await simulate(backend, demo, [("en", "poster")] * 25, vote=camps)
    async with db.session() as session:
        consultation = (await session.execute(select(Consultation).where(Consultation.slug == demo))).scalar_one()
    stored = await recompute(db, consultation.id)
    assert sorted(stored.sizes) == [11, 14]
    await publish(http, demo)
    groups = (await http.get(f"/organiser/consultations/{demo}/groups?lang=en")).json()
    page = html.unescape((await http.get(f"/r/{demo}?lang=en")).text)
    assert 'data-kind="groups"' in page
    assert "Those who agree with “" in page  # groups named by their statement, never a letter or a number
    section = re.search(r'<section id="(item-[\w-]+-groups)"', page)[1]
    table = (await http.get(f"/r/{demo}/tables/{section}.csv?lang=en")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert len(rows[0]) == 1 + len(groups["groups"]) + 1 == 4
    by_text = {s["text"]: s for s in groups["statements"]}
    assert by_text.keys() == {row[0] for row in rows[1:]}, (groups, rows)
    said = {}
    for row in rows[1:]:
        statement = by_text[row[0]]
        for cell, group in zip(row[1:-1], statement["groups"], strict=True):
            assert cell == "not shown" if group["agree_share"] is None else float(cell) == group["agree_share"]
        said[row[0]] = row[-1]
    assert said == {
        "A youth centre open until late evening": "Every group agrees",
        "Free public transport for students": "A majority overall, but not in every group",
        "More cycle lanes in the city centre": "No majority across the groups",
    }


async def test_a_page_built_from_results_older_than_its_overview_shares_reach_of_one_moment(db, api_app, demo, backend):
    """The page's two cached reads (the whole's results, the overview) are each recomputed on their own, so while
    people join one can be a computation behind the other; reach must divide each segment's size by the total of
    the same computation (a share of 20 009 out of 20 000 failed the page while votes arrived)."""
    from api.pages.i18n import page_text
    from api.pages.view import build_page

    await simulate(backend, demo, crowd(K))
    cache = api_app.state.results_cache
    async with db.session() as session:
        consultation = (await session.execute(select(Consultation).where(Consultation.slug == demo))).scalar_one()
        older = await results.consultation_results(session, consultation, cache=cache, language="en", fresh=True)
    await simulate(backend, demo, [("en", "poster")] * K, seed=2, first=1000)
    async with db.session() as session:
        consultation = (await session.execute(select(Consultation).where(Consultation.slug == demo))).scalar_one()
        newer = await results.results_overview(session, consultation, cache=cache, language="en", fresh=True)
    assert newer["participants"] > older["participants"]
    page = build_page(older, newer, tr=page_text("en"), time_zone="UTC", groups=newer["groups"])
    reach = next(section for section in page.sections if section.id == "reach")
    assert reach.table is not None
    for row in reach.table.rows:
        count, share = row[2].value, row[3].value
        assert isinstance(count, int) and isinstance(share, float)
        assert share == count / newer["participants"]  # the overview's own total, never the older results'
