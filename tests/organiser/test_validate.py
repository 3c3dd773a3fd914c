"""Definition files: every problem named, with its path and line, in YAML and JSON; the committed schema."""

from __future__ import annotations

import json

import pytest
import yaml

from core.definition import ConsultationDef, check_text, json_schema_text
from tests.organiser.support import EXAMPLE, example_text
from viche.cli import main
from viche.validate import SCHEMA_FILE


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def broken(old: str, new: str, count: int = 1) -> str:
    text = example_text()
    assert old in text, old
    return text.replace(old, new, count)


def test_the_example_uses_every_item_type_and_validates():
    report = check_text(example_text(), "riverside.yaml")
    assert report.ok and report.problems == [] and report.warnings == []
    definition = report.definition
    assert definition.languages == ["uk", "en", "de"]
    assert {item.type for item in definition.items} == {
        "single_choice",
        "multi_choice",
        "scale",
        "free_text",
        "proposal",
        "pairs",
        "budget",
        "place",
    }
    proposal = next(item for item in definition.items if item.type == "proposal")
    pairs = next(item for item in definition.items if item.type == "pairs")
    assert proposal.qualifications and proposal.allow_citizen_proposals and pairs.allow_citizen_proposals
    assert definition.profile is not None and definition.profile.age_bands and definition.profile.regions
    assert any(item.show_if for item in definition.items)
    assert main(["validate", str(EXAMPLE)]) == 0


def test_a_wrong_type_is_named_with_its_line():
    text = broken("max_pairs: 6", "max_pairs: six")
    [problem] = check_text(text, "f.yaml").problems
    assert problem.path == "items[6].max_pairs" and "valid integer" in problem.message
    assert problem.line == line_of(text, "max_pairs: six")
    assert problem.text("f.yaml") == f"f.yaml:{problem.line}: items[6].max_pairs: {problem.message}"


def test_a_declared_language_missing_a_translation():
    text = broken("      de: Was genau gibt Ihnen das Gefühl, unsicher zu sein?\n", "")
    [problem] = check_text(text, "f.yaml").problems
    assert problem.path == "items[4].prompt" and problem.message == "no text in de"
    assert problem.line == line_of(text, "uk: Що саме змушує вас почуватися небезпечно?") - 1


def test_every_missing_translation_is_listed_and_a_budget_project_points_at_projects():
    text = broken(
        "{uk: Освітлення набережної, en: Riverside lighting, de: Uferbeleuchtung}", "{uk: Освітлення набережної}"
    )
    problems = check_text(text, "f.yaml").problems
    assert [(p.path, p.message) for p in problems] == [("items[7].projects[0].label", "no text in en, de")]
    assert problems[0].line == line_of(text, "label: {uk: Освітлення набережної}")


def test_incomplete_translations_can_be_allowed_and_are_then_warnings():
    text = broken("      de: Was genau gibt Ihnen das Gefühl, unsicher zu sein?\n", "")
    text = text.replace("min_segment_size: 10", "min_segment_size: 10\nallow_incomplete_translations: true")
    report = check_text(text, "f.yaml")
    assert report.ok and report.problems == []
    assert [(w.path, w.message) for w in report.warnings] == [("items[4].prompt", "no text in de")]


def test_a_branch_naming_an_unknown_item_and_a_wrong_answer_are_both_reported():
    text = broken("show_if: {item: safety, any_of: [1, 2]}", "show_if: {item: safetey, any_of: [1, 2]}")
    text = text.replace("any_of: [rarely, never]", "any_of: [rarely, nevr]")
    problems = check_text(text, "f.yaml").problems
    assert [(p.path, p.line) for p in problems] == [
        ("items[1].show_if.any_of", line_of(text, "any_of: [rarely, nevr]")),
        ("items[4].show_if.item", line_of(text, "item: safetey")),
    ]
    assert "unknown item 'safetey'" in problems[1].message
    assert "nevr is not an answer of 'visits'" in problems[0].message


def test_a_branch_on_a_later_item_is_refused():
    text = broken("show_if: {item: visits, any_of: [rarely, never]}", "show_if: {item: activities, equals: walk}")
    [problem] = check_text(text, "f.yaml").problems
    assert "a later item 'activities'" in problem.message and problem.path == "items[1].show_if.item"


