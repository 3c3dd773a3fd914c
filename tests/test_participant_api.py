"""The bot-facing API: identity, consent, answers, idempotency, errors."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.models import Answer, Contact, PairPrompt, Participant, Proposal, ProposalVote


async def _ready(http, slug: str, external_id: str = "42") -> str:
    participant = (
        await http.post("/participant/identify", json={"channel": "telegram", "external_id": external_id})
    ).json()
    assert (await http.post(f"/participant/{participant['id']}/consent", json={"slug": slug})).status_code == 200
    return participant["id"]


async def test_identify_is_stable_and_keeps_the_chat_id_apart(http, db):
    first = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "7"})).json()
    again = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "7"})).json()
    assert first["created"] and not again["created"] and first["id"] == again["id"]
    assert first["id"] != "7" and len(first["id"]) == 32
    async with db.session() as s:
        contact = (await s.execute(select(Contact))).scalar_one()
        assert contact.external_id == "7" and contact.participant_id == first["id"]


async def test_without_the_service_token_nothing_is_served(http):
    response = await http.post(
        "/participant/identify",
        json={"channel": "telegram", "external_id": "7"},
        headers={"Authorization": "Bearer wrong"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_bad_input_is_a_clear_4xx_never_a_500(http, demo):
    pid = await _ready(http, demo)
    cases = [
        (http.post("/participant/identify", json={"channel": "", "external_id": "x"}), 422),
        (http.post("/participant/identify", content=b"{not json", headers={"content-type": "application/json"}), 422),
        (http.get(f"/participant/{pid}/next", params={"slug": "nope"}), 404),
        (http.get("/participant/unknown/next", params={"slug": demo}), 404),
        (http.post(f"/participant/{pid}/answers", json={"item_id": 999999, "option_id": 1}), 404),
        (http.post(f"/participant/{pid}/votes", json={"proposal_id": 1, "choice": "maybe"}), 422),
        (http.post(f"/participant/{pid}/pairs/forged-token", json={"outcome": "left"}), 404),
    ]
    for request, status in cases:
        response = await request
        assert response.status_code == status, response.text
        assert response.json()["error"]["message"]


async def test_next_walks_the_demo_and_answers_are_idempotent(http, db, demo):
    pid = await _ready(http, demo)
    screen = (await http.get(f"/participant/{pid}/next", params={"slug": demo, "lang": "en"})).json()
    assert screen["status"] == "item" and screen["item"]["kind"] == "single_choice"
    assert screen["item"]["prompt"] == "How old are you?"
    option = screen["options"][1]
    body = {"item_id": screen["item"]["id"], "option_id": option["id"]}
    first = await http.post(f"/participant/{pid}/answers", json=body)
    second = await http.post(f"/participant/{pid}/answers", json=body)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and first.json()["created"] and not second.json()["created"]
    other = await http.post(f"/participant/{pid}/answers", json={**body, "option_id": screen["options"][0]["id"]})
    assert other.status_code == 409
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 1

    screen = (await http.get(f"/participant/{pid}/next", params={"slug": demo, "lang": "uk"})).json()
    assert screen["item"]["kind"] == "proposal" and screen["proposal"]["text"]


async def test_identical_votes_at_the_same_moment_store_one(http, db, demo):
    pid = await _ready(http, demo)
    screen = (await http.get(f"/participant/{pid}/next", params={"slug": demo})).json()
    await http.post(
        f"/participant/{pid}/answers", json={"item_id": screen["item"]["id"], "option_id": screen["options"][0]["id"]}
    )
    screen = (await http.get(f"/participant/{pid}/next", params={"slug": demo})).json()
    vote = {"proposal_id": screen["proposal"]["id"], "choice": "agree"}
    responses = await asyncio.gather(*[http.post(f"/participant/{pid}/votes", json=vote) for _ in range(5)])
    assert [r.status_code for r in responses] == [200] * 5
    assert sum(r.json()["created"] for r in responses) == 1
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ProposalVote)) == 1


async def test_a_pair_token_counts_once(http, db, demo):
    pid = await _ready(http, demo)
    for _ in range(10):
        screen = (await http.get(f"/participant/{pid}/next", params={"slug": demo})).json()
        if screen["item"]["kind"] == "pairs":
            break
        if screen["item"]["kind"] == "single_choice":
            await http.post(
                f"/participant/{pid}/answers",
                json={"item_id": screen["item"]["id"], "option_id": screen["options"][0]["id"]},
            )
        else:
            await http.post(
                f"/participant/{pid}/votes", json={"proposal_id": screen["proposal"]["id"], "choice": "neutral"}
            )
    token = screen["pair"]["token"]
    # The same pair stays on screen until answered.
    again = (await http.get(f"/participant/{pid}/next", params={"slug": demo})).json()
    assert again["pair"]["token"] == token
    results = await asyncio.gather(
        *[http.post(f"/participant/{pid}/pairs/{token}", json={"outcome": "left"}) for _ in range(4)]
    )
    assert sum(r.json()["created"] for r in results) == 1
    assert (await http.post(f"/participant/{pid}/pairs/{token}", json={"outcome": "right"})).status_code == 409
    # Until the pool runs out or max_pairs is reached, no pair comes back.
    seen = set()
    while True:
        screen = (await http.get(f"/participant/{pid}/next", params={"slug": demo})).json()
        if screen["status"] == "done":
            break
        pair = frozenset((screen["pair"]["left"]["id"], screen["pair"]["right"]["id"]))
        assert pair not in seen
        seen.add(pair)
        await http.post(f"/participant/{pid}/pairs/{screen['pair']['token']}", json={"outcome": "cant_decide"})
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PairPrompt)) == 3
    assert screen["answers_count"] == 1 + 3 + 3


async def test_participant_row_holds_no_telegram_identity(http, db):
    telegram_id = "7350918264"  # long enough not to turn up by chance in a timestamp or a random id
    await http.post("/participant/identify", json={"channel": "telegram", "external_id": telegram_id})
    async with db.session() as s:
        participant = (await s.execute(select(Participant))).scalar_one()
        assert telegram_id not in repr(participant.model_dump())


async def test_writes_for_an_unknown_participant_are_404_and_without_consent_409(http, db, demo):
    # The write routes no longer read the participant first: the consent check tells the two refusals apart.
    pid = await _ready(http, demo)
    question = (await http.get(f"/participant/{pid}/next", params={"slug": demo})).json()
    answer = {"item_id": question["item"]["id"], "option_id": question["options"][0]["id"]}
    async with db.session() as s:
        proposal_id = (await s.execute(select(Proposal.id).where(Proposal.status == "accepted"))).scalars().first()
    writes = [
        ("answers", answer),
        ("votes", {"proposal_id": proposal_id, "choice": "agree"}),
        ("pairs/forged-token", {"outcome": "left"}),
    ]
    for path, body in writes:
        response = await http.post(f"/participant/unknown/{path}", json=body, params={"next": demo})
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["message"] == "participant not found", path
    stranger = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "99"})).json()
    for path, body in writes[:2]:
        response = await http.post(f"/participant/{stranger['id']}/{path}", json=body)
        assert response.status_code == 409 and response.json()["error"]["code"] == "no_consent", path
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ProposalVote)) == 0


async def _ready_with_first_answer(http, slug: str) -> tuple[str, dict]:
    """A consented participant, and an answer to the demo's first question (not sent yet)."""
    pid = await _ready(http, slug)
    screen = (await http.get(f"/participant/{pid}/next", params={"slug": slug, "lang": "en"})).json()
    return pid, {"item_id": screen["item"]["id"], "option_id": screen["options"][0]["id"]}


