"""A participant's way through a consultation, as the participant routes serve it to any front end.

- ``access``: who the participant is, enrolment and consent, whether a consultation is open to them.
- ``profile``: the optional profile questions (age band, country, region) and their answers.
- ``next_screen``: what to show the participant next.
- ``recording``: the idempotent writes of answers (question items, pairs, place comments), with the race rules.
- ``proposals``: votes on proposals and their "why?" (qualification), and a participant's own proposals.
- ``routes``: the HTTP routes (``/participant/...``), thin: they call the modules above and commit.
"""
