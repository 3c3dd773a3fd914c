"""Simulated participants for the results pages' tests: each goes through the participant API as the bot would
(identify, language, enrol with a source, consent, then every screen until done), answering at random."""

from __future__ import annotations

import random
from collections.abc import Iterable

from bot.backend import Backend

RARE_SOURCE = "rare-radio"
"""An outreach source fewer people than ``min_segment_size`` came from: it must appear on no page."""


def crowd(k: int) -> list[tuple[str, str]]:
    """(language, source) of each simulated participant: two large sources and one of k − 1 people."""
    languages = ("uk", "en", "de")
    people = [(languages[i % 3], "poster") for i in range(k + 2)]
    people += [(languages[i % 3], "school") for i in range(k)]
    people += [(languages[i % 3], RARE_SOURCE) for i in range(k - 1)]
    return people


async def simulate(backend: Backend, slug: str, people: Iterable[tuple[str, str]], seed: int = 1) -> int:
    """Walk each person through the consultation; returns how many finished it."""
    chance = random.Random(seed)
    finished = 0
    for n, (language, source) in enumerate(people):
        participant = (await backend.identify("telegram", str(700_000 + n)))["id"]
        await backend.set_language(participant, language)
        await backend.enrol(participant, slug, source)
        await backend.consent(participant, slug)
        for _ in range(60):
            screen = await backend.next(participant, slug, language)
            if screen["status"] != "item":
                finished += screen["status"] == "done"
                break
            item = screen["item"]
            if item["kind"] == "single_choice":
                # not uniform: some answers clearly ahead, as in life
                option = chance.choices(screen["options"], weights=range(len(screen["options"]), 0, -1))[0]
                await backend.answer(participant, item["id"], option_id=option["id"])
            elif item["kind"] == "proposal":
                choice = chance.choices(["agree", "neutral", "disagree"], weights=[5, 1, 2])[0]
                await backend.vote(participant, screen["proposal"]["id"], choice)
            elif item["kind"] == "pairs":
                pair = screen["pair"]
                left_first = pair["left"]["id"] < pair["right"]["id"]
                outcome = "left" if (chance.random() < 0.7) == left_first else "right"
                await backend.answer_pair(participant, pair["token"], outcome)
            else:
                raise AssertionError(f"the simulation does not answer {item['kind']} items")
    return finished
