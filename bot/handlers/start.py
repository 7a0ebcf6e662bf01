"""``/start`` (plain or with a deep-link payload), ``/link`` and ``/help``."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import Feature, MoreButton, MoreTopic
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import InvalidLink, NotAMember, Role
from bot.handlers.common import (
    PRESENT_STATUSES,
    actor_in,
    chat_member_status,
    is_group,
    language_for,
    on_pressed_message,
    person_from,
    private_language,
    reply,
)
from bot.handlers.keyboards import link_keyboard, more_button
from bot.handlers.meetups import calendar_from_link
from bot.telegram_bot import unless_unchanged
from bot.views.help import full_help, greeting, short_help


async def start(update: Update, context: BotContext) -> None:
    """Private ``/start``: greet, or link the private chat to a constellation."""
    user = update.effective_user
    texts = context.services.texts
    if user is None:
        return
    language = private_language(context, user)
    service = context.services.constellations
    person = person_from(user)
    if not context.args:
        await service.private_chat_started(person)
        places = await service.places(user.id)
        await reply(update, greeting(texts, language, user.first_name, places))
        # A hub home carer reachable now gets the sleepover asks that waited for them.
        await context.services.sleepovers.catch_up(user.id)
        return
    if await calendar_from_link(update, context, context.args[0]):
        return
    try:
        constellation = await service.constellation_for_link(context.args[0])
        status = await chat_member_status(context, constellation.chat_id, user.id)
        await service.link_private_chat(constellation, person, in_group=status in PRESENT_STATUSES)
    except InvalidLink:
        await service.private_chat_started(person)
        await reply(update, texts(language, "start.invalid_link"))
    except NotAMember:
        await service.private_chat_started(person)
        await reply(update, texts(language, "start.not_member", constellation=constellation.name))
    else:
        await reply(
            update,
            texts(language, "start.linked", name=user.first_name, constellation=constellation.name),
        )
    # A hub home carer reachable now gets the sleepover asks that waited for them.
    await context.services.sleepovers.catch_up(user.id)


async def link(update: Update, context: BotContext) -> None:
    """``/link`` in the group: the button that opens the private chat with the link payload."""
    chat = update.effective_chat
    texts = context.services.texts
    if chat is None:
        return
    if not is_group(chat):
        await reply(update, texts(await language_for(update, context), "link.private"))
        return
    constellation = await context.services.constellations.for_chat(chat.id)
    if constellation is None:
        await reply(update, texts(context.services.settings.language, "common.not_setup"))
        return
    await reply(
        update,
        texts(constellation.language, "link.prompt"),
        reply_markup=link_keyboard(context, constellation),
    )


async def _admin_here(update: Update, context: BotContext) -> bool:
    """Whether the person may manage this group (their help then lists the admin commands)."""
    chat, user = update.effective_chat, update.effective_user
    if not is_group(chat) or chat is None or user is None:
        return False
    try:
        actor = await actor_in(context, chat.id, user)
    except TelegramError:  # Telegram cannot say now: the help everyone gets
        return False
    return context.services.constellations.may_manage(actor)


async def help_command(update: Update, context: BotContext) -> None:
    """``/help``: the main commands for this chat and this person's role, in their language,
    short enough for one phone screen; "More" shows them all."""
    language = await language_for(update, context)
    in_group = is_group(update.effective_chat)
    admin = await _admin_here(update, context)
    text = short_help(context.services.texts, language, in_group=in_group, admin=admin)
    keyboard = InlineKeyboardMarkup([[more_button(context, language, MoreTopic.HELP)]])
    await reply(update, text, reply_markup=keyboard)


async def help_more(update: Update, context: BotContext) -> None:
    """ "More" under /help: the message becomes the full list, for whoever pressed (anyone in
    the chat may; in a group an admin's press also lists the admin commands, which are no
    secret). The press must come from that very message."""
    query = update.callback_query
    if query is None:
        return
    texts = context.services.texts
    language = await language_for(update, context)
    if MoreButton.parse(query.data) != MoreButton(MoreTopic.HELP) or not on_pressed_message(query):
        await query.answer(texts.plain(language, "button.stale"))
        return
    in_group = is_group(update.effective_chat)
    admin = await _admin_here(update, context)
    user = update.effective_user
    # In a private chat the hub home's and liaison's own commands are for them only.
    carer = in_group or (
        user is not None
        and any(
            role in (Role.HUBHOME, Role.LIAISON)
            for _, role in await context.services.constellations.places(user.id)
        )
    )
    await query.answer()
    full = full_help(texts, language, in_group=in_group, admin=admin, carer=carer)
    with unless_unchanged():
        await query.edit_message_text(full, reply_markup=None)


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("start", start, filters.ChatType.PRIVATE & only_messages))
    app.add_handler(CommandHandler(names("link"), link, only_messages))
    app.add_handler(CommandHandler(names("help"), help_command, only_messages))
    more = rf"{callbacks.pattern(Feature.MORE)}{MoreTopic.HELP.value}$"
    app.add_handler(CallbackQueryHandler(help_more, pattern=more))
