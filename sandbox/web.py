"""The sandbox web chat: a person plays the Telegram user in a browser, talking to the real bot.

``mount_sandbox(app, fake, prefix="/fakebot")`` adds to a FastAPI app:
  ``{prefix}/...``           the fake Bot API (``FakeBotAPI.app``). Point aiogram at it with
                             ``AiohttpSession(api=TelegramAPIServer.from_base(f"{base}{prefix}"))``,
                             where ``base`` is e.g. ``http://127.0.0.1:8000``.
  ``GET /sandbox``           the chat page (``/sandbox?start=PAYLOAD`` opens it like a t.me deep link)
  ``/sandbox/api/...``       the JSON API the page uses to act as the user:
      ``GET  messages?chat_id=&since=&wait=``  the conversation once its version exceeds ``since``
                                               (long-polls up to ``wait`` seconds, default 10):
                              {version, messages (FakeBotAPI.transcript), reply_keyboard,
                               keyboard_options, answers (callback answers), bot}
      ``POST send_text``      {chat_id, text, first_name?, language_code?, username?}
      ``POST press_button``   {chat_id, message_id, callback_data}
      ``POST send_location``  {chat_id, latitude, longitude}
      ``POST send_contact``   {chat_id, phone_number} (their own, as a request_contact button shares it)
      ``POST send_document``  {chat_id, filename, mime_type?, content_base64}
      ``GET  files/{file_id}`` a photo or document's bytes
      ``GET  organiser?chat_id=``  {available, organiser}: may the page make this user an organiser, and is it one
      ``POST organiser``      {chat_id}: make the user an organiser now (viche/sandbox_organisers.py; 404 when the
                              sandbox has no database of its own to record it in)
  A request the user could not make in Telegram (a button that is not there) answers 400 {"detail"}.
"""

from __future__ import annotations

import base64
import binascii
import time
from functools import cache
from importlib import resources
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from sandbox.errors import SandboxError
from sandbox.fake_bot_api import FakeBotAPI

LANGUAGES = ("uk", "en", "de", "pl", "cs", "fr", "sv")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UserText(BaseModel):
    chat_id: int
    text: str = Field(min_length=1, max_length=4096)
    first_name: str | None = Field(default=None, min_length=1, max_length=64)
    language_code: str | None = None
    username: str | None = None


class Organisers(Protocol):
    async def is_organiser(self, telegram_id: int) -> bool: ...
    async def grant(self, telegram_id: int) -> None: ...


class UserId(BaseModel):
    chat_id: int = Field(gt=0)


class ButtonPress(BaseModel):
    chat_id: int
    message_id: int
    callback_data: str


class UserLocation(BaseModel):
    chat_id: int
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class UserContact(BaseModel):
    chat_id: int
    phone_number: str = Field(min_length=1, max_length=32)


class UserDocument(BaseModel):
    chat_id: int
    filename: str = Field(min_length=1, max_length=255)
    mime_type: str = "application/octet-stream"
    content_base64: str


@cache
def chat_page() -> str:
    """index.html with its stylesheet and script inlined: one self-contained response, any mount path."""
    static = resources.files("sandbox") / "static"
    page = (static / "index.html").read_text("utf-8")
    return page.replace("/*CHAT_CSS*/", (static / "chat.css").read_text("utf-8")).replace(
        "/*CHAT_JS*/", (static / "chat.js").read_text("utf-8")
    )


