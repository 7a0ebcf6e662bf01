"""The private line's buttons, shared by the handlers and the outbox."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import LineAction, LineButton
from bot.i18n import Translator


def line_button(
    texts: Translator, language: str, key: str, action: LineAction, target: int
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        texts.plain(language, key), callback_data=LineButton(action, target).data()
    )


def answer_keyboard(texts: Translator, language: str, line_id: int) -> InlineKeyboardMarkup:
    """Under a carer's copy of a member's message: answer it without Telegram's long-press."""
    return InlineKeyboardMarkup(
        [[line_button(texts, language, "line.button_answer", LineAction.REPLY, line_id)]]
    )
