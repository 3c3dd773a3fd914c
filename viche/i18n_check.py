"""``viche i18n check``: is every shipped catalog complete and safe to format?

The strings are extracted afresh from the code (the same mapping and keywords as ``make i18n``) into a
temporary template, and each shipped catalog (``bot.i18n.SUPPORTED``) is compared with it. A problem is:

* a catalog file missing, unreadable, marked fuzzy as a whole, or with plural rules that compute other forms
  than CLDR's categories (compared by what they compute, never as text: Babel releases write the same rule in
  different ways);
* a string of the code missing from a catalog, or outdated (its plural text changed);
* a string untranslated (an empty msgstr, or any empty plural form);
* a fuzzy entry (pybabel compile would drop it, so the participant would read English);
* a broken placeholder: the ``{name}`` fields of a translation differ from the source text's, or the
  translation cannot be formatted at all (a lone brace, a positional field);
* a command (``/help``) or an emoji of the source text missing from the translation;
* a non-English translation identical to the English text (copied, not translated), unless a translator
  comment says ``i18n-check: same-as-English``.

In plural entries every form must carry the fields of ``msgid_plural``; ``{n}`` alone may be left out of
a form that the language uses for n = 1 only (German "einen Vorschlag"), never of a form shared by other
numbers (Ukrainian form 0 also serves 21, 31 …).

Exit status 0 when there is no problem, 1 otherwise; every problem is printed on its own line.
"""

from __future__ import annotations

import argparse
import gettext
import re
import string
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, FALLBACK, LOCALES_DIR, SUPPORTED

ROOT = Path(__file__).resolve().parent.parent
# The extraction keywords of `make i18n` (KEYWORDS := -k _ -k n_:1,2), on top of Babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "n_": (1, 2)}
SAME_AS_ENGLISH = "i18n-check: same-as-English"
_COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z0-9_]*\b")


@dataclass(frozen=True)
class Problem:
    catalog: str  # the .po file (or the locale when it has none)
    kind: str  # missing, untranslated, fuzzy, placeholder, command, emoji, copied, catalog
    msgid: str
    detail: str = ""

    def text(self) -> str:
        shown = self.msgid if len(self.msgid) <= 70 else self.msgid[:67] + "…"
        what = f" {shown!r}" if self.msgid else ""
        return f"{self.catalog}: {self.kind}:{what}{': ' + self.detail if self.detail else ''}"


# ---- the template: what the code asks for ---------------------------------------------------------------


def _method_map(root: Path) -> tuple[list[tuple[str, str]], dict]:
    config = root / "babel.cfg"
    if config.exists():
        with config.open(encoding="utf-8") as handle:
            return parse_mapping_cfg(handle, str(config))
    return [("bot/**.py", "python")], {}


def extract_template(root: Path = ROOT) -> Catalog:
    """Every marked string of the code, as ``pybabel extract -F babel.cfg -k _ -k n_:1,2`` would find them."""
    method_map, options_map = _method_map(root)
    template = Catalog(project="viche", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def write_template(template: Catalog, path: Path) -> None:
    with path.open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True, no_location=True)


# ---- one message ----------------------------------------------------------------------------------------


def fields(text: str) -> set[str]:
    """The names of the ``{fields}`` of a str.format text; ValueError when it cannot be formatted."""
    names = set()
    for _literal, name, _spec, _conversion in string.Formatter().parse(text):
        if name is None:
            continue
        root = re.split(r"[.\[]", name, maxsplit=1)[0]
        if root == "" or root.isdigit():
            raise ValueError(f"positional field {{{name}}}")
        names.add(root)
    return names


def _emoji(text: str) -> set[str]:
    return {char for char in text if unicodedata.category(char) == "So"}


def _letters(text: str) -> int:
    """Letters outside the {placeholders}: '«{text}»' has none, so it may stay the same in every language."""
    return sum(char.isalpha() for char in re.sub(r"\{[^{}]*\}", "", text))


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, (list, tuple)):
        return tuple(message.string)
    return (message.string,)


def _singular_only_forms(catalog: Catalog) -> set[int]:
    """Plural forms the language uses for n = 1 and no other integer (where '{n}' may be written as a word)."""
    try:
        plural = gettext.c2py(catalog.plural_expr)
    except (ValueError, SyntaxError):
        return set()
    used: dict[int, set[int]] = {}
    for n in range(1001):
        used.setdefault(plural(n), set()).add(n)
    return {form for form, numbers in used.items() if numbers == {1}}


