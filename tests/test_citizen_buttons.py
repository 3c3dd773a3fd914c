"""Answers are stored as pressed: every button of the citizen's conversation, through the real dispatcher and
the fake Bot API over real HTTP, into the real database — also when Telegram sends the press with an
InaccessibleMessage (older than 48 hours: no text, no keyboard, date 0) or a server leaves the keyboard out.

The callback-data codec itself (bot/flows/callbacks.py) is tested first: prefixes, the 64-byte limit, forged data."""

from __future__ import annotations

import typing
from collections import Counter
from dataclasses import fields

import pytest
from sqlalchemy import select

from api.participant.proposals import QUALIFICATIONS as API_QUALIFICATIONS
from api.schemas import CantDecideReason
from bot.flows import buttons, callbacks
from bot.flows.items import qualification_label, reason_label
from bot.flows.organiser import buttons as organiser
from bot.i18n import translator
from storage.models import Answer, Item, Option, PairPrompt, Participant, ProposalVote
from tests.test_e2e_every_kind import load_example

SHAPES = ["message", "without_keyboard", "inaccessible"]
EN = translator("en")

# One value of each field type, per kind of button.
SAMPLES = [
    buttons.Language("uk"),
    buttons.Consent("city-youth"),
    buttons.Switch("riverside-2027"),
    buttons.Standing("riverside-2027"),
    buttons.ProfileAnswer("age_band", 3),
    buttons.ProfileSkip("region"),
    buttons.Option(2_147_483_647, 12),
    buttons.Scale(5, -2),
    buttons.SkipItem(7),
    buttons.Toggle(3, frozenset({0, 4, 11})),
    buttons.ToggleDone(3, frozenset()),
    buttons.BallotPick(2_147_483_647, 2_147_483_647, "remove"),
    buttons.BallotPick(9, 1, "add"),
    buttons.BallotClear(9),
    buttons.BallotSend(9),
    buttons.BallotChange(9),
    buttons.ProjectPlaces(2**52),
    buttons.ProjectPlace(2**52, 11),
    buttons.Vote(10**12, "neutral"),
    buttons.QualifySkip(4, "disagree"),
    buttons.Pair("Ab-_9xYz0123", "skip"),
    buttons.PairUndecided("Ab-_9xYz0123"),
    buttons.NewProposal(1),
    buttons.SkipComment(2),
    buttons.ForgetConfirm("0123456789ab"),
    buttons.ForgetCancel(),
    buttons.Digests("turn_off"),
    # a citizens' jury, with the longest slug and the largest positions a definition allows
    buttons.JuryStart("a" * 42),
    buttons.JuryAnswer("a" * 42, 99, 99),
    buttons.JurySkip("a" * 42, 99),
    buttons.JuryConfirm("a" * 42),
    buttons.JuryWithdraw("a" * 42),
    buttons.JuryReply("a" * 42, "accept"),
    buttons.JuryReply("a" * 42, "decline"),
    *(buttons.Qualify(99, choice, q) for choice, qs in buttons.QUALIFICATIONS.items() for q in qs),
    *(buttons.PairReason("Ab-_9xYz0123", r) for r in buttons.CANT_DECIDE_REASONS),
    # the organisers' buttons, on the same codec: a 42-character slug beside an id as large as any
    organiser.PreviewStep("a" * 42, 10_000, "en"),
    organiser.Dismiss("cancel"),
    organiser.Dismiss("end_preview"),
    organiser.RefreshStats("a" * 42),
    organiser.RefreshJury("a" * 42),
    organiser.ConfirmClose("a" * 42),
    *(organiser.ChooseStatus(action, "a" * 42) for action in organiser.STATUS_CODES.values()),
    *(
        kind(2**52, "a" * 42)
        for kind in (organiser.Accept, organiser.ShowReasons, organiser.SkipProposal, organiser.BackToProposal)
    ),
    *(organiser.Reject(2**52, reason, "a" * 42) for reason in organiser.REASON_CODES.values()),
    organiser.Accept(1, organiser.ALL),
]


@pytest.mark.parametrize("button", SAMPLES, ids=lambda b: b.pack())
def test_every_kind_of_button_round_trips(button):
    data = button.pack()
    assert len(data.encode()) <= 64
    assert callbacks.unpack(data) == button
    assert type(button).unpack(data) == button
    assert buttons.Vote.unpack(data) == (button if isinstance(button, buttons.Vote) else None)


