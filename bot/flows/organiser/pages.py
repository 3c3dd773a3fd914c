"""/publish, /dashboard and /results: a consultation's results page.

/publish <slug> makes the public page /r/<slug> visible to everyone (``/publish <slug> off`` hides it again: a
404, as for a consultation that does not exist). /dashboard <slug> sends the organiser a signed link to the
private page (the same charts plus the free texts), which works for a day and only for that consultation.
/results <slug> answers with a button that opens the page: the public one once published, else the organiser's
own private link (a Mini App inside Telegram where the pages have an HTTPS address: the organiser commands are
answered only in private chats, where Telegram allows Mini App buttons).
"""

from __future__ import annotations

from bot.backend import Backend, BackendError
from bot.flows.organiser.arguments import refuse_slug, too_many, words
from bot.flows.organiser.replies import OrganiserReply, failure, say
from bot.flows.screens import Screen, link_button
from bot.i18n import Translator

OFF = "off"


class ResultsPages:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def publish(self, tr: Translator, args: str | None) -> OrganiserReply:
        usage = "/publish <slug> [off]"
        given = words(args)
        if not given:
            return say(tr._("Usage: {usage}. /list shows the slugs.", usage=usage))
        refusal = refuse_slug(tr, given, usage, most=2)
        if refusal is not None:
            return refusal
        if len(given) == 2 and given[1].lower() != OFF:
            return too_many(tr, given[1:], usage)
        slug, published = given[0], len(given) == 1
        try:
            state = await self.backend.publish(slug, published)
        except BackendError as error:
            return OrganiserReply(messages=[failure(tr, error, slug)])
        if published:
            text = tr._(
                "🌐 The results page of {slug} is public: {url}\nAnyone with the address can see it. "
                "/publish {slug} off hides it again.",
                slug=slug,
                url=state["url"],
            )
        else:
            text = tr._("The results page of {slug} is hidden again.", slug=slug)
        return OrganiserReply(messages=[Screen(text)])

    async def dashboard(self, tr: Translator, args: str | None) -> OrganiserReply:
        usage = "/dashboard <slug>"
        given = words(args)
        if not given:
            return say(tr._("Usage: {usage}. /list shows the slugs.", usage=usage))
        refusal = refuse_slug(tr, given, usage)
        if refusal is not None:
            return refusal
        slug = given[0]
        try:
            link = await self.backend.private_link(slug)
        except BackendError as error:
            return OrganiserReply(messages=[failure(tr, error, slug)])
        text = tr._(
            "🔒 The organisers' results page of {slug}, with the free texts: {url}\n"
            "The link works for 24 hours and only for you: do not share it.",
            slug=slug,
            url=link["url"],
        )
        return OrganiserReply(messages=[Screen(text)])

    async def results(self, tr: Translator, args: str | None) -> OrganiserReply:
        usage = "/results <slug>"
        given = words(args)
        if not given:
            return say(tr._("Usage: {usage}. /list shows the slugs.", usage=usage))
        refusal = refuse_slug(tr, given, usage)
        if refusal is not None:
            return refusal
        slug = given[0]
        try:
            state = await self.backend.publication(slug)
            if state["published"]:
                text, label, url = (
                    tr._("📊 The results page of {slug} is public.", slug=slug),
                    tr._("Open the results page"),
                    state["url"],
                )
            else:
                link = await self.backend.private_link(slug)
                text, label, url = (
                    tr._(
                        "🔒 The results page of {slug} is not public yet: this button opens your organisers' page "
                        "for 24 hours. /publish {slug} makes it public.",
                        slug=slug,
                    ),
                    tr._("Open the organisers' page"),
                    link["url"],
                )
        except BackendError as error:
            return OrganiserReply(messages=[failure(tr, error, slug)])
        return OrganiserReply(messages=[Screen(text, [[link_button(label, url, private_chat=True)]])])