def test_a_budget_where_no_project_fits():
    text = broken("total: 2000000", "total: 1000")
    [problem] = check_text(text, "f.yaml").problems
    assert problem.path == "items[7].total" and "no project fits" in problem.message
    assert problem.line == line_of(text, "total: 1000")


def test_unknown_types_missing_fields_and_yaml_booleans():
    text = broken("type: place", "type: location").replace("    type: pairs\n", "", 1)
    text = text.replace("key: weekly", "key: yes").replace(
        "    min_choices: 1\n    max_choices: 3\n    options:\n      - key: walk",
        "    min_choices: 1\n    max_choices: 3\n    colour: red\n    options:\n      - key: walk",
    )
    problems = {p.path: p for p in check_text(text, "f.yaml").problems}
    assert "unknown item type 'location'" in problems["items[8].type"].message
    assert problems["items[8].type"].line == line_of(text, "type: location")
    assert "missing 'type'" in problems["items[6]"].message
    assert problems["items[6]"].line == line_of(text, "- key: priorities")
    assert "put the value in quotes" in problems["items[0].options[0].key"].message
    assert "unknown field" in problems["items[2].colour"].message
    assert problems["items[2].colour"].line == line_of(text, "colour: red")


def test_a_missing_required_field_points_at_its_parent():
    text = broken("    total: 2000000\n", "")
    [problem] = check_text(text, "f.yaml").problems
    assert problem.path == "items[7].total" and problem.message == "required, but missing"
    assert problem.line == line_of(text, "- key: budget")


def test_yaml_syntax_errors_and_duplicate_keys_have_lines():
    text = broken("  - key: safety\n", "  - key: safety\n   bad: [\n")
    [problem] = check_text(text, "f.yaml").problems
    assert problem.line == line_of(text, "bad: [") and problem.message.startswith("YAML syntax")
    text = broken("    min: 1\n", "    min: 1\n    min: 2\n")
    problems = check_text(text, "f.yaml").problems
    assert problems[0].path == "items[3].min" and problems[0].line == line_of(text, "min: 2")
    assert "appears twice" in problems[0].message


@pytest.mark.parametrize("indent", [2, "\t"])
def test_json_is_accepted_with_lines(indent):
    data = yaml.safe_load(example_text())
    assert check_text(json.dumps(data, ensure_ascii=False), "f.json").ok
    data["items"][6]["max_pairs"] = "six"
    data["items"][4]["show_if"]["item"] = "nope"
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    [problem] = check_text(text, "f.json").problems  # field errors first; whole-file rules once they are fixed
    assert problem.path == "items[6].max_pairs" and problem.line == line_of(text, '"max_pairs": "six"')
    data["items"][6]["max_pairs"] = 6
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    [problem] = check_text(text, "f.json").problems
    assert problem.path == "items[4].show_if.item" and problem.line == line_of(text, '"item": "nope"')
    [problem] = check_text('{\n  "slug": "x",\n  ,}', "f.json").problems
    assert problem.line == 3 and problem.message.startswith("JSON syntax")


def test_not_a_mapping_empty_or_not_utf8():
    assert "not an empty file" in check_text("", "f.yaml").problems[0].message
    assert "not a list" in check_text("- a\n- b\n", "f.yaml").problems[0].message
    assert "not UTF-8" in check_text(b"\xff\xfe\x00bad", "f.yaml").problems[0].message


def test_viche_validate_prints_every_problem_with_file_and_line_and_fails(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    text = broken("total: 2000000", "total: 1000").replace("max_pairs: 6", "max_pairs: six")
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{path}:{line_of(text, 'max_pairs: six')}: items[6].max_pairs: "
        "Input should be a valid integer, unable to parse string as an integer",
        f"{path}:{line_of(text, 'total: 1000')}: items[7].total: no project fits in the total budget of 1000",
        f"{path}: 2 problems",
    ]
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 1


def test_the_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text(), (
        "schema/consultation.schema.json is out of date: run `viche schema -o schema/consultation.schema.json`"
    )
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert set(schema["properties"]) == set(ConsultationDef.model_fields)
    assert main(["schema", "--check"]) == 0


