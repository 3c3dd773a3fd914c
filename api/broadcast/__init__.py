"""Broadcasts: results digests and invitations, queued as deliveries and sent by ``bot.delivery``
(the glossary of these words is in its docstring).

* ``content``  what a digest says (figures at one moment, each recipient's own comparison);
* ``outbox``   creating broadcasts and their deliveries, the triggers (closing, the definition's interim
               schedule), preferences;
* ``store``    deliveries as the delivery engine sees them (``SqlDeliveryStore``);
* ``routes``   organiser and participant routes.
"""