async def test_a_write_answered_with_an_error_stores_nothing(http, db, demo):
    # The write and the screen it returns are one transaction: no answer is kept that the front end was told
    # had failed (here the next screen's consultation does not exist).
    pid, body = await _ready_with_first_answer(http, demo)
    failed = await http.post(f"/participant/{pid}/answers", json=body, params={"next": "no-such-consultation"})
    assert failed.status_code == 404
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 0
    stored = await http.post(f"/participant/{pid}/answers", json=body, params={"next": demo, "lang": "en"})
    assert (
        stored.status_code == 200 and stored.json()["created"] and stored.json()["next"]["item"]["kind"] == "proposal"
    )
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 1


async def test_a_pair_served_with_a_write_is_committed_with_it(http, db, demo):
    # The screen after the last statement is a pair: its token, served in the vote's transaction, must work
    # in the next request.
    pid, answer = await _ready_with_first_answer(http, demo)
    screen = (await http.post(f"/participant/{pid}/answers", json=answer, params={"next": demo, "lang": "en"})).json()[
        "next"
    ]
    while screen["item"]["kind"] == "proposal":
        vote = {"proposal_id": screen["proposal"]["id"], "choice": "agree", "qualification": "like_it"}
        response = await http.post(f"/participant/{pid}/votes", json=vote, params={"next": demo, "lang": "en"})
        assert response.status_code == 200
        screen = response.json()["next"]
    assert screen["item"]["kind"] == "pairs"
    token = screen["pair"]["token"]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(PairPrompt).where(PairPrompt.token == token)) == 1
    answered = await http.post(f"/participant/{pid}/pairs/{token}", json={"outcome": "left"})
    assert answered.status_code == 200 and answered.json()["counted"]


