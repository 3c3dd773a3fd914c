"""Building the aiogram Dispatcher and Bot."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response, TelegramMethod

from bot.adapter.flows import Flows
from bot.backend import Backend
from bot.commands import publish_commands
from bot.handlers import broadcasts, fallback, organiser, participant, privacy
from bot.handlers.context import ActingUser, PersonContext
from bot.observe import ObservedDispatcher, UpdateObserver


def build_dispatcher(backend: Backend, *, default_language: str = "uk") -> Dispatcher:
    # viche keeps every conversation's state in the backend: no FSM (aiogram's default storage would keep a
    # record per chat for the life of the process, ~9 KiB a person, and its middleware runs on every update).
    dispatcher = ObservedDispatcher(disable_fsm=True)
    dispatcher.update.outer_middleware(UpdateObserver())  # first: the update id on every log line, the metrics
    dispatcher.update.outer_middleware(ActingUser())  # organiser requests act as the update's sender
    dispatcher.update.outer_middleware(PersonContext())  # handlers get data["person"]; no sender, no handler
    flows = Flows.build(backend, default_language)  # shared: /forget must be seen by the citizen flow at once
    dispatcher["participant_flow"] = flows.participant
    dispatcher["backend"] = backend
    dispatcher["known"] = flows.known  # the webhook drops a person from it when another replica handled them last
    dispatcher["organiser_flow"] = flows.organiser
    dispatcher.include_router(organiser.build_router())  # before the participant router: others fall through
    broadcasts.install(dispatcher, flows.digest)  # /digests, /stop; organisers' /digest, /broadcasts
    dispatcher["privacy_flow"] = flows.privacy
    dispatcher["fallback_flow"] = flows.fallback
    dispatcher.include_router(privacy.build_router())  # /mydata, /forget: before the unknown-command reply
    dispatcher.include_router(participant.build_router())
    dispatcher.include_router(fallback.build_router())  # last: media the others ignore, and the error handler
    # The command menu in every language (setMyCommands), and the organisers' own (in their chats only).
    dispatcher.startup.register(publish_commands)
    return dispatcher


_RESPONSE_MODELS: list[type] = []


def _keep_response_models() -> None:
    """aiogram parses every Bot API answer with ``Response[<the method's result type>]``; pydantic keeps such
    parametrised models in a weak cache, so after each garbage collection they are built again (milliseconds
    per call). Holding one of each for the life of the process keeps them built."""
    if _RESPONSE_MODELS:
        return
    for name in methods.__all__:
        method = getattr(methods, name)
        if isinstance(method, type) and issubclass(method, TelegramMethod) and method is not TelegramMethod:
            try:
                _RESPONSE_MODELS.append(Response[method.__returning__])
            except Exception:  # noqa: BLE001 - a type pydantic cannot build ahead: it is built on use, as before
                continue


def build_bot(token: str, api_url: str | None = None) -> Bot:
    """A Bot talking to Telegram, or to any compatible Bot API server at ``api_url``."""
    _keep_response_models()
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/"))) if api_url else AiohttpSession()
    return Bot(token=token, session=session)
