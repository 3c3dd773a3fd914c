"""viche inside a python-telegram-bot (22.x) Application: ``pip install 'viche[ptb]'``.

::

    from telegram.ext import Application
    from viche.ptb import add_viche, connect_backend

    application = Application.builder().token(TOKEN).build()
    application.add_handler(CommandHandler("hello", hello))  # the host's own
    viche = add_viche(application, connect_backend())  # VICHE_API_URL + VICHE_SERVICE_TOKEN: `viche api`

The same flows as the aiogram bot (bot/flows/), rendered through the shared core (bot/adapter/); see
viche/ptb/handler.py for what viche takes of the host's updates and what it leaves.
"""

from viche.ptb.install import Viche, add_viche, build_application, connect_backend

__all__ = ["Viche", "add_viche", "build_application", "connect_backend"]
