"""`viche i18n check`: green on the shipped catalogs, red on each kind of damage, naming the problem."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES_DIR, SUPPORTED
from viche.cli import main
from viche.i18n_check import KEYWORDS, ROOT, check, extract_template

THANKS = "Thank you! You gave {n} answer in «{title}»."


@pytest.fixture(scope="module")
def template():
    return extract_template()


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    """A copy of the shipped catalogs, to break."""
    target = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def edit(locales: Path, locale: str, change) -> None:
    path = locales / locale / "LC_MESSAGES" / "viche.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    change(catalog)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76)


def kinds(problems) -> set[tuple[str, str]]:
    return {(p.kind, p.msgid) for p in problems}


def test_the_shipped_catalogs_are_complete(template):
    problems = check(template=template)
    assert problems == [], "\n".join(p.text() for p in problems)


def test_every_supported_locale_ships_a_catalog():
    assert sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES" / "viche.po").exists()) == sorted(
        SUPPORTED
    )


def test_the_command_is_green_on_the_shipped_catalogs(capsys):
    assert main(["i18n", "check"]) == 0
    assert "i18n check passed" in capsys.readouterr().out


def test_a_missing_string_turns_it_red(locales, template, capsys):
    edit(locales, "pl", lambda c: c.delete("Choose your language:"))
    assert kinds(check(locales_dir=locales, template=template)) == {("missing", "Choose your language:")}
    assert main(["i18n", "check", "--locales-dir", str(locales)]) == 1
    err = capsys.readouterr().err
    assert "pl: missing: 'Choose your language:'" in err and "i18n check failed" in err


def test_an_empty_translation_and_an_empty_plural_form_turn_it_red(locales, template):
    def change(catalog):
        catalog["Skip"].string = ""
        thanks = catalog[THANKS]
        thanks.string = (thanks.string[0], "", thanks.string[2])

    edit(locales, "uk", change)
    problems = check(locales=["uk"], locales_dir=locales, template=template)
    assert kinds(problems) == {("untranslated", "Skip"), ("untranslated", THANKS)}
    assert any("msgstr[1]" in p.detail for p in problems)


def test_a_renamed_placeholder_turns_it_red(locales, template, capsys):
    edit(locales, "de", lambda c: setattr(c["Language: {language}"], "string", "Sprache: {sprache}"))
    problems = check(locales_dir=locales, template=template)
    assert kinds(problems) == {("placeholder", "Language: {language}")}
    assert "lacks {language}" in problems[0].detail and "{sprache}" in problems[0].detail
    assert main(["i18n", "check", "--locales-dir", str(locales), "--locale", "de"]) == 1
    assert "de: placeholder: 'Language: {language}'" in capsys.readouterr().err


def test_a_missing_placeholder_in_a_plural_form_turns_it_red(locales, template):
    def change(catalog):
        thanks = catalog[THANKS]
        thanks.string = (thanks.string[0], thanks.string[1].replace("{title}", "…"), *thanks.string[2:])

    edit(locales, "fr", change)
    problems = check(locales=["fr"], locales_dir=locales, template=template)
    assert kinds(problems) == {("placeholder", THANKS)}
    assert "msgstr[1] lacks {title}" in problems[0].detail


def test_n_may_be_spelled_out_only_in_a_form_used_for_one_alone(locales, template):
    # German form 0 serves n = 1 only: "einer Antwort" is fine. Ukrainian form 0 also serves 21, 31 …: not fine.
    def spell_out(catalog):
        thanks = catalog[THANKS]
        thanks.string = (thanks.string[0].replace("{n}", "eine"),) + tuple(thanks.string[1:])

    edit(locales, "de", spell_out)
    edit(locales, "uk", spell_out)
    problems = check(locales=["de", "uk"], locales_dir=locales, template=template)
    assert [(p.catalog.split("/")[-3], p.kind) for p in problems] == [("uk", "placeholder")]


def test_an_unformattable_translation_turns_it_red(locales, template):
    edit(locales, "cs", lambda c: setattr(c["Question {number} of {total}"], "string", "Otázka {number z {total}"))
    problems = check(locales=["cs"], locales_dir=locales, template=template)
    assert kinds(problems) == {("placeholder", "Question {number} of {total}")}
    assert "cannot be formatted" in problems[0].detail


def test_a_fuzzy_entry_turns_it_red(locales, template):
    edit(locales, "sv", lambda c: c["Skip"].flags.add("fuzzy"))
    assert kinds(check(locales=["sv"], locales_dir=locales, template=template)) == {("fuzzy", "Skip")}


def test_a_translated_command_or_a_lost_emoji_turns_it_red(locales, template):
    msgid = "I don't know this command. /help lists what I can do."

    def change(catalog):
        catalog[msgid].string = catalog[msgid].string.replace("/help", "/hilfe")
        catalog["Saved ✓"].string = "Gespeichert"

    edit(locales, "de", change)
    assert kinds(check(locales=["de"], locales_dir=locales, template=template)) == {
        ("command", msgid),
        ("emoji", "Saved ✓"),
    }


def test_english_copied_into_another_language_turns_it_red(locales, template):
    edit(locales, "pl", lambda c: setattr(c["Choose your language:"], "string", "Choose your language:"))
    assert kinds(check(locales=["pl"], locales_dir=locales, template=template)) == {("copied", "Choose your language:")}

    def allow(catalog):
        catalog["Choose your language:"].user_comments.append("i18n-check: same-as-English")

    edit(locales, "pl", allow)
    assert check(locales=["pl"], locales_dir=locales, template=template) == []


def test_a_missing_catalog_or_wrong_plural_rules_turn_it_red(locales, template):
    shutil.rmtree(locales / "sv")
    problems = check(locales_dir=locales, template=template)
    assert [(p.kind, p.catalog.split("/")[-3]) for p in problems] == [("catalog", "sv")]
    path = locales / "cs" / "LC_MESSAGES" / "viche.po"
    path.write_text(
        re.sub(
            r'"Plural-Forms: [^"]*"',
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\\\n"',
            path.read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    assert any(
        p.kind == "catalog" and "CLDR" in p.detail
        for p in check(locales=["cs"], locales_dir=locales, template=template)
    )


def test_a_new_string_in_the_code_turns_it_red(tmp_path, locales):
    """Extraction reads the code: a string added to a flow and not yet in the catalogs is missing everywhere."""
    (tmp_path / "babel.cfg").write_text((ROOT / "babel.cfg").read_text())
    flows = tmp_path / "bot" / "flows"
    flows.mkdir(parents=True)
    (flows / "new.py").write_text('def screen(tr):\n    return tr._("A brand new string")\n')
    problems = check(locales_dir=locales, root=tmp_path)
    assert {(p.kind, p.msgid) for p in problems} == {("missing", "A brand new string")}
    assert len(problems) == len(SUPPORTED)


def test_the_check_extracts_with_the_makefile_keywords():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^KEYWORDS := -k _ -k n_:1,2$", makefile, re.M)
    assert KEYWORDS["_"] is None and KEYWORDS["n_"] == (1, 2)
    # … and CI (make test) runs it before the tests.
    test_target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "viche i18n check" in test_target.split("pytest")[0]
