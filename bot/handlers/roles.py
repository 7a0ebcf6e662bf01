"""Roles by reply (``/hubhome``, ``/liaison``, ``/member``) and the ``/members`` list."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.commands import BY_NAME, names
from bot.context import BotApplication, BotContext
from bot.domain import CannotAssignBot, Member, NotAllowed, NotSetUp, Role
from bot.handlers.common import (
    PRESENT_STATUSES,
    actor_in,
    chat_member_status,
    group_language,
    own_rights,
    person_from,
    reply,
)
from bot.i18n import MESSAGE_LIMIT, Html, Translator, escape, to_plain, units

_COMMAND_FOR_ROLE = {Role.HUBHOME: "hubhome", Role.LIAISON: "liaison", Role.MEMBER: "member"}


async def _assign(update: Update, context: BotContext, role: Role) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    texts = context.services.texts
    if chat is None or user is None or message is None:
        return
    language = await group_language(update, context)
    if language is None:
        return
    target_message = message.reply_to_message
    target = target_message.from_user if target_message else None
    # A reply to a service message or a channel post has no person to give a role to.
    if target is None or target_message is None or target_message.sender_chat is not None:
        command = BY_NAME[_COMMAND_FOR_ROLE[role]].shown_as(language)
        await reply(update, texts(language, "roles.need_reply", command=command))
        return
    actor = await actor_in(context, chat.id, user)
    # An old message of someone no longer here is no reason to give them a role (and with it
    # what is private): Telegram is asked whether they are in the group now.
    status = await chat_member_status(context, chat.id, target.id)
    if status not in PRESENT_STATUSES:
        key = "roles.not_in_group" if status is not None else "error.generic"
        await reply(update, texts(language, key, name=target.first_name))
        return
    try:
        member = await context.services.constellations.assign_role(
            chat.id, person_from(target), role, actor, target_is_bot=target.is_bot
        )
    except NotSetUp:
        await reply(update, texts(language, "common.not_setup"))
    except NotAllowed:
        await reply(update, texts(language, "roles.refused"))
    except CannotAssignBot:
        await reply(update, texts(language, "roles.is_bot"))
    else:
        # A new hub home gets the private messages kept for one: delivery after the update.
        await reply(update, texts(language, f"roles.{role.value}", name=member.display_name))


async def hubhome(update: Update, context: BotContext) -> None:
    await _assign(update, context, Role.HUBHOME)


async def liaison(update: Update, context: BotContext) -> None:
    await _assign(update, context, Role.LIAISON)


async def member(update: Update, context: BotContext) -> None:
    await _assign(update, context, Role.MEMBER)


def _names(texts: Translator, language: str, members: list[Member], room: int) -> str:
    """The names, escaped, as many as fit in ``room`` (Telegram's units of the text people
    see), then "en nog N": a big group's list is never refused as too long."""
    shown: list[str] = []
    used = 0
    for index, member in enumerate(members):
        name = member.display_name
        more = texts.plain(language, "members.more").format(n=len(members) - index)
        if used + units(name) + 2 + units(more) + 2 > room:
            return ", ".join([*shown, escape(more)])
        shown.append(escape(name))
        used += units(name) + 2
    return ", ".join(shown)


async def members(update: Update, context: BotContext) -> None:
    """``/members``: the constellation's people by role, names only."""
    chat = update.effective_chat
    texts = context.services.texts
    if chat is None:
        return
    language = await group_language(update, context)
    if language is None:
        return
    try:
        constellation, people = await context.services.constellations.members(chat.id)
    except NotSetUp:
        await reply(update, texts(language, "common.not_setup"))
        return
    none = texts(language, "members.none")
    title = texts(language, "members.title", name=constellation.name)
    # Only commands reach a bot that is no admin with privacy mode on: "send a message" would
    # not help then, and the admins are told what to change.
    rights = await own_rights(context, chat.id)
    blind = rights is not None and rights.blind
    footer = texts(language, "members.footer_blind" if blind else "members.footer")
    # What the names may take: Telegram's limit, less everything else in the message.
    room = MESSAGE_LIMIT - units(to_plain(f"{title}\n\n\n\n\n\n{footer}")) - 3 * 40
    lines = [title, ""]
    for role in (Role.HUBHOME, Role.LIAISON, Role.MEMBER):
        in_role = [m for m in people if m.role is role]
        names = _names(texts, language, in_role, room // 2 if role is Role.MEMBER else room // 4)
        lines.append(texts(language, f"members.{role.value}", names=Html(names or none)))
    lines += ["", footer]
    await reply(update, "\n".join(lines))


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(names("hubhome"), hubhome, only_messages))
    app.add_handler(CommandHandler(names("liaison"), liaison, only_messages))
    app.add_handler(CommandHandler(names("member"), member, only_messages))
    app.add_handler(CommandHandler(names("members"), members, only_messages))
