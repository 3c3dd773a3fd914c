"""/publish and /dashboard in the chat: the real dispatcher, the fake Bot API over HTTP, the real API and database."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ORGANISER = 900001  # VICHE_ADMINS and VICHE_OWNERS of the test settings
PARTICIPANT = 5004


def url_in(text: str) -> str:
    found = re.search(r"https?://\S+", text)
    assert found, text
    address = urlsplit(found[0])
    return f"{address.path}?{address.query}" if address.query else address.path


async def test_publish_in_the_chat_opens_the_public_page_and_off_hides_it(telegram, http, demo):
    assert (await http.get(f"/r/{demo}")).status_code == 404
    await telegram.send(ORGANISER, f"/publish {demo}")
    reply = telegram.texts(ORGANISER)[-1]
    assert reply.startswith("🌐 ")
    assert (await http.get(url_in(reply))).status_code == 200
    await telegram.send(ORGANISER, f"/publish {demo} off")
    assert telegram.texts(ORGANISER)[-1] == f"The results page of {demo} is hidden again."
    assert (await http.get(f"/r/{demo}")).status_code == 404
    # In the organiser's language, and a wrong slug changes nothing.
    await telegram.send(ORGANISER, "/publish no-such-one", language_code="uk")
    assert "no-such-one" in telegram.texts(ORGANISER)[-1]
    await telegram.send(ORGANISER, f"/publish {demo} now")
    assert (await http.get(f"/r/{demo}")).status_code == 404


async def test_dashboard_sends_a_private_link_that_only_works_as_sent(telegram, http, demo):
    await telegram.send(ORGANISER, f"/dashboard {demo}")
    reply = telegram.texts(ORGANISER)[-1]
    assert reply.startswith("🔒 ")
    link = url_in(reply)
    page = await http.get(link)
    assert page.status_code == 200
    assert "Do not share this link." in page.text or "Не діліться цим посиланням." in page.text
    assert (await http.get(link[:-2] + ("00" if not link.endswith("00") else "11"))).status_code == 403


async def test_a_participant_cannot_publish(telegram, http, demo):
    await telegram.send(PARTICIPANT, f"/publish {demo}")
    await telegram.send(PARTICIPANT, f"/dashboard {demo}")
    assert not any("http" in text for text in telegram.texts(PARTICIPANT))
    assert (await http.get(f"/r/{demo}")).status_code == 404
