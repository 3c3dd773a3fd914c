"""The bot's client for the backend API: the same HTTP routes any other front end uses.

In one process the requests go through httpx's ASGI transport straight into the FastAPI app; when the
bot runs apart, to ``VICHE_API_URL``. Either way the bot never touches the database itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class BackendError(Exception):
    status: int
    code: str
    message: str
    extra: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class Backend:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._http = client

    @classmethod
    def in_process(cls, app: Any, service_token: str) -> "Backend":
        transport = httpx.ASGITransport(app=app)
        return cls(httpx.AsyncClient(transport=transport, base_url="http://viche.internal",
                                     headers={"Authorization": f"Bearer {service_token}"}, timeout=30))

    @classmethod
    def remote(cls, base_url: str, service_token: str) -> "Backend":
        return cls(httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {service_token}"},
                                     timeout=30))

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "error", "message": response.text[:200]}
            extra = {k: v for k, v in error.items() if k not in ("status", "code", "message")}
            raise BackendError(response.status_code, error.get("code", "error"), error.get("message", ""), extra)
        return response.json() if response.content else None

    # participant routes
    async def identify(self, channel: str, external_id: str) -> dict:
        return await self._call("POST", "/participant/identify", json={"channel": channel, "external_id": external_id})

    async def set_language(self, participant_id: str, language: str) -> dict:
        return await self._call("PATCH", f"/participant/{participant_id}", json={"language": language})

    async def open_consultations(self, lang: str | None) -> list[dict]:
        return await self._call("GET", "/participant/consultations/open", params={"lang": lang} if lang else None)

    async def enrol(self, participant_id: str, slug: str, source: str | None = None) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/enrol", json={"slug": slug, "source": source})

    async def consent(self, participant_id: str, slug: str) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/consent", json={"slug": slug})

    async def next(self, participant_id: str, slug: str, lang: str | None) -> dict:
        params = {"slug": slug, **({"lang": lang} if lang else {})}
        return await self._call("GET", f"/participant/{participant_id}/next", params=params)

    async def answer(self, participant_id: str, item_id: int, option_id: int | None = None, value: Any = None) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/answers",
                                json={"item_id": item_id, "option_id": option_id, "value": value})

    async def vote(self, participant_id: str, proposal_id: int, choice: str, qualification: str | None = None) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/votes",
                                json={"proposal_id": proposal_id, "choice": choice, "qualification": qualification})

    async def answer_pair(self, participant_id: str, token: str, outcome: str, reason: str | None = None) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/pairs/{token}",
                                json={"outcome": outcome, "reason": reason})

    async def profile(self, participant_id: str, slug: str, field: str, value: str | None) -> None:
        await self._call("POST", f"/participant/{participant_id}/profile",
                         json={"slug": slug, "field": field, "value": value})

    async def set_awaiting(self, participant_id: str, slug: str, awaiting: str | None) -> None:
        await self._call("POST", f"/participant/{participant_id}/awaiting", json={"slug": slug, "awaiting": awaiting})

    async def propose(self, participant_id: str, item_id: int, text: str, language: str) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/proposals",
                                json={"item_id": item_id, "text": text, "language": language})

    async def comment(self, participant_id: str, item_id: int, text: str) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/answers/{item_id}/comment", json={"text": text})

    # organiser routes
    async def stats(self, slug: str) -> dict:
        return await self._call("GET", f"/organiser/consultations/{slug}/stats")
