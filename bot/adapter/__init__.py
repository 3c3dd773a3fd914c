"""What every Telegram framework's front end shares, framework-free: how a flow's reply becomes Bot API calls
(``render``), the command menus (``menus``), which flow owns a button or a command and what input the
conversation has no use for (``routing``), the flows one bot runs (``flows``), and the webhook's secret, dedup
and per-person order (``webhook``).

aiogram (bot/handlers/, bot/dispatcher.py, bot/webhook.py) and python-telegram-bot (viche/ptb/) each implement
only the small protocols here (:class:`render.BotCalls`, :class:`menus.MenuCalls`) with their own types; the
logic stays one copy. Nothing here imports a Telegram framework (tests/test_architecture.py).
"""
