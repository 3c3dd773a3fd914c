"""Fixtures of the organiser tests."""

from __future__ import annotations

import pytest

from tests.organiser.support import SLUG, example_text, upload


@pytest.fixture
async def riverside(http) -> str:
    """The example consultation (uk, en, de; every item type), launched."""
    assert (await upload(http, example_text())).status_code == 201
    assert (await http.post(f"/organiser/consultations/{SLUG}/status", json={"action": "launch"})).status_code == 200
    return SLUG