def test_every_kind_has_a_sample_and_its_own_prefix():
    kinds = set(callbacks.registered().values())
    assert {type(b) for b in SAMPLES} == kinds
    prefixes = [kind.prefix for kind in kinds]
    assert len(prefixes) == len(set(prefixes))
    assert set(prefixes) >= organiser.PREFIXES and len(organiser.KINDS) == len(organiser.PREFIXES)


def test_a_second_kind_with_a_taken_prefix_fails_at_import():
    with pytest.raises(TypeError, match="already Vote's"):

        class Again(callbacks.CallbackData, prefix="v"):
            pass

    with pytest.raises(ValueError):

        class Bad(callbacks.CallbackData, prefix="v:x"):
            pass


def test_enumerated_values_are_whole_names_the_api_accepts():
    """No first letters: 'unknown' and 'undecided' once both went out as 'u'."""
    assert buttons.QUALIFICATIONS == API_QUALIFICATIONS
    assert set(buttons.CANT_DECIDE_REASONS) == set(typing.get_args(CantDecideReason))
    for kind in callbacks.registered().values():
        for field in fields(kind):
            hint = typing.get_type_hints(kind)[field.name]
            if typing.get_origin(hint) is typing.Literal:
                names = typing.get_args(hint)
                assert all(len(name) > 2 for name in names), (kind, names)


def test_coded_names_go_out_as_their_codes_and_come_back_as_names():
    """An organiser's reject reason goes out as its code (a whole name beside an id and a slug would not fit),
    exactly as before the codec, so buttons already in chats keep working; in Python it is the whole name."""
    assert organiser.Reject(7, "several_ideas", "-").pack() == "xj:7:s:-"
    assert callbacks.unpack("xj:7:s:-") == organiser.Reject(7, "several_ideas", "-")
    assert callbacks.unpack("xj:7:several_ideas:-") is None
    assert callbacks.unpack("xs:c:riverside-2027") == organiser.ChooseStatus("close", "riverside-2027")
    with pytest.raises(ValueError):
        organiser.Reject(7, "rude", "-").pack()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="distinct"):
        callbacks.Codes({"yes": "y", "yeah": "y"})


def test_over_64_bytes_is_refused_when_packed():
    with pytest.raises(callbacks.CallbackTooLong):
        buttons.Switch("a" * 62).pack()
    with pytest.raises(ValueError):
        buttons.Switch("with:colon").pack()
    with pytest.raises(ValueError):
        buttons.Vote(1, "a").pack()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        ":",
        "v",
        "v:",
        "v:1",
        "v:1:a",
        "v:1:agree:",
        "v:01:agree",
        "v:+1:agree",
        "v:1.0:agree",
        "v: 1:agree",
        "v:99999999999999999999:agree",
        "q:1:agree:no_way",
        "q:1:a:l",
        "pr:tok:u",
        "pr:tok:unknownx",
        "pr::both",
        "p:tok:l",
        "p:tok:cant_decide",
        "m:1:zz",
        "m:1:0f",
        "m:1:-1",
        "lang:xx",
        "lang:",
        "sw:../../etc",
        "pf:z:1",
        "pf:age_band:x",
        "fg:y:0000",
        "fgn:1",
        "x:" + "9" * 60,
        "\u202e\u0000\u0007",
        "v:１:agree",
        "V:1:agree",
        "v:1:agree" + " " * 60,
    ],
)
def test_forged_or_garbage_data_unpacks_to_none(data):
    assert callbacks.unpack(data) is None


# ---- through the dispatcher ------------------------------------------------------------------------

# Two participants answer every "why?" and every "can't decide" reason between them; None skips the why.
VOTES = [
    [
        ("agree", "like_it"),
        ("agree", "doable"),
        ("agree", "platitude"),
        ("disagree", "no_way"),
        ("disagree", "impossible"),
    ],
    [
        ("disagree", "platitude"),
        ("neutral", "dont_understand"),
        ("neutral", "no_opinion"),
        ("neutral", "dont_care"),
        ("agree", None),
    ],
]
PAIRS = [
    [
        ("cant_decide", "both"),
        ("cant_decide", "neither"),
        ("cant_decide", "equal"),
        ("cant_decide", "unknown"),
        ("cant_decide", "undecided"),
        ("left", None),
    ],
    [
        ("right", None),
        ("skip", None),
        ("left", None),
        ("cant_decide", "undecided"),
        ("cant_decide", "unknown"),
        ("right", None),
    ],
]
CHOICE_BUTTON = {"agree": "👍", "disagree": "👎", "neutral": "🤷"}
SIDE_BUTTON = {"left": "🅰", "right": "🅱", "skip": "Skip"}


