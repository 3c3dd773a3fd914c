"""/stats in the chat shows an imported Polis conversation's opinion groups (sizes, one statement every group
agrees with) in the organiser's language, through the real dispatcher and the fake Bot API, and no group smaller
than the consultation's min_segment_size (Polis data: CC BY 4.0, The Computational Democracy Project)."""

from __future__ import annotations

from sqlalchemy import select, update

from api.opinion_groups import recompute
from bot.i18n import SUPPORTED, translator
from bot.i18n.formats import format_number
from storage.models import Consultation, Proposal
from tests.groups.conftest import polis_folder
from tests.organiser.support import ORGANISER
from viche.importers.polis import import_polis


async def test_stats_shows_the_groups_in_every_language_and_never_a_small_one(telegram, db):
    result = await import_polis(db, polis_folder("scoop-hivemind.biodiversity"), slug="hivemind")
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == "hivemind"))).scalar_one()
    row = await recompute(db, consultation.id)
    bridging = max(
        (v for v in row.statements if min(v["group_agree"]) > 0.5 and min(v["group_seen"]) >= 10),
        key=lambda v: v["consensus_agree"],
    )
    async with db.session() as s:
        text = (await s.get(Proposal, bridging["proposal_id"])).text["en"]
    for locale in SUPPORTED:
        tr = translator(locale)
        await telegram.send(ORGANISER, f"/stats {result.slug}", language_code=locale)
        stats = telegram.texts(ORGANISER)[-1]
        sizes = ", ".join(format_number(n, locale) for n in row.sizes)
        assert tr.n_("{n} opinion group: {sizes}", "{n} opinion groups: {sizes}", row.k, sizes=sizes) in stats
        assert tr._("Agreed across all groups: {statement}", statement="").split("{")[0] in stats
        assert text.strip()[:40] in stats, stats

    # A group below the threshold is not shown; with one group left there are no groups to show at all.
    async with db.session() as s:
        await s.execute(
            update(Consultation).where(Consultation.id == consultation.id).values(min_segment_size=min(row.sizes) + 1)
        )
        await s.commit()
    await telegram.send(ORGANISER, f"/stats {result.slug}", language_code="en")
    stats = telegram.texts(ORGANISER)[-1]
    assert "opinion group" not in stats
