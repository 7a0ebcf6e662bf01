"""Meetups and activities in the group: plan in one line, list, cancel, move, and answer.

Every button press is checked again: the occurrence must belong to this group (or to the
presser's own private chat, for reminders), and be neither cancelled nor started.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import CancelScope, Feature, MeetupAction, MeetupButton, ShownDate
from bot.commands import BY_NAME, names
from bot.context import BotApplication, BotContext
from bot.domain import (
    Answer,
    Meetup,
    MeetupClosed,
    MeetupKind,
    MeetupNotFound,
    MeetupView,
    NotAllowed,
    NotSetUp,
    Occurrence,
)
from bot.handlers.common import (
    command_text,
    group_language,
    is_group,
    language_for,
    on_pressed_message,
    person_from,
    private_language,
    reply,
    typed_number,
)
from bot.i18n import Html, fit_lines, to_plain
from bot.services.meetups import FormError
from bot.telegram_bot import unless_unchanged
from bot.views.calendar import ics_file, ics_name
from bot.views.common import message_link
from bot.views.meetups import (
    children_keyboard,
    meetup_card_keyboard,
    meetup_card_text,
    meetup_when_text,
)
from bot.views.when import assumed_note, read_back, refusal
from bot.when import WhenError

CANCEL = MeetupAction.CANCEL
CALENDAR_PAYLOAD = "ics-"


def how_to(context: BotContext, language: str, kind: MeetupKind) -> Html:
    command = BY_NAME[kind.value].shown_as(language)
    return context.services.texts(language, f"meetup.how_{kind.value}", command=command)


async def plan(update: Update, context: BotContext, kind: MeetupKind) -> None:
    """``/meetup <when> | <title> | <location>`` (and ``/activity … | 6-12 jaar | max 12``)."""
    chat, user = update.effective_chat, update.effective_user
    texts = context.services.texts
    if chat is None or user is None:
        return
    language = await language_for(update, context)
    raw = command_text(update)
    if not raw.strip():
        await reply(update, how_to(context, language, kind))
        return
    try:
        # Stored, and its card posted through the outbox.
        view, when = await context.services.meetups.plan(chat.id, person_from(user), kind, raw)
    except NotSetUp:
        await reply(update, texts(language, "common.not_setup"))
        return
    except NotAllowed:
        await reply(update, texts(language, "meetup.not_allowed"))
        return
    except FormError as exc:
        example = how_to(context, language, kind)
        await reply(update, texts(language, f"meetup.form_{exc.reason}") + "\n\n" + example)
        return
    except WhenError as exc:
        await reply(update, when_refusal(context, language, kind, exc))
        return
    if when.assumed is not None:  # the card says 14:00; tell the planner why, once
        now = context.services.clock.now()
        await reply(update, read_back(texts, language, when, view.meetup.timezone, now))


def when_refusal(
    context: BotContext, language: str, kind: MeetupKind | None, exc: WhenError
) -> Html:
    """The date cannot be used: why, with examples made from what was typed (as whole
    commands for the one-line form of ``kind``)."""
    command = None if kind is None else BY_NAME[kind.value].shown_as(language)
    return refusal(context.services.texts, language, exc, command=command)


async def plan_meetup(update: Update, context: BotContext) -> None:
    await plan(update, context, MeetupKind.MEETUP)


async def plan_activity(update: Update, context: BotContext) -> None:
    await plan(update, context, MeetupKind.ACTIVITY)


async def agenda(update: Update, context: BotContext) -> None:
    """``/meetups``: what is coming up, with answers; in a private chat for all one's groups."""
    chat, user = update.effective_chat, update.effective_user
    services = context.services
    texts = services.texts
    if chat is None or user is None:
        return
    language = await language_for(update, context)
    if is_group(chat):
        constellation = await services.constellations.for_chat(chat.id)
        if constellation is None:
            await reply(update, texts(language, "common.not_setup"))
            return
        constellations = [constellation]
    else:
        constellations = await services.meetups.of_member(user.id)
    views = await services.meetups.upcoming(constellations)
    if not views:
        await reply(update, texts(language, "meetup.agenda_empty"))
        return
    lines = [texts(language, "meetup.agenda_title"), ""]
    for view in views:
        lines.append(await _agenda_line(context, language, view, several=len(constellations) > 1))
    await reply(update, fit_lines(lines))


