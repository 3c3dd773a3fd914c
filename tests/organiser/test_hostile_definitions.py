"""Definition files made to freeze the system — "billion laughs" YAML aliases, nesting thousands of levels deep,
a document containing itself — are refused in well under a second, with a clear problem, by `viche validate`,
by the organiser route, and by the bot's /new through the real dispatcher; nothing is saved."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from core.definition import MAX_DEPTH, MAX_VALUES, check_text
from storage.models import Consultation
from tests.organiser.support import ORGANISER, example_text, upload
from tests.organiser.test_organiser_bot import send_file
from viche.cli import main


def billion_laughs(levels: int = 9) -> str:
    """The classic: nine aliases of nine aliases … — about 350 bytes standing for 9**9 strings."""
    text = 'slug: laughs\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


DEEP_YAML = "slug: deep\ntitle: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_YAML_BLOCK = "slug: deep\ntitle:\n" + "".join(" " * level + f"k{level}:\n" for level in range(1, 300))
DEEP_JSON = '{"slug": "deep", "title": ' + "[" * 200_000 + "]" * 200_000 + "}"
SELF = "slug: self\ntitle: &t {en: [*t]}\n"
HOSTILE = {
    "laughs.yaml": billion_laughs(),
    "deep.yaml": DEEP_YAML,
    "deep-block.yaml": DEEP_YAML_BLOCK,
    "deep.json": DEEP_JSON,
    "self.yaml": SELF,
}
WHY = {
    "laughs.yaml": f"more than {MAX_VALUES:,} values",
    "deep.yaml": f"nested more than {MAX_DEPTH} levels deep",
    "deep-block.yaml": f"nested more than {MAX_DEPTH} levels deep",
    "deep.json": f"nested more than {MAX_DEPTH} levels deep",
    "self.yaml": "the document would contain itself",
}


def test_the_checker_refuses_each_at_once_and_says_why():
    assert len(billion_laughs().encode()) < 400
    for name, text in HOSTILE.items():
        started = time.perf_counter()
        report = check_text(text, name)
        elapsed = time.perf_counter() - started
        [problem] = report.problems
        assert not report.ok and problem.message.startswith("the file is too complex: "), (name, problem)
        assert WHY[name] in problem.message, (name, problem)
        assert elapsed < 1, (name, elapsed)
    # It names the line where the limit is passed: the laughs stand for 9**5 strings on their sixth line.
    assert check_text(billion_laughs(), "laughs.yaml").problems[0].line == 6


def test_aliases_within_bounds_and_a_large_honest_file_still_work():
    shared = (
        example_text()
        .replace("title:\n", "title: &title\n", 1)
        .replace("slug: riverside-2027\n", "slug: riverside-2027\n")
    )
    report = check_text(shared + "x-reused: *title\n", "f.yaml")
    assert [p.message for p in report.problems] == ["unknown field (check its spelling and indentation)"]
    laughs_but_few = billion_laughs(levels=3)  # 9**3 strings: a lot of lol, but within bounds
    assert "too complex" not in " ".join(p.message for p in check_text(laughs_but_few, "f.yaml").problems)


def test_viche_validate_answers_at_once(tmp_path, capsys):
    for name, text in HOSTILE.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        assert main(["validate", str(path)]) == 1
        assert time.perf_counter() - started < 1, name
        out = capsys.readouterr().out
        assert "the file is too complex: " in out and WHY[name] in out and f"{path}: 1 problem" in out, out


async def test_the_organiser_route_answers_422_at_once_and_keeps_serving(http, db):
    for name, text in HOSTILE.items():
        started = time.perf_counter()
        response = await upload(http, text, name)
        assert time.perf_counter() - started < 1, name
        assert response.status_code == 422, (name, response.text)
        [problem] = response.json()["error"]["problems"]
        assert problem["message"].startswith("the file is too complex: ") and WHY[name] in problem["message"]
    # The route checks files off the event loop: while the slowest honest file there can be is checked
    # (just under the bounds), other requests are answered.
    slow = "slug: slow\ntitle: [" + ", ".join(["x"] * (MAX_VALUES - 100)) + "]\n"
    assert (await http.get("/healthz")).status_code == 200  # its first call opens a connection
    started = time.perf_counter()
    upload_done = asyncio.ensure_future(upload(http, slow, "slow.yaml"))
    pings = []
    while not upload_done.done():
        await asyncio.sleep(0.005)  # an in-process /healthz never waits: let the upload run
        ping = time.perf_counter()
        assert (await http.get("/healthz")).status_code == 200
        pings.append(time.perf_counter() - ping)
    checked = time.perf_counter() - started
    assert (await upload_done).status_code == 422
    # Off the loop, pings come back while the check runs (two at least, each a fraction of it); on the loop, the
    # first ping would wait for the whole check and be the only one. libyaml checks this file in ~50 ms.
    assert len(pings) >= 2 and max(pings) < checked / 3, (checked, pings)
    async with db.session() as s:
        assert (await s.execute(select(Consultation))).first() is None


async def test_new_in_the_bot_answers_at_once_with_the_problem(telegram, db):
    for name in ("laughs.yaml", "deep.json"):
        await telegram.send(ORGANISER, "/new")
        started = time.perf_counter()
        await send_file(telegram, ORGANISER, name, HOSTILE[name])
        assert time.perf_counter() - started < 1, name
        reply = telegram.texts(ORGANISER)[-1]
        assert reply.startswith(f"❌ {name} has 1 problem; nothing was saved:"), reply
        assert "the file is too complex: " in reply and WHY[name] in reply
    async with db.session() as s:
        assert (await s.execute(select(Consultation))).first() is None
