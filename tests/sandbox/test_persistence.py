"""The sandbox's saved chats: what a restart brings back, and a damaged file never stops the sandbox."""

from __future__ import annotations

from pathlib import Path

from sandbox.fake_bot_api import FakeBotAPI
from sandbox.persistence import SavedSandbox, state_path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + (64).to_bytes(4, "big") + (32).to_bytes(4, "big") + b"\x00" * 20


async def test_messages_files_and_the_update_numbering_come_back(tmp_path):
    path = tmp_path / "state.json"
    first = FakeBotAPI()
    saved = SavedSandbox(first, path)
    first.register_user(77, first_name="Iryna", language_code="uk")
    await first.send_text(77, "/start")
    await first.call("sendPhoto", {"chat_id": 77, "caption": "QR"}, {"photo": _upload(PNG)})
    await first.send_document(77, "ideas.yaml", b"slug: x\n", "application/yaml")
    await saved.stop()  # what shutdown does

    second = FakeBotAPI()
    assert SavedSandbox(second, path).load()
    assert second.transcript(77) == first.transcript(77)
    photo = second.transcript(77)[1]["photo"]  # the page's link to the bytes
    assert second.files.get(photo.rsplit("/", 1)[-1]).content == PNG
    assert second.users[77]["first_name"] == "Iryna"
    await second.send_text(77, "again")
    assert second.updates.pending[-1]["update_id"] > first.updates.pending[-1]["update_id"]  # a webhook's dedup holds
    assert second.transcript(77)[-1]["message_id"] == 4  # ids go on in the chat


def test_a_damaged_file_is_set_aside_and_the_sandbox_starts_empty(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    fake = FakeBotAPI()
    assert not SavedSandbox(fake, path).load()
    assert fake.chats.all() == [] and not path.exists()
    assert (tmp_path / "state.json.unreadable").read_text() == "{not json"


def test_the_file_sits_beside_a_sqlite_database():
    assert state_path("sqlite+aiosqlite:///./viche.db") == Path("./viche.db.sandbox.json")
    assert state_path("sqlite+aiosqlite:////srv/viche/data.db") == Path("/srv/viche/data.db.sandbox.json")
    assert state_path("postgresql+asyncpg://u@h/db") == Path("viche-sandbox.json")
    assert state_path(None) == Path("viche-sandbox.json")


def _upload(content: bytes):
    from sandbox.request_body import UploadedFile

    return UploadedFile(filename="qr.png", content_type="image/png", content=content)