async def _agenda_line(
    context: BotContext, language: str, view: MeetupView, *, several: bool
) -> str:
    texts = context.services.texts
    meetup = view.meetup
    label = texts(language, "meetup.agenda_item", number=meetup.number, title=meetup.title)
    cards = await context.services.meetups.cards(view.occurrence.id)
    link = message_link(cards[0].chat_id, cards[0].message_id) if cards else None
    if link:
        label = Html(f'<a href="{link}">{label}</a>')
    counted = [
        texts.plural(language, f"meetup.count_{answer.value}", len(people))
        for answer in (Answer.YES, Answer.MAYBE)
        if (people := view.with_answer(answer))
    ]
    counts = f" ({', '.join(counted)})" if counted else ""
    when = meetup_when_text(
        language,
        view.occurrence.starts_at,
        meetup.timezone,
        meetup.length_minutes,
        now=context.services.clock.now(),
    )
    where = f" · {texts(language, 'meetup.agenda_group', name=view.constellation.name)}"
    return f"• {when} — {label}{counts}{where if several else ''}"


# -- cancelling and moving -------------------------------------------------------------------


async def _find(update: Update, context: BotContext, command: str) -> tuple[str, Meetup] | None:
    """The language and the meetup a group command (``/… N``) is about; None if told why not."""
    chat = update.effective_chat
    texts = context.services.texts
    language = await group_language(update, context)
    if language is None or chat is None:
        return None
    args = context.args or []
    number = typed_number(args[0]) if args else None
    if number is None:
        shown = BY_NAME[command].shown_as(language)
        await reply(update, texts(language, f"meetup.how_{command}", command=shown))
        return None
    try:
        _, meetup = await context.services.meetups.find(chat.id, number)
    except NotSetUp:
        await reply(update, texts(language, "common.not_setup"))
        return None
    except MeetupNotFound:
        await reply(update, texts(language, "meetup.not_found", number=number))
        return None
    return language, meetup


async def cancel_command(update: Update, context: BotContext) -> None:
    """``/cancelmeetup N``: a one-off at once; for a series, ask which."""
    user = update.effective_user
    found = await _find(update, context, "cancelmeetup")
    if found is None or user is None:
        return
    language, meetup = found
    services, texts = context.services, context.services.texts
    number = meetup.number
    if not await services.meetups.may_change(meetup, user.id):
        await reply(update, texts(language, "meetup.not_allowed_change"))
        return
    if meetup.cancelled:
        await reply(update, texts(language, "meetup.already_cancelled", number=number))
        return
    if meetup.recurrence is None:
        await _cancel(update, context, language, meetup.id, series=False)
        return
    upcoming = await services.meetups.next_occurrence(meetup)
    rows = []
    if upcoming is not None:  # "only the next date" names that date, so a late tap is safe
        when = meetup_when_text(
            language, upcoming.starts_at, meetup.timezone, now=services.clock.now()
        )
        shown = ShownDate.of(upcoming.id, upcoming.starts_at)
        one = MeetupButton(CANCEL, meetup.id, CancelScope.ONE, shown)
        rows.append(
            [
                InlineKeyboardButton(
                    texts.plain(language, "meetup.cancel_one").format(when=when),
                    callback_data=one.data(),
                )
            ]
        )
    for scope, key in (
        (CancelScope.ALL, "meetup.cancel_series"),
        (CancelScope.KEEP, "meetup.cancel_keep"),
    ):
        rows.append(
            [
                InlineKeyboardButton(
                    texts.plain(language, key),
                    callback_data=MeetupButton(CANCEL, meetup.id, scope).data(),
                )
            ]
        )
    keyboard = InlineKeyboardMarkup(rows)
    await reply(
        update,
        texts(language, "meetup.cancel_which", number=number, title=meetup.title),
        reply_markup=keyboard,
    )


