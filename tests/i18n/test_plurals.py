"""Plural forms come from CLDR (via Babel's Plural-Forms) and the catalogs fill every form correctly.

For Ukrainian, Polish and Czech each count n ∈ {0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 111} must take the
grammatically right word: written out here by hand, independently of Babel, from the grammar."""

from __future__ import annotations

import re

import pytest
from babel import Locale

from bot.i18n import translator
from viche.i18n_check import plural_rule_mismatch

NS = (0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 111)
THANKS = ("Thank you! You gave {n} answer in «{title}».", "Thank you! You gave {n} answers in «{title}».")
TYPE = ("Type your answer (up to {n} character).", "Type your answer (up to {n} characters).")

# The word after the number, for each n in NS, as a speaker would write it.
ANSWERS = {
    # 1, 21 → відповідь; 2–4, 22 → відповіді; 0, 5–20, 25, 111 → відповідей
    "uk": [
        "відповідей",
        "відповідь",
        "відповіді",
        "відповіді",
        "відповідей",
        "відповідей",
        "відповідей",
        "відповідь",
        "відповіді",
        "відповідей",
        "відповідей",
    ],
    # Polish accusative after "za": 1 → odpowiedź; every other count → odpowiedzi
    "pl": [
        "odpowiedzi",
        "odpowiedź",
        "odpowiedzi",
        "odpowiedzi",
        "odpowiedzi",
        "odpowiedzi",
        "odpowiedzi",
        "odpowiedzi",
        "odpowiedzi",
        "odpowiedzi",
        "odpowiedzi",
    ],
    # 1 → odpověď; 2–4 → odpovědi; 0, 5 and more (21 too) → odpovědí
    "cs": [
        "odpovědí",
        "odpověď",
        "odpovědi",
        "odpovědi",
        "odpovědí",
        "odpovědí",
        "odpovědí",
        "odpovědí",
        "odpovědí",
        "odpovědí",
        "odpovědí",
    ],
}
CHARACTERS = {
    # "до N символу/символів": genitive singular only where the number ends in a lone 1
    "uk": [
        "символів",
        "символу",
        "символів",
        "символів",
        "символів",
        "символів",
        "символів",
        "символу",
        "символів",
        "символів",
        "символів",
    ],
    # "do N znaku/znaków": 1 → znaku, everything else → znaków (21 too: "do 21 znaków")
    "pl": ["znaków", "znaku", "znaków", "znaków", "znaków", "znaków", "znaków", "znaków", "znaków", "znaków", "znaków"],
    # "nejvýš N znak/znaky/znaků"
    "cs": ["znaků", "znak", "znaky", "znaky", "znaků", "znaků", "znaků", "znaků", "znaků", "znaků", "znaků"],
}
# CLDR categories, by hand: the three forms of each language's catalog.
CATEGORIES = {
    "uk": ["many", "one", "few", "few", "many", "many", "many", "one", "few", "many", "many"],
    "pl": ["many", "one", "few", "few", "many", "many", "many", "many", "few", "many", "many"],
    "cs": ["other", "one", "few", "few", "other", "other", "other", "other", "other", "other", "other"],
}


@pytest.mark.parametrize("locale", ["uk", "pl", "cs"])
def test_cldr_categories_and_the_catalog_plural_rule_agree(locale):
    cldr = Locale.parse(locale).plural_form
    assert [cldr(n) for n in NS] == CATEGORIES[locale]
    header = translator(locale)._("")
    expression = re.search(r"nplurals=3; plural=(.*);", header).group(1)
    assert plural_rule_mismatch(locale, expression, 3) is None


# The gettext rules Babel's table (babel.messages.plurals) gave before 2.19 and gives since: written
# differently, computing the same forms; French gained CLDR's "many" (1 000 000) in 2.19.
BABEL_RULES = {
    "uk": [
        "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
        "n % 10 == 1 && n % 100 != 11 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2",
    ],
    "pl": [
        "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
        "n == 1 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : 2",
    ],
    "cs": ["((n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2)", "(n == 1 ? 0 : n >= 2 && n <= 4 ? 1 : 2)"],
}


@pytest.mark.parametrize("locale", sorted(BABEL_RULES))
def test_plural_rules_are_compared_by_what_they_compute(locale):
    for expression in BABEL_RULES[locale]:
        assert plural_rule_mismatch(locale, expression, 3) is None
    assert plural_rule_mismatch(locale, "(n != 1)", 2) is not None
    assert "nplurals" in plural_rule_mismatch(locale, BABEL_RULES[locale][0], 4)


def test_french_has_the_many_form_of_cldr():
    assert plural_rule_mismatch("fr", "(n > 1)", 2) is not None  # 1 000 000 is CLDR's "many", not "other"
    assert plural_rule_mismatch("fr", "(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2", 3) is None
    tr = translator("fr")
    assert tr.n_(*THANKS, 1_000_000, title="T").startswith("Merci\u202f! Tu as donné 1\u202f000\u202f000 de réponses")
    assert tr.n_(*THANKS, 1_000_001, title="T").startswith("Merci\u202f! Tu as donné 1\u202f000\u202f001 réponses")


@pytest.mark.parametrize("locale", ["uk", "pl", "cs"])
@pytest.mark.parametrize(("index", "n"), list(enumerate(NS)))
def test_answers_given(locale, index, n):
    text = translator(locale).n_(*THANKS, n, title="T")
    words = text.replace(",", " ").replace("!", " ").replace(".", " ").split()
    assert str(n) in words and ANSWERS[locale][index] in words, text


@pytest.mark.parametrize("locale", ["uk", "pl", "cs"])
@pytest.mark.parametrize(("index", "n"), list(enumerate(NS)))
def test_characters_left(locale, index, n):
    text = translator(locale).n_(*TYPE, n)
    assert f"{n} {CHARACTERS[locale][index]})" in text, text


def test_a_distinct_form_for_each_ukrainian_category():
    tr = translator("uk")
    assert tr.n_(*THANKS, 1, title="Т") == "Дякуємо! Ви дали 1 відповідь у «Т»."
    assert tr.n_(*THANKS, 22, title="Т") == "Дякуємо! Ви дали 22 відповіді у «Т»."
    assert tr.n_(*THANKS, 111, title="Т") == "Дякуємо! Ви дали 111 відповідей у «Т»."


def test_two_form_languages():
    assert translator("fr").n_(*THANKS, 0, title="T") == "Merci\u202f! Tu as donné 0 réponse dans «\u00a0T\u00a0»."
    assert translator("fr").n_(*THANKS, 2, title="T").endswith("2 réponses dans «\u00a0T\u00a0».")
    assert translator("en").n_(*THANKS, 0, title="T") == "Thank you! You gave 0 answers in “T”."
    assert translator("de").n_(*THANKS, 1, title="T") == "Danke! Du hast in „T“ 1 Antwort gegeben."


def test_the_count_is_written_the_local_way():
    assert translator("en").n_(*THANKS, 1234, title="T") == "Thank you! You gave 1,234 answers in “T”."
    assert "1\u00a0234 відповіді" in translator("uk").n_(*THANKS, 1234, title="T")
    assert "1.234 Antworten" in translator("de").n_(*THANKS, 1234, title="T")
