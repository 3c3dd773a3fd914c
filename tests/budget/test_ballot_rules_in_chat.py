"""Every ballot rule of a participatory budget, completed in Telegram through the real dispatcher and the fake
Bot API (examples/civic-budget.yaml): knapsack with a minimum spend, approval, cumulative points and a ranking;
refused picks explained in the citizen's language, a changed ballot replacing the earlier one, a ballot half
filled surviving a restart of the whole process, and the results counting the chat's ballots by their rules."""

from __future__ import annotations

from sqlalchemy import select

from storage.consultations import save_definition
from storage.models import Answer, Item, Option
from storage.models_ballot import BallotDraft
from tests.conftest import SERVICE_TOKEN, repo_root
from tests.harness import running_bot
from viche.loading import read_definition

CHAT = 7301


async def load_example(db) -> str:
    async with db.session() as session:
        definition = read_definition(repo_root() / "examples" / "civic-budget.yaml")
        consultation = await save_definition(
            session, definition.model_copy(update={"min_segment_size": 1}), status="open"
        )
    return consultation.slug


async def stored(db) -> dict[str, list[str]]:
    """Each budget item's stored ballot, as project keys (in the stored order), by item key."""
    async with db.session() as session:
        keys = dict((await session.execute(select(Option.id, Option.key))).all())
        items = dict((await session.execute(select(Item.id, Item.key))).all())
        rows = (await session.execute(select(Answer))).scalars().all()
    out: dict[str, list[str]] = {}
    for row in rows:
        assert items[row.item_id] not in out, "one row per citizen and item"
        out[items[row.item_id]] = [keys[v] for v in row.value]
    return out