async def _cancel(
    update: Update,
    context: BotContext,
    language: str,
    meetup_id: int,
    *,
    series: bool,
    only: ShownDate | None = None,
) -> None:
    """Cancel and tell the group (or the question's message, when a button chose)."""
    user = update.effective_user
    assert user is not None
    services, texts = context.services, context.services.texts
    meetup = await services.meetups.find_by_id(meetup_id)
    try:
        cancelled = await services.meetups.cancel(
            meetup,
            user.id,
            series=series,
            only=(only.occurrence, only.starts_at) if only is not None else None,
        )
    except NotAllowed:
        text = texts(language, "meetup.not_allowed_change")
    except MeetupClosed:
        text = texts(language, "meetup.nothing_to_cancel", number=meetup.number)
    else:
        key = "meetup.cancelled_series" if series else "meetup.cancelled_one"
        now = services.clock.now()
        when = goes_on = ""
        if cancelled:
            off = cancelled[0]
            when = meetup_when_text(language, off.occurrence.starts_at, meetup.timezone, now=now)
            if off.resumes is not None and not series:  # one date of a series that goes on
                key = "meetup.cancelled_date"
                goes_on = meetup_when_text(language, off.resumes, meetup.timezone, now=now)
        text = texts(
            language, key, number=meetup.number, title=meetup.title, when=when, next=goes_on
        )
    if update.callback_query is not None:
        with unless_unchanged():
            await update.callback_query.edit_message_text(text)
    else:
        await reply(update, text)


async def edit_command(update: Update, context: BotContext) -> None:
    """``/editmeetup N <when> | <title> | <location>``: answers stay, people are told."""
    user = update.effective_user
    found = await _find(update, context, "editmeetup")
    if found is None or user is None:
        return
    language, meetup = found
    number = meetup.number
    services, texts = context.services, context.services.texts
    raw = command_text(update).split(maxsplit=1)
    change = raw[1] if len(raw) > 1 else ""
    shown = BY_NAME["editmeetup"].shown_as(language)
    try:
        view, _, when = await services.meetups.edit(meetup, user.id, change)
    except NotAllowed:
        await reply(update, texts(language, "meetup.not_allowed_change"))
        return
    except MeetupClosed:
        await reply(update, texts(language, "meetup.nothing_to_change", number=number))
        return
    except FormError as exc:
        await reply(
            update,
            texts(language, f"meetup.form_{exc.reason}")
            + "\n\n"
            + texts(language, "meetup.how_editmeetup", command=shown),
        )
        return
    except WhenError as exc:
        await reply(update, when_refusal(context, language, None, exc))
        return
    now = services.clock.now()
    changed = texts(
        language,
        "meetup.changed",
        number=number,
        title=view.meetup.title,
        when=meetup_when_text(
            language,
            view.occurrence.starts_at,
            view.meetup.timezone,
            view.meetup.length_minutes,
            now=now,
        ),
    )
    note = None if when is None else assumed_note(texts, language, when, view.meetup.timezone)
    await reply(update, changed if note is None else Html(f"{changed}\n{note}"))


# -- buttons ---------------------------------------------------------------------------------


