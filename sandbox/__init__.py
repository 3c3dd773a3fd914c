"""The sandbox: a fake Telegram Bot API, a browser chat to play the user, and a test server helper.

- ``FakeBotAPI`` (sandbox.fake_bot_api): the fake server and its user-side controls.
- ``mount_sandbox`` (sandbox.web): serve it and the web chat from a FastAPI app.
- ``serve`` (sandbox.server): run any ASGI app on an ephemeral port inside the current loop.
"""

from sandbox.errors import BotAPIError, SandboxError
from sandbox.fake_bot_api import FakeBotAPI
from sandbox.server import serve

__all__ = ["BotAPIError", "FakeBotAPI", "SandboxError", "serve"]
