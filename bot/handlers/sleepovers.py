"""The hub home's side of sleepovers, and every sleepover button.

``/bedden`` (``/beds``): the beds, the month at a glance, closed periods and fair shares.
``/weg`` (``/away``): nights the beds are closed, with a backup. Buttons on a sleepover's
card and messages are re-authorised from the database on every press: who pressed, in which
chat, and what the sleepover is now. Other dates are proposed by typing them after
"Andere datum voorstellen" (a small conversation of its own).
"""

from __future__ import annotations

import calendar
import warnings
from datetime import date
from typing import Any

from babel.dates import format_date, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import Forbidden
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.callbacks import BedsAction, BedsButton, SleepoverAction, SleepoverButton
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import (
    Constellation,
    Feedback,
    NoBedFree,
    NotAllowed,
    OverSoftLimit,
    Role,
    SleepoverGone,
    SleepoverNotFound,
    SleepoverState,
)
from bot.figures import add_months
from bot.handlers.common import (
    command_text,
    is_group,
    private_language,
    reply,
    typed_number,
)
from bot.i18n import Html, escape, to_plain
from bot.services.sleepovers import SleepoverView
from bot.services.sleepovers.beds import MAX_BEDS, BedsInUse, BedsOverview, Month
from bot.views.sleepovers import (
    away_text,
    cancel_question,
    card_keyboard,
    day_text,
    ics_file,
    nights_refusal,
    nights_text,
    period_text,
)
from bot.when.nights import NightsError, parse_nights

PROPOSING = 0
END = ConversationHandler.END
PROPOSAL_KEY = "sleepover_proposal"
LIMITS = (2, 3, 4, 6)
ICS_NAMES = {"nl": "logeren", "en": "sleepover"}
AWAY_LONGEST = 92  # a closed period may cover a summer holiday

# -- the buttons -----------------------------------------------------------------------------


async def button(update: Update, context: BotContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    pressed = SleepoverButton.parse(query.data)
    if pressed is None or is_group(chat):
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    try:
        view = await services.sleepovers.view(pressed.target)
        if not await services.sleepovers.may_read(view, user.id):
            raise SleepoverNotFound(pressed.target)
        await _act(update, context, language, pressed, view)
    except SleepoverNotFound:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
    except SleepoverGone as exc:
        await query.answer(texts.plain(language, "sleepover.gone"), show_alert=True)
        await _redraw_pressed(update, context, language, exc.sleepover.id, user.id)
    except NoBedFree as exc:
        days = ", ".join(day_text(language, night) for night in exc.nights)
        if pressed.action is SleepoverAction.TAKE:  # the family: the beds went meanwhile
            await services.sleepovers.proposal_full(pressed.target, user.id)
            message = texts.plain(language, "sleepover.proposal_full").format(nights=days)
        else:
            message = texts.plain(language, "sleepover.no_bed").format(nights=days)
        await query.answer(message, show_alert=True)
    except OverSoftLimit as exc:
        await query.answer()
        text = texts.plural(language, "sleepover.over_limit", exc.nights_so_far, limit=exc.limit)
        anyway = InlineKeyboardButton(
            texts.plain(language, "sleepover.button_anyway"),
            callback_data=SleepoverButton(SleepoverAction.ANYWAY, pressed.target).data(),
        )
        await query.message.reply_text(  # type: ignore[union-attr]
            text, reply_markup=InlineKeyboardMarkup([[anyway]])
        )
    except NotAllowed:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)