async def button(update: Update, context: BotContext) -> None:
    """A press on a card or reminder: re-authorised, then the answer is stored."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    texts = context.services.texts
    if query is None or chat is None or user is None:
        return
    pressed = MeetupButton.parse(query.data)
    language = (
        await language_for(update, context) if is_group(chat) else private_language(context, user)
    )
    if pressed is None:
        await query.answer(texts.plain(language, "button.stale"))
        return
    if pressed.action is MeetupAction.CANCEL:
        await _cancel_button(update, context, language, pressed)
        return
    if pressed.action is MeetupAction.CALENDAR:
        await _calendar(update, context, language, pressed.target)
        return
    if pressed.action in (MeetupAction.KIDS, MeetupAction.KIDS_MORE):
        await _children_button(update, context, language, pressed)
        return
    if pressed.action is MeetupAction.SHOW:
        await _show(update, context, language, pressed.target)
        return
    try:
        view = await context.services.meetups.for_press(pressed.target, chat.id, user.id)
    except MeetupNotFound:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    try:
        answered = await context.services.meetups.answer(
            view, person_from(user), pressed.action.value
        )
    except MeetupClosed:
        await query.answer(texts.plain(language, "meetup.closed"), show_alert=True)
        return
    mine = answered.view.answer_of(user.id)
    children = mine.children if mine else 0
    coming = answered.result == "yes"  # (waiting for a place is said first, in an alert)
    if coming and answered.remembered:
        popup = to_plain(texts.plural(language, "meetup.answered_yes_remembered", children))
    elif coming and answered.asked:
        popup = to_plain(texts(language, await _where_asked(context, chat.id, user.id)))
    else:
        popup = to_plain(texts(language, f"meetup.answered_{answered.result}", n=children))
    await query.answer(popup, show_alert=answered.result in ("full", "waiting"))


async def _where_asked(context: BotContext, chat_id: int, user_id: int) -> str:
    """Where "with how many children?" went, for the pop-up: right here (pressed in the
    private chat), to the private chat, or to the group."""
    if chat_id == user_id:
        return "meetup.answered_yes_ask_here"
    person = await context.services.constellations.person(user_id)
    linked = person is not None and person.private_chat_linked
    return "meetup.answered_yes_ask_private" if linked else "meetup.answered_yes_ask_group"


async def _children_button(
    update: Update, context: BotContext, language: str, pressed: MeetupButton
) -> None:
    """An answer to "with how many children?": only on the question itself (its buttons name
    the person asked, so forged data on another message counts for nothing), only by that
    person, and only while they may answer that date."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    assert query is not None and chat is not None and user is not None
    services, texts = context.services, context.services.texts
    if not on_pressed_message(query):
        await query.answer(texts.plain(language, "button.stale"))
        return
    if pressed.person != user.id:
        await query.answer(texts.plain(language, "meetup.children_not_yours"), show_alert=True)
        return
    try:
        view = await services.meetups.for_press(pressed.target, chat.id, user.id)
    except MeetupNotFound:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    if pressed.action is MeetupAction.KIDS_MORE:
        await query.answer()
        keyboard = children_keyboard(texts, language, view.occurrence.id, user.id, many=True)
        with unless_unchanged():
            await query.edit_message_reply_markup(keyboard)
        return
    try:
        answered = await services.meetups.answer(
            view, person_from(user), "children", count=pressed.count
        )
    except MeetupClosed:
        await query.answer(texts.plain(language, "meetup.closed"), show_alert=True)
        return
    if answered.result == "too_many":
        refusal = texts.plural(language, "meetup.answered_too_many", pressed.count or 0)
        await query.answer(to_plain(refusal), show_alert=True)
        return
    mine = answered.view.answer_of(user.id)
    children = mine.children if mine else 0
    await query.answer(to_plain(texts(language, "meetup.answered_children", n=children)))
    title = answered.view.meetup.title
    if is_group(chat):
        # Answered: the question goes, and no name stays behind in the group (the card
        # shows the count). Too old to delete, it is at least made nameless.
        try:
            await query.delete_message()
            return
        except TelegramError:
            noted = texts.plural(language, "meetup.children_noted_group", children, title=title)
    else:
        noted = texts.plural(language, "meetup.children_noted", children, title=title)
    with unless_unchanged():
        await query.edit_message_text(noted)


async def _show(update: Update, context: BotContext, language: str, occurrence_id: int) -> None:
    """The date's card, as it is now, sent to the presser's own private chat (from an
    overview): for an active member of its constellation only."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    assert query is not None and chat is not None and user is not None
    services = context.services
    if chat.id != user.id:
        await query.answer(services.texts.plain(language, "button.stale"), show_alert=True)
        return
    try:
        view = await services.meetups.for_press(occurrence_id, chat.id, user.id)
    except MeetupNotFound:
        await query.answer(services.texts.plain(language, "button.stale"), show_alert=True)
        return
    await query.answer()
    now = services.clock.now()
    await context.bot.send_message(
        user.id,
        meetup_card_text(services.texts, language, view, now),
        reply_markup=meetup_card_keyboard(services.texts, language, view, now),
    )


async def _cancel_button(
    update: Update, context: BotContext, language: str, pressed: MeetupButton
) -> None:
    """ "Only the next date / the whole series / keep it": the button must be on the question
    it was pressed on, in the meetup's own group, and the presser must be someone who may
    cancel it now — whoever asked the question (the button carries no person)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    texts = context.services.texts
    meetup_id, scope = pressed.target, pressed.scope
    if scope is None or not on_pressed_message(query):
        await query.answer(texts.plain(language, "button.stale"))
        return
    try:
        meetup = await context.services.meetups.find_by_id(meetup_id)
    except MeetupNotFound:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    chat = update.effective_chat
    if chat is None or not await _in_its_group(context, meetup.constellation_id, chat.id):
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    if not await context.services.meetups.may_change(meetup, user.id):
        await query.answer(texts.plain(language, "meetup.not_allowed_change"), show_alert=True)
        return
    await query.answer()
    if scope is CancelScope.KEEP:
        with unless_unchanged():
            await query.edit_message_text(texts(language, "meetup.cancel_kept"))
        return
    await _cancel(
        update,
        context,
        language,
        meetup_id,
        series=scope is CancelScope.ALL,
        only=pressed.shown,
    )


