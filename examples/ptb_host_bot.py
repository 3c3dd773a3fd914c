"""A small python-telegram-bot bot of its own — /start, /hello with a button, an echo — that runs viche's
consultations side by side (``pip install 'viche[ptb]'``).

The host keeps its /start, its /help, its buttons and its text; viche takes only what is its own: /start with a
deep link to one of its open consultations (``https://t.me/<bot>?start=<slug>``), /consult (where a person
continues), /consultations, /language, /digests, /mydata and /forget, organiser commands from organisers, text
while one of its questions waits for it, and its own buttons (their data marked ``vc|``).

    VICHE_BOT_TOKEN=123:ABC VICHE_API_URL=http://127.0.0.1:8000 VICHE_SERVICE_TOKEN=… python examples/ptb_host_bot.py

``VICHE_API_URL`` and ``VICHE_SERVICE_TOKEN`` name a running ``viche api`` (the same service token on both
sides); ``VICHE_TELEGRAM_API_URL`` any Bot API server (the sandbox's fake one, a self-hosted telegram-bot-api),
Telegram's when unset.
"""

from __future__ import annotations

import os
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from viche.ptb import add_viche, build_application, connect_backend

HELLO = "Hello from the host bot! 👋"
WELCOME = "Welcome to the neighbourhood bot. /hello says hello; /consult takes you to the city's consultations."


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(WELCOME)


async def hello(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    again = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="hello")]])
    await update.effective_message.reply_text(HELLO, reply_markup=again)


async def hello_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Hello again!")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"You said: {update.effective_message.text}")


def build_host_bot(
    token: str, telegram_api_url: str | None, api_url: str, service_token: str
) -> Application[Any, Any, Any, Any, Any, Any]:
    application = build_application(token, telegram_api_url)
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("hello", hello))
    application.add_handler(CallbackQueryHandler(hello_again, pattern="^hello$"))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    # viche, in its own handler group before the host's; it answers its own updates and stops them there.
    viche = add_viche(application, connect_backend(api_url, service_token), default_language="en")

    async def close_backend(_: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await viche.backend.close()

    application.post_shutdown = close_backend
    return application


def main() -> None:
    application = build_host_bot(
        os.environ["VICHE_BOT_TOKEN"],
        os.environ.get("VICHE_TELEGRAM_API_URL"),
        os.environ["VICHE_API_URL"],
        os.environ["VICHE_SERVICE_TOKEN"],
    )
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
