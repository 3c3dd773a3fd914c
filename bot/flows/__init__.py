"""Conversation logic with no Telegram framework in it: what to say next and which buttons to show."""
