"""Cross-cutting handlers: who we have met, unknown commands, stale buttons, errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, TypeHandler, filters

from bot.context import BotApplication, BotContext
from bot.handlers.common import is_group, is_private, language_for, person_from, reply

log = logging.getLogger(__name__)

# Runs before every feature (group -1) and never stops them.
RECORD_GROUP = -1


async def record_people(update: Update, context: BotContext) -> None:
    """Remember group members as they speak or press; note who opened a private chat with us."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return
    message = update.effective_message
    service = context.services.constellations
    if is_group(chat) and (update.message is not None or update.callback_query is not None):
        # Anonymous admins and channels speak as a chat: there is no person to record.
        # A button press in the group comes from someone who is in it.
        if update.message is not None and message is not None and message.sender_chat is not None:
            return
        # "… left the group" comes from the one leaving (or removing): not a sign of presence.
        if message is not None and message.left_chat_member is not None:
            return
        await service.record_member(chat.id, person_from(user))
    elif is_private(chat) and update.message is not None:
        await service.private_chat_started(person_from(user))


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown /command: explain in private; in groups only when it was meant for us."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0]
    if is_group(update.effective_chat):
        addressee = command.partition("@")[2].lower()
        if addressee != (context.bot.username or "").lower():
            return  # maybe for another bot in the group
    language = await language_for(update, context)
    await reply(update, context.services.texts(language, "unknown.command"))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button no feature claims (old, forged, from a removed feature): say so, change nothing."""
    query = update.callback_query
    if query is None:
        return
    language = await language_for(update, context)
    await query.answer(context.services.texts.plain(language, "button.stale"))


async def on_error(update: object, context: BotContext) -> None:
    """Log ids and the exception (never message text or names); tell the user we failed."""
    update_id = update.update_id if isinstance(update, Update) else None
    chat_id = (
        update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    )
    log.error(
        "error while handling update %s in chat %s: %s",
        update_id,
        chat_id,
        type(context.error).__name__,
        exc_info=context.error,
    )
    if not isinstance(update, Update):
        return
    try:
        language = await language_for(update, context)
        text = context.services.texts(language, "error.generic")
        if update.callback_query is not None:
            await update.callback_query.answer(
                context.services.texts.plain(language, "error.generic_short"), show_alert=True
            )
        elif update.effective_message is not None:
            await reply(update, text)
    except Exception:  # the apology itself failed (e.g. Telegram is down); logging is enough
        log.warning("could not tell chat %s about an error", chat_id)


def register_first(app: BotApplication) -> None:
    app.add_handler(TypeHandler(Update, record_people), group=RECORD_GROUP)


def register_last(app: BotApplication) -> None:
    """Catch-alls: added after every feature so they only see what nobody else took."""
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_error_handler(on_error)