def test_every_ballot_rule_is_checked_before_the_chat_shows_it():
    def budget(extra: str) -> list[str]:
        text = broken("    total: 2000000\n", "    total: 2000000\n" + extra)
        return [problem.message for problem in check_text(text, "f.yaml").problems]

    # The riverside budget's projects cost 300 000 to 900 000 of 2 000 000.
    assert budget("    ballot: cumulative\n    points: 10\n    max_points_per_project: 3\n") == []
    assert budget("    ballot: ordinal\n    max_projects: 3\n") == []
    assert budget("    ballot: approval\n    max_projects: 2\n") == []
    assert budget("    min_spend_share: 0.9\n") == []  # pontoon + lights + trees = 1 850 000
    [problem] = budget("    ballot: cumulative\n")
    assert "points (how many a voter spreads) belongs to cumulative ballots, and they need it" in problem
    [problem] = budget("    ballot: approval\n    min_spend_share: 0.5\n")
    assert "min_spend_share belongs to knapsack ballots" in problem
    [problem] = budget("    min_spend_share: 0.9\n    max_projects: 2\n")
    assert "no ballot of 1..2 projects spends at least 1800000 within the total of 2000000" in problem
    [problem] = budget("    ballot: cumulative\n    points: 2\n    min_projects: 3\n")
    assert "3 projects cannot each get one of 2 points" in problem
    [problem] = budget("    min_spend_share: 1.5\n")
    assert "less than or equal to 1" in problem
    # An importer may hold what the chat could not show (more projects than a screen, none that fits).
    text = broken("    total: 2000000\n", "    total: 2\n    ballot: cumulative\n    points: 10\n")
    definition = ConsultationDef.model_validate(yaml.safe_load(text), context={"imported": True})
    assert definition.items[7].ballot == "cumulative" and definition.items[7].points == 10


def test_budget_counting_rules_and_limits_are_checked():
    counting = "    counting:\n      - rule: equalshares/add1\n        comparison: true\n      - rule: greedy\n"
    report = check_text(broken("    total: 2000000\n", "    total: 2000000\n" + counting), "f.yaml")
    assert report.ok, report.problems
    budget = report.definition.items[7]
    assert [rule.rule for rule in budget.counting] == ["equalshares/add1", "greedy"] and budget.counting[0].comparison

    wrong = "    counting:\n      - rule: greedy\n        threshold: 50\n"
    [problem] = check_text(broken("    total: 2000000\n", "    total: 2000000\n" + wrong), "f.yaml").problems
    assert "threshold belongs to greedy-threshold, not greedy" in problem.message
    twice = "    counting:\n      - rule: greedy\n      - rule: greedy\n"
    [problem] = check_text(broken("    total: 2000000\n", "    total: 2000000\n" + twice), "f.yaml").problems
    assert "a counting rule is listed twice" in problem.message
    unknown = "    counting:\n      - rule: lottery\n"
    [problem] = check_text(broken("    total: 2000000\n", "    total: 2000000\n" + unknown), "f.yaml").problems
    assert problem.path == "items[7].counting[0].rule" and "greedy-threshold" in problem.message
    limits = "    min_projects: 3\n    max_projects: 2\n"
    [problem] = check_text(broken("    total: 2000000\n", "    total: 2000000\n" + limits), "f.yaml").problems
    assert "project limits 3..2" in problem.message


def test_a_chat_budget_shows_at_most_twelve_projects():
    data = yaml.safe_load(example_text())
    budget = data["items"][7]
    first = budget["projects"][0]
    budget["projects"] = [{**first, "key": f"p{i}"} for i in range(13)]
    [problem] = check_text(json.dumps(data), "f.json").problems
    assert "the chat shows at most 12 projects at once; this item has 13" in problem.message
    assert ConsultationDef.model_validate(data, context={"imported": True}).items[7].projects[12].key == "p12"


def test_target_shares_name_known_groups_and_add_up_to_one_at_most():
    assert check_text(example_text(), "riverside.yaml").definition.targets.region["zamostia"] == 0.25
    unknown = check_text(broken("old_town: 0.1,", "harbour: 0.1,"), "riverside.yaml")
    assert not unknown.ok
    assert any("targets.region: harbour not among the consultation's" in p.message for p in unknown.problems)
    too_much = check_text(broken('"14-17": 0.07', '"14-17": 0.9'), "riverside.yaml")
    assert any("targets.age_band: the shares add up to more than 1" in p.message for p in too_much.problems)
    negative = check_text(broken("centre: 0.15", "centre: -0.15"), "riverside.yaml")
    assert any(p.path == "targets.region.centre" for p in negative.problems), negative.problems
