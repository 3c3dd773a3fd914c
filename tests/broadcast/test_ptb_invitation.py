"""A bot that is viche in a python-telegram-bot host marks viche's buttons (viche/ptb/namespace.py); the invitations
and digests ``viche api`` sends must carry the same mark (``VICHE_CALLBACK_NAMESPACE``), or a press on them would
be the host's and never reach viche. Here the delivery engine sends an invitation with the mark, and the host bot
of examples/ptb_host_bot.py, long-polling the same fake Bot API, takes the press: viche opens the new
consultation."""

from __future__ import annotations

from sqlalchemy import select

from api.broadcast.outbox import create_invitations
from bot.delivery.engine import DeliveryEngine
from bot.i18n import translator
from sandbox.server import serve
from storage.consultations import save_definition
from storage.models import Enrolment
from tests.broadcast.support import crowd
from tests.broadcast.test_engine import config, run_until_sent
from tests.conftest import SERVICE_TOKEN
from tests.harness import BOT_TOKEN, polling_application
from tests.test_ptb_host_bot import _Part, host_bot
from viche.loading import DEMO_FILE, read_definition

CHAT = 1601


async def test_an_invitation_s_button_reaches_viche_in_a_python_telegram_bot_host(api_app, db, demo, fake, bot, store):
    fake.register_user(CHAT, language_code="en")
    [participant] = (await crowd(db, demo, [CHAT], languages=("en",))).values()
    async with db.session() as session:
        definition = read_definition(DEMO_FILE).model_copy(update={"slug": "second-round"})
        second = await save_definition(session, definition, status="open")
        _, created = await create_invitations(session, second)
    assert created
    await run_until_sent(DeliveryEngine(bot, store, config(callback_namespace="vc|")), db)
    [invitation] = fake.messages(CHAT)
    assert [b["callback_data"] for row in invitation["buttons"] for b in row] == ["vc|sw:second-round"]

    async with serve(api_app) as api_url:
        application = host_bot().build_host_bot(BOT_TOKEN, fake.base_url, api_url, SERVICE_TOKEN)
        [viche] = application.handlers[-1]
        async with polling_application(fake, application, _Part(viche), menus=False) as t:
            await t.press(CHAT, message=invitation)
            consent = "✅ " + translator("en")._("I agree, let's start")
            assert any(b["text"] == consent for b in t.buttons(CHAT)), t.texts(CHAT)[-1]
        await viche.conversation.backend.close()
    async with db.session() as session:
        enrolled = {
            e.consultation_id
            for e in (await session.scalars(select(Enrolment).where(Enrolment.participant_id == participant))).all()
        }
    assert second.id in enrolled
