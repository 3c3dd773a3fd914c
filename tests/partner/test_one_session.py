"""A partner read takes one database connection: the key, the consultation, the release check and the route's own
reads share the request's session. Results are served as the JSON the results cache encoded once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.partner.conftest import add_people, auth, new_key


@contextmanager
def connections_taken(db) -> Iterator[list[int]]:
    """Counts the connections checked out of the pool meanwhile."""
    taken: list[int] = []

    def checkout(*_: object) -> None:
        taken.append(1)

    event.listen(db.engine.sync_engine, "checkout", checkout)
    try:
        yield taken
    finally:
        event.remove(db.engine.sync_engine, "checkout", checkout)


async def test_every_partner_read_takes_one_connection(partner, db, demo):
    await add_people(db, demo, 12)
    key = await new_key(db, demo)
    for path in (
        "",
        f"/{demo}",
        f"/{demo}/counters",
        f"/{demo}/results",
        f"/{demo}/results",
        f"/{demo}/results?segment=age_band",
        f"/{demo}/ranking",
    ):
        with connections_taken(db) as taken:
            response = await partner.get(f"/v1/consultations{path}", headers=auth(key))
        assert response.status_code == 200, (path, response.text)
        assert len(taken) == 1, path


async def test_results_are_the_json_the_cache_encoded(partner, db, demo, api_app):
    await add_people(db, demo, 12)
    key = await new_key(db, demo)
    response = await partner.get(f"/v1/consultations/{demo}/results", params={"language": "en"}, headers=auth(key))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    [entry] = [e for k, e in api_app.state.results_cache.entries.items() if k[1:] == (None, True, "en", "results")]
    assert entry.encoded == response.content
    assert response.json()["language"] == "en" and response.json()["slug"] == demo