async def test_the_why_after_a_vote_qualifies_the_pressers_own_vote_and_nothing_else(http, db, demo):
    # The "why?" press has a route of its own: it gives the participant's existing vote its qualification. A
    # forged press (another participant's, a choice never made) qualifies nothing and casts no vote.
    voter, answer = await _ready_with_first_answer(http, demo)
    screen = (
        await http.post(f"/participant/{voter}/answers", json=answer, params={"next": demo, "lang": "en"})
    ).json()["next"]
    proposal_id = screen["proposal"]["id"]
    voted = (
        await http.post(
            f"/participant/{voter}/votes",
            json={"proposal_id": proposal_id, "choice": "agree"},
            params={"next": demo, "lang": "en"},
        )
    ).json()
    assert voted["created"] and voted["asks_qualification"] and voted["next"] is None  # the "why?" comes first
    # The same vote again before its "why?" (a copy of the screen pressed, a re-delivery): stored once, and the
    # "why?" asked again rather than skipped for the next statement.
    again = await http.post(
        f"/participant/{voter}/votes",
        json={"proposal_id": proposal_id, "choice": "agree"},
        params={"next": demo, "lang": "en"},
    )
    assert again.status_code == 200 and again.json()["asks_qualification"] and again.json()["next"] is None
    assert not again.json()["created"]
    path = f"/participant/{{}}/votes/{proposal_id}/qualification"
    stranger = await _ready(http, demo, external_id="43")
    forged = await http.post(path.format(stranger), json={"choice": "agree", "qualification": "like_it"})
    assert forged.status_code == 404 and forged.json()["error"]["message"] == "vote not found"
    other_choice = await http.post(path.format(voter), json={"choice": "disagree", "qualification": "impossible"})
    assert other_choice.status_code == 409 and other_choice.json()["error"]["code"] == "already_voted"
    not_a_reason = await http.post(path.format(voter), json={"choice": "agree", "qualification": "no_way"})
    assert not_a_reason.status_code == 400 and not_a_reason.json()["error"]["code"] == "invalid_qualification"
    async with db.session() as s:
        assert (await s.execute(select(ProposalVote.participant_id, ProposalVote.qualification))).all() == [
            (voter, None)
        ]
    why = await http.post(
        path.format(voter), json={"choice": "agree", "qualification": "like_it"}, params={"next": demo, "lang": "en"}
    )
    assert why.status_code == 200 and why.json()["qualified_now"] and why.json()["next"]["status"] == "item"
    again = await http.post(path.format(voter), json={"choice": "agree", "qualification": "like_it"})
    assert again.status_code == 200 and not again.json()["qualified_now"]
    revote = await http.post(
        f"/participant/{voter}/votes",
        json={"proposal_id": proposal_id, "choice": "agree"},
        params={"next": demo, "lang": "en"},
    )
    assert not revote.json()["asks_qualification"] and revote.json()["next"]["status"] == "item"  # answered: on
    another = await http.post(path.format(voter), json={"choice": "agree", "qualification": "doable"})
    assert another.status_code == 409 and another.json()["error"]["code"] == "already_qualified"
    async with db.session() as s:
        assert (
            await s.execute(select(ProposalVote.participant_id, ProposalVote.choice, ProposalVote.qualification))
        ).all() == [(voter, "agree", "like_it")]
