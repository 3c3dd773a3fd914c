"""aiogram routers: translate Telegram updates into flow calls, and flow replies into Bot API calls."""
