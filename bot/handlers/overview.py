"""``/overzicht`` (``/overview``) and ``/weekoverzicht`` (``/weekly``), in the private chat.

The overview is the hub home's and the liaison's one screen: per constellation, the open and
taken-on requests, the private messages waiting for an answer and the next dates, with
buttons to act. Those buttons are the features' own (a request's **Ik help**, the private
line's, a meetup's), each checked again on the server when pressed. **Vernieuwen** draws it
again for whoever presses it, from what they may see then.

The weekly look ahead is for everyone who asks for it: ``/weekoverzicht aan`` or ``uit``;
without a word, how it stands, with a button to turn it around.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import OverviewAction, OverviewButton, WeeklyAction, WeeklyButton
from bot.commands import BY_NAME, names
from bot.context import BotApplication, BotContext
from bot.domain import NotAllowed
from bot.handlers.common import (
    command_text,
    is_group,
    language_for,
    on_pressed_message,
    private_language,
    reply,
)
from bot.i18n import Html
from bot.telegram_bot import unless_unchanged
from bot.views.overview import overview_keyboard, overview_text

ON_WORDS = frozenset({"aan", "on", "ja", "yes", "aanzetten", "start", "graag"})
OFF_WORDS = frozenset({"uit", "off", "nee", "no", "uitzetten", "stop", "niet"})


async def _to_private(update: Update, context: BotContext, name: str) -> None:
    """Typed in the group: a one-line pointer to the private chat, nothing else."""
    language = await language_for(update, context)
    link = f"https://t.me/{context.bot.username}"
    command = BY_NAME[name].shown_as(language)
    key = f"{name}.private_only"
    await reply(update, context.services.texts(language, key, command=command, link=link))


async def _drawn(
    context: BotContext, user_id: int, language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The overview as this person may see it now; NotAllowed for anyone else."""
    services = context.services
    glances = await services.overview.overview(user_id)
    now = services.clock.now()
    texts = services.texts
    return overview_text(texts, language, glances, now), overview_keyboard(texts, language, glances)


async def overview_command(update: Update, context: BotContext) -> None:
    """``/overzicht``: in the private chat, for the hub home and the liaison only."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    texts = context.services.texts
    if is_group(chat):
        await _to_private(update, context, "overview")
        return
    language = private_language(context, user)
    try:
        text, keyboard = await _drawn(context, user.id, language)
    except NotAllowed:
        await reply(update, texts(language, "overview.not_allowed"))
        return
    await reply(update, text, reply_markup=keyboard)


async def overview_button(update: Update, context: BotContext) -> None:
    """**Vernieuwen** (draw this message again) or, from the weekly look ahead, a new one:
    for the presser, as they may see it now, in their own private chat only."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    texts = context.services.texts
    language = private_language(context, user)
    pressed = OverviewButton.parse(query.data)
    # It edits (or answers) the message it is on: only a button the bot put there.
    if pressed is None or chat.id != user.id or not on_pressed_message(query):
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    try:
        text, keyboard = await _drawn(context, user.id, language)
    except NotAllowed:
        await query.answer(texts.plain(language, "overview.not_allowed_short"), show_alert=True)
        return
    await query.answer()
    if pressed.action is OverviewAction.REFRESH:
        with unless_unchanged():
            await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await context.bot.send_message(user.id, text, reply_markup=keyboard)


# -- the weekly look ahead -------------------------------------------------------------------


def _weekly_state(
    context: BotContext, language: str, on: bool
) -> tuple[Html, InlineKeyboardMarkup]:
    texts = context.services.texts
    command = BY_NAME["weekly"].shown_as(language)
    key, action = ("weekly.is_on", WeeklyAction.OFF) if on else ("weekly.is_off", WeeklyAction.ON)
    label = texts.plain(language, f"weekly.button_{action.value}")
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=WeeklyButton(action).data())]]
    )
    return texts(language, key, command=command), keyboard


async def weekly_command(update: Update, context: BotContext) -> None:
    """``/weekoverzicht [aan|uit]``: turn it on or off, or say how it stands."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services, texts = context.services, context.services.texts
    if is_group(chat):
        await _to_private(update, context, "weekly")
        return
    language = private_language(context, user)
    if not await services.weekly.member_anywhere(user.id):
        await reply(update, texts(language, "weekly.no_constellation"))
        return
    words = set(command_text(update).lower().split())
    command = BY_NAME["weekly"].shown_as(language)
    if not words:
        text, keyboard = _weekly_state(context, language, await services.weekly.is_on(user.id))
        await reply(update, text, reply_markup=keyboard)
        return
    on, off = bool(words & ON_WORDS), bool(words & OFF_WORDS)
    if on == off:  # neither, or both
        await reply(update, texts(language, "weekly.how", command=command))
        return
    await services.weekly.turn(user.id, on)
    await reply(update, texts(language, "weekly.on" if on else "weekly.off", command=command))


async def weekly_button(update: Update, context: BotContext) -> None:
    """The button under "how it stands": the presser's own, in their own private chat."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    pressed = WeeklyButton.parse(query.data)
    if pressed is None or chat.id != user.id or not on_pressed_message(query):
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    if not await services.weekly.member_anywhere(user.id):
        await query.answer(texts.plain(language, "weekly.no_constellation_short"), show_alert=True)
        return
    on = pressed.action is WeeklyAction.ON
    await services.weekly.turn(user.id, on)
    await query.answer()
    text, keyboard = _weekly_state(context, language, on)
    with unless_unchanged():
        await query.edit_message_text(text, reply_markup=keyboard)


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(names("overview"), overview_command, only_messages))
    app.add_handler(CommandHandler(names("weekly"), weekly_command, only_messages))
    app.add_handler(
        CallbackQueryHandler(overview_button, pattern=callbacks.pattern(callbacks.Feature.OVERVIEW))
    )
    app.add_handler(
        CallbackQueryHandler(weekly_button, pattern=callbacks.pattern(callbacks.Feature.WEEKLY))
    )