async def walk_riverside(t, chat: int, slug: str, shape: str, votes, pairs) -> None:
    async def press(label: str) -> None:
        await t.press(chat, label, shape=shape)

    await t.send(chat, f"/start {slug}", language_code="en")
    await press("English")
    await press("✅")
    await press("18-24")
    await press("rather not say")
    await press("A few times a year")
    await press("Hard to get to")
    await press("Dirty")
    await press("Done")
    await press("Go for walks")
    await press("Done")
    await press("2")
    await press("Skip")  # what makes you feel unsafe? (optional)
    for choice, qualification in votes:
        await press(CHOICE_BUTTON[choice])
        await press(qualification_label(EN, qualification) if qualification else "Skip")
    for outcome, reason in pairs:
        if outcome == "cant_decide":
            await press("I can't decide")
            await press(reason_label(EN, reason))
        else:
            await press(SIDE_BUTTON[outcome])
    await press("pontoon")
    await press("Riverside lighting")
    await press("Done")
    await press("Skip")  # the place
    await press("Skip")  # anything else?
    assert "Thank you!" in t.texts(chat)[-1], t.texts(chat)[-3:]


def assert_nothing_odd_was_written(t, chat: int) -> None:
    """No "None", no "{placeholder}", no "✓" without its answer, no empty edit, anywhere the bot wrote."""
    written = [
        (c["method"], str(c["params"].get("text") or c["params"].get("caption") or ""))
        for c in t.fake.calls()
        if str(c["params"].get("chat_id")) == str(chat)
        and c["method"].lower() in ("sendmessage", "editmessagetext", "sendphoto", "senddocument")
    ]
    assert written
    for method, text in written:
        assert text.strip(), method
        assert "None" not in text and "{" not in text and "}" not in text, text
        for line in text.split("\n"):
            assert line.strip() not in ("✓", "—"), text
        assert "\n\n\n" not in text, text
    for answer in t.fake.callback_answers(chat):
        assert "None" not in (answer["text"] or "")


@pytest.mark.parametrize("shape", SHAPES)
async def test_every_press_is_stored_as_pressed(telegram, db, shape):
    slug = await load_example(db)
    chats = (8101, 8102)
    async with db.session() as s:
        budget_item = (await s.execute(select(Item.id).where(Item.key == "budget"))).scalar_one()
    for chat, votes, pairs in zip(chats, VOTES, PAIRS):
        await walk_riverside(telegram, chat, slug, shape, votes, pairs)
        assert_nothing_odd_was_written(telegram, chat)
        # every question answered: no keyboard is left under any message of the bot but the thanks' "How do I
        # compare?" (where the participant stands among the opinion groups, at any time) and the sent budget
        # ballot's "Change my ballot" (until the consultation closes)
        kept = ([f"ws:{slug}"], [buttons.BallotChange(budget_item).pack()])
        assert [
            m["text"][:40]
            for m in telegram.messages(chat)
            if m["buttons"] and [b["callback_data"] for row in m["buttons"] for b in row] not in kept
        ] == []

    async with db.session() as s:
        items = {i.key: i for i in (await s.execute(select(Item))).scalars()}
        options = {o.id: o.key for o in (await s.execute(select(Option))).scalars()}
        participants = (await s.execute(select(Participant))).scalars().all()
        assert len(participants) == 2
        for participant, votes, pairs in zip(sorted(participants, key=lambda p: p.created_at), VOTES, PAIRS):
            assert participant.age_band == "18-24" and participant.region is None
            answers = {
                a.item_id: a
                for a in (await s.execute(select(Answer).where(Answer.participant_id == participant.id))).scalars()
            }
            by_key = {key: answers.get(item.id) for key, item in items.items()}
            assert options[by_key["visits"].option_id] == "rarely"
            assert sorted(options[i] for i in by_key["barriers"].value) == ["access", "dirty"]
            assert [options[i] for i in by_key["activities"].value] == ["walk"]
            assert by_key["safety"].value == 2
            assert by_key["safety_why"].value is None
            assert sorted(options[i] for i in by_key["budget"].value) == ["lights", "pontoon"]
            stored_votes = (
                await s.execute(
                    select(ProposalVote.choice, ProposalVote.qualification).where(
                        ProposalVote.participant_id == participant.id
                    )
                )
            ).all()
            assert Counter(map(tuple, stored_votes)) == Counter(votes)
            stored_pairs = (
                await s.execute(
                    select(PairPrompt.outcome, PairPrompt.reason).where(PairPrompt.participant_id == participant.id)
                )
            ).all()
            assert Counter(map(tuple, stored_pairs)) == Counter(pairs)
