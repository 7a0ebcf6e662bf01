"""Answering the private line by button: "↩️ Antwoorden" under a member's message.

A hub home carer (or the liaison) presses it, and their next message goes back to that
member — no long-press "Beantwoorden" needed; Telegram's own reply still works. The press, and
the message that follows it, are each checked on the server: the person still answers for
that constellation, in the role they got the message in, and its routing still exists.

What is waiting lives in ``user_data`` (ids and a deadline, never words or names) and ends
when the answer went, with its stop button or ``/cancel``, after :data:`WINDOW`, or when the
person turns to something else: any command, or a button a guided flow took. So a flow
never takes the answer, and the answer never takes a flow's text: whatever the person did
last is what their next message is for.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.callbacks import Feature, LineAction, LineButton
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import NotAllowed, NotAMember, PartlySent
from bot.handlers.common import Holding, on_pressed_message, private_language, reply
from bot.handlers.line_copies import copy_with_header
from bot.handlers.private_line import answer_copy, refusal
from bot.services.private_line import Answerable, AnswerRefused, NotALineReply, StillWaiting
from bot.views.line import answer_keyboard, line_button

KEY = "line_reply"
WINDOW = timedelta(minutes=30)  # the texts say "een half uur"
# Runs after every feature has handled an update (group 0): to see what the person did.
AFTERWARDS = 1


@dataclass(frozen=True, slots=True)
class Awaiting:
    """The next message of this person answers the routed message ``line_id``."""

    line_id: int
    copy_id: int  # their copy of it, in their own chat
    prompt_id: int  # "your next message goes to …", with the stop button
    until: datetime


def _current(context: BotContext) -> Awaiting | None:
    awaiting = (context.user_data or {}).get(KEY)
    return awaiting if isinstance(awaiting, Awaiting) else None


async def _end(context: BotContext, chat_id: int, *, stopped: bool, language: str) -> None:
    """Nothing is waiting any more; its prompt says it stopped, or (sent) loses its button."""
    awaiting = _current(context)
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    if awaiting is None:
        return
    await context.services.line.answer_done(chat_id)
    prompt = awaiting.prompt_id
    with contextlib.suppress(BadRequest):  # gone, or too old to edit: nothing to mend
        if stopped:
            text = context.services.texts(language, "flow.cancelled")
            await context.bot.edit_message_text(text, chat_id=chat_id, message_id=prompt)
        else:
            await context.bot.edit_message_reply_markup(chat_id=chat_id, message_id=prompt)


# -- the buttons -----------------------------------------------------------------------------


async def pressed(update: Update, context: BotContext) -> None:
    """ "↩️ Antwoorden" under a copy, or "✖️ Stoppen" under the prompt it brought."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None or context.user_data is None:
        return
    services = context.services
    texts = services.texts
    language = private_language(context, user)
    button = LineButton.parse(query.data)
    copy = query.message
    # Only a button on the message itself, in the person's own chat: the message pressed,
    # not the data, says which routed message this is.
    if (
        button is None
        or chat.id != user.id
        or not isinstance(copy, Message)
        or not on_pressed_message(query)
    ):
        await query.answer(texts.plain(language, "button.stale"))
        return
    if button.action is LineAction.SHOW:
        try:
            await show_again(update, context, button.target)
        except (NotAMember, NotAllowed):
            await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    if button.action is LineAction.STOP:
        awaiting = _current(context)
        if awaiting is None or awaiting.prompt_id != copy.message_id:
            await query.answer(texts.plain(language, "button.stale"))
            return
        await query.answer()
        await _end(context, user.id, stopped=True, language=language)
        return
    try:
        able = await services.line.answerable(user.id, copy.message_id, user.id)
    except NotALineReply:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    except AnswerRefused as refused:
        await query.answer()
        await copy.reply_text(refusal(texts, language, refused), do_quote=True)
        return
    if able.original.id != button.target:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    if able.member is None:
        await query.answer()
        await copy.reply_text(texts(language, "line.member_gone"), do_quote=True)
        return
    await query.answer()
    await _wait_for_answer(context, user.id, copy.message_id, able, language)


async def _wait_for_answer(
    context: BotContext, user_id: int, copy_id: int, able: Answerable, language: str
) -> None:
    """From now on this person's next message answers the member of ``copy_id``."""
    assert able.member is not None and context.user_data is not None
    texts = context.services.texts
    await _end(context, user_id, stopped=True, language=language)  # an earlier one stops
    stop = line_button(texts, language, "flow.button_cancel", LineAction.STOP, able.original.id)
    prompt = await context.bot.send_message(
        user_id,
        texts(
            language,
            "line.reply_prompt",
            name=able.member.first_name,
            constellation=able.constellation.name,
        ),
        reply_markup=InlineKeyboardMarkup([[stop]]),
        reply_parameters=ReplyParameters(copy_id, allow_sending_without_reply=True),
    )
    until = context.services.clock.now() + WINDOW
    # On disk first: a restart before the answer must not send it anywhere else.
    await context.services.line.await_answer(
        user_id, able.original.id, copy_id, prompt.message_id, until
    )
    context.user_data[KEY] = Awaiting(able.original.id, copy_id, prompt.message_id, until)


