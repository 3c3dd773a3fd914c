"""Who acts on the organiser routes: a signed, short-lived assertion of one Telegram id for one request
(X-Viche-Actor, core/assertion.py), judged against the API's own records (VICHE_OWNERS, VICHE_ADMINS, grants)."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from core import assertion
from storage.models import Consultation
from storage.models_organiser import Organiser
from tests.conftest import SERVICE_TOKEN, acting_as
from tests.organiser.support import ORGANISER, SLUG

CITIZEN = 7001
GRANTED = 7_000_000_001  # beyond 32 bits, as Telegram ids are

# One route of each router that carries organiser routes: organiser, results, broadcasts.
ROUTES = [
    ("GET", "/organiser/consultations"),
    ("GET", f"/organiser/consultations/{SLUG}/stats"),
    ("GET", f"/organiser/consultations/{SLUG}/results"),
    ("GET", "/organiser/broadcasts"),
    ("GET", "/organiser/organisers"),
    ("GET", f"/organiser/access/{ORGANISER}"),
    ("POST", f"/organiser/consultations/{SLUG}/status"),
]


@pytest.fixture
async def raw(api_app):
    """The service token and nothing else: each test says who acts, if anyone."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
    ) as client:
        yield client


def signed(telegram_id: int, method: str, path: str, **kwargs) -> dict[str, str]:
    return {assertion.HEADER: assertion.sign(kwargs.pop("key", SERVICE_TOKEN), telegram_id, method, path, **kwargs)}


async def test_the_service_token_alone_no_longer_opens_the_organiser_routes(raw, riverside):
    for method, path in ROUTES:
        response = await raw.request(method, path, json={"action": "pause"} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"]["code"] == "unauthorized_actor"
    assert (
        await raw.request(
            "GET", "/organiser/consultations", headers=signed(ORGANISER, "GET", "/organiser/consultations")
        )
    ).status_code == 200


async def test_forged_expired_and_replayed_elsewhere_assertions_are_refused(raw, riverside):
    path = f"/organiser/consultations/{SLUG}/status"
    pause = {"action": "pause"}
    now = time.time()
    good = signed(ORGANISER, "POST", path)[assertion.HEADER]
    identity, expires, signature = good.split(".")
    refused = {
        "another key": signed(ORGANISER, "POST", path, key="not-the-service-token"),
        "expired": signed(ORGANISER, "POST", path, now=now - 3600),
        "far too long-lived": signed(ORGANISER, "POST", path, lifetime=24 * 3600),
        "another path": signed(ORGANISER, "POST", f"/organiser/consultations/{SLUG}/stats"),
        "another method": signed(ORGANISER, "GET", path),
        "another person's id on the owner's signature": {assertion.HEADER: f"{CITIZEN}.{expires}.{signature}"},
        "a later expiry on the same signature": {assertion.HEADER: f"{identity}.{int(expires) + 100}.{signature}"},
        "garbage": {assertion.HEADER: "900001"},
        "empty": {assertion.HEADER: ""},
    }
    for why, headers in refused.items():
        response = await raw.post(path, json=pause, headers=headers)
        assert response.status_code == 401, (why, response.text)
        assert response.json()["error"]["code"] == "unauthorized_actor", why
    # A valid assertion without the service token is refused too: both are required.
    assert (
        await raw.post(path, json=pause, headers={"Authorization": "Bearer wrong", assertion.HEADER: good})
    ).status_code == 401
    # Nothing changed; the genuine assertion, on the request it was signed for, works.
    assert (
        await raw.get(
            f"/organiser/consultations/{SLUG}/stats",
            headers=signed(ORGANISER, "GET", f"/organiser/consultations/{SLUG}/stats"),
        )
    ).json()["status"] == "open"
    assert (await raw.post(path, json=pause, headers={assertion.HEADER: good})).json()["status"] == "paused"


async def test_a_citizens_id_is_forbidden_everywhere(raw, db, riverside):
    for method, path in ROUTES:
        response = await raw.request(
            method, path, headers=signed(CITIZEN, method, path), json={"action": "pause"} if method == "POST" else None
        )
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_an_organiser"
    # Nor can a citizen make themself an organiser.
    grant = await raw.post(
        "/organiser/organisers",
        json={"telegram_id": CITIZEN, "granted_by": ORGANISER},
        headers=signed(CITIZEN, "POST", "/organiser/organisers"),
    )
    assert grant.status_code == 403
    async with db.session() as s:
        assert (await s.execute(select(Organiser))).first() is None


async def test_grant_and_revoke_record_the_verified_owner_and_refuse_plain_organisers(api_app, db, riverside):
    transport = httpx.ASGITransport(app=api_app)
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    async with (
        httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers, auth=acting_as(ORGANISER)
        ) as owner,
        httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers, auth=acting_as(GRANTED)
        ) as organiser,
    ):
        assert (await organiser.get("/organiser/consultations")).status_code == 403  # not yet

        # The body's granted_by is not who granted: the verified owner is.
        granted = await owner.post("/organiser/organisers", json={"telegram_id": GRANTED, "granted_by": 5})
        assert granted.status_code == 201 and granted.json()["granted_by"] == ORGANISER
        async with db.session() as s:
            assert (await s.get(Organiser, GRANTED)).granted_by == ORGANISER

        # A granted organiser runs consultations …
        assert (await organiser.get("/organiser/consultations")).json()[0]["slug"] == SLUG
        assert (await organiser.post(f"/organiser/consultations/{SLUG}/status", json={"action": "pause"})).json()[
            "status"
        ] == "paused"
        assert (await organiser.get(f"/organiser/access/{GRANTED}")).json() == {
            "telegram_id": GRANTED,
            "organiser": True,
            "owner": False,
        }
        # … but neither grants, nor revokes, nor learns who the owners are.
        for response in (
            await organiser.post("/organiser/organisers", json={"telegram_id": CITIZEN}),
            await organiser.delete(f"/organiser/organisers/{GRANTED}"),
            await organiser.get(f"/organiser/access/{ORGANISER}"),
        ):
            assert response.status_code == 403 and response.json()["error"]["code"] == "not_an_owner"
        listed = (await organiser.get("/organiser/organisers")).json()
        assert listed == [
            {
                "telegram_id": GRANTED,
                "source": "granted",
                "owner": False,
                "granted_by": None,
                "granted_at": listed[0]["granted_at"],
            }
        ]
        assert ORGANISER in [o["telegram_id"] for o in (await owner.get("/organiser/organisers")).json()]

        # Revoking takes the owner from the assertion too (a revoked_by in the query means nothing) …
        revoked = await owner.delete(f"/organiser/organisers/{GRANTED}", params={"revoked_by": GRANTED})
        assert revoked.json() == {"telegram_id": GRANTED, "revoked": True}
        # … and from then on the former organiser's assertions open nothing.
        assert (await organiser.get("/organiser/consultations")).status_code == 403


