"""The names the bot and the API share, each defined once: what a vote's "why?" may be, why a pair can't be decided,
which status an organiser's action moves a consultation to, why a proposal is rejected, what results are split by,
and the rule of a consultation's slug. The bot codes its buttons from these (bot/flows/buttons.py,
bot/flows/admin_args.py), the API checks and counts with them."""
from __future__ import annotations

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # single hyphens only: "--" separates slug and source in deep links
SLUG_MIN, SLUG_MAX = 3, 42  # the bot checks what organisers type against the same rule (bot/flows/admin_args.py)
