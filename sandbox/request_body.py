"""Reading a Bot API call the way Telegram does: query string, urlencoded form, multipart or JSON.

aiogram's AiohttpSession posts ``application/x-www-form-urlencoded`` when there is nothing to
upload and ``multipart/form-data`` as soon as a file is attached; every non-string value (numbers,
booleans, reply_markup, commands, scopes) arrives JSON-encoded as a string, and each file travels
as its own part referenced from a field as ``attach://<part name>``. Other clients post JSON.

The parsing is done here rather than with Starlette's form support because that needs
``python-multipart``, which the project does not otherwise depend on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from urllib.parse import parse_qsl

from starlette.requests import Request

from sandbox.errors import bad_request


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes
    content_type: str | None = None


async def read_call(request: Request) -> tuple[dict[str, object], dict[str, UploadedFile]]:
    """Return the call's parameters and any uploaded files, keyed by their part name."""
    fields, files = parse_call(request.headers.get("content-type", ""), await request.body())
    return {**request.query_params, **fields}, files


def parse_call(content_type: str, body: bytes) -> tuple[dict[str, object], dict[str, UploadedFile]]:
    """A call's body parameters and uploaded files, from its Content-Type and body."""
    fields: dict[str, object] = {}
    files: dict[str, UploadedFile] = {}
    if not body:
        return fields, files
    media_type, options = _parse_content_type(content_type)
    if media_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise bad_request("can't parse JSON object")
        fields.update(decoded)
    elif media_type == "multipart/form-data":
        boundary = options.get("boundary")
        if not boundary:
            raise bad_request("multipart boundary is missing")
        for name, filename, content_type, content in _multipart_parts(body, boundary.encode("latin-1")):
            if filename is None:
                fields[name] = content.decode("utf-8", errors="replace")
            else:
                files[name] = UploadedFile(filename, content, content_type)
    else:
        fields.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return fields, files


def _parse_content_type(header: str) -> tuple[str, dict[str, str]]:
    message = Message()
    message["content-type"] = header or "application/x-www-form-urlencoded"
    params = dict(message.get_params()[1:]) if message.get_params() else {}
    return message.get_content_type(), {key.lower(): value for key, value in params.items()}


def _multipart_parts(body: bytes, boundary: bytes):
    """Yield (name, filename or None, content type, content) for each part.

    Splitting on the delimiter keeps binary content byte-exact, which the email package's parser
    does not promise.
    """
    delimiter = b"--" + boundary
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            continue
        headers = Message()
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip()] = value.strip()
        name = headers.get_param("name", header="content-disposition")
        if not name:
            continue
        filename = headers.get_param("filename", header="content-disposition")
        yield (
            collapse_rfc2231_value(name),
            None if filename is None else collapse_rfc2231_value(filename),
            headers.get("content-type"),
            content.removesuffix(b"\r\n"),
        )