async def test_the_bot_acts_as_the_sender_of_each_update(telegram, db, riverside):
    """Through the real dispatcher and the fake Bot API: the owner's /grant is recorded as theirs, the granted
    person's commands act as them, and after /revoke they are anyone again."""
    await telegram.send(ORGANISER, f"/grant {GRANTED}")
    assert str(GRANTED) in telegram.texts(ORGANISER)[-1]
    async with db.session() as s:
        assert (await s.get(Organiser, GRANTED)).granted_by == ORGANISER
    await telegram.send(GRANTED, "/grant 5")  # an organiser, not an owner: an unknown command
    assert telegram.texts(GRANTED)[-1] == "I don't know this command. /help lists what I can do."
    await telegram.send(GRANTED, "/list")
    assert SLUG in telegram.texts(GRANTED)[-1]
    await telegram.send(GRANTED, f"/pause {SLUG}")
    async with db.session() as s:
        assert (await s.get(Organiser, 5)) is None
        assert (await s.execute(select(Consultation.status).where(Consultation.slug == SLUG))).scalar_one() == "paused"


def test_the_openapi_says_every_organiser_route_needs_the_token_and_the_actor(api_app):
    operations = [
        (path, method, operation)
        for path, item in api_app.openapi()["paths"].items()
        for method, operation in item.items()
        if path.startswith("/organiser/")
    ]
    assert len(operations) >= 20
    for path, method, operation in operations:
        assert operation["security"] == [{"HTTPBearer": [], "ActingOrganiser": []}], (method, path)
        assert {"401", "403"} <= set(operation["responses"]), (method, path)
