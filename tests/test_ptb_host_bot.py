"""The example host bot (examples/ptb_host_bot.py): a python-telegram-bot bot with its own /start, /hello, button
and echo, running viche's consultation side by side — against the fake Bot API and ``viche api`` over real HTTP,
as its README section says. Each update is answered by one of the two, never both."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from sqlalchemy import func, select

from sandbox.fake_bot_api import FakeBotAPI
from sandbox.server import serve
from storage.models import Answer, Contact, PairPrompt, ProposalVote
from tests.conftest import SERVICE_TOKEN, repo_root
from tests.harness import BOT_TOKEN, polling_application

CHAT = 8101


def host_bot() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ptb_host_bot", repo_root() / "examples" / "ptb_host_bot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def count(db, model) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_the_host_answers_its_own_and_viche_runs_a_consultation_side_by_side(api_app, db, demo):
    example = host_bot()
    fake = FakeBotAPI()
    async with serve(api_app) as api_url, serve(fake.app) as telegram_url:
        application = example.build_host_bot(BOT_TOKEN, telegram_url, api_url, SERVICE_TOKEN)
        assert set(application.handlers) == {0, -1}  # the host's group, and viche's of its own before it
        [viche] = application.handlers[-1]
        async with polling_application(fake, application, _Part(viche), menus=False) as t:
            # Each of the person's messages is answered by one of the two, never both: exactly one new message.
            assert await said(t, "/hello") == [example.HELLO]
            assert await said(t, "/start") == [example.WELCOME]  # no payload: the host's welcome
            assert await said(t, "/start ref-from-a-flyer") == [example.WELCOME]  # the host's payload
            [picker] = await said(t, f"/start {demo}")  # viche's deep link: its language picker only
            assert picker.endswith("Choose your language:")
            await t.press(CHAT, "English")
            await t.press(CHAT, "✅")
            await t.press(CHAT, index=1)  # age
            # the host's own button and text between two of viche's screens: the host's, and viche stays put
            await t.press(CHAT, "Again", message=next(m for m in t.messages(CHAT) if m["text"] == example.HELLO))
            assert t.fake.callback_answers(CHAT)[-1]["text"] == "Hello again!"
            assert await said(t, "nice weather today") == ["You said: nice weather today"]
            for _ in range(3):
                await t.press(CHAT, "👍")
                await t.press(CHAT, index=0)
            await t.press(CHAT, "🅰")
            await t.press(CHAT, "🅱")
            await t.press(CHAT, index=2)
            await t.press(CHAT, index=0)
            assert "Thank you! You gave 7 answers" in t.texts(CHAT)[-1]
            [where] = await said(t, "/consult")  # viche's own command: where the person stands
            assert "Thank you! You gave 7 answers" in where
            assert await said(t, "/hello") == [example.HELLO]
            # viche's buttons carry its mark; the host's are left as the host made them
            datas = [b["callback_data"] for m in t.messages(CHAT) for row in m.get("buttons") or [] for b in row]
            assert "hello" in datas and all(d == "hello" or d.startswith("vc|") for d in datas)
        await viche.conversation.backend.close()  # run_polling's post_shutdown does it in the example
    assert await count(db, Contact) == 1 and await count(db, Answer) == 1
    assert await count(db, ProposalVote) == 3 and await count(db, PairPrompt) == 3


async def said(t, text: str) -> list[str]:
    """The person sends ``text``; the texts of the messages the bot sent in return."""
    before = len(t.fake.sent_messages(CHAT))
    await t.send(CHAT, text, language_code="en")
    return [m["text"] for m in t.fake.sent_messages(CHAT)[before:]]


class _Part:
    """What polling_application needs of viche's part: its handler (the example keeps no other reference)."""

    def __init__(self, handler) -> None:
        self.handler = handler