# Integers CLDR lists as samples beyond 0…1000 (French "many": 1 000 000, 2 000 000 …) and a few neighbours.
CLDR_INTEGER_SAMPLES = (
    1_000_000,
    1_000_001,
    2_000_000,
    3_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000,
    100_000,
    1_000_000_000_000,
    1_000_000_000_011,
    1_000_000_000_021,
)


def plural_rule_mismatch(locale: str, expression: str, num_plurals: int) -> str | None:
    """Why a catalog's plural rule is not CLDR's, or None when it computes the same forms.

    The rule is judged by what it computes for n = 0…1000 and CLDR's larger integer samples: every CLDR
    category that integers take must map to one catalog form of its own, and every form must be used. CLDR
    itself comes from Babel's locale data (``Locale.plural_form``), not from the gettext table Babel ships
    (``babel.messages.plurals``), whose text, and for French whose number of forms, changed between releases
    (2.19 writes uk/pl/cs differently and gives French the "many" form CLDR has long had)."""
    try:
        rule = gettext.c2py(expression)
    except (ValueError, SyntaxError) as error:
        return f"the expression cannot be evaluated ({error})"
    category = Locale.parse(locale).plural_form
    form_of: dict[str, int] = {}
    category_of: dict[int, str] = {}
    for n in (*range(1001), *CLDR_INTEGER_SAMPLES):
        form, cat = rule(n), category(n)
        if not 0 <= form < num_plurals:
            return f"n = {n} gives form {form}, but nplurals is {num_plurals}"
        if form_of.setdefault(cat, form) != form:
            return f"CLDR's category '{cat}' takes form {form_of[cat]} for some numbers and form {form} for n = {n}"
        if category_of.setdefault(form, cat) != cat:
            return f"form {form} serves CLDR's '{category_of[form]}' and '{cat}' (n = {n})"
    if len(category_of) != num_plurals:
        return (
            f"nplurals is {num_plurals}, but CLDR's integers fall into {len(form_of)} categories "
            f"({', '.join(sorted(form_of))})"
        )
    return None


def message_problems(
    where: str, locale: str, source: Message, entry: Message | None, singular_only: set[int], num_plurals: int
) -> list[Problem]:
    ids = _ids(source)
    key = ids[0]
    if entry is None:
        return [Problem(where, "missing", key, "not in the catalog (run `make i18n`, then translate)")]
    problems: list[Problem] = []
    if entry.fuzzy:
        problems.append(Problem(where, "fuzzy", key, "review the translation and remove the fuzzy flag"))
    if _ids(entry) != ids:
        problems.append(
            Problem(where, "missing", key, "the catalog has an outdated plural text (run `make i18n`, then translate)")
        )
        return problems
    strings = _strings(entry)
    if len(ids) > 1 and len(strings) != num_plurals:
        problems.append(
            Problem(where, "untranslated", key, f"{len(strings)} plural forms, the language has {num_plurals}")
        )
    empty = [index for index, text in enumerate(strings) if not text]
    if empty:
        detail = "" if len(ids) == 1 else "plural form(s) " + ", ".join(f"msgstr[{i}]" for i in empty) + " empty"
        problems.append(Problem(where, "untranslated", key, detail))
    wanted_source = ids[-1]  # msgid_plural for plural entries: it shows every field
    try:
        wanted = fields(wanted_source)
    except ValueError:
        wanted = set()
    for index, text in enumerate(strings):
        if not text:
            continue
        label = f"msgstr[{index}]" if len(ids) > 1 else "msgstr"
        try:
            have = fields(text)
        except ValueError as error:
            problems.append(Problem(where, "placeholder", key, f"{label} cannot be formatted ({error})"))
            continue
        expected = set(wanted)
        if len(ids) > 1 and index in singular_only and "n" not in have:
            expected.discard("n")
        if have != expected:
            lost = ", ".join("{" + name + "}" for name in sorted(expected - have))
            extra = ", ".join("{" + name + "}" for name in sorted(have - expected))
            detail = "; ".join(part for part in (lost and f"lacks {lost}", extra and f"has unknown {extra}") if part)
            problems.append(Problem(where, "placeholder", key, f"{label} {detail}"))
        source_text = ids[min(index, len(ids) - 1)] if len(ids) > 1 else key
        lost_commands = sorted(set(_COMMAND.findall(source_text)) - set(_COMMAND.findall(text)))
        if lost_commands:
            problems.append(
                Problem(
                    where, "command", key, f"{label} lacks {', '.join(lost_commands)} (commands are never translated)"
                )
            )
        lost_emoji = sorted(_emoji(source_text) - _emoji(text))
        if lost_emoji:
            problems.append(Problem(where, "emoji", key, f"{label} lacks {' '.join(lost_emoji)}"))
        if (
            locale != FALLBACK
            and text == source_text
            and _letters(text) >= 4
            and not any(SAME_AS_ENGLISH in comment for comment in entry.user_comments)
        ):
            problems.append(
                Problem(
                    where,
                    "copied",
                    key,
                    f"{label} is the English text; translate it (or add the translator comment '# {SAME_AS_ENGLISH}')",
                )
            )
    return problems


