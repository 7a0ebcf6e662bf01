"""The group's own life: people joining and leaving, the upgrade to a supergroup."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.context import BotApplication, BotContext
from bot.handlers.common import PRESENT_STATUSES, is_group, person_from

log = logging.getLogger(__name__)


def _present(member: ChatMember) -> bool:
    if member.status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in PRESENT_STATUSES


async def member_changed(update: Update, context: BotContext) -> None:
    """A ``chat_member`` update (sent to admin bots): someone joined, left or was removed."""
    change = update.chat_member
    if change is None or not is_group(change.chat):
        return
    user = change.new_chat_member.user
    if user.is_bot:
        return
    was_in, is_in = _present(change.old_chat_member), _present(change.new_chat_member)
    if was_in and not is_in:
        await _left(context, change.chat.id, user.id)
    elif is_in and not was_in:
        await context.services.constellations.record_member(change.chat.id, person_from(user))


async def left_message(update: Update, context: BotContext) -> None:
    """The "… left the group" service message (also seen by bots without admin rights)."""
    message = update.effective_message
    if message is None or message.left_chat_member is None or message.left_chat_member.is_bot:
        return
    await _left(context, message.chat.id, message.left_chat_member.id)


async def _left(context: BotContext, chat_id: int, user_id: int) -> None:
    """Their role ends, requests they helped with reopen (cards redrawn), the hub home is
    told: one transaction in the service, delivered after the update."""
    left = await context.services.requests.member_left(chat_id, user_id)
    if left is not None:
        log.info("member %s left constellation %s", user_id, left.constellation.id)


async def migrated(update: Update, context: BotContext) -> None:
    """The group became a supergroup: the constellation follows to the new chat id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await context.services.constellations.migrated(old, new):
        log.info("constellation moved from chat %s to supergroup %s", old, new)


def register(app: BotApplication) -> None:
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    app.add_handler(ChatMemberHandler(member_changed, ChatMemberHandler.CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, left_message))
