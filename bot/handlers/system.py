"""Cross-cutting handlers: who we have met, unknown commands, stale buttons, errors."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import Command, Where, known, nearest
from bot.context import BotApplication, BotContext
from bot.domain import MembershipStatus
from bot.handlers import private_line
from bot.handlers.common import (
    PRESENT_STATUSES,
    chat_member_status,
    is_group,
    is_private,
    language_for,
    person_from,
    reply,
)

log = logging.getLogger(__name__)

# Runs before everything: stops what no feature should act on.
GATE_GROUP = -2
# Runs before every feature (group -1) and never stops them.
RECORD_GROUP = -1


def _is_command(message: Message) -> bool:
    entities = message.entities
    return (
        bool(entities) and entities[0].type == MessageEntity.BOT_COMMAND and not entities[0].offset
    )


def _addressee(message: Message) -> str:
    """The bot a command names (``/leden@some_bot``), lower case; empty when it names none."""
    words = (message.text or "").split(maxsplit=1)
    return words[0].partition("@")[2].lower() if words else ""


def _for_us(message: Message, bot_username: str | None) -> bool:
    """A command without @addressee, or addressed to this bot."""
    addressee = _addressee(message)
    return not addressee or addressee == (bot_username or "").lower()


async def gate(update: Update, context: BotContext) -> None:
    """Messages that are not a person typing to us are dealt with here, on purpose.

    Channel posts and other bots are ignored. An edit is never acted on again (an edited
    ``/hulpvraag`` must not post a second request); in the private line the writer is told
    the edit was not passed on. An anonymous admin (the group speaking) is asked to write as
    themselves, since every command depends on who asks; a linked channel is ignored. A
    forwarded command is not run: in a group it is ignored, in the private line it is passed
    on like any other forward.
    """
    if update.channel_post is not None or update.edited_channel_post is not None:
        raise ApplicationHandlerStop
    message = update.message or update.edited_message
    if message is None:
        return
    if update.edited_message is not None:
        if is_private(message.chat) and not _is_command(message):
            language = await language_for(update, context)
            await reply(update, context.services.texts(language, "edit.not_passed_on"))
        raise ApplicationHandlerStop
    if message.sender_chat is not None:
        if (
            message.sender_chat.id == message.chat.id
            and _is_command(message)
            and _for_us(message, context.bot.username)
        ):
            language = await language_for(update, context)
            await reply(update, context.services.texts(language, "anonymous.write_as_yourself"))
        raise ApplicationHandlerStop
    if message.from_user is not None and message.from_user.is_bot:
        raise ApplicationHandlerStop
    if message.forward_origin is not None and _is_command(message):
        if is_private(message.chat):
            await private_line.on_message(update, context)
        raise ApplicationHandlerStop


async def record_people(update: Update, context: BotContext) -> None:
    """Remember group members as they speak or press; note who opened a private chat with us."""
    # Bots, channels and anonymous admins never get here: the gate stopped them.
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    message = update.effective_message
    service = context.services.constellations
    if is_group(chat) and update.message is not None:
        # A message in the group proves its sender is in it — except "… left the group",
        # which comes from the one leaving (or removing).
        if message is not None and message.left_chat_member is not None:
            return
        await service.record_member(chat.id, person_from(user))
    elif is_group(chat) and update.callback_query is not None:
        # A press is no proof: anyone may press a button in a public group, and someone
        # removed may press an old one. Someone the bot does not know as an active member is
        # asked about at Telegram, and recorded only if they are in the group.
        member = await service.member(chat.id, user.id)
        if member is not None and member.status is MembershipStatus.ACTIVE:
            return
        if await chat_member_status(context, chat.id, user.id) in PRESENT_STATUSES:
            await service.record_member(chat.id, person_from(user))
    elif is_private(chat) and update.message is not None:
        await service.private_chat_started(person_from(user))


def _command_word(message: Message) -> str:
    """The command typed, without its slash and @addressee (``/Logeren@bot`` -> ``logeren``)."""
    words = (message.text or "").split(maxsplit=1)
    return words[0][1:].partition("@")[0].lower() if words else ""


async def unknown_command(update: Update, context: BotContext) -> None:
    """A /command no feature took: one of ours in the wrong place, a near miss, or unknown.

    One of ours that only works privately, typed in the group: where it works, with a button
    there. A near miss (``/hlup``, ``/logeerbed``): the command meant, as this chat's language
    shows it, and where it works. In a group, silence for a command addressed to another bot,
    and for one nothing like ours (probably another bot's) unless it was addressed to us.
    """
    message, chat = update.effective_message, update.effective_chat
    if message is None or not message.text or chat is None:
        return
    in_group = is_group(chat)
    addressee = _addressee(message)
    for_us = addressee == (context.bot.username or "").lower()
    if in_group and addressee and not for_us:
        return  # for another bot in the group
    texts = context.services.texts
    language = await language_for(update, context)
    word = _command_word(message)
    command = known(word)
    if command is not None and not command.fits(in_group=in_group):
        key = "unknown.private_only" if in_group else "common.group_only"
        await _point_to(update, context, language, key, command)
        return
    meant = nearest(word) if command is None else None
    if meant is not None:
        key = "unknown.did_you_mean"
        if not meant.fits(in_group=in_group):
            key = "unknown.did_you_mean_private" if in_group else "unknown.did_you_mean_group"
        await _point_to(update, context, language, key, meant)
        return
    if in_group and not for_us:
        return  # nothing like ours: probably another bot's
    await reply(update, texts(language, "unknown.command"))


async def _point_to(
    update: Update, context: BotContext, language: str, key: str, command: Command
) -> None:
    """Name ``command`` as this chat's language shows it; in a group, a command that works
    privately comes with a button to the private chat."""
    texts = context.services.texts
    keyboard = None
    if is_group(update.effective_chat) and command.where is Where.PRIVATE:
        label = texts.plain(language, "unknown.open_private")
        button = InlineKeyboardButton(label, url=f"https://t.me/{context.bot.username}")
        keyboard = InlineKeyboardMarkup([[button]])
    text = texts(language, key, command=command.shown_as(language))
    await reply(update, text, reply_markup=keyboard)


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
    error = context.error
    # Telegram's own words about an error are not logged (only its type): they may quote what
    # was sent. Our own errors keep their traceback, which is where the bug is.
    log.error(
        "error while handling update %s in chat %s: %s",
        update_id,
        chat_id,
        type(error).__name__,
        exc_info=None if isinstance(error, TelegramError) else error,
    )
    if not isinstance(update, Update):
        return
    try:
        language = await language_for(update, context)
        text = context.services.texts(language, "error.generic")
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(
                    context.services.texts.plain(language, "error.generic_short"), show_alert=True
                )
                return
            except BadRequest:
                # The press was answered before the failure (answers come first): say it in
                # the chat instead, or the person never hears that it did not work.
                if update.effective_chat is None:
                    raise
                await context.bot.send_message(update.effective_chat.id, text)
        elif update.effective_message is not None:
            await reply(update, text)
    except Exception:  # the apology itself failed (e.g. Telegram is down); logging is enough
        log.warning("could not tell chat %s about an error", chat_id)


def register_first(app: BotApplication) -> None:
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
    app.add_handler(TypeHandler(Update, record_people), group=RECORD_GROUP)


def register_last(app: BotApplication) -> None:
    """Catch-alls: added after every feature so they only see what nobody else took."""
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_error_handler(on_error)
