"""/forget breaks the link for good: someone who holds a partner export made before a participant's /forget, and
that participant's own /mydata file, cannot find the participant's rows in an export made afterwards — by no
column of any format (row cursors, pseudonyms, pair tokens, times), other than what the person said itself."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime

from tests.broadcast.support import min_group
from tests.partner.conftest import auth, csv_rows, new_key
from tests.partner.test_exports import walk_demo_as
from tests.production.test_privacy import sent_document

PERSON, OTHERS = 8_200_000_001, (8_200_000_002, 8_200_000_003, 8_200_000_004)
# Each CSV export, and the column that holds the participant's pseudonym.
EXPORTS = {
    "answers.csv": "participant",
    "aoi/votes.csv": "Session ID",
    "aoi/non_votes.csv": "Session ID",
    "polis/votes.csv": "voter-id",
}
# What a row says (the contribution and the segment it counts in), which stays: with few participants, a pair
# only one person was shown is theirs alone, and a rare profile too. Every other column — whatever a format
# adds later included — must not join.
CONTENT = {
    "type",
    "item",
    "item_kind",
    "age_band",
    "country",
    "region",
    "language",
    "source",
    "option",
    "value",
    "proposal",
    "choice",
    "qualification",
    "left",
    "right",
    "outcome",
    "reason",
    "after_skip",
    "Wikisurvey ID",
    "Winner ID",
    "Winner Text",
    "Loser ID",
    "Loser Text",
    "Prompt ID",
    "Left Choice ID",
    "Left Choice Text",
    "Right Choice ID",
    "Right Choice Text",
    "Record Type",
    "Reason",
    "Valid",
    "Hashed IP Address",
    "URL Alias",
    "User Agent",
    "Referrer",
    "Widget",
    "Info",
    "comment-id",
    "vote",
}


def _instant(text: str) -> int | None:
    """The second a time stands for, whichever format wrote it (ISO, All Our Ideas', Polis')."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for pattern in ("%Y-%m-%d %H:%M:%S UTC", "%a %b %d %H:%M:%S UTC %Y"):
            try:
                moment = datetime.strptime(text, pattern).replace(tzinfo=UTC)
                break
            except ValueError:
                continue
        else:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _keys(column: str, value) -> set[str]:
    """Every value a column offers for a join: itself, the instant it names, a cursor's parts."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if text in ("", "NA", "null"):
        return set()
    keys = {text}
    if column == "timestamp" and text.isdigit():  # Polis: milliseconds since the epoch
        keys.add(f"instant:{int(text) // 1000}")
    instant = _instant(text)
    if instant is not None:
        keys.add(f"instant:{instant}")
    if column == "cursor":
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        _, answer, vote, pair_us, token = raw.split("|", 4)
        keys |= {f"answer-row:{answer}", f"vote-row:{vote}", f"pair:{pair_us}|{token}"}
    return keys


def _leaves(document, path: str = "") -> list[tuple[str, object]]:
    if isinstance(document, dict):
        return [leaf for key, value in document.items() for leaf in _leaves(value, key)]
    if isinstance(document, list):
        return [leaf for value in document for leaf in _leaves(value, path)]
    return [] if document is None else [(path, document if isinstance(document, str) else json.dumps(document))]


async def _exports(partner, key: str, slug: str, after: str | None = None) -> tuple[dict[str, list[dict]], str]:
    bodies, cursor = {}, ""
    for name in EXPORTS:
        response = await partner.get(
            f"/v1/consultations/{slug}/export/{name}", headers=auth(key), params={"after": after} if after else {}
        )
        assert response.status_code == 200, (name, response.text)
        bodies[name] = csv_rows(response.text)
        if name == "answers.csv":
            cursor = response.headers["X-Next-Cursor"]
    return bodies, cursor


def _pseudonyms(bodies: dict[str, list[dict]]) -> set[str]:
    return {row[column] for name, column in EXPORTS.items() for row in bodies[name]}


def _values(rows: list[dict]) -> set[str]:
    return {key for row in rows for column, value in row.items() for key in _keys(column, value)}


async def test_nothing_joins_a_later_export_to_an_earlier_one_or_the_mydata_file(telegram, partner, db, demo):
    t = telegram
    for chat in (PERSON, *OTHERS):
        await walk_demo_as(t, chat, f"user{chat}", "Name")
        if chat == PERSON:  # the others answer in later seconds: the person's own instants single them out
            await asyncio.sleep(1.1)
    await t.send(PERSON, "/mydata")
    _, mydata = sent_document(t, PERSON)
    await min_group(db, demo, 2)  # four people: exports are released from two (the disclosure rule's floor)
    key = await new_key(db, demo)
    before, cursor = await _exports(partner, key, demo)

    await t.send(PERSON, "/forget")
    await t.press(PERSON, "Yes, delete")
    assert "Your data is deleted" in t.texts(PERSON)[-1]
    after, _ = await _exports(partner, key, demo)

    # The person's rows are still there (they count), under a pseudonym never seen before.
    [old] = _pseudonyms(before) - _pseudonyms(after)
    [new] = _pseudonyms(after) - _pseudonyms(before)
    theirs_after = {name: [r for r in rows if r[EXPORTS[name]] == new] for name, rows in after.items()}
    theirs_before = {name: [r for r in rows if r[EXPORTS[name]] == old] for name, rows in before.items()}
    assert {name: len(rows) for name, rows in theirs_after.items()} == {
        name: len(rows) for name, rows in theirs_before.items()
    }
    assert len(theirs_after["answers.csv"]) == 1 + 3 + 3  # the age, three votes, three pairs

    # What singles the person out in the earlier material: any value of their earlier rows or of their /mydata
    # file that nobody else's row, before or after, has too.
    earlier = set().union(*(_values(rows) for rows in theirs_before.values()))
    earlier |= {key for column, value in _leaves(mydata) for key in _keys(column, value)}
    everyone_else = set().union(
        *(
            _values([r for r in rows if r[EXPORTS[name]] not in (old, new)])
            for name, rows in (*before.items(), *after.items())
        )
    )
    singling_out = earlier - everyone_else
    assert any(k.startswith("answer-row:") for k in singling_out)  # the test sees row ids, times, tokens …
    assert any(k.startswith("instant:") for k in singling_out) and old in singling_out
    for name, rows in theirs_after.items():
        for row in rows:
            for column, value in row.items():
                if column in CONTENT:
                    continue
                joins = _keys(column, value) & singling_out
                assert not joins, (name, column, value, joins)

    # Kept times are days: whoever answered when, the rows say only which day (UTC).
    for row in theirs_after["answers.csv"]:
        assert row["answered_at"].endswith("T00:00:00Z"), row
    for row in theirs_after["aoi/votes.csv"]:
        assert row["Created at"].endswith(" 00:00:00 UTC") and row["Response Time (s)"] == "NA", row

    # A partner resuming from the cursor it held gets the answers and votes again, re-keyed, under the new
    # pseudonym; the pairs, whose times moved back to the day's start, sort before the cursor.
    resumed, _ = await _exports(partner, key, demo, after=cursor)
    assert {r["participant"] for r in resumed["answers.csv"]} == {new}
    assert sorted(r["type"] for r in resumed["answers.csv"]) == ["answer"] + ["vote"] * 3

    def said(row: dict) -> tuple:
        return row["type"], row["item"], row["option"], row["proposal"], row["choice"], row["qualification"]

    assert [said(row) for row in resumed["answers.csv"]] == [
        said(row) for row in theirs_after["answers.csv"] if row["type"] != "pair"
    ]
