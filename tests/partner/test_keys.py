"""Partner keys: hashed at rest, bearer-only, scoped (404 outside the scope), revocable, rate-limited."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, text

from api.partner.auth import TokenBucket
from storage.consultations import save_definition
from storage.models_partner import ApiKey
from tests.partner.conftest import add_people, auth, new_key
from viche.keys import list_keys, revoke_key
from viche.loading import DEMO_FILE, read_definition


async def second_consultation(db, slug: str = "other-city", status: str = "open") -> str:
    definition = read_definition(DEMO_FILE).model_copy(update={"slug": slug})
    async with db.session() as session:
        await save_definition(session, definition, status=status)
    return slug


async def test_keys_are_stored_only_as_hashes(db):
    key = await new_key(db, "*")
    secret = key.split("_", 2)[2]
    assert len(secret) >= 40
    async with db.session() as s:
        row = (await s.execute(select(ApiKey))).scalar_one()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key.startswith(f"vk_{row.prefix}_")
        # Nothing in the table holds the key or its secret part, in any column.
        dump = json.dumps([list(map(str, r)) for r in (await s.execute(text("SELECT * FROM apikey"))).all()])
    assert key not in dump and secret[:12] not in dump
    listing = json.dumps(await list_keys(db))
    assert key not in listing and secret[:12] not in listing


async def test_no_key_or_a_wrong_key_is_401(partner, db, demo):
    key = await new_key(db, demo)
    prefix = key.split("_")[1]
    revoked = await new_key(db, demo, name="old")
    await revoke_key(db, revoked.split("_")[1])
    url = f"/v1/consultations/{demo}/counters"
    cases = {
        "no header": {},
        "not bearer": {"Authorization": f"Basic {key}"},
        "empty": {"Authorization": "Bearer "},
        "garbage": auth("hello"),
        "malformed": auth("vk_short"),
        "right prefix, wrong secret": auth(f"vk_{prefix}_{'A' * 43}"),
        "revoked": auth(revoked),
        "the service token": auth("test-service-token"),
    }
    for label, headers in cases.items():
        response = await partner.get(url, headers=headers)
        assert response.status_code == 401, label
        assert response.json()["error"]["code"] == "unauthorized", label
        assert response.headers["www-authenticate"] == "Bearer", label
    assert (await partner.get(url, headers=auth(key))).status_code == 200
    # The list route too, and every export.
    assert (await partner.get("/v1/consultations")).status_code == 401
    assert (await partner.get(f"/v1/consultations/{demo}/export/answers.csv")).status_code == 401


async def test_a_consultation_outside_the_scope_is_404_like_one_that_does_not_exist(partner, db, demo):
    other = await second_consultation(db)
    draft = await second_consultation(db, "draft-city", status="draft")
    await add_people(db, other, 3)
    key = await new_key(db, demo, draft)

    def body(response, slug):
        return response.status_code, response.text.replace(slug, "<slug>")

    for path in (
        "",
        "/counters",
        "/results",
        "/ranking",
        "/export/answers.csv",
        "/export/answers.jsonl",
        "/export/aoi/votes.csv",
        "/export/aoi/ideas.csv",
        "/export/aoi/non_votes.csv",
        "/export/polis/votes.csv",
        "/export/polis/comments.csv",
    ):
        hidden = await partner.get(f"/v1/consultations/{other}{path}", headers=auth(key))
        unknown = await partner.get(f"/v1/consultations/no-such-thing{path}", headers=auth(key))
        in_draft = await partner.get(f"/v1/consultations/{draft}{path}", headers=auth(key))
        assert hidden.status_code == 404, path
        assert body(hidden, other) == body(unknown, "no-such-thing") == body(in_draft, draft), path
        assert "3" not in hidden.text  # nothing about the hidden consultation's figures

    listed = (await partner.get("/v1/consultations", headers=auth(key))).json()
    assert [c["slug"] for c in listed] == [demo]
    everything = await new_key(db, "*")
    listed = (await partner.get("/v1/consultations", headers=auth(everything))).json()
    assert sorted(c["slug"] for c in listed) == sorted([demo, other])  # never the draft
    assert [c["counts"]["participants"] for c in listed if c["slug"] == other] == [3]


async def test_a_revoked_key_stops_at_once(partner, db, demo):
    key = await new_key(db, demo)
    assert (await partner.get("/v1/consultations", headers=auth(key))).status_code == 200
    listing = await revoke_key(db, key.split("_")[1])
    assert listing["revoked_at"]
    assert (await partner.get("/v1/consultations", headers=auth(key))).status_code == 401
    assert await revoke_key(db, "nosuchkey") is None


async def test_the_rate_limit_answers_429_with_retry_after(partner, db, demo, api_app):
    now = [1000.0]
    api_app.state.partner_limiter = TokenBucket(rate_per_minute=60, burst=3, clock=lambda: now[0])
    key, other = await new_key(db, demo), await new_key(db, demo)
    url = f"/v1/consultations/{demo}/counters"
    assert [(await partner.get(url, headers=auth(key))).status_code for _ in range(3)] == [200] * 3
    limited = await partner.get(url, headers=auth(key))
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert limited.json()["error"]["code"] == "rate_limited"
    # Each key has its own bucket.
    assert (await partner.get(url, headers=auth(other))).status_code == 200
    now[0] += 1.0
    assert (await partner.get(url, headers=auth(key))).status_code == 200
    assert (await partner.get(url, headers=auth(key))).status_code == 429
    # A key's own rate: 6 a minute means waiting 10 s for the next token.
    slow = await new_key(db, demo, rate=6)
    for _ in range(3):
        assert (await partner.get(url, headers=auth(slow))).status_code == 200
    limited = await partner.get(url, headers=auth(slow))
    assert limited.status_code == 429 and limited.headers["retry-after"] == "10"


def test_token_bucket_refills_continuously():
    now = [0.0]
    bucket = TokenBucket(rate_per_minute=120, burst=2, clock=lambda: now[0])
    assert bucket.take(1) == 0 and bucket.take(1) == 0
    assert bucket.take(1) == 0.5
    now[0] += 0.25
    assert bucket.take(1) == 0.25
    now[0] += 10
    assert bucket.take(1) == 0 and bucket.take(1) == 0 and bucket.take(1) > 0  # capped at the burst


async def test_the_routes_are_documented_with_examples(partner):
    spec = (await partner.get("/openapi.json")).json()
    v1 = {path: ops for path, ops in spec["paths"].items() if path.startswith("/v1/")}
    expected = {
        "/v1/consultations",
        "/v1/consultations/{slug}",
        "/v1/consultations/{slug}/counters",
        "/v1/consultations/{slug}/results",
        "/v1/consultations/{slug}/ranking",
        "/v1/consultations/{slug}/export/answers.csv",
        "/v1/consultations/{slug}/export/answers.jsonl",
        "/v1/consultations/{slug}/export/aoi/votes.csv",
        "/v1/consultations/{slug}/export/aoi/ideas.csv",
        "/v1/consultations/{slug}/export/aoi/non_votes.csv",
        "/v1/consultations/{slug}/export/polis/votes.csv",
        "/v1/consultations/{slug}/export/polis/comments.csv",
    }
    assert expected <= set(v1)
    assert "PartnerKey" in spec["components"]["securitySchemes"]
    assert set(v1["/v1/consultations/{slug}/page-link"]) == {"post"}  # the one write: a link to the page
    for path, ops in v1.items():
        op = ops.get("get") or ops["post"]
        assert op["tags"] == ["partner"] and op["security"] == [{"PartnerKey": []}], path
        assert {"401", "429"} <= set(op["responses"]), path
        content = op["responses"]["200"]["content"]
        has_example = any("example" in c or "examples" in c for c in content.values())
        schema_refs = [
            c.get("schema", {}).get("$ref", "") or c.get("schema", {}).get("items", {}).get("$ref", "")
            for c in content.values()
        ]
        examples_in_schema = any(
            spec["components"]["schemas"][ref.rsplit("/", 1)[1]].get("examples") for ref in schema_refs if ref
        )
        assert has_example or examples_in_schema, path
    assert "X-Next-Cursor" in v1["/v1/consultations/{slug}/export/answers.csv"]["get"]["responses"]["200"]["headers"]
