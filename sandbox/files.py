"""Files that went through the sandbox: photos the bot sent, documents the user sent.

The bytes are kept so that the web page can show a photo and a bot can download a user's document
through getFile, exactly as it would from Telegram's file server.
"""

from __future__ import annotations

import mimetypes
import secrets
import struct
from dataclasses import dataclass

from sandbox.errors import bad_request
from sandbox.request_body import UploadedFile

_FOLDERS = {"photo": "photos", "document": "documents", "sticker": "stickers"}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    content: bytes | None
    """None for a file the bot sent by URL: Telegram would fetch it, the sandbox only links to it."""
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.content or b"")

    def telegram_file(self) -> dict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }

    def photo_sizes(self) -> list[dict]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": self.size,
            }
        ]

    def document(self) -> dict:
        document = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size}
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        kind: str,
        content: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        self._counter += 1
        extension = _extension(file_name, mime_type, content)
        width, height = image_size(content) if kind == "photo" and content else (0, 0)
        stored = StoredFile(
            file_id=f"{kind}-{self._counter}-{secrets.token_urlsafe(12)}",
            file_unique_id=f"u{self._counter}{secrets.token_hex(4)}",
            kind=kind,
            content=content,
            file_path=f"{_FOLDERS.get(kind, 'files')}/file_{self._counter}{extension}",
            file_name=file_name,
            mime_type=mime_type or _sniff(content) or (mimetypes.guess_type(file_name)[0] if file_name else None),
            url=url,
            width=width or (320 if kind == "photo" else 0),
            height=height or (320 if kind == "photo" else 0),
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    @property
    def counter(self) -> int:
        return self._counter

    def all(self) -> list[StoredFile]:
        return list(self._by_id.values())

    def restore(self, files: list[StoredFile], counter: int) -> None:
        """Files saved by an earlier run (sandbox.persistence)."""
        for stored in files:
            self._by_id[stored.file_id] = stored
            self._by_path[stored.file_path] = stored
        self._counter = max(self._counter, counter)

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def accept(self, kind: str, given: UploadedFile | str | None, field: str) -> StoredFile:
        """Turn what a send method received (upload, file_id or URL) into a stored file."""
        if given is None:
            raise bad_request(f"there is no {field} in the request")
        if isinstance(given, UploadedFile):
            if not given.content:
                raise bad_request("file must be non-empty")
            mime_type = given.content_type if given.content_type != "application/octet-stream" else None
            return self.add(kind, given.content, file_name=given.filename, mime_type=mime_type)
        known = self._by_id.get(given)
        if known is not None:
            return known
        if given.startswith(("http://", "https://")):
            return self.add(kind, None, url=given, file_name=given.rsplit("/", 1)[-1] or None)
        raise bad_request("wrong file identifier/HTTP URL specified")


def _sniff(content: bytes | None) -> str | None:
    if not content:
        return None
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _extension(file_name: str | None, mime_type: str | None, content: bytes | None) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[-1].lower()
    mime_type = mime_type or _sniff(content)
    return (mimetypes.guess_extension(mime_type) if mime_type else None) or ""


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG; (0, 0) if unknown."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        return struct.unpack(">II", content[16:24])
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        return struct.unpack("<HH", content[6:10])
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return 0, 0


def _jpeg_size(content: bytes) -> tuple[int, int]:
    index = 2
    while index + 9 < len(content):
        if content[index] != 0xFF:
            index += 1
            continue
        marker = content[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = struct.unpack(">H", content[index + 2 : index + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return 0, 0
