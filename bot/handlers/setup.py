"""Joining a group, ``/setup`` and the constellation's language."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import Feature, MoreButton, MoreTopic
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import AlreadySetUp, NotAllowed, NotSetUp
from bot.handlers.common import (
    ADMIN_STATUSES,
    PRESENT_STATUSES,
    actor_in,
    blind_as,
    chat_member_status,
    group_language,
    is_group,
    language_for,
    on_pressed_message,
    private_language,
    reply,
)
from bot.handlers.keyboards import link_keyboard
from bot.i18n import LANGUAGES, Html
from bot.telegram_bot import unless_unchanged
from bot.views.setup import blind_warning, setup_answer

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
        await _rights_changed(context, change)
        return
    if not is_in:
        if await service.bot_removed(change.chat.id):
            log.info("constellation in chat %s paused: bot removed", change.chat.id)
        return
    await _refresh_privacy_mode(context)
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


async def _refresh_privacy_mode(context: BotContext) -> None:
    """Ask getMe again: a privacy mode changed at @BotFather takes effect in a group when the
    bot is added to it, which is now (``context.bot.bot`` is getMe's answer, kept)."""
    try:
        await context.bot.get_me()
    except TelegramError as exc:
        log.warning("getMe failed: %s", type(exc).__name__)


async def _rights_changed(context: BotContext, change: ChatMemberUpdated) -> None:
    """Made an admin, or no longer one, in a constellation's group: with privacy mode on,
    that decides whether the bot sees ordinary messages, and the group hears which."""
    was_admin = change.old_chat_member.status in ADMIN_STATUSES
    is_admin = change.new_chat_member.status in ADMIN_STATUSES
    if was_admin == is_admin or context.bot.bot.can_read_all_group_messages:
        return
    constellation = await context.services.constellations.for_chat(change.chat.id)
    if constellation is None:
        return
    texts, language = context.services.texts, constellation.language
    if is_admin:
        text = texts(language, "rights.seeing")
    else:
        bot = await blind_as(context, change.chat.id)
        if bot is None:
            return
        text = blind_warning(texts, language, bot)
    await context.bot.send_message(change.chat.id, text)


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
        text = texts(existing.language, "setup.already", name=existing.name)
        bot = await blind_as(context, chat.id)
        if bot is not None:
            text = Html(f"{text}\n\n{blind_warning(texts, existing.language, bot)}")
        await reply(update, text)
        return
    except NotAllowed:
        language = await language_for(update, context)
        await reply(update, texts(language, "setup.refused"))
        return
    constellation = result.constellation
    text = setup_answer(
        texts,
        constellation.language,
        constellation.name,
        trimmed=result.name_was_trimmed,
        blind_as=await blind_as(context, chat.id),
    )
    keyboard = link_keyboard(context, constellation, more=MoreTopic.SETUP)
    await reply(update, text, reply_markup=keyboard)


async def setup_more(update: Update, context: BotContext) -> None:
    """ "More" under the /setup answer: how the constellation works, added to that message.
    Anyone in the group may press it; it only explains. The press must come from that very
    message, in a group that is a constellation."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    texts = context.services.texts
    constellation = await context.services.constellations.for_chat(chat.id)
    if (
        constellation is None
        or MoreButton.parse(query.data) != MoreButton(MoreTopic.SETUP)
        or not on_pressed_message(query)
    ):
        language = await language_for(update, context, constellation)
        await query.answer(texts.plain(language, "button.stale"))
        return
    await query.answer()
    # The rights are checked again: an admin may have promoted the bot since.
    bot = await blind_as(context, chat.id)
    text = setup_answer(texts, constellation.language, constellation.name, blind_as=bot, more=True)
    with unless_unchanged():
        await query.edit_message_text(text, reply_markup=link_keyboard(context, constellation))


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
    more = rf"{callbacks.pattern(Feature.MORE)}{MoreTopic.SETUP.value}$"
    app.add_handler(CallbackQueryHandler(setup_more, pattern=more))
