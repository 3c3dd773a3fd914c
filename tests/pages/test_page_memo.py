"""Built pages are kept while the results they show are the same object, and rebuilt when the results cache hands
out a new one: in the request when building is quick, else served as they were and rebuilt once, aside."""

from __future__ import annotations

import time

from api.pages.memo import INLINE_BUDGET, PageMemo
from api.pages.model import Page


def builder(label: str, seconds: float = 0.0):
    calls = []

    def build():
        calls.append(label)
        time.sleep(seconds)
        return Page("en", label, "open", "", [], []), f"<p>{label}</p>"

    return build, calls


async def test_a_page_is_built_once_per_results_and_again_for_new_ones():
    memo = PageMemo()
    first, second = {"n": 1}, {"n": 1}  # equal, but another computation
    build, calls = builder("one")
    assert (await memo.get("k", (first, "en"), build)).html == "<p>one</p>"
    assert (await memo.get("k", (first, "en"), build)).html == "<p>one</p>"
    assert calls == ["one"]
    build_two, calls_two = builder("two")
    assert (await memo.get("k", (second, "en"), build_two)).html == "<p>two</p>"  # quick: rebuilt at once
    assert calls_two == ["two"]
    build_three, _ = builder("three")
    assert (await memo.get("k", (second, "de"), build_three)).html == "<p>three</p>"  # the rest compared by value


async def test_an_expensive_page_is_served_as_it_was_while_it_is_rebuilt_once():
    memo = PageMemo()
    slow, _ = builder("old", INLINE_BUDGET + 0.05)
    assert (await memo.get("k", ({},), slow)).html == "<p>old</p>"
    fresh, calls = builder("new", INLINE_BUDGET + 0.05)
    changed = ({},)
    assert (await memo.get("k", changed, fresh)).html == "<p>old</p>"
    assert (await memo.get("k", changed, fresh)).html == "<p>old</p>"
    await memo.drain()
    assert (await memo.get("k", changed, fresh)).html == "<p>new</p>"
    assert calls == ["new"]
