"""Broadcasts: results digests and invitations, queued in an outbox and sent by ``bot.broadcaster``.

* ``content``  what a digest says (figures at one moment, each recipient's own comparison);
* ``outbox``   creating rounds, the triggers (closing, the definition's interim schedule), preferences;
* ``store``    the outbox as the sender sees it;
* ``routes``   organiser and participant routes.
"""
