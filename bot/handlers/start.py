"""``/start`` (plain or with a deep-link payload), ``/link`` and ``/help``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.commands import names, visible
from bot.context import BotApplication, BotContext
from bot.domain import Constellation, InvalidLink, NotAMember, Role
from bot.handlers.common import (
    PRESENT_STATUSES,
    actor_in,
    chat_member_status,
    is_group,
    language_for,
    person_from,
    private_language,
    reply,
)
from bot.handlers.keyboards import link_keyboard
from bot.handlers.meetups import calendar_from_link
from bot.i18n import MESSAGE_LIMIT, Html, Translator, fit_lines


def _greeting(
    texts: Translator, language: str, name: str, places: list[tuple[Constellation, Role]]
) -> Html:
    """Someone who belongs to a constellation is greeted as known, with what they can do
    there; anyone else hears what the bot is and how to link."""
    if not places:
        return texts(language, "start.plain", name=name)
    lines: list[str] = [
        texts(language, f"start.known_{role.value}", constellation=constellation.name)
        for constellation, role in places
    ]
    # Room for the greeting around them; a liaison may serve many constellations.
    places_text = Html(fit_lines(lines, limit=MESSAGE_LIMIT - 500))
    return texts(language, "start.known", name=name, places=places_text)


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
        await reply(update, _greeting(texts, language, user.first_name, places))
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


async def help_command(update: Update, context: BotContext) -> None:
    """``/help``: the commands that fit this chat and this person's role, in their language."""
    chat, user = update.effective_chat, update.effective_user
    texts = context.services.texts
    if chat is None or user is None:
        return
    language = await language_for(update, context)
    in_group = is_group(chat)
    admin = False
    if in_group:
        actor = await actor_in(context, chat.id, user)
        admin = context.services.constellations.may_manage(actor)
    lines = [texts(language, "help.group" if in_group else "help.private"), ""]
    for command in visible(in_group=in_group, admin=admin):
        description = texts(language, command.description_key)
        lines.append(f"/{command.shown_as(language)} — {description}")
    if in_group and not admin:
        lines += ["", texts(language, "help.admin_hint")]
    await reply(update, "\n".join(lines))


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("start", start, filters.ChatType.PRIVATE & only_messages))
    app.add_handler(CommandHandler(names("link"), link, only_messages))
    app.add_handler(CommandHandler(names("help"), help_command, only_messages))