def plain(text: str) -> str:
    """Babel writes 1 000 000 zł with no-break spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def shown(t) -> str:
    return plain(t.texts(CHAT)[-1])


def alert(t) -> str:
    answer = t.fake.callback_answers(CHAT)[-1]
    assert answer["show_alert"], answer
    return plain(answer["text"])


async def start(t, slug: str, language: str) -> None:
    await t.send(CHAT, f"/start {slug}", language_code=language)
    await t.press(CHAT, "Polski" if language == "pl" else "English")
    await t.press(CHAT, "✅")
    await t.press(CHAT, "30-49")


async def test_every_ballot_rule_in_polish_with_refusals_explained_and_a_change_that_replaces(telegram, db, http):
    slug = await load_example(db)
    t = telegram
    await start(t, slug, "pl")
    # knapsack: at most 1 000 000 zł, at least 60 % of it, at most 3 projects
    ballot = shown(t)
    assert "Projekty ogólnomiejskie" in ballot
    assert "Wybierz projekty, które razem kosztują najwyżej 1 000 000 zł." in ballot
    assert "Wydaj z tego co najmniej 600 000 zł." in ballot and "Wybierz najwyżej 3 projekty." in ballot
    assert "Zostało w budżecie: 1 000 000 zł z 1 000 000 zł" in ballot and "Nic jeszcze nie wybrano." in ballot
    await t.press(CHAT, "Ławki")
    await t.press(CHAT, "Gotowe")
    assert alert(t) == (
        "Twoje projekty kosztują 80 000 zł, a karta musi wydać co najmniej 600 000 zł. "
        "Dodaj projekt, a potem naciśnij „Gotowe”."
    )
    await t.press(CHAT, "☑️ Ławki")  # taken out again
    await t.press(CHAT, "czytelnia")
    await t.press(CHAT, "Stacje roweru")
    assert "Zostało w budżecie: 250 000 zł z 1 000 000 zł" in shown(t)
    await t.press(CHAT, "Plac zabaw")
    assert alert(t) == "Ten projekt kosztuje 280 000 zł, a zostało tylko 250 000 zł. Najpierw usuń jakiś projekt."
    await t.press(CHAT, "Ławki")
    await t.press(CHAT, "Oświetlenie")
    assert alert(t) == "Możesz wybrać najwyżej 3 projekty. Najpierw usuń jeden."
    assert [b["text"].split()[0] for b in t.buttons(CHAT)[:5]] == ["☑️", "☑️", "⬜", "⬜", "☑️"]
    await t.press(CHAT, "Gotowe")
    sent = t.messages(CHAT)[-2]
    assert "✓ Wybrane: Nowa czytelnia w bibliotece; Stacje roweru miejskiego; Ławki i cień na rynku" in plain(
        sent["text"]
    )
    assert [b["text"] for row in sent["buttons"] for b in row] == ["✏️ Zmień moją kartę"]

    # approval: up to 2, costs shown but not added up
    ballot = shown(t)
    assert "Wybierz do 2 projektów, które popierasz." in ballot
    assert "Koszty są podane dla informacji: nie są sumowane." in ballot and "Wybrano: 0 z 2" in ballot
    await t.press(CHAT, "Mural")
    await t.press(CHAT, "Książki")
    await t.press(CHAT, "Ule")
    assert alert(t) == "Możesz wybrać najwyżej 2 projekty. Najpierw usuń jeden."
    await t.press(CHAT, "Mural")  # taken out again
    await t.press(CHAT, "Poidełka")
    assert "Wybrano: 2 z 2" in shown(t)
    await t.press(CHAT, "Gotowe")

    # cumulative: 5 points, at most 3 on one project
    ballot = shown(t)
    assert "Rozdziel 5 punktów między projekty." in ballot
    assert "Jeden projekt może dostać najwyżej 3 punkty." in ballot and "Zostało punktów: 5 z 5" in ballot
    for _ in range(3):
        await t.press(CHAT, "Skatepark")
    await t.press(CHAT, "Skatepark")
    assert alert(t) == "Jeden projekt może dostać najwyżej 3 punkty."
    await t.press(CHAT, "Studio")
    await t.press(CHAT, "Studio")
    await t.press(CHAT, "e-sportu")
    assert alert(t) == "Wszystkie twoje 5 punktów jest już rozdanych. Najpierw odbierz punkt jakiemuś projektowi."
    assert "Twoje punkty: Skatepark — 3; Studio nagrań w domu kultury — 2" in shown(t)
    studio_row = next(row for row in t.last(CHAT)["buttons"] if "Studio" in row[0]["text"])
    assert studio_row[0]["text"].startswith("2 ★") and studio_row[1]["text"] == "➖"
    await t.fake.press_button(CHAT, t.last(CHAT)["message_id"], studio_row[1]["callback_data"])
    await t.settle()
    await t.press(CHAT, "e-sportu")
    assert "Zostało punktów: 0 z 5" in shown(t)
    await t.press(CHAT, "Gotowe")

    # ordinal: rank 2 to 3, best first
    ballot = shown(t)
    assert "Ułóż ranking do 3 projektów, od najlepszego." in ballot and "Wybierz co najmniej 2 projekty." in ballot
    await t.press(CHAT, "stawu")
    await t.press(CHAT, "Gotowe")
    assert alert(t) == "Wybierz co najmniej 2 projekty, zanim naciśniesz „Gotowe”."
    await t.press(CHAT, "drzew")
    await t.press(CHAT, "Łąka")
    await t.press(CHAT, "Kompostownik")
    assert alert(t) == "Możesz wybrać najwyżej 3 projekty. Najpierw usuń jeden."
    await t.press(CHAT, "1. Odnowienie stawu")  # out of the ranking: the others move up
    await t.press(CHAT, "Kompostownik")
    assert "Twój ranking: 1. 200 drzew przy ulicach; 2. Łąka kwietna zamiast trawnika; 3. Kompostownik" in (shown(t))
    await t.press(CHAT, "Gotowe")
    assert "Dziękujemy" in shown(t) or "Dzięki" in shown(t), shown(t)

    # Stored as results count them (option ids in the order listed; a point per id; the ranking in order).
    assert await stored(db) == {
        "town_wide": ["reading_room", "bikes", "benches"],
        "small_projects": ["books", "fountains"],
        "youth": ["skatepark", "skatepark", "skatepark", "studio", "esports"],
        "green": ["trees", "meadow", "composter"],
    }


async def drafts(db) -> list[list[int]]:
    async with db.session() as session:
        return [row.value for row in (await session.execute(select(BallotDraft))).scalars()]


async def test_a_changed_ballot_replaces_the_earlier_one_and_a_half_filled_one_survives_a_restart(
    settings, db, api_app
):
    slug = await load_example(db)
    async with running_bot(api_app, SERVICE_TOKEN) as t:
        await start(t, slug, "en")
        await t.press(CHAT, "reading room")
        await t.press(CHAT, "City bike")
        await t.press(CHAT, "Done")
        assert (await stored(db))["town_wide"] == ["reading_room", "bikes"]
        sent = t.messages(CHAT)[-2]
        assert "You can change your ballot until the consultation closes." in sent["text"]
        # Days later the message is an InaccessibleMessage (no text, no keyboard): the ballot comes from the API.
        await t.press(CHAT, "Change my ballot", message=sent, shape="inaccessible")
        reopened = next(m for m in t.messages(CHAT) if m["message_id"] == sent["message_id"])
        assert "This is the ballot you sent. Change it, then press Done." in reopened["text"]
        assert "☑️ City bike stations" in [b["text"].split(" — ")[0] for b in t.buttons(CHAT, reopened)]
        await t.press(CHAT, "City bike", message=reopened, shape="without_keyboard")
        reopened = next(m for m in t.messages(CHAT) if m["message_id"] == sent["message_id"])
        assert "Your earlier ballot counts until you press Done." in reopened["text"]
        assert (await stored(db))["town_wide"] == ["reading_room", "bikes"], "a draft never counts"
        await t.press(CHAT, "Playground", message=reopened)
        await t.press(CHAT, "Done", message=reopened, shape="inaccessible")
        assert t.fake.callback_answers(CHAT)[-1]["text"] == "Your new ballot replaces the earlier one ✓"
        assert (await stored(db))["town_wide"] == ["reading_room", "playground"]  # replaced: still one row
        assert "Small projects" in t.texts(CHAT)[-1]  # where they were, sent again
        await t.press(CHAT, "Books")
        assert await drafts(db) == [[await option_id(db, "books")]]
    # A new process: new API app, new dispatcher, new fake Telegram; same database.
    from api.app import create_app

    async with running_bot(create_app(settings, db), SERVICE_TOKEN) as t:
        await t.send(CHAT, "/start", language_code="en")
        assert "Chosen: 1 of 2" in t.texts(CHAT)[-1] and "Chosen: Books for the children's library" in t.texts(CHAT)[-1]
        assert "☑️ Books for the children's library" in [b["text"].split(" — ")[0] for b in t.buttons(CHAT)]
        await t.press(CHAT, "Beehives")
        await t.press(CHAT, "Done")
        assert "Youth budget" in t.texts(CHAT)[-1]
    ballots = await stored(db)
    assert ballots == {"town_wide": ["reading_room", "playground"], "small_projects": ["books", "beehives"]}
    assert await drafts(db) == []


async def option_id(db, key: str) -> int:
    async with db.session() as session:
        return (await session.execute(select(Option.id).where(Option.key == key))).scalar_one()


TALLY = {
    "slug": "pb-tally",
    "min_segment_size": 1,
    "items": [
        {
            "type": "budget",
            "key": "points",
            "prompt": {"en": "Share out your points"},
            "ballot": "cumulative",
            "total": 100,
            "points": 4,
            "max_points_per_project": 3,
            "projects": [
                {"key": "a", "label": {"en": "A"}, "cost": 60},
                {"key": "b", "label": {"en": "B"}, "cost": 40},
                {"key": "c", "label": {"en": "C"}, "cost": 50},
            ],
            "counting": [{"rule": "greedy"}, {"rule": "greedy-no-skip"}],
        },
        {
            "type": "budget",
            "key": "ranks",
            "prompt": {"en": "Rank them"},
            "ballot": "ordinal",
            "total": 60,
            "max_projects": 3,
            "projects": [
                {"key": "x", "label": {"en": "X"}, "cost": 30},
                {"key": "y", "label": {"en": "Y"}, "cost": 30},
                {"key": "z", "label": {"en": "Z"}, "cost": 50},
            ],
        },
    ],
}


async def test_results_count_the_chat_ballots_by_their_rules_and_only_the_latest_of_a_changed_one(http, db):
    from tests.results.support import create, fresh_participant

    await create(db, TALLY)

    async def cast(pid: str, key: str, picks: list[tuple[str, str]]) -> None:
        screen = (await http.get(f"/participant/{pid}/next", params={"slug": "pb-tally"})).json()
        assert screen["item"]["key"] == key, screen
        ids = {o["key"]: o["id"] for o in screen["options"]}
        for action, project in picks:
            response = await http.post(
                f"/participant/{pid}/ballots/{screen['item']['id']}/picks",
                json={"action": action, "option_id": ids[project]},
            )
            assert response.status_code == 200, response.text
        sent = await http.post(f"/participant/{pid}/ballots/{screen['item']['id']}/send")
        assert sent.status_code == 200, sent.text

    add = "add"
    first = await fresh_participant(http, "pb-tally", "801")
    # A first ballot (3 points on c), then changed before the close: only the latest counts.
    screen = (await http.get(f"/participant/{first}/next", params={"slug": "pb-tally"})).json()
    item, ids = screen["item"]["id"], {o["key"]: o["id"] for o in screen["options"]}
    for _ in range(3):
        await http.post(f"/participant/{first}/ballots/{item}/picks", json={"action": add, "option_id": ids["c"]})
    assert (await http.post(f"/participant/{first}/ballots/{item}/send")).json()["created"] is True
    await http.post(f"/participant/{first}/ballots/{item}/picks", json={"action": "clear"})
    for project in ("a", "a", "a", "b"):
        await http.post(f"/participant/{first}/ballots/{item}/picks", json={"action": add, "option_id": ids[project]})
    replaced = (await http.post(f"/participant/{first}/ballots/{item}/send")).json()
    assert replaced["created"] is False and replaced["replaced"] is True
    await cast(first, "ranks", [(add, "x"), (add, "y"), (add, "z")])
    second = await fresh_participant(http, "pb-tally", "802")
    await cast(second, "points", [(add, "c")] * 3 + [(add, "b")])
    await cast(second, "ranks", [(add, "y"), (add, "x")])
    third = await fresh_participant(http, "pb-tally", "803")
    await cast(third, "points", [(add, "b"), (add, "b"), (add, "c"), (add, "c")])
    await cast(third, "ranks", [(add, "z")])

    results = (await http.get("/organiser/consultations/pb-tally/results", params={"fresh": "true"})).json()
    points, ranks = ({i["key"]: i for i in results["items"]}[key] for key in ("points", "ranks"))
    # Cumulative: a project's score is its points (a 3, b 1 + 1 + 2, c 3 + 2); greedy funds c, b, then a no
    # longer fits; greedy-no-skip stops there too.
    assert {p["key"]: (p["votes"], p["score"]) for p in points["projects"]} == {"a": (1, 3), "b": (3, 4), "c": (2, 5)}
    assert points["ballots"] == 3
    assert {r["rule"]: r["funded"] for r in points["rules"]} == {"greedy": ["c", "b"], "greedy-no-skip": ["c", "b"]}
    # Ordinal (top 3): 3, 2, 1 points by place: x 3 + 2, y 2 + 3, z 1 + 3; x and y tie, the cheaper-then-listed
    # order puts x first; together they take the whole 60.
    assert {p["key"]: p["score"] for p in ranks["projects"]} == {"x": 5, "y": 5, "z": 4}
    assert ranks["funded"] == ["x", "y"] and ranks["spent"] == 60