def sandbox_router(fake: FakeBotAPI, organisers: Organisers | None = None) -> APIRouter:
    router = APIRouter(tags=["sandbox"])

    @router.get("", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(chat_page(), headers={"Cache-Control": "no-store"})

    @router.get("/api/messages")
    async def messages(chat_id: int, request: Request, since: int = -1, wait: float = 10) -> dict[str, Any]:
        await _wait_for_change(fake, request, chat_id, since, min(max(wait, 0), 30))
        chat = fake.chats.get(chat_id)
        return {
            "version": chat.version if chat else 0,
            "messages": fake.transcript(chat_id),
            "reply_keyboard": fake.reply_keyboard(chat_id),
            "keyboard_options": _keyboard_options(chat.reply_keyboard if chat else None),
            "answers": fake.callback_answers(chat_id),
            "bot": fake.bot_user,
        }

    @router.post("/api/send_text")
    async def send_text(body: UserText) -> dict[str, Any]:
        language = body.language_code if body.language_code in (*LANGUAGES, None) else "en"
        return await fake.send_text(
            body.chat_id, body.text, first_name=body.first_name, language_code=language, username=body.username
        )

    @router.post("/api/press_button")
    async def press_button(body: ButtonPress) -> dict[str, Any]:
        try:
            return await fake.press_button(body.chat_id, body.message_id, body.callback_data)
        except SandboxError as error:
            raise HTTPException(400, str(error)) from None

    @router.post("/api/send_location")
    async def send_location(body: UserLocation) -> dict[str, Any]:
        return await fake.send_location(body.chat_id, body.latitude, body.longitude)

    @router.post("/api/send_contact")
    async def send_contact(body: UserContact) -> dict[str, Any]:
        """The person's own contact, as a request_contact button shares it."""
        return await fake.send_contact(body.chat_id, body.phone_number, user_id=body.chat_id)

    @router.post("/api/send_document")
    async def send_document(body: UserDocument) -> dict[str, Any]:
        try:
            content = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise HTTPException(400, "content_base64 is not valid base64") from None
        if not content or len(content) > MAX_UPLOAD_BYTES:
            raise HTTPException(400, f"a document must hold 1 byte to {MAX_UPLOAD_BYTES} bytes")
        return await fake.send_document(body.chat_id, body.filename, content, body.mime_type)

    @router.get("/api/files/{file_id}")
    async def file(file_id: str) -> Response:
        stored = fake.files.get(file_id)
        if stored is None or stored.content is None:
            raise HTTPException(404, "no such file")
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")

    @router.get("/api/organiser")
    async def organiser(chat_id: int) -> dict[str, bool]:
        if organisers is None:
            return {"available": False, "organiser": False}
        return {"available": True, "organiser": await organisers.is_organiser(chat_id)}

    @router.post("/api/organiser")
    async def act_as_organiser(body: UserId) -> dict[str, bool]:
        if organisers is None:
            raise HTTPException(404, "this sandbox cannot make organisers (the API runs elsewhere)")
        await organisers.grant(body.chat_id)
        return {"available": True, "organiser": True}

    return router


def _keyboard_options(markup: dict[str, Any] | None) -> dict[str, Any]:
    if not markup:
        return {}
    return {"one_time": bool(markup.get("one_time_keyboard")), "placeholder": markup.get("input_field_placeholder")}


async def _wait_for_change(fake: FakeBotAPI, request: Request, chat_id: int, since: int, wait: float) -> None:
    started = time.monotonic()
    deadline = started + wait
    while True:
        chat = fake.chats.get(chat_id)
        if (chat.version if chat else 0) > since:
            return
        closed_at = fake.updates.closed_at
        if closed_at is not None:
            # Shutting down (FakeBotAPI.close): answer the waiting page now, later polls soon but not
            # at once, or the page would spin.
            deadline = min(deadline, closed_at if started < closed_at else started + 0.5)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or await request.is_disconnected():
            return
        # Wake at least every second to notice a browser that went away.
        await fake.chats.changed.wait(min(remaining, 1.0))


def mount_sandbox(
    app: FastAPI, fake: FakeBotAPI, prefix: str = "/fakebot", organisers: Organisers | None = None
) -> None:
    """Serve the fake Bot API under ``prefix`` and the web chat at ``/sandbox`` of ``app``; with ``organisers``,
    the page offers to make its user an organiser."""
    fake.files_url_prefix = "/sandbox/api/files"
    app.mount(prefix, fake.app)
    app.include_router(sandbox_router(fake, organisers), prefix="/sandbox")


__all__ = ["LANGUAGES", "chat_page", "mount_sandbox", "sandbox_router"]
