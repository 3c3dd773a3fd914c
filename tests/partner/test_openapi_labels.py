"""The partner API's description: every code a partner reads has its plain-language label beside it in
/openapi.json, and the documented shapes of /results and /ranking are what the routes really send."""

from __future__ import annotations

from typing import Any

from api.partner import result_models
from api.partner.routes import RANKING_EXAMPLE, RESULTS_EXAMPLE
from tests.partner.conftest import auth, new_key
from tests.results.support import create, fresh_participant
from tests.results.test_results import EVERY_KIND, _walk


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def field(spec: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    """A model's property, its own keys (like its description) over those of the schema it refers to; of a
    nullable property (a segment's figure the disclosure rule may null), the schema of its values."""
    own = spec["components"]["schemas"][model]["properties"][name]
    if "anyOf" in own:
        [values] = [variant for variant in own["anyOf"] if variant != {"type": "null"}]
        own = {**values, **{k: v for k, v in own.items() if k != "anyOf"}}
    return {**resolve(spec, own), **{k: v for k, v in own.items() if k != "$ref"}}


def assert_labelled(schema: dict[str, Any], labels: dict[str, str]) -> None:
    """Each code is listed, and its label is in the description, right beside the code, and in the extension."""
    assert schema["enum"] == list(labels)
    assert schema["x-enum-descriptions"] == list(labels.values())
    for code, label in labels.items():
        assert f"`{code}`: {label}" in schema["description"]


async def test_codes_in_partner_json_have_their_labels_in_openapi(partner):
    spec = (await partner.get("/openapi.json")).json()
    results = spec["paths"]["/v1/consultations/{slug}/results"]["get"]["responses"]["200"]["content"]
    ranking = spec["paths"]["/v1/consultations/{slug}/ranking"]["get"]["responses"]["200"]["content"]
    assert resolve(spec, results["application/json"]["schema"]) == spec["components"]["schemas"]["Results"]
    assert resolve(spec, ranking["application/json"]["schema"]) == spec["components"]["schemas"]["Ranking"]

    zone = field(spec, "ProposalResult", "zone")
    assert_labelled(zone, result_models.ZONE_LABELS)
    assert "`limbo`: undecided so far: fewer than 10 votes" in zone["description"]
    assert_labelled(field(spec, "ProposalRankingRow", "zone"), result_models.ZONE_LABELS)
    method = field(spec, "PairsItem", "method")
    assert_labelled(method, result_models.METHOD_LABELS)
    assert "`bradley_terry`: Bradley–Terry model: each proposal's chance to beat" in method["description"]
    assert_labelled(field(spec, "Segment", "kind"), result_models.SEGMENT_KIND_LABELS)
    assert_labelled(field(spec, "SingleChoiceItem", "kind"), {"single_choice": "one answer from a list of options"})
    assert "`platitude`: agrees, but it says nothing new" in field(spec, "AgreeReasons", "platitude")["description"]
    for model, name in (("ZoneCounts", "limbo"), ("PairResult", "aoi_score"), ("ProposalRankingRow", "interval")):
        assert field(spec, model, name)["description"], (model, name)

    # The same codes in the answer exports, and in the participant routes that record them.
    answers = spec["paths"]["/v1/consultations/{slug}/export/answers.csv"]["get"]["description"]
    assert "`cant_decide` — can't decide between the two" in answers and "`limbo`" not in answers
    assert "`platitude` — agrees, but it says nothing new" in answers
    assert "`=`, `+`, `-`, `@`" in answers
    outcome = field(spec, "PairAnswerIn", "outcome")
    assert "`cant_decide`: can't decide between the two" in outcome["description"]


def suppressed(segments: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """What the disclosure rule took out of the segments: withheld items and figures shown as null."""
    withheld = [f"{s['value']}/{item['key']}" for s in segments for item in s["items"] if item.get("withheld")]
    nulled = []

    def walk(where: str, value: Any) -> None:
        if value is None:
            nulled.append(where)
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{where}.{key}", inner)
        elif isinstance(value, list):
            for n, inner in enumerate(value):
                walk(f"{where}[{n}]", inner)

    for s in segments:
        for item in s["items"]:
            walk(f"{s['value']}/{item['key']}", item)
    return withheld, nulled


async def test_the_documented_shapes_are_what_the_routes_send(partner, http, db):
    await create(db, {**EVERY_KIND, "min_segment_size": 3})
    slug = EVERY_KIND["slug"]
    sources = ["poster", "school", "radio"]
    for i in range(10):
        pid = await fresh_participant(http, slug, f"c{i}", source=sources[i % 3])
        await _walk(http, pid, slug, i)
    # Posters bring only the young (i % 3 == 0), whom "barriers" is not shown to, but for one middle-aged person
    # who leaves right after it: one answer there, so the disclosure rule withholds that item in the segment.
    await _walk(http, await fresh_participant(http, slug, "leaver", source="poster"), slug, 1, stop_after="barriers")
    key = await new_key(db, slug)
    url = f"/v1/consultations/{slug}"
    plain = (await partner.get(f"{url}/results", headers=auth(key))).json()
    split = (await partner.get(f"{url}/results", params={"segment": "source"}, headers=auth(key))).json()
    ranking = (await partner.get(f"{url}/ranking", headers=auth(key))).json()
    assert sorted(s["value"] for s in split["segments"]) == sorted(sources)
    # The segments hold what the rule emits, so the documentation is checked against it: withheld items, and
    # nulled figures in the items of every kind that counts answers by option, value, project or proposal.
    withheld, nulled = suppressed(split["segments"])
    assert "poster/barriers" in withheld
    nulled_kinds = {
        item["kind"]
        for s in split["segments"]
        for item in s["items"]
        if any(where.startswith(f"{s['value']}/{item['key']}.") for where in nulled)
    }
    assert {"single_choice", "multi_choice", "scale", "proposal", "pairs", "budget"} <= nulled_kinds, nulled_kinds
    # The whole is never suppressed: its only nulls are the comments of places left without one.
    whole_withheld, whole_nulled = suppressed([{"value": "whole", "items": plain["items"]}])
    assert whole_withheld == [] and all(
        where.startswith("whole/spot.points[") and where.endswith("].comment") for where in whole_nulled
    ), whole_nulled
    for body in (plain, split, RESULTS_EXAMPLE):
        result_models.Results.model_validate(body)  # fields unknown to the description are refused
    for body in (ranking, RANKING_EXAMPLE):
        result_models.Ranking.model_validate(body)
    kinds = {item["kind"] for item in plain["items"]}
    assert kinds == set(result_models.KIND_LABELS)
