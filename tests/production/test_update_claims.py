"""The claim rules that let several webhook replicas share one database (storage/update_claims.py), through the
API's routes as the replicas call them: an update is handled by one replica, a duplicate waits and is then told
it was handled, one person's updates take turns in update order, a dead replica's claim lapses and is taken
over, and a replica learns when the person's previous update was handled by another one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.db import is_sqlite
from storage.models import utcnow
from storage.models_webhook import ProcessedUpdate

BOT = 5550001
PERSON = 987654321


@pytest.fixture
def shared(database_url):
    """Claims are PostgreSQL's: replicas cannot share an SQLite file."""
    if is_sqlite(database_url):
        pytest.skip("replicas share a PostgreSQL database only")


async def claim(http, update_id: int, holder: str, person: int = PERSON) -> dict:
    response = await http.post(
        f"/delivery/updates/{BOT}/claims", json={"update_id": update_id, "person": person, "holder": holder}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def done(http, *update_ids: int) -> None:
    assert (await http.put(f"/delivery/updates/{BOT}", json={"update_ids": list(update_ids)})).status_code == 204


async def test_a_duplicate_on_another_replica_waits_then_is_told_it_was_handled(http, shared):
    assert await claim(http, 10, "replica-a") == {"state": "go", "moved": False, "redelivered": False}
    assert (await claim(http, 10, "replica-b"))["state"] == "wait"  # the same update, delivered twice at once
    assert (await claim(http, 10, "replica-b"))["state"] == "wait"
    await done(http, 10)
    assert (await claim(http, 10, "replica-b"))["state"] == "handled"
    assert (await claim(http, 10, "replica-a"))["state"] == "handled"


async def test_one_persons_updates_take_turns_across_replicas_in_update_order(http, shared):
    assert (await claim(http, 20, "replica-a"))["state"] == "go"
    assert (await claim(http, 22, "replica-c"))["state"] == "wait"  # 20 runs on another replica
    assert (await claim(http, 21, "replica-b"))["state"] == "wait"
    assert (await claim(http, 30, "replica-b", person=PERSON + 1))["state"] == "go"  # someone else: no wait
    await done(http, 20)
    assert (await claim(http, 22, "replica-c"))["state"] == "wait"  # 21, earlier, still waits: its turn first
    assert await claim(http, 21, "replica-b") == {"state": "go", "moved": True, "redelivered": False}
    assert (await claim(http, 22, "replica-c"))["state"] == "wait"
    await done(http, 21)
    assert await claim(http, 22, "replica-c") == {"state": "go", "moved": True, "redelivered": False}
    await done(http, 22)
    assert await claim(http, 23, "replica-c") == {
        "state": "go",
        "moved": False,
        "redelivered": False,
    }  # this replica had the last one


async def test_a_dead_replicas_claim_lapses_and_is_taken_over(http, db, shared):
    assert (await claim(http, 40, "replica-dead"))["state"] == "go"
    assert (await claim(http, 41, "replica-b"))["state"] == "wait"
    renewed = await http.post(
        f"/delivery/updates/{BOT}/leases", json={"update_ids": [40, 41], "holder": "replica-dead"}
    )
    assert renewed.json() == {"held": 1}
    async with db.session() as s:  # the replica died: nobody renews its lease, which runs out
        await s.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == 40)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        await s.commit()
    assert await claim(http, 40, "replica-b") == {
        "state": "go",
        "moved": False,
        "redelivered": True,
    }  # Telegram's re-delivery
    await done(http, 40)
    assert await claim(http, 41, "replica-b") == {"state": "go", "moved": False, "redelivered": False}


async def test_a_failed_update_gives_its_claim_up_for_the_re_delivery(http, shared):
    assert (await claim(http, 50, "replica-a"))["state"] == "go"
    assert (await http.delete(f"/delivery/updates/{BOT}/claims/50", params={"holder": "replica-b"})).status_code == 204
    assert (await claim(http, 50, "replica-b"))["state"] == "wait"  # only its holder gives a claim up
    assert (await http.delete(f"/delivery/updates/{BOT}/claims/50", params={"holder": "replica-a"})).status_code == 204
    assert await claim(http, 50, "replica-b") == {"state": "go", "moved": False, "redelivered": True}


async def test_the_backend_tells_the_bot_whether_replicas_must_claim(http, database_url):
    latest = (await http.get(f"/delivery/updates/{BOT}/latest")).json()
    assert latest == {"update_id": None, "shared": not database_url.startswith("sqlite")}


async def test_records_of_handled_updates_count_on_either_database_and_claims_need_postgresql(http, database_url):
    """One process records what it handled (SQLite or PostgreSQL); recording again changes nothing."""
    await done(http, 60, 61)
    await done(http, 61, 62)
    for update_id in (60, 61, 62):
        assert (await http.get(f"/delivery/updates/{BOT}/{update_id}")).json() == {"processed": True}
    assert (await http.get(f"/delivery/updates/{BOT}/63")).json() == {"processed": False}
    assert (await http.get(f"/delivery/updates/{BOT}/latest")).json()["update_id"] == 62
    response = await http.post(f"/delivery/updates/{BOT}/claims", json={"update_id": 64, "person": 1, "holder": "a"})
    if is_sqlite(database_url):
        assert response.status_code == 409 and response.json()["error"]["code"] == "not_shared"
    else:
        assert response.json()["state"] == "go"