# ---- one catalog ----------------------------------------------------------------------------------------


def catalog_problems(template: Catalog, locale: str, locales_dir: Path) -> list[Problem]:
    path = locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    where = str(path)
    if not path.exists():
        return [
            Problem(
                where,
                "catalog",
                "",
                f"no catalog for {locale} (pybabel init -D {DOMAIN} "
                f"-i bot/i18n/{DOMAIN}.pot -d {locales_dir} -l {locale})",
            )
        ]
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
    except Exception as error:  # noqa: BLE001 — any unreadable file is one problem, reported, never a crash
        return [Problem(where, "catalog", "", f"cannot be read: {error}")]
    problems: list[Problem] = []
    if catalog.fuzzy:
        problems.append(
            Problem(where, "fuzzy", "", "the catalog header is fuzzy: pybabel compile would skip the whole catalog")
        )
    mismatch = plural_rule_mismatch(locale, catalog.plural_expr, catalog.num_plurals)
    if mismatch:
        problems.append(Problem(where, "catalog", "", f"Plural-Forms is '{catalog.plural_forms}': {mismatch}"))
    singular_only = _singular_only_forms(catalog)
    for source in template:
        if not source.id:
            continue
        entry = catalog.get(source.id, context=source.context)
        problems += message_problems(where, locale, source, entry, singular_only, catalog.num_plurals)
    return problems


def check(
    locales: Iterable[str] = SUPPORTED,
    locales_dir: Path = LOCALES_DIR,
    root: Path = ROOT,
    template: Catalog | None = None,
) -> list[Problem]:
    template = template if template is not None else extract_template(root)
    problems: list[Problem] = []
    for locale in locales:
        problems += catalog_problems(template, locale, locales_dir)
    return problems


# ---- the command ----------------------------------------------------------------------------------------


def report_lines(problems: list[Problem], locales_dir: Path) -> list[str]:
    """One line per problem; the same problem in several catalogs (a new string) on one line naming them."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for problem in problems:
        locale = (
            Path(problem.catalog).relative_to(locales_dir).parts[0]
            if problem.catalog.startswith(str(locales_dir))
            else problem.catalog
        )
        grouped.setdefault((problem.kind, problem.msgid, problem.detail), []).append(locale)
    lines = []
    for (kind, msgid, detail), where in grouped.items():
        shown = msgid if len(msgid) <= 70 else msgid[:67] + "…"
        lines.append(
            f"{', '.join(where)}: {kind}:{' ' + repr(shown) if msgid else ''}{': ' + detail if detail else ''}"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    locales_dir = Path(args.locales_dir) if args.locales_dir else LOCALES_DIR
    root = Path(args.root) if args.root else ROOT
    locales: Sequence[str] = args.locale or SUPPORTED
    template = extract_template(root)
    if args.pot:
        write_template(template, Path(args.pot))
    strings = sum(1 for message in template if message.id)
    problems = check(locales, locales_dir, root, template)
    for line in report_lines(problems, locales_dir):
        print(line, file=sys.stderr)
    if problems:
        kinds = sorted({p.kind for p in problems})
        print(
            f"i18n check failed: {len(problems)} problem(s) ({', '.join(kinds)}) in "
            f"{len({p.catalog for p in problems})} catalog(s)",
            file=sys.stderr,
        )
        return 1
    print(f"i18n check passed: {strings} strings, translated in {len(locales)} catalogs ({', '.join(locales)})")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    i18n = sub.add_parser("i18n", help="translations of the bot's strings")
    actions = i18n.add_subparsers(dest="i18n_command", required=True)
    check_cmd = actions.add_parser(
        "check", help="fail when a catalog lacks a string, has a fuzzy entry or breaks a {placeholder}"
    )
    check_cmd.add_argument("--locales-dir", help=f"where the catalogs are (default: {LOCALES_DIR})")
    check_cmd.add_argument("--root", help="the source tree to extract strings from (default: this checkout)")
    check_cmd.add_argument("--locale", action="append", help="check only this locale (repeatable)")
    check_cmd.add_argument("--pot", help="also write the extracted template to this file")
    check_cmd.set_defaults(func=run)
