"""Small helpers every feature handler shares: who is acting, in which language, replies."""

from __future__ import annotations

import logging
import re

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import filters

from bot.context import BotApplication, BotContext
from bot.domain import Constellation, Person
from bot.i18n import normalise_language
from bot.rights import BotRights, read_rights
from bot.services.constellations import Actor

log = logging.getLogger(__name__)


class Holding(filters.MessageFilter):
    """Messages from someone whose ``user_data`` holds a ``kind`` under ``key`` (a draft
    being written, an answer waited for): read from the application, since a filter sees no
    context."""

    def __init__(self, app: BotApplication, key: str, kind: type | tuple[type, ...]) -> None:
        super().__init__(name=f"holding_{key}")
        self._app, self._key, self._kind = app, key, kind

    def filter(self, message: Message) -> bool:
        user = message.from_user
        data = self._app.user_data.get(user.id) if user is not None else None
        return data is not None and isinstance(data.get(self._key), self._kind)


GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)
ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
PRESENT_STATUSES = (*ADMIN_STATUSES, ChatMemberStatus.MEMBER)


def person_from(user: User) -> Person:
    return Person(
        user_id=user.id,
        first_name=user.first_name or str(user.id),
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in GROUP_TYPES


def is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


async def chat_member_status(context: BotContext, chat_id: int, user_id: int) -> str | None:
    """Ask Telegram (never a cache) what the person is in the group; None if it cannot say."""
    try:
        member: ChatMember = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.warning("getChatMember failed for chat %s: %s", chat_id, type(exc).__name__)
        return None
    if member.status == ChatMemberStatus.RESTRICTED:
        return ChatMemberStatus.MEMBER if getattr(member, "is_member", False) else None
    return member.status


async def own_rights(context: BotContext, chat_id: int) -> BotRights | None:
    """The bot's own rights in a group, asked afresh (an admin may promote it at any time);
    its privacy mode is getMe's, asked at start and again whenever it joins a group (a change
    at @BotFather only takes effect in a group the bot joins after it). None: Telegram did
    not say."""
    try:
        member = await context.bot.get_chat_member(chat_id, context.bot.id)
    except TelegramError as exc:
        log.warning("getChatMember for the bot failed in chat %s: %s", chat_id, type(exc).__name__)
        return None
    return read_rights(member, privacy=not context.bot.bot.can_read_all_group_messages)


async def blind_as(context: BotContext, chat_id: int) -> str | None:
    """The bot's @username when it sees only commands in this group (what its admins must
    mend); None when it sees every message, or Telegram did not say (then we do not guess)."""
    rights = await own_rights(context, chat_id)
    return f"@{context.bot.username}" if rights is not None and rights.blind else None


async def actor_in(context: BotContext, chat_id: int, user: User) -> Actor:
    """The acting person, with their admin status in ``chat_id`` checked with Telegram.

    When Telegram cannot say right now (a 5xx, a timeout, a 429) the error goes up, so the
    person hears something went wrong and tries again: "only an admin may" would be untrue.
    (An operator needs no answer from Telegram.)"""
    try:
        member = await context.bot.get_chat_member(chat_id, user.id)
    except (BadRequest, Forbidden):
        return Actor(person_from(user), is_group_admin=False)
    except TelegramError:
        if user.id in context.services.settings.admin_ids:
            return Actor(person_from(user), is_group_admin=False)
        raise
    return Actor(person_from(user), is_group_admin=member.status in ADMIN_STATUSES)


def private_language(context: BotContext, user: User | None) -> str:
    fallback = context.services.settings.language
    return normalise_language(user.language_code if user else None, fallback)


async def language_for(
    update: Update, context: BotContext, constellation: Constellation | None = None
) -> str:
    """The constellation's language in its group, the person's own in a private chat."""
    chat = update.effective_chat
    if is_group(chat):
        assert chat is not None
        if constellation is None:
            constellation = await context.services.constellations.for_chat(chat.id)
        if constellation is not None:
            return constellation.language
        return context.services.settings.language
    return private_language(context, update.effective_user)


async def group_language(update: Update, context: BotContext) -> str | None:
    """The language to answer in if this is a group; else explain it only works there, None."""
    language = await language_for(update, context)
    if is_group(update.effective_chat):
        return language
    await reply(update, context.services.texts(language, "common.group_only"))
    return None


_TYPED_NUMBER = re.compile(r"#?([0-9]{1,9})")


def typed_number(text: str) -> int | None:
    """A number as people type it after a command (``12``, ``#12``); None for anything else,
    also digits of other scripts (``²``, ``٣``) and numbers no request or meetup can have."""
    match = _TYPED_NUMBER.fullmatch(text)
    return int(match.group(1)) if match else None


def on_pressed_message(query: CallbackQuery) -> bool:
    """Whether the pressed message carries this very button: for presses that act on the
    message itself (its data names a message, or the press edits it), not forged or stale."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    rows = markup.inline_keyboard if markup is not None else ()
    return any(button.callback_data == query.data for row in rows for button in row)


def command_text(update: Update) -> str:
    """What follows the command, also when it starts on a new line."""
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=1) if message else []
    return parts[1] if len(parts) > 1 else ""


async def reply(
    update: Update,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Answer the message that triggered the update; in groups as a visible reply to it."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(
        text, reply_markup=reply_markup, do_quote=is_group(message.chat)
    )
