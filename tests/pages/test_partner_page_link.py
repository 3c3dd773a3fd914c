"""A partner opens the results page with a signed, expiring link made from their key
(``POST /v1/consultations/{slug}/page-link``): through the real app and database."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.pages import links
from storage.consultations import save_definition
from tests.conftest import SERVICE_TOKEN
from tests.pages.support import RARE_SOURCE, crowd, simulate
from tests.pages.test_results_page import K
from tests.partner.conftest import auth, new_key
from viche.keys import revoke_key
from viche.loading import DEMO_FILE, read_definition


@pytest.fixture
async def partner(api_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as client:
        yield client


async def test_a_partner_link_opens_the_page_and_a_forged_expired_or_revoked_one_is_403(
    partner, http, db, demo, backend
):
    await simulate(backend, demo, crowd(K))
    key = await new_key(db, demo)
    assert (await partner.post(f"/v1/consultations/{demo}/page-link")).status_code == 401
    made = await partner.post(f"/v1/consultations/{demo}/page-link", headers=auth(key))
    assert made.status_code == 200, made.text
    url = urlsplit(made.json()["url"])
    assert url.path == f"/r/{demo}/partner"
    signed = parse_qs(url.query)["key"][0]
    assert key not in made.json()["url"]  # the link never carries the partner key itself
    # Not published: the public page is 404, the partner's link opens the page anyway (no key header needed).
    assert (await partner.get(f"/r/{demo}")).status_code == 404
    page = await partner.get(f"{url.path}?{url.query}&lang=en")
    assert page.status_code == 200
    assert "Who took part" in page.text and RARE_SOURCE not in page.text
    assert "Organisers' page" not in page.text  # what the public sees, not the organisers' free texts
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    table = await partner.get(f"{url.path}/tables/reach.csv?{url.query}&lang=en")
    assert table.status_code == 200 and RARE_SOURCE not in table.content.decode("utf-8-sig")

    def opened(value: str):
        return partner.get(f"{url.path}?key={value}")

    forged = signed[:-1] + ("0" if signed[-1] != "0" else "1")
    expired, _ = links.sign(SERVICE_TOKEN, 1, demo, now=0, path=links.partner_path(demo))
    organisers, _ = links.sign(SERVICE_TOKEN, 900001, demo)  # an organiser's link is no partner's
    for value in (forged, expired, organisers, ""):
        answer = await opened(value)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "invalid_link"
    # Another consultation's link does not open this one.
    other, _ = links.sign(SERVICE_TOKEN, 1, "another-one", path=links.partner_path("another-one"))
    assert (await opened(other)).status_code == 403
    # A revoked key's links stop working at once.
    await revoke_key(db, key.split("_")[1])
    assert (await opened(signed)).status_code == 403


async def test_a_key_gets_no_link_to_a_consultation_outside_its_scope(partner, db, demo):
    other = read_definition(DEMO_FILE).model_copy(update={"slug": "somewhere-else"})
    async with db.session() as session:
        await save_definition(session, other, status="open")
    key = await new_key(db, "somewhere-else")
    answer = await partner.post(f"/v1/consultations/{demo}/page-link", headers=auth(key))
    assert answer.status_code == 404
