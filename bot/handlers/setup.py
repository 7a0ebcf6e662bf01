"""Joining a group, ``/setup`` and the constellation's language."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, filters

from bot import callbacks
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import AlreadySetUp, NotAllowed, NotSetUp
from bot.handlers.common import (
    PRESENT_STATUSES,
    actor_in,
    chat_member_status,
    group_language,
    is_group,
    language_for,
    private_language,
    reply,
)
from bot.handlers.keyboards import link_keyboard
from bot.i18n import LANGUAGES
from bot.telegram_bot import unless_unchanged

log = logging.getLogger(__name__)

_IN = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def bot_membership_changed(update: Update, context: BotContext) -> None:
    """Introduce ourselves when added to a group; pause/resume a known constellation."""
    change = update.my_chat_member
    if change is None or not is_group(change.chat):
        return
    was_in = change.old_chat_member.status in _IN
    is_in = change.new_chat_member.status in _IN
    service = context.services.constellations
    texts = context.services.texts
    if was_in == is_in:
        return
    if not is_in:
        if await service.bot_removed(change.chat.id):
            log.info("constellation in chat %s paused: bot removed", change.chat.id)
        return
    constellation = await service.for_chat(change.chat.id)
    if constellation is None:
        language = context.services.settings.language
        await context.bot.send_message(change.chat.id, texts(language, "intro.added"))
        return
    # What waited while we were away is due again, and follows the welcome back: it is
    # delivered after this update.
    await service.bot_added(change.chat.id)
    log.info("constellation %s resumed", constellation.id)
    await context.bot.send_message(
        change.chat.id, texts(constellation.language, "intro.back", name=constellation.name)
    )
    await _recheck_members(context, change.chat.id)


async def _recheck_members(context: BotContext, chat_id: int) -> None:
    """Whoever left or was removed while the bot was away was never seen going: ask Telegram
    about everyone the bot knows as a member, and let those who are gone go (roles end, their
    claims reopen, the hub home is told) before anything private reaches them again."""
    _, members = await context.services.constellations.members(chat_id)
    for member in members:
        status = await chat_member_status(context, chat_id, member.user_id)
        if status is not None and status not in PRESENT_STATUSES:
            await context.services.requests.member_left(chat_id, member.user_id)


async def setup(update: Update, context: BotContext) -> None:
    """``/setup [name]``: register this group as a constellation (group admins only)."""
    chat, user = update.effective_chat, update.effective_user
    texts = context.services.texts
    if chat is None or user is None:
        return
    if not is_group(chat):
        await reply(update, texts(private_language(context, user), "setup.private"))
        return
    actor = await actor_in(context, chat.id, user)
    requested = " ".join(context.args or [])
    try:
        result = await context.services.constellations.setup(
            chat.id, chat.title or "", requested, actor
        )
    except AlreadySetUp as exc:
        existing = exc.constellation
        await reply(update, texts(existing.language, "setup.already", name=existing.name))
        return
    except NotAllowed:
        language = await language_for(update, context)
        await reply(update, texts(language, "setup.refused"))
        return
    constellation = result.constellation
    text: str = texts(constellation.language, "setup.done", name=constellation.name)
    if result.name_was_trimmed:
        text += "\n\n" + texts(constellation.language, "setup.trimmed")
    await reply(update, text, reply_markup=link_keyboard(context, constellation))


def _language_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    texts = context.services.texts
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.plain(code, "language.name"),
                    callback_data=callbacks.callback("cfg", "lang", code),
                )
                for code in LANGUAGES
            ]
        ]
    )


async def language(update: Update, context: BotContext) -> None:
    """``/language [nl|en]``: the constellation's language (group admins only)."""
    chat, user = update.effective_chat, update.effective_user
    texts = context.services.texts
    if chat is None or user is None:
        return
    current = await group_language(update, context)
    if current is None:
        return
    if not context.args:
        await reply(
            update, texts(current, "language.prompt"), reply_markup=_language_keyboard(context)
        )
        return
    choice = context.args[0].lower()
    if choice not in LANGUAGES:
        await reply(update, texts(current, "language.unknown"))
        return
    await _set_language(update, context, choice)


async def language_button(update: Update, context: BotContext) -> None:
    """A press on a language button, re-authorised: group admin, this group, a known language."""
    query = update.callback_query
    if query is None:
        return
    data = callbacks.parse(query.data)
    texts = context.services.texts
    current = await language_for(update, context)
    if (
        data is None
        or not data.args
        or data.args[0] not in LANGUAGES
        or not is_group(update.effective_chat)
    ):
        await query.answer(texts.plain(current, "button.stale"))
        return
    await _set_language(update, context, data.args[0])


async def _set_language(update: Update, context: BotContext, choice: str) -> None:
    chat, user, query = update.effective_chat, update.effective_user, update.callback_query
    texts = context.services.texts
    assert chat is not None and user is not None
    actor = await actor_in(context, chat.id, user)
    try:
        constellation = await context.services.constellations.set_language(chat.id, choice, actor)
    except NotSetUp:
        text = texts(context.services.settings.language, "common.not_setup")
    except NotAllowed:
        current = await language_for(update, context)
        if query is not None:
            await query.answer(texts.plain(current, "language.refused"), show_alert=True)
            return
        text = texts(current, "language.refused")
    else:
        text = texts(constellation.language, "language.set")
    if query is not None:
        await query.answer()
        with unless_unchanged():
            await query.edit_message_text(text)
    else:
        await reply(update, text)


def register(app: BotApplication) -> None:
    app.add_handler(ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CommandHandler(names("setup"), setup, filters.UpdateType.MESSAGE))
    app.add_handler(CommandHandler(names("language"), language, filters.UpdateType.MESSAGE))
    app.add_handler(CallbackQueryHandler(language_button, pattern=callbacks.pattern("cfg")))
