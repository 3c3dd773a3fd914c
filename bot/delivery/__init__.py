"""Delivery: the engine that queues and sends the messages of a broadcast, one delivery per person, within
Telegram's limits, surviving being killed at any moment. In deployment it runs in the API's process, next to the
database (``viche.runner``); it talks to storage only through the ``DeliveryStore`` interface.

Glossary: one word per concept (word — meaning — where it lives)

broadcast
    One organiser's round of messages to many people: a digest, invitations or jury calls, for one consultation
    and one round. ``storage.models_broadcast.Broadcast``; created in ``api/broadcast/outbox.py``, routes in
    ``api/broadcast/routes.py``; the organiser's /digest and /broadcasts commands in ``bot/handlers/broadcasts.py``.
digest
    The message of a broadcast that tells participants the results so far, with their own comparison and a chart.
    Figures in ``api/broadcast/content.py``; words in ``bot/flows/digests.py`` and ``composing.py``; chart in
    ``chart.py``.
invitation
    The message of a broadcast that invites people of earlier consultations to a new one. Words in
    ``bot/flows/digests.py`` and ``composing.py``.
jury call
    The message of a broadcast that asks a volunteer drawn for a citizens' jury to take their seat: Accept /
    Decline and a deadline (kind ``jury_call``, one round ``draw-<id>`` per draw, queued by ``api/jury/panel.py``).
    Not an invitation: it goes to the drawn volunteers only, and is answered. Words in ``bot/flows/jury.py``.
round
    The moment a broadcast speaks for ("final", "interim-2", "launch", "draw-3"…): ``Broadcast.round``. Nobody ever gets
    the same round twice.
delivery
    One message of one broadcast to one person, and its state (pending, sending, sent, failed, unreachable,
    skipped, uncertain): ``storage.models_broadcast.Delivery``, in the table ``outbox`` (its historical name).
delivery engine
    What sends the deliveries: claim, send, record, resume. ``engine.py`` (``DeliveryEngine``); its storage side
    is ``api.broadcast.store.SqlDeliveryStore``.
progress message
    The organiser's message about a running broadcast, edited as it goes: ``progress.py``.
journal
    The local file listing the deliveries whose Bot API call has started (crash safety): ``journal.py``.

The environment variables keep their names (``VICHE_BROADCAST_RATE``, ``VICHE_BROADCAST_ALLOW_PAID``,
``VICHE_BROADCAST_PROGRESS_SECONDS``): they set how fast broadcasts go.

Modules

* ``engine``     the state machine: claim, send, record, resume (``DeliveryEngine``, ``DeliveryStore``);
* ``config``     ``DeliveryConfig``: rate, retries, intervals, from the settings;
* ``composing``  what each message says, in the person's language: digest caption, invitation, chart;
* ``chart``      the digest's chart as a PNG (matplotlib, imported only once a chart is drawn);
* ``progress``   the organiser's progress message;
* ``journal``    the crash journal;
* ``pacing``     ``Pacer`` and ``ChatSpacing``: when the next call may start;
* ``transport``  the lean Bot API client and its errors.

Rate limits
    Telegram allows about 30 messages a second across chats (up to 1000 with ``allow_paid_broadcast``) and
    about one a second in any one chat, and answers 429 with ``retry_after`` beyond. The engine stays under
    the limits by construction rather than by reacting to 429s (``bot.delivery.pacing.Pacer``):

    * calls start on a schedule of ``rate`` a second (monotonic clock, at most ``burst`` saved up), and a call
      starts only while fewer than ``rate`` calls are in flight or were answered within the last second. The
      second rule holds whatever the delays between the two sides, so a server that counts sends in a sliding
      second never sees more than ``rate`` (the default 25/s leaves room under Telegram's 30/s for the bot's
      conversations, which are not paced here);
    * at most one message per ``per_chat_interval`` (1 s) to any one chat, by the same rule;
    * a 429 all the same (the bot's own replies share the budget, a limit changed): the *whole* engine stops
      for ``retry_after`` seconds and the schedule restarts empty; the row is retried then, without counting
      an attempt;
    * 403 (the user blocked the bot, deactivated account): the row is "unreachable", the participant is
      marked unreachable (left out of later broadcasts until they write again), never retried;
    * 400 (chat not found, a bad request): "failed", never retried;
    * 5xx, network errors, timeouts: retried with exponential backoff and jitter, up to ``max_attempts``.

    Messages go through a lean client (``bot.delivery.transport.BotApi``: JSON posted over one shared aiohttp
    session, the answer's envelope read directly) rather than aiogram's ``Bot``, which costs several times the
    CPU per call; the organisers' progress messages (``bot.delivery.progress``), a few per minute, still use
    the ``Bot``.

Crash safety
    Each row's state changes are committed, and committed *before* what they announce happens: a row becomes
    "sending" (committed) before its Bot API call starts, and its outcome is committed after the answer. Rows
    are claimed in batches a little ahead of their turn (up to ``lookahead``, half a second of sending,
    one transaction per batch, so that a slow commit never stalls the pace); outcomes are committed in batches
    too, as they come. Just before calls start, their rows' ids are appended to a local *journal* file
    (``bot.delivery.journal``; ``os.write``: it survives SIGKILL).

    So an engine killed at any moment leaves every row either untouched ("pending": sent by the next start),
    finished ("sent", "failed", …: never touched again) or "sending". At the next start a "sending" row that is
    not in the journal never left the process: it goes back to "pending" and is sent once. A "sending" row in
    the journal is the one true ambiguity: its call was under way, and the message may or may not have reached
    Telegram; the Bot API has no idempotency key and no way to ask. We choose **at most once**: such a row
    becomes "uncertain" and is never sent again. Reasons: a participant must never receive the same round twice
    (the promise made to citizens; duplicates also get bots reported as spam, and limited); the ambiguity
    covers only the calls in flight at the instant of the crash and those answered but not yet committed
    (rate × (round trip + up to ``commit_interval``): one or two at 30/s), most of which did arrive, whereas
    re-sending would duplicate every one that arrived; and organisers see the "uncertain" count in the progress
    message and ``/broadcasts``. Without the journal (a reboot clears the temporary directory, a new machine)
    every "sending" row is treated as uncertain: never a duplicate.

    One engine per database: two processes would each see the other's "sending" rows as abandoned. Within
    one engine, a conditional update (pending → sending, ``RETURNING``) makes sure a row is only claimed once.
    Stopping cleanly (``close()``) lets the calls under way finish and records them; rows still waiting for
    their turn go back to "pending".
"""
