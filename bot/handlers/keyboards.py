"""Inline keyboards shared by several handlers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import BotContext
from bot.domain import Constellation


def deep_link(context: BotContext, constellation: Constellation) -> str:
    return f"https://t.me/{context.bot.username}?start={constellation.link_token}"


def link_keyboard(context: BotContext, constellation: Constellation) -> InlineKeyboardMarkup:
    """One URL button that opens the private chat with the constellation's link payload."""
    label = context.services.texts.plain(constellation.language, "link.button")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, url=deep_link(context, constellation))]]
    )
