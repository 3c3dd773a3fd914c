"""The bot's client for the backend API: the same HTTP routes any other front end uses.

In one process the requests go straight into the FastAPI app (``bot.asgi_client``); when the
bot runs apart, to ``VICHE_API_URL``. Either way the bot never touches the database itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.acting import acting_user
from bot.asgi_client import AsgiClient
from bot.backend_http import BackendResponse
from bot.remote_client import RemoteClient
from core import assertion


@dataclass
class BackendError(Exception):
    status: int
    code: str
    message: str
    extra: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class Backend:
    def __init__(self, client: AsgiClient | RemoteClient, service_token: str | None = None) -> None:
        self._http = client
        self._signing_key = service_token  # signs who acts on the organiser routes (bot/acting.py)

    @classmethod
    def in_process(cls, app: Any, service_token: str) -> Backend:
        return cls(AsgiClient(app, {"Authorization": f"Bearer {service_token}"}), service_token)

    @classmethod
    def remote(cls, base_url: str, service_token: str) -> Backend:
        return cls(RemoteClient(base_url, {"Authorization": f"Bearer {service_token}"}), service_token)

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, *, actor: int | None = None, **kwargs: Any) -> BackendResponse:
        """The response, or the API's JSON error raised as a BackendError. An organiser route acts as ``actor``,
        by default the sender of the update being handled."""
        if path.startswith("/organiser/"):
            who = actor if actor is not None else acting_user.get()
            if who is not None and self._signing_key:
                kwargs["headers"] = {assertion.HEADER: assertion.sign(self._signing_key, who, method, path)}
        response = await self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "error", "message": response.text[:200]}
            extra = {k: v for k, v in error.items() if k not in ("status", "code", "message")}
            raise BackendError(response.status_code, error.get("code", "error"), error.get("message", ""), extra)
        return response

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._request(method, path, **kwargs)
        return response.json() if response.content else None

    # participant routes. ``then`` ({"next": slug, "lang": …}) asks a write to return the next screen too.
    async def identify(self, channel: str, external_id: str) -> dict:
        return await self._call("POST", "/participant/identify", json={"channel": channel, "external_id": external_id})

    async def set_language(self, participant_id: str, language: str) -> dict:
        return await self._call("PATCH", f"/participant/{participant_id}", json={"language": language})

    async def open_consultations(self, lang: str | None) -> list[dict]:
        return await self._call("GET", "/participant/consultations/open", params={"lang": lang} if lang else None)

    async def enrol(self, participant_id: str, slug: str, source: str | None = None) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/enrol", json={"slug": slug, "source": source})

    async def consent(self, participant_id: str, slug: str, then: dict | None = None) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/consent", json={"slug": slug}, params=then)

    async def next(self, participant_id: str, slug: str, lang: str | None) -> dict:
        params = {"slug": slug, **({"lang": lang} if lang else {})}
        return await self._call("GET", f"/participant/{participant_id}/next", params=params)

    async def standing(self, participant_id: str, slug: str) -> dict:
        """Where the participant stands among the consultation's opinion groups."""
        return await self._call("GET", f"/participant/{participant_id}/standing", params={"slug": slug})

    async def answer(
        self,
        participant_id: str,
        item_id: int,
        option_id: int | None = None,
        value: Any = None,
        then: dict | None = None,
    ) -> dict:
        return await self._call(
            "POST",
            f"/participant/{participant_id}/answers",
            json={"item_id": item_id, "option_id": option_id, "value": value},
            params=then,
        )

    async def ballot(self, participant_id: str, item_id: int, lang: str | None) -> dict:
        """A budget item's ballot as it stands (to fill it or change a sent one)."""
        return await self._call("GET", f"/participant/{participant_id}/ballots/{item_id}", params=_lang(lang))

    async def ballot_pick(
        self, participant_id: str, item_id: int, action: str, option_id: int | None, lang: str | None
    ) -> dict:
        """One pick on a budget ballot, kept by the API; returns the ballot's screen."""
        return await self._call(
            "POST",
            f"/participant/{participant_id}/ballots/{item_id}/picks",
            json={"action": action, "option_id": option_id},
            params=_lang(lang),
        )

    async def ballot_send(self, participant_id: str, item_id: int, then: dict | None = None) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/ballots/{item_id}/send", params=then)

    async def vote(
        self,
        participant_id: str,
        proposal_id: int,
        choice: str,
        qualification: str | None = None,
        then: dict | None = None,
    ) -> dict:
        return await self._call(
            "POST",
            f"/participant/{participant_id}/votes",
            params=then,
            json={"proposal_id": proposal_id, "choice": choice, "qualification": qualification},
        )

    async def qualify(
        self, participant_id: str, proposal_id: int, choice: str, qualification: str | None, then: dict | None = None
    ) -> dict:
        """The "why?" after a vote (None: skipped): touches only the participant's own vote on the proposal."""
        return await self._call(
            "POST",
            f"/participant/{participant_id}/votes/{proposal_id}/qualification",
            params=then,
            json={"choice": choice, "qualification": qualification},
        )

    async def eligibility(
        self,
        participant_id: str,
        item_id: int,
        *,
        phone: str | None = None,
        code: str | None = None,
        then: dict | None = None,
    ) -> dict:
        """Pass a budget's check: the sender's own phone number, or an invitation code."""
        return await self._call(
            "POST",
            f"/participant/{participant_id}/eligibility",
            json={"item_id": item_id, "phone": phone, "code": code},
            params=then,
        )

    async def answer_pair(
        self, participant_id: str, token: str, outcome: str, reason: str | None = None, then: dict | None = None
    ) -> dict:
        return await self._call(
            "POST",
            f"/participant/{participant_id}/pairs/{token}",
            json={"outcome": outcome, "reason": reason},
            params=then,
        )

    async def profile(self, participant_id: str, slug: str, field: str, value: str | None) -> None:
        await self._call(
            "POST", f"/participant/{participant_id}/profile", json={"slug": slug, "field": field, "value": value}
        )

    async def set_awaiting(self, participant_id: str, slug: str, awaiting: str | None) -> None:
        await self._call("POST", f"/participant/{participant_id}/awaiting", json={"slug": slug, "awaiting": awaiting})

    async def propose(self, participant_id: str, item_id: int, text: str, language: str) -> dict:
        return await self._call(
            "POST",
            f"/participant/{participant_id}/proposals",
            json={"item_id": item_id, "text": text, "language": language},
        )

    async def comment(self, participant_id: str, item_id: int, text: str) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/answers/{item_id}/comment", json={"text": text})

    async def jury(self, participant_id: str, slug: str, action: str, lang: str | None, **fields: Any) -> dict:
        """The participant's jury screen (``action`` "screen"), or after begin, answer, confirm or withdraw."""
        path = f"/participant/{participant_id}/jury/{slug}"
        if action == "screen":
            return await self._call("GET", path, params=_lang(lang))
        return await self._call("POST", f"{path}/{action}", json=fields, params=_lang(lang))

    async def jury_reply(self, participant_id: str, slug: str, accept: bool, lang: str | None = None) -> dict:
        """Accept or decline a seat on the panel: {"outcome", "screen"}."""
        return await self._call(
            "POST", f"/participant/{participant_id}/jury/{slug}/reply", json={"accept": accept}, params=_lang(lang)
        )

    # organiser routes
    # ``lang``: the organiser's language, for titles and prompts (the consultation's default where it lacks one).
    async def stats(self, slug: str, lang: str | None = None) -> dict:
        return await self._call("GET", f"/organiser/consultations/{slug}/stats", params=_lang(lang))

    # ---- organiser routes (organiser commands) --------------------------------------------------------
    # Kept together at the end of the class; used by bot/flows/organiser/.

    async def _bytes(self, method: str, path: str, **kwargs: Any) -> bytes:
        return (await self._request(method, path, **kwargs)).content

    async def access(self, telegram_id: int) -> dict:
        return await self._call("GET", f"/organiser/access/{telegram_id}")

    async def organisers(self) -> list[dict]:
        return await self._call("GET", "/organiser/organisers")

    async def organiser_menus(self) -> list[dict]:
        """Who gets the organiser menu (no person acts: the bot asks at startup)."""
        return await self._call("GET", "/bot/organiser-menus")

    async def grant(self, telegram_id: int, granted_by: int) -> dict:
        """Signed as ``granted_by``: the API records the owner it verified, and refuses anyone else."""
        return await self._call("POST", "/organiser/organisers", json={"telegram_id": telegram_id}, actor=granted_by)

    async def revoke(self, telegram_id: int, revoked_by: int) -> dict:
        return await self._call("DELETE", f"/organiser/organisers/{telegram_id}", actor=revoked_by)

    async def consultations(self, lang: str | None = None) -> list[dict]:
        return await self._call("GET", "/organiser/consultations", params=_lang(lang))

    async def upload_definition(self, content: str, filename: str | None, lang: str | None = None) -> dict:
        return await self._call(
            "POST", "/organiser/consultations", json={"content": content, "filename": filename}, params=_lang(lang)
        )

    async def change_status(self, slug: str, action: str, lang: str | None = None) -> dict:
        return await self._call(
            "POST", f"/organiser/consultations/{slug}/status", json={"action": action}, params=_lang(lang)
        )

    async def preview(self, slug: str, position: int, lang: str | None) -> dict:
        params = {"position": position, **({"lang": lang} if lang else {})}
        return await self._call("GET", f"/organiser/consultations/{slug}/preview", params=params)

    async def moderation_next(self, slug: str | None = None, after: int | None = None, lang: str | None = None) -> dict:
        params = {k: v for k, v in (("slug", slug), ("after", after), ("lang", lang)) if v is not None}
        return await self._call("GET", "/organiser/moderation/next", params=params)

    async def accept_proposal(self, proposal_id: int) -> dict:
        return await self._call("POST", f"/organiser/proposals/{proposal_id}/accept")

    async def reject_proposal(self, proposal_id: int, reason: str) -> dict:
        return await self._call("POST", f"/organiser/proposals/{proposal_id}/reject", json={"reason": reason})

    async def link(self, slug: str, bot: str, source: str | None = None, lang: str | None = None) -> dict:
        params = {"bot": bot, **({"source": source} if source else {}), **_lang(lang)}
        return await self._call("GET", f"/organiser/consultations/{slug}/link", params=params)

    async def publish(self, slug: str, published: bool) -> dict:
        return await self._call("PUT", f"/organiser/consultations/{slug}/published", json={"published": published})

    async def publication(self, slug: str) -> dict:
        return await self._call("GET", f"/organiser/consultations/{slug}/published")

    async def private_link(self, slug: str) -> dict:
        return await self._call("POST", f"/organiser/consultations/{slug}/private-link")

    async def link_qr(self, slug: str, bot: str, source: str | None = None) -> bytes:
        params = {"bot": bot, **({"source": source} if source else {})}
        return await self._bytes("GET", f"/organiser/consultations/{slug}/qr.png", params=params)

    # ---- privacy and webhook delivery routes (production mode) -------------------------------------

    async def find(self, channel: str, external_id: str) -> dict | None:
        """The participant behind a channel identity, or None: unlike ``identify``, never creates one."""
        try:
            return await self._call("POST", "/participant/find", json={"channel": channel, "external_id": external_id})
        except BackendError as error:
            if error.status == 404:
                return None
            raise

    async def export(self, participant_id: str) -> dict:
        return await self._call("GET", f"/participant/{participant_id}/export")

    async def forget(self, participant_id: str) -> dict:
        return await self._call("POST", f"/participant/{participant_id}/forget")

    async def update_processed(self, bot_id: int, update_id: int) -> bool:
        return (await self._call("GET", f"/delivery/updates/{bot_id}/{update_id}"))["processed"]

    async def latest_update(self, bot_id: int) -> dict:
        """``update_id``: the highest handled; ``shared``: the database is shared by replicas (claim each update)."""
        return await self._call("GET", f"/delivery/updates/{bot_id}/latest")

    async def claim_update(self, bot_id: int, update_id: int, person: int, holder: str) -> dict:
        return await self._call(
            "POST",
            f"/delivery/updates/{bot_id}/claims",
            json={"update_id": update_id, "person": person, "holder": holder},
        )

    async def renew_claims(self, bot_id: int, update_ids: list[int], holder: str) -> int:
        body = {"update_ids": update_ids, "holder": holder}
        return (await self._call("POST", f"/delivery/updates/{bot_id}/leases", json=body))["held"]

    async def release_claim(self, bot_id: int, update_id: int, holder: str) -> None:
        await self._request("DELETE", f"/delivery/updates/{bot_id}/claims/{update_id}", params={"holder": holder})

    async def record_updates(self, bot_id: int, update_ids: list[int]) -> None:
        await self._request("PUT", f"/delivery/updates/{bot_id}", json={"update_ids": update_ids})

    # ---- broadcasts: digests and invitations (api/broadcast/routes.py) --------------------------------

    async def messaging(self, participant_id: str) -> dict:
        return await self._call("GET", f"/participant/{participant_id}/messaging")

    async def set_messaging(
        self, participant_id: str, *, digests: bool | None = None, stopped: bool | None = None
    ) -> dict:
        return await self._call(
            "PUT", f"/participant/{participant_id}/messaging", json={"digests": digests, "stopped": stopped}
        )

    async def reachable(self, channel: str, external_id: str) -> None:
        await self._http.request(
            "POST", "/participant/messaging/reachable", json={"channel": channel, "external_id": external_id}
        )

    async def start_digest(
        self,
        slug: str,
        *,
        round_: str | None = None,
        organiser_chat_id: int | None = None,
        organiser_language: str | None = None,
    ) -> dict:
        return await self._call(
            "POST",
            f"/organiser/consultations/{slug}/digest",
            json={"round": round_, "organiser_chat_id": organiser_chat_id, "organiser_language": organiser_language},
        )

    async def jury_status(self, slug: str) -> dict:
        return await self._call("GET", f"/organiser/consultations/{slug}/jury")

    async def jury_panel(
        self, slug: str, seed: int, organiser_chat_id: int | None = None, organiser_language: str | None = None
    ) -> dict:
        """Draw the panel with the definition's quotas and call the drawn volunteers."""
        return await self._call(
            "POST",
            f"/organiser/consultations/{slug}/jury/panel",
            json={"seed": seed, "organiser_chat_id": organiser_chat_id, "organiser_language": organiser_language},
        )

    async def jury_end(self, slug: str) -> dict:
        return await self._call("POST", f"/organiser/consultations/{slug}/jury/end")

    async def broadcasts(self, slug: str | None = None, limit: int = 20) -> list[dict]:
        params = {"limit": limit, **({"slug": slug} if slug else {})}
        return await self._call("GET", "/organiser/broadcasts", params=params)


def _lang(lang: str | None) -> dict[str, str]:
    return {"lang": lang} if lang else {}
