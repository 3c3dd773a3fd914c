"""Fixtures of the jury tests: a consultation that recruits a jury (Polish first, English too), and the broadcast
tests' fake Bot API, Bot and delivery store for the tests in the chat."""

from pathlib import Path

import pytest

from storage.consultations import save_definition
from tests.broadcast.conftest import bot, fake, store
from viche.loading import read_definition

__all__ = ["SLUG", "bot", "fake", "jury_consultation", "store"]

SLUG = "rada-mlodziezy"


@pytest.fixture
async def jury_consultation(db) -> str:
    """``tests/jury/chat_jury.yaml``, open: a jury of 2 (one woman, one man), gender required, district optional."""
    async with db.session() as session:
        await save_definition(session, read_definition(Path(__file__).with_name("chat_jury.yaml")), status="open")
    return SLUG