async def _act(
    update: Update,
    context: BotContext,
    language: str,
    pressed: SleepoverButton,
    view: SleepoverView,
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    services, texts = context.services, context.services.texts
    sleepovers, target, action = services.sleepovers, pressed.target, pressed.action
    if action in (SleepoverAction.CONFIRM, SleepoverAction.ANYWAY):
        anyway = action is SleepoverAction.ANYWAY
        await sleepovers.confirm(target, user.id, despite_limit=anyway)
        await query.answer(texts.plain(language, "sleepover.done_confirmed"))
        if anyway and query.message is not None:
            await query.edit_message_reply_markup(None)
    elif action is SleepoverAction.DECLINE:
        if not await sleepovers.may_answer(view, user.id):
            raise SleepoverNotFound(target)
        keyboard = card_keyboard(texts, language, view.sleepover, reasons=True)
        await query.answer()
        await query.edit_message_reply_markup(keyboard)
    elif action is SleepoverAction.BACK:
        can_answer = await sleepovers.may_answer(view, user.id)
        await query.answer()
        await query.edit_message_reply_markup(
            card_keyboard(texts, language, view.sleepover, can_answer=can_answer)
        )
    elif action is SleepoverAction.REASON:
        await sleepovers.decline(target, user.id, pressed.arg)
        await query.answer(texts.plain(language, "sleepover.done_declined"))
    elif action is SleepoverAction.SEEN:
        await sleepovers.seen(target, user.id)
        await query.answer(texts.plain(language, "sleepover.done_seen"))
    elif action is SleepoverAction.CANCEL:
        await query.answer()
        await query.message.reply_text(  # type: ignore[union-attr]
            texts(
                language,
                "sleepover.cancel_really",
                when=nights_text(
                    texts, language, view.sleepover.first_night, view.sleepover.nights
                ),
            ),
            reply_markup=cancel_question(texts, language, view.sleepover),
        )
    elif action is SleepoverAction.CANCEL_YES:
        await sleepovers.cancel(target, user.id)
        await query.answer()
        await query.edit_message_text(texts(language, "sleepover.done_cancelled"))
    elif action in (SleepoverAction.TAKE, SleepoverAction.REFUSE):
        yes = action is SleepoverAction.TAKE
        await sleepovers.answer_proposal(target, user.id, yes)
        await query.answer()
        key = "sleepover.done_taken" if yes else "sleepover.done_refused"
        await query.edit_message_text(texts(language, key))
    elif action is SleepoverAction.FEEDBACK:
        counted = await sleepovers.feedback(target, user.id, Feedback(pressed.arg or "okay"))
        await query.answer()
        key = "sleepover.feedback_thanks" if counted else "sleepover.feedback_again"
        await query.edit_message_text(texts(language, key))
    elif action is SleepoverAction.CALENDAR:
        await _calendar(update, context, language, view)
    else:  # PROPOSE is a conversation of its own (see register); anything else is stale
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)


async def _redraw_pressed(
    update: Update, context: BotContext, language: str, sleepover_id: int, user_id: int
) -> None:
    """A press on something already answered: the pressed card shows how it is now."""
    query = update.callback_query
    services = context.services
    if query is None or query.message is None:
        return
    if not await services.sleepovers.card_in(sleepover_id, query.message.chat.id):
        return
    view = await services.sleepovers.view(sleepover_id)
    can_answer = await services.sleepovers.may_answer(view, user_id)
    keyboard = card_keyboard(services.texts, language, view.sleepover, can_answer=can_answer)
    await query.edit_message_reply_markup(keyboard)


