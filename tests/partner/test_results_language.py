"""The `language` of partner results and rankings is one of the consultation's: any other is a 422, so a caller
cannot force a fresh computation per request (nor fill the results cache) by varying it."""

from __future__ import annotations

from tests.partner.conftest import add_people, auth, new_key


async def test_results_take_only_the_consultations_languages_and_compute_once_per_language(partner, db, demo, api_app):
    await add_people(db, demo, 12)
    key = await new_key(db, demo)
    url = f"/v1/consultations/{demo}/results"
    cache = api_app.state.results_cache
    default = (await partner.get(url, headers=auth(key))).json()
    assert default["language"] == "uk"
    computed, entries = cache.computations, len(cache.entries)

    # Case and region do not matter: one language, one computation.
    for asked in ("en", "EN", "en-GB", "en_gb", " en "):
        response = await partner.get(url, params={"language": asked}, headers=auth(key))
        assert response.status_code == 200, (asked, response.text)
        assert response.json()["language"] == "en" and response.json()["items"][0]["prompt"] == "How old are you?"
    assert cache.computations == computed + 1 and len(cache.entries) == entries + 1
    assert (await partner.get(url, params={"language": ""}, headers=auth(key))).json()["language"] == "uk"

    # Anything else is refused before it reaches the cache.
    for n in range(40):
        response = await partner.get(url, params={"language": f"x{n}", "segment": "age_band"}, headers=auth(key))
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "unknown_language"
        assert error["message"] == "language must be one of the consultation's: uk, en, de, pl, cs, fr, sv"
    assert cache.computations == computed + 1 and len(cache.entries) == entries + 1


async def test_the_ranking_too(partner, db, demo):
    await add_people(db, demo, 12)
    key = await new_key(db, demo)
    url = f"/v1/consultations/{demo}/ranking"
    french = await partner.get(url, params={"language": "fr-CA"}, headers=auth(key))
    assert french.status_code == 200, french.text
    texts = {r["text"] for item in french.json()["items"] for r in item["ranking"]}
    assert "Transports en commun gratuits pour les étudiants" in texts
    refused = await partner.get(url, params={"language": "tlh"}, headers=auth(key))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_language"


async def test_the_organiser_results_route_takes_only_the_consultations_languages(http, demo):
    """The organiser route caches per language as the partner routes do: an unknown language is a 422."""
    for junk in ("xx", "zz-ZZ", "q1"):
        response = await http.get(f"/organiser/consultations/{demo}/results", params={"lang": junk})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "unknown_language"
    assert (await http.get(f"/organiser/consultations/{demo}/results", params={"lang": "EN-gb"})).status_code == 200
