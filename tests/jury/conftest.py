"""The jury tests in the chat use the broadcast tests' fake Bot API, Bot and delivery store."""

from tests.broadcast.conftest import bot, fake, store

__all__ = ["bot", "fake", "store"]
