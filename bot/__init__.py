"""The Telegram bot: conversation flows (framework-free), aiogram handlers, translations."""
