"""``/settings``: what a group admin can change about the constellation (who may claim)."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.commands import BY_NAME, names
from bot.context import BotApplication, BotContext
from bot.domain import Constellation, NotAllowed, NotSetUp
from bot.handlers.common import actor_in, group_language, is_group, language_for, reply
from bot.i18n import Html, Translator

FEATURE = "set"
CLAIM_CHOICES = {"hub": False, "all": True}


def settings_text(texts: Translator, constellation: Constellation) -> Html:
    language = constellation.language
    who = "settings.claim_all" if constellation.members_may_claim else "settings.claim_hub"
    return texts(
        language,
        "settings.text",
        name=constellation.name,
        language_name=texts.plain(language, "language.name"),
        language_command=BY_NAME["language"].shown_as(language),
        claim=texts.plain(language, who),
    )


def settings_keyboard(texts: Translator, constellation: Constellation) -> InlineKeyboardMarkup:
    language = constellation.language
    rows = []
    for code, allowed in CLAIM_CHOICES.items():
        label = texts.plain(language, f"settings.button_claim_{code}")
        if allowed == constellation.members_may_claim:
            label = f"✓ {label}"
        rows.append(
            [InlineKeyboardButton(label, callback_data=callbacks.callback(FEATURE, "claim", code))]
        )
    return InlineKeyboardMarkup(rows)


async def show_settings(update: Update, context: BotContext) -> None:
    """The constellation's settings, for group admins (and BOT_ADMIN_IDS)."""
    chat, user = update.effective_chat, update.effective_user
    texts = context.services.texts
    if chat is None or user is None:
        return
    language = await group_language(update, context)
    if language is None:
        return
    service = context.services.constellations
    constellation = await service.for_chat(chat.id)
    if constellation is None:
        await reply(update, texts(language, "common.not_setup"))
        return
    if not service.may_manage(await actor_in(context, chat.id, user)):
        await reply(update, texts(language, "settings.refused"))
        return
    await reply(
        update,
        settings_text(texts, constellation),
        reply_markup=settings_keyboard(texts, constellation),
    )


async def settings_button(update: Update, context: BotContext) -> None:
    """A press on a settings button: this group, a group admin, a known choice — checked anew."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    texts = context.services.texts
    if query is None or chat is None or user is None:
        return
    language = await language_for(update, context)
    data = callbacks.parse(query.data)
    choice = data.args[0] if data and data.action == "claim" and data.args else None
    if choice not in CLAIM_CHOICES or not is_group(chat):
        await query.answer(texts.plain(language, "button.stale"))
        return
    actor = await actor_in(context, chat.id, user)
    try:
        constellation = await context.services.constellations.set_members_may_claim(
            chat.id, CLAIM_CHOICES[choice], actor
        )
    except NotSetUp:
        await query.answer(texts.plain(language, "common.not_setup"), show_alert=True)
        return
    except NotAllowed:
        await query.answer(texts.plain(language, "settings.refused"), show_alert=True)
        return
    await query.answer(texts.plain(constellation.language, "settings.saved"))
    # Pressing the option that is already on changes nothing on screen: that is fine.
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(
            settings_text(texts, constellation),
            reply_markup=settings_keyboard(texts, constellation),
        )


def register(app: BotApplication) -> None:
    app.add_handler(CommandHandler(names("settings"), show_settings, filters.UpdateType.MESSAGE))
    app.add_handler(CallbackQueryHandler(settings_button, pattern=callbacks.pattern(FEATURE)))
