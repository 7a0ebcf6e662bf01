"""Webhook mode: Telegram posts each update to a public HTTPS URL, a reverse proxy forwards it
to the address the bot listens on, and python-telegram-bot's own webhook server takes it.

The server refuses (403) every request without the secret token Telegram was given in
setWebhook (header ``X-Telegram-Bot-Api-Secret-Token``), before anything is read or stored.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.settings import Settings


def webhook_arguments(settings: Settings) -> dict[str, Any]:
    """The arguments of ``Application.run_webhook`` / ``Updater.start_webhook`` for these
    settings (the same in production and in the simulator's tests)."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhook mode needs BOT_WEBHOOK_URL and BOT_WEBHOOK_SECRET")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret.get_secret_value(),
        # chat_member updates are only sent when asked for explicitly.
        "allowed_updates": Update.ALL_TYPES,
        # One connection: Telegram posts the next update only when the last was answered, so
        # they arrive in order. It costs nothing: the bot handles updates one at a time anyway,
        # and a post is answered as soon as its update is queued, not when it is handled.
        "max_connections": 1,
    }