async def _in_its_group(context: BotContext, constellation_id: int, chat_id: int) -> bool:
    constellation = await context.services.constellations.for_id(constellation_id)
    return constellation is not None and constellation.chat_id == chat_id


async def _calendar(update: Update, context: BotContext, language: str, occurrence_id: int) -> None:
    """Send the .ics to the person's private chat, or offer the link to open it first."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    assert query is not None and chat is not None and user is not None
    services = context.services
    try:
        view, dates = await services.meetups.for_calendar(occurrence_id, chat.id, user.id)
    except MeetupNotFound:
        await query.answer(services.texts.plain(language, "button.stale"), show_alert=True)
        return
    person = await services.constellations.person(user.id)
    if person is not None and person.private_chat_linked:
        in_private = not is_group(chat)
        key = "meetup.calendar_here" if in_private else "meetup.calendar_sent"
        await query.answer(services.texts.plain(language, key))  # first; the file follows
        try:
            await send_calendar(context, user.id, language, view, dates)
        except Forbidden:  # blocked since: the next press offers the link to start again
            await services.constellations.private_chat_lost(user.id)
        return
    link = f"https://t.me/{context.bot.username}?start={CALENDAR_PAYLOAD}{view.occurrence.id}"
    await query.answer(url=link)


async def send_calendar(
    context: BotContext,
    chat_id: int,
    language: str,
    view: MeetupView,
    dates: list[Occurrence],
) -> None:
    """The .ics of the occurrence (a series: all of it, from ``dates``), to ``chat_id``."""
    texts = context.services.texts
    calendar = ics_file(view, dates, context.services.clock.now())
    await context.bot.send_document(
        chat_id,
        InputFile(calendar, filename=ics_name(view)),
        caption=texts(language, "meetup.calendar_caption", title=view.meetup.title),
    )


async def calendar_from_link(update: Update, context: BotContext, payload: str) -> bool:
    """``/start ics-<occurrence>`` from the card's button: link the chat, send the file.

    Returns False if the payload is not ours (so /start goes on as usual).
    """
    user = update.effective_user
    if not payload.startswith(CALENDAR_PAYLOAD) or user is None:
        return False
    services = context.services
    language = private_language(context, user)
    await services.constellations.private_chat_started(person_from(user))
    occurrence_id = typed_number(payload.removeprefix(CALENDAR_PAYLOAD))
    try:
        if occurrence_id is None:
            raise MeetupNotFound(payload)
        view, dates = await services.meetups.for_calendar(occurrence_id, user.id, user.id)
    except MeetupNotFound:
        await reply(update, services.texts(language, "meetup.calendar_unknown"))
        return True
    await send_calendar(context, user.id, language, view, dates)
    return True


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    in_groups = only_messages & filters.ChatType.GROUPS  # private chats get the guided flow
    app.add_handler(CommandHandler(names("meetup"), plan_meetup, in_groups))
    app.add_handler(CommandHandler(names("activity"), plan_activity, in_groups))
    app.add_handler(CommandHandler(names("meetups"), agenda, only_messages))
    app.add_handler(CommandHandler(names("cancelmeetup"), cancel_command, only_messages))
    app.add_handler(CommandHandler(names("editmeetup"), edit_command, only_messages))
    app.add_handler(CallbackQueryHandler(button, pattern=callbacks.pattern(Feature.MEETUP)))