async def _calendar(
    update: Update, context: BotContext, language: str, view: SleepoverView
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    texts = context.services.texts
    if view.sleepover.state is not SleepoverState.CONFIRMED:
        await query.answer(texts.plain(language, "sleepover.gone"), show_alert=True)
        return
    hubhome = view.sleepover.answerer_name or ", ".join(
        await context.services.sleepovers.names_with_role(view, Role.HUBHOME)
    )
    data = ics_file(texts, language, view.sleepover, hubhome, context.services.clock.now())
    await query.answer()
    try:
        await context.bot.send_document(
            user.id,
            InputFile(data, filename=f"{ICS_NAMES.get(language, 'sleepover')}.ics"),
        )
    except Forbidden:
        await context.services.constellations.private_chat_lost(user.id)


# -- proposing other dates -------------------------------------------------------------------


async def propose_start(update: Update, context: BotContext) -> int:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or context.user_data is None:
        return END
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    pressed = SleepoverButton.parse(query.data)
    try:
        if pressed is None or is_group(update.effective_chat):
            raise SleepoverNotFound(0)
        view = await services.sleepovers.for_answer(pressed.target, user.id)
    except SleepoverNotFound:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return END
    if not view.sleepover.state.is_open:
        await query.answer(texts.plain(language, "sleepover.gone"), show_alert=True)
        return END
    await query.answer()
    context.user_data[PROPOSAL_KEY] = view.sleepover.id
    family = view.sleepover.family_name or "?"
    await query.message.reply_text(  # type: ignore[union-attr]
        texts(language, "sleepover.propose_ask", family=family)
    )
    return PROPOSING


async def propose_text(update: Update, context: BotContext) -> int | None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or context.user_data is None:
        return END
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    sleepover_id = context.user_data.get(PROPOSAL_KEY)
    if not isinstance(sleepover_id, int):
        return END
    try:
        view = await services.sleepovers.for_answer(sleepover_id, user.id)
        nights = parse_nights(
            message.text or "", today=services.sleepovers.today(view.constellation)
        )
        changed = await services.sleepovers.propose(sleepover_id, user.id, nights)
    except NightsError as exc:
        await reply(update, nights_refusal(texts, language, exc))
        return None
    except (SleepoverNotFound, SleepoverGone):
        context.user_data.pop(PROPOSAL_KEY, None)
        await reply(update, texts(language, "sleepover.gone"))
        return END
    except ValueError:
        await reply(update, texts(language, "sflow.nights_past"))
        return None
    context.user_data.pop(PROPOSAL_KEY, None)
    family = changed.sleepover.family_name or "?"
    when = nights_text(texts, language, nights.first, nights.count)
    await reply(update, texts(language, "sleepover.proposed_sent", family=family, when=when))
    return END


async def propose_stop(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(PROPOSAL_KEY, None)
    language = private_language(context, update.effective_user)
    await reply(update, context.services.texts(language, "flow.cancelled"))
    return END


async def propose_lapsed(update: object, context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(PROPOSAL_KEY, None)


# -- /bedden ---------------------------------------------------------------------------------


async def beds_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    places = await services.beds.places(user.id)
    if not places:
        await reply(update, texts(language, "beds.not_hubhome"))
        return
    raw = command_text(update).strip()
    await services.sleepovers.catch_up(user.id)  # asks that waited for a reachable carer
    if raw:
        chosen, raw = which(places, raw)
        if chosen is None:
            names = ", ".join(place.name for place in places)
            await reply(update, texts(language, "beds.which", names=names, first=places[0].name))
            return
        await _beds_setting(update, context, language, chosen, raw)
        return
    for constellation in places:
        await _show_overview(update, context, language, constellation, user.id)


def which(places: list[Constellation], raw: str) -> tuple[Constellation | None, str]:
    """The constellation a setting is for: the only one, or the one whose name it starts with
    ("/bedden De Eik 3"); and the rest of the text."""
    lowered = raw.lower()
    for place in sorted(places, key=lambda c: len(c.name), reverse=True):
        if lowered.startswith(place.name.lower()):
            return place, raw[len(place.name) :].strip(" :")
    return (places[0], raw) if len(places) == 1 else (None, raw)


async def _beds_setting(
    update: Update, context: BotContext, language: str, constellation: Constellation, raw: str
) -> None:
    """``/bedden 3`` sets the number of beds; ``/bedden meenemen …`` the bring-along list."""
    user = update.effective_user
    assert user is not None
    services, texts = context.services, context.services.texts
    lowered = raw.lower()
    try:
        if lowered.startswith(("meenemen", "bring")):
            items = raw.split(None, 1)[1] if " " in raw else None
            await services.beds.set_bring_along(constellation, user.id, items)
            await reply(
                update, texts(language, "beds.bring_set" if items else "beds.bring_cleared")
            )
            return
        number = typed_number(raw)
        if number is None or not 0 <= number <= MAX_BEDS:
            await reply(update, texts(language, "beds.how", max=MAX_BEDS))
            return
        beds = await services.beds.set_beds(constellation, user.id, number)
        await reply(update, texts.plural(language, "beds.set", beds, name=constellation.name))
    except NotAllowed:
        await reply(update, texts(language, "beds.only_hubhome"))
    except BedsInUse as exc:
        await reply(update, texts.plural(language, "beds.in_use", exc.taken))


async def _show_overview(
    update: Update, context: BotContext, language: str, constellation: Constellation, user_id: int
) -> None:
    services = context.services
    overview = await services.beds.overview(constellation, user_id)
    may_change = await services.beds.may_change(constellation, user_id)
    today = services.sleepovers.today(constellation)
    month = await services.beds.month(constellation, user_id, today.year, today.month)
    text = overview_text(context, language, overview)
    keyboard = overview_keyboard(context, language, overview, month, may_change)
    await reply(update, text, reply_markup=keyboard)


def overview_text(context: BotContext, language: str, overview: BedsOverview) -> Html:
    texts = context.services.texts
    settings = overview.settings
    lines = [texts(language, "beds.title", name=overview.constellation.name, beds=settings.beds)]
    if overview.waiting:
        lines.append(texts(language, "beds.waiting", n=overview.waiting))
    lines += [away_text(texts, language, away) for away in overview.away]
    if settings.bring_along:
        lines.append(texts(language, "sleepover.bring_along", items=settings.bring_along))
    for key, shares in (("beds.quarter", overview.quarter), ("beds.year", overview.year)):
        shown = " · ".join(
            f"{escape(share.name or texts.plain(language, 'request.someone'))} {share.nights}"
            for share in shares
        )
        lines.append(texts(language, key, shares=Html(shown or "—")))
    limit = settings.soft_limit
    lines.append(
        texts.plural(language, "beds.limit", limit) if limit else texts(language, "beds.no_limit")
    )
    lines.append(texts(language, "beds.legend"))
    return Html("\n".join(lines))


def overview_keyboard(
    context: BotContext,
    language: str,
    overview: BedsOverview,
    month: Month,
    may_change: bool,
) -> InlineKeyboardMarkup:
    texts = context.services.texts
    cid = overview.constellation.id
    rows: list[list[InlineKeyboardButton]] = []
    if may_change:
        rows.append(
            [
                _beds_button(texts.plain(language, "beds.button_fewer"), BedsAction.FEWER, cid),
                _beds_button(texts.plain(language, "beds.button_more"), BedsAction.MORE, cid),
            ]
        )
    rows += month_rows(context, language, month)
    if may_change:
        limit = texts.plain(language, "beds.button_limit")
        limits = [_beds_button(limit.format(n=n), BedsAction.LIMIT, cid, n) for n in LIMITS]
        none = _beds_button(texts.plain(language, "beds.button_no_limit"), BedsAction.LIMIT, cid, 0)
        rows.append([*limits, none])
        for away in overview.away:
            period = period_text(language, away)
            label = texts.plain(language, "beds.button_unaway").format(period=period)
            rows.append([_beds_button(label, BedsAction.UNAWAY, cid, away.id)])
    return InlineKeyboardMarkup(rows)


def _beds_button(label: str, action: BedsAction, cid: int, *numbers: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=BedsButton(action, cid, numbers).data())


def month_rows(
    context: BotContext, language: str, month: Month
) -> list[list[InlineKeyboardButton]]:
    """The month as an inline-keyboard calendar: per night the beds taken ("12·1", full
    "12●"); ‹ and › move a month. A tap on a night tells the hub home who sleeps over."""
    cid, first = month.constellation.id, month.first
    previous, following = add_months(first, -1), add_months(first, 1)
    title = format_date(first, "LLLL yyyy", locale=language)
    rows = [
        [
            _beds_button("‹", BedsAction.MONTH, cid, previous.year, previous.month),
            _beds_button(title, BedsAction.MONTH, cid, first.year, first.month),
            _beds_button("›", BedsAction.MONTH, cid, following.year, following.month),
        ],
        [
            _beds_button(name[:2], BedsAction.MONTH, cid, first.year, first.month)
            for name in (get_day_names("abbreviated", locale=language)[day] for day in range(7))
        ],
    ]
    for week in calendar.Calendar().monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            if day.month != first.month:
                row.append(_beds_button("·", BedsAction.MONTH, cid, first.year, first.month))
                continue
            taken = month.taken.get(day, 0)
            label = str(day.day)
            if taken and taken >= month.beds:
                label += "●"
            elif taken:
                label += f"·{taken}"
            row.append(_beds_button(label, BedsAction.NIGHT, cid, day.year, day.month, day.day))
        rows.append(row)
    return rows


async def beds_button(update: Update, context: BotContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    pressed = BedsButton.parse(query.data)
    constellation = await services.beds.constellation(pressed.constellation) if pressed else None
    if pressed is None or constellation is None or is_group(chat):
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    try:
        await _beds_act(update, context, language, pressed, constellation)
    except NotAllowed:
        await query.answer(texts.plain(language, "beds.only_hubhome"), show_alert=True)
    except BedsInUse as exc:
        message = to_plain(texts.plural(language, "beds.in_use", exc.taken))
        await query.answer(message, show_alert=True)
    except ValueError:  # a forged date
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)


async def _beds_act(
    update: Update,
    context: BotContext,
    language: str,
    pressed: BedsButton,
    constellation: Constellation,
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    services, texts = context.services, context.services.texts
    beds, action, numbers = services.beds, pressed.action, pressed.numbers
    today = services.sleepovers.today(constellation)
    shown = (today.year, today.month)
    if action is BedsAction.NIGHT:
        night = date(*numbers)
        staying = await beds.night(constellation, user.id, night)
        who = ", ".join(
            f"{sleepover.family_name or texts.plain(language, 'request.someone')} ({count})"
            for sleepover, count in staying
        )
        message = texts.plain(language, "beds.night").format(
            night=day_text(language, night), who=who or texts.plain(language, "beds.night_free")
        )
        await query.answer(message, show_alert=True)
        return
    if action is BedsAction.MONTH:
        shown = (numbers[0], numbers[1])
        date(shown[0], shown[1], 1)  # a forged month raises ValueError
    elif action in (BedsAction.MORE, BedsAction.FEWER):
        settings = (await beds.overview(constellation, user.id)).settings
        change = 1 if action is BedsAction.MORE else -1
        await beds.set_beds(constellation, user.id, settings.beds + change)
    elif action is BedsAction.LIMIT:
        await beds.set_soft_limit(constellation, user.id, numbers[0] or None)
    elif action is BedsAction.UNAWAY:
        await beds.remove_away(constellation, user.id, numbers[0])
    overview = await beds.overview(constellation, user.id)
    month = await beds.month(constellation, user.id, *shown)
    may_change = await beds.may_change(constellation, user.id)
    await query.answer()
    keyboard = overview_keyboard(context, language, overview, month, may_change)
    text = overview_text(context, language, overview)
    if query.message is not None:
        await query.edit_message_text(text, reply_markup=keyboard)


# -- /weg ------------------------------------------------------------------------------------


async def away_command(update: Update, context: BotContext) -> None:
    """``/weg 20 dec - 3 jan [| Lotte]``: the beds are closed those nights; Lotte stands in."""
    user = update.effective_user
    if user is None:
        return
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    places = [
        c for c in await services.beds.places(user.id) if await services.beds.may_change(c, user.id)
    ]
    if not places:
        await reply(update, texts(language, "beds.only_hubhome"))
        return
    raw = command_text(update).strip()
    if not raw:
        await reply(update, texts(language, "away.how"))
        return
    constellation, raw = which(places, raw)
    if constellation is None:
        names = ", ".join(place.name for place in places)
        await reply(update, texts(language, "away.which", names=names, first=places[0].name))
        return
    when, _, backup_name = (part.strip() for part in raw.partition("|"))
    try:
        today = services.sleepovers.today(constellation)
        nights = parse_nights(when, today=today, longest=AWAY_LONGEST)
    except NightsError as exc:
        if exc.reason == "too_long":
            await reply(update, texts(language, "away.too_long", n=AWAY_LONGEST))
        else:
            await reply(update, nights_refusal(texts, language, exc))
        return
    backup_id = None
    if backup_name:
        candidates = [
            (uid, name)
            for uid, name, _ in await services.beds.members(constellation)
            if name.lower().split()[0] == backup_name.lower().split()[0]
        ]
        if len(candidates) != 1:
            await reply(update, texts(language, "away.who", name=backup_name))
            return
        backup_id = candidates[0][0]
    try:
        away = await services.beds.add_away(constellation, user.id, nights, backup_id)
    except NotAllowed:
        await reply(update, texts(language, "away.who", name=backup_name))
        return
    done = texts(language, "away.set", name=constellation.name)
    await reply(update, done + "\n" + away_text(texts, language, away))


async def in_a_group(update: Update, context: BotContext) -> None:
    """``/logeren``, ``/bedden``, ``/weg`` in a group: privately only (nothing said there)."""
    user = update.effective_user
    language = private_language(context, user)
    link = f"https://t.me/{context.bot.username}"
    await reply(update, context.services.texts(language, "sleepover.private_only", link=link))


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    propose_pattern = rf"^{callbacks.Feature.SLEEPOVER.value}:{callbacks.VERSION}:alt:"
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        PROPOSING: [MessageHandler(private & filters.TEXT & ~filters.COMMAND, propose_text)],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, propose_lapsed)],
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*per_message.*", PTBUserWarning)
        proposing: ConversationHandler[BotContext] = ConversationHandler(
            entry_points=[CallbackQueryHandler(propose_start, pattern=propose_pattern)],
            states=states,
            fallbacks=[CommandHandler(names("cancel"), propose_stop, private)],
            allow_reentry=True,
            conversation_timeout=60 * 60,
            name="sleepover_propose",
        )
    app.add_handler(proposing)
    app.add_handler(CommandHandler(names("beds"), beds_command, private))
    app.add_handler(CommandHandler(names("away"), away_command, private))
    app.add_handler(
        CommandHandler([*names("sleepover"), *names("beds"), *names("away")], in_a_group, groups)
    )
    app.add_handler(
        CallbackQueryHandler(button, pattern=callbacks.pattern(callbacks.Feature.SLEEPOVER))
    )
    app.add_handler(
        CallbackQueryHandler(beds_button, pattern=callbacks.pattern(callbacks.Feature.BEDS))
    )
