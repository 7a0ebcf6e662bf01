"""Inline keyboards shared by several handlers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import MoreButton, MoreTopic
from bot.context import BotContext
from bot.domain import Constellation


def deep_link(context: BotContext, constellation: Constellation) -> str:
    return f"https://t.me/{context.bot.username}?start={constellation.link_token}"


def link_keyboard(
    context: BotContext, constellation: Constellation, *, more: MoreTopic | None = None
) -> InlineKeyboardMarkup:
    """One URL button that opens the private chat with the constellation's link payload
    (and, with ``more``, a "More" button under it)."""
    label = context.services.texts.plain(constellation.language, "link.button")
    rows = [[InlineKeyboardButton(label, url=deep_link(context, constellation))]]
    if more is not None:
        rows.append([more_button(context, constellation.language, more)])
    return InlineKeyboardMarkup(rows)


def more_button(context: BotContext, language: str, topic: MoreTopic) -> InlineKeyboardButton:
    """ "More": the rest of a message kept short to fit one phone screen."""
    label = context.services.texts.plain(language, "more.button")
    return InlineKeyboardButton(label, callback_data=MoreButton(topic).data())
