"""``/privacy``, ``/forgetme`` (with a confirmation button) and the daily retention run."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import Feature, ForgetAction, ForgetButton
from bot.commands import names
from bot.context import AnyApplication, BotApplication, BotContext, Services
from bot.handlers.common import (
    is_private,
    language_for,
    on_pressed_message,
    reply,
)
from bot.handlers.flows import end_all
from bot.telegram_bot import unless_unchanged

log = logging.getLogger(__name__)

RETENTION_JOB = "retention"
RETENTION_AT = time(3, 30)  # local time: quiet, and after the day's work


async def privacy(update: Update, context: BotContext) -> None:
    """What is stored, for how long, and who sees it."""
    language = await language_for(update, context)
    days = context.services.privacy.retention_days
    await reply(update, context.services.texts(language, "privacy.text", days=days))


async def forget_me(update: Update, context: BotContext) -> None:
    """``/forgetme``: only in a private chat, and only after a confirmation button."""
    language = await language_for(update, context)
    texts = context.services.texts
    if not is_private(update.effective_chat):
        await reply(update, texts(language, "forget.private_only"))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.plain(language, "forget.button_yes"),
                    callback_data=ForgetButton(ForgetAction.YES).data(),
                )
            ],
            [
                InlineKeyboardButton(
                    texts.plain(language, "forget.button_no"),
                    callback_data=ForgetButton(ForgetAction.NO).data(),
                )
            ],
        ]
    )
    await reply(update, texts(language, "forget.confirm"), reply_markup=keyboard)


async def forget_button(update: Update, context: BotContext) -> None:
    """The confirmation: it acts only for the person pressing, in their own private chat."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    services = context.services
    texts = services.texts
    language = await language_for(update, context)
    pressed = ForgetButton.parse(query.data)
    if (
        pressed is None
        or chat.id != user.id
        or not on_pressed_message(query)  # only the confirmation itself erases
    ):
        await query.answer(texts.plain(language, "button.stale"))
        return
    await query.answer()
    if pressed.action is ForgetAction.NO:
        with unless_unchanged():
            await query.edit_message_text(texts(language, "forget.cancelled"))
        return
    # Erased, and every card that showed them redrawn (through the outbox), in one go.
    erased = await services.privacy.forget(user.id)
    log.info("person %s erased on request", user.id)
    # What the bot held in memory for them goes too: the drafts of guided flows (their
    # messages go the usual way again), an answer that waited, a stay being proposed.
    await end_all(context, user.id, language)
    if context.user_data is not None:
        context.user_data.clear()
    done = texts(
        language,
        "forget.done",
        memberships=erased.memberships,
        requests=erased.request_texts,
        lines=erased.line_messages,
    )
    try:
        await query.edit_message_text(done)
    except TelegramError as exc:
        # The erasure stands; say so in a message of its own (nothing about them is kept to
        # try again later: they are erased).
        log.info("erasure confirmation not edited in: %s", type(exc).__name__)
        with suppress(TelegramError):
            await context.bot.send_message(user.id, done)


async def run_retention(app: AnyApplication) -> None:
    services: Services = app.bot_data.services
    removed = await services.privacy.apply_retention()
    log.info(
        "retention: %d request texts, %d private-line records, %d old notices removed",
        removed.request_texts,
        removed.line_messages,
        removed.notices,
    )


async def _retention_job(context: BotContext) -> None:
    context.bot_data.retention_done.clear()
    try:
        await run_retention(context.application)
    finally:
        context.bot_data.retention_done.set()


def schedule_retention(app: AnyApplication) -> None:
    """Once a day at night (the job queue's time zone is the bot's default zone)."""
    if app.job_queue is not None:
        app.job_queue.run_daily(_retention_job, time=RETENTION_AT, name=RETENTION_JOB)


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(names("privacy"), privacy, only_messages))
    app.add_handler(CommandHandler(names("forgetme"), forget_me, only_messages))
    app.add_handler(CallbackQueryHandler(forget_button, pattern=callbacks.pattern(Feature.FORGET)))
