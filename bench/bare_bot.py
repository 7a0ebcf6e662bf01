"""The floor: a bare python-telegram-bot application answering each update with one sendMessage.

Run like the real bot (``python -m bench.bare_bot``, configured by BOT_TOKEN and
BOT_API_BASE_URL), it polls the same way and stops on SIGTERM. Nothing else: no database, no
rate limiter, no handlers beyond the one below.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, "ok")


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ.get("BOT_API_BASE_URL", "https://api.telegram.org/bot"))
        .build()
    )
    app.add_handler(TypeHandler(Update, answer))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
