"""Simulated participants for the results pages' tests: each goes through the participant API as the bot would
(identify, language, enrol with a source, consent, then every screen until done), answering at random."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

from bot.backend import Backend
from core.definition.model import minimum_spend

RARE_SOURCE = "rare-radio"
"""An outreach source fewer people than ``min_segment_size`` came from: it must appear on no page."""


def crowd(k: int) -> list[tuple[str, str]]:
    """(language, source) of each simulated participant: two large sources and one of k − 1 people."""
    languages = ("uk", "en", "de")
    people = [(languages[i % 3], "poster") for i in range(k + 2)]
    people += [(languages[i % 3], "school") for i in range(k)]
    people += [(languages[i % 3], RARE_SOURCE) for i in range(k - 1)]
    return people


async def simulate(
    backend: Backend,
    slug: str,
    people: Iterable[tuple[str, str]],
    seed: int = 1,
    vote: Callable[[int, dict], str] | None = None,
    first: int = 0,
) -> int:
    """Walk each person through the consultation; returns how many finished it. ``vote(n, proposal)``: the n-th
    person's vote on a proposal (default: at random, agreeing more often). ``first``: the first person's number
    (people are Telegram users 700 000 + n: a second crowd starts after the first)."""
    chance = random.Random(seed)
    finished = 0
    for n, (language, source) in enumerate(people):
        participant = (await backend.identify("telegram", str(700_000 + first + n)))["id"]
        await backend.set_language(participant, language)
        await backend.enrol(participant, slug, source)
        await backend.consent(participant, slug)
        for _ in range(80):
            screen = await backend.next(participant, slug, language)
            if screen["status"] == "profile":
                question = screen["profile"]
                await backend.profile(participant, slug, question["field"], question["choices"][n % 2]["key"])
                continue
            if screen["status"] != "item":
                finished += screen["status"] == "done"
                break
            item, config = screen["item"], screen["item"]["config"]
            if item["kind"] == "single_choice":
                # not uniform: some answers clearly ahead, as in life
                option = chance.choices(screen["options"], weights=range(len(screen["options"]), 0, -1))[0]
                await backend.answer(participant, item["id"], option_id=option["id"])
            elif item["kind"] == "proposal":
                choice = (
                    vote(n, screen["proposal"])
                    if vote
                    else chance.choices(["agree", "neutral", "disagree"], weights=[5, 1, 2])[0]
                )
                await backend.vote(participant, screen["proposal"]["id"], choice)
            elif item["kind"] == "pairs":
                pair = screen["pair"]
                left_first = pair["left"]["id"] < pair["right"]["id"]
                outcome = "left" if (chance.random() < 0.7) == left_first else "right"
                await backend.answer_pair(participant, pair["token"], outcome)
            elif item["kind"] == "multi_choice":
                ids = [option["id"] for option in screen["options"]]
                low = max(1, int(config.get("min_choices") or 1))
                high = min(len(ids), int(config.get("max_choices") or len(ids)), low + 1)
                await backend.answer(participant, item["id"], value=chance.sample(ids, chance.randint(low, high)))
            elif item["kind"] == "scale":
                value = chance.randint(int(config.get("min", 1)), int(config.get("max", 5)))
                await backend.answer(participant, item["id"], value=value)
            elif item["kind"] == "free_text":
                await backend.answer(participant, item["id"], value=f"Idea {n}: more benches by the river")
            elif item["kind"] == "budget":  # as the chat fills a ballot: pick by pick, then sent
                for pick in ballot(config, screen["options"], chance):
                    await backend.ballot_pick(participant, item["id"], "add", pick, language)
                await backend.ballot_send(participant, item["id"])
            elif item["kind"] == "place":
                where = {"latitude": 50.45 + chance.random() / 50, "longitude": 30.52 + chance.random() / 50}
                await backend.answer(participant, item["id"], value=where)
            else:
                raise AssertionError(f"the simulation does not answer {item['kind']} items")
    return finished


def ballot(config: dict, options: list[dict], chance: random.Random) -> list[int]:
    """A valid ballot of the item's kind, as picks (option ids, in order; a cumulative point per pick)."""
    kind = config.get("ballot", "knapsack")
    low, high = int(config.get("min_projects", 1)), int(config.get("max_projects") or len(options))
    ids = [option["id"] for option in chance.sample(options, len(options))]
    if kind in ("approval", "ordinal"):
        return ids[: chance.randint(max(low, 1), high)]
    if kind == "cumulative":
        points, per = int(config["points"]), int(config.get("max_points_per_project") or config["points"])
        named = ids[: chance.randint(max(low, 1), high)]
        return [project for project in named for _ in range(chance.randint(1, per))][:points]
    total, least = int(config["total"]), minimum_spend(int(config["total"]), config.get("min_spend_share"))
    cost = {option["id"]: option["cost"] for option in options}
    for order in (ids, sorted(ids, key=lambda i: -cost[i])):  # at random; else the dearest first reaches the least
        chosen: list[int] = []
        for project in order:
            if len(chosen) < high and sum(cost[i] for i in chosen) + cost[project] <= total:
                chosen.append(project)
        if sum(cost[i] for i in chosen) >= least:
            return chosen
    raise AssertionError(f"no ballot reaches {least}")