async def show_again(update: Update, context: BotContext, line_id: int) -> None:
    """A carer asks (from the overview) for a waiting message again, to answer it: it comes
    as the first copy did, with its header and the answer button, and their next message is
    the answer at once (as after "↩️ Antwoorden"); a reply to it works too."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    services = context.services
    texts = services.texts
    language = private_language(context, user)
    try:
        constellation, line, role, member = await services.line.to_answer(line_id, user.id)
    except StillWaiting:
        await query.answer(texts.plain(language, "line.on_its_way"), show_alert=True)
        return
    header = texts(
        language, "line.header_in", name=member.first_name, constellation=constellation.name
    )
    keyboard = answer_keyboard(texts, language, line.id)
    origin = (line.origin_chat_id, line.origin_message_id)
    await query.answer()
    try:
        ids = await copy_with_header(context, user.id, header, origin, keyboard=keyboard)
    except PartlySent as partly:
        # The member's message itself is gone (deleted in their chat): the header is out,
        # and a reply to it still reaches them.
        await services.line.shown_again(line, [(user.id, partly.head)], role)
        if not isinstance(partly.__cause__, BadRequest):
            raise
        await context.bot.send_message(user.id, texts(language, "line.copy_missing"))
        return
    await services.line.shown_again(line, [(user.id, sent) for sent in ids], role)
    try:
        able = await services.line.answerable(user.id, ids[-1], user.id)
    except (NotALineReply, AnswerRefused):
        return  # shown; the button under it says the rest when pressed
    if able.member is not None and context.user_data is not None:
        await _wait_for_answer(context, user.id, ids[-1], able, language)


# -- the message after the press -------------------------------------------------------------


async def next_message(update: Update, context: BotContext) -> None:
    """The answer: to the member of the copy pressed (a Telegram reply to a copy goes to
    that one's member instead), checked again now; too late, it goes nowhere and the carer
    hears so."""
    message, user = update.effective_message, update.effective_user
    awaiting = _current(context)
    if message is None or user is None or awaiting is None:
        return
    services = context.services
    language = private_language(context, user)
    replied = message.reply_to_message
    if replied is not None and await answer_copy(update, context, replied.message_id):
        await _end(context, user.id, stopped=False, language=language)
        return
    if services.clock.now() >= awaiting.until:
        await _end(context, user.id, stopped=True, language=language)
        await reply(update, services.texts(language, "line.reply_lapsed"))
        return
    await _end(context, user.id, stopped=False, language=language)
    if not await answer_copy(update, context, awaiting.copy_id):
        # Its routing is gone (past retention, or erased): said plainly, sent nowhere.
        await reply(update, services.texts(language, "line.member_gone"))


async def cancelled(update: Update, context: BotContext) -> None:
    """``/cancel`` while an answer waits: that stops (a flow under it stays)."""
    user = update.effective_user
    if user is None:
        return
    language = private_language(context, user)
    await _end(context, user.id, stopped=True, language=language)
    await reply(update, context.services.texts(language, "flow.cancelled"))


async def turned_elsewhere(update: Update, context: BotContext) -> None:
    """After a command, or a press a guided flow took: the person is doing something else,
    so their next message is not the answer any more."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.id != user.id or _current(context) is None:
        return
    if update.callback_query is not None:
        flows = [
            handler
            for handler in context.application.handlers.get(0, [])
            if isinstance(handler, ConversationHandler)
        ]
        if not any(flow.check_update(update) for flow in flows):
            return
    await _end(context, user.id, stopped=True, language=private_language(context, user))


async def restore(app: BotApplication) -> None:
    """At start-up: answers still waiting (pressed before a restart) wait again."""
    for (
        user_id,
        line_id,
        copy_id,
        prompt_id,
        until,
    ) in await app.bot_data.services.line.answers_waiting():
        app.user_data[user_id][KEY] = Awaiting(line_id, copy_id, prompt_id, until)


def register(app: BotApplication) -> None:
    """Before the guided flows: while an answer waits, the next message is the answer."""
    awaiting = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & Holding(app, KEY, Awaiting)
    app.add_handler(CommandHandler(names("cancel"), cancelled, awaiting))
    app.add_handler(MessageHandler(awaiting & ~filters.COMMAND, next_message))
    actions = f"({LineAction.REPLY}|{LineAction.STOP}|{LineAction.SHOW})"
    line = rf"^{Feature.LINE.value}:{callbacks.VERSION}:{actions}:"
    app.add_handler(CallbackQueryHandler(pressed, pattern=line))
    app.add_handler(MessageHandler(awaiting & filters.COMMAND, turned_elsewhere), AFTERWARDS)
    app.add_handler(CallbackQueryHandler(turned_elsewhere), AFTERWARDS)
