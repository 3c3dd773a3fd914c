"""/link: the deep link that opens a consultation in the bot, with its QR code and an optional outreach source."""

from __future__ import annotations

from bot.backend import Backend, BackendError
from bot.flows.organiser.arguments import is_source, quoted, refuse_slug, words
from bot.flows.organiser.replies import OrganiserReply, failure, say, status_label
from bot.flows.screens import Screen
from bot.i18n import Translator


class Links:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def command(self, tr: Translator, args: str | None, bot_username: str) -> OrganiserReply:
        given = words(args)
        if not given:
            return say(
                tr._(
                    "Usage: /link <slug> [source]. The source (letters, digits, _) "
                    "tells you later where participants came from."
                )
            )
        refusal = refuse_slug(tr, given, tr._("/link <slug> [source]"), most=2)
        if refusal is not None:
            return refusal
        slug, source = given[0], (given[1] if len(given) > 1 else None)
        if source is not None and not is_source(source):
            return say(
                tr._(
                    "«{text}» cannot be a source: it has 1 to 40 letters, digits or _, for example {example}.",
                    text=quoted(source),
                    example="poster_3",
                )
            )
        try:
            link = await self.backend.link(slug, bot_username, source, tr.locale)
            png = await self.backend.link_qr(slug, bot_username, source)
        except BackendError as error:
            return OrganiserReply(messages=[failure(tr, error, slug)])
        caption = f"{link['url']}\n\n" + tr._("This link and QR code open «{title}» in the bot.", title=link["title"])
        if link["status"] == "draft":
            caption += "\n" + tr._("It is still a draft: the link works once you /launch {slug}.", slug=slug)
        elif link["status"] != "open":
            caption += "\n" + tr._("It is {status} now.", status=status_label(tr, link["status"]))
        return OrganiserReply(messages=[Screen(caption, photo=png)])
