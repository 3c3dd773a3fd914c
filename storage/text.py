"""Text normalisation shared by duplicate detection."""

from __future__ import annotations

import unicodedata


def normalize_proposal(text: str) -> str:
    """Lower case, letters and digits only: 'Free buses!' and 'free  buses' are the same proposal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())[:400]
