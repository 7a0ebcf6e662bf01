"""Planning a meetup or activity step by step in a private chat.

``/meetup`` or ``/activity`` (the kind) → constellation (if several) → title → when → place →
ages (activities) → places → once or recurring → preview → plan. One open question at a time;
the answer is typed or tapped. Only the newest flow message's buttons count, and planning
re-checks that the person is still the hub home or liaison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ConversationHandler,
)

from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import Constellation, MeetupKind, NotAllowed
from bot.handlers.common import private_language, reply, typed_number
from bot.handlers.flows import FlowKit
from bot.i18n import Html
from bot.services.meetups import FIELD_LIMIT, TITLE_LIMIT, MeetupForm
from bot.views.meetups import meetup_card_text, rhythm_text
from bot.views.when import read_back, refusal
from bot.when import Recurrence, When, WhenError

KIT = FlowKit(feature="nm", key="meetup_flow", timed_out_key="mflow.timed_out")
ASK = 0
TIMEOUT = timedelta(hours=2)
END = ConversationHandler.END
CAPACITIES = (5, 8, 10, 12, 15, 20)
MAX_CAPACITY = 500


@dataclass
class MeetupFlow:
    """The meetup being planned; None means "not asked yet"."""

    kind: MeetupKind
    constellation: Constellation | None = None
    title: str | None = None
    when: When | None = None
    # The day typed without a time ("zaterdag"), kept when the bot asks "Hoe laat begint het?"
    # so that "14:00" answers it.
    day_typed: str | None = None
    location: str | None = None
    location_done: bool = False
    ages: str | None = None
    ages_done: bool = False
    capacity: int | None = None
    capacity_done: bool = False
    rhythm_done: bool = False
    message_id: int | None = None  # the message whose buttons drive the flow now

    def form(self) -> MeetupForm:
        return MeetupForm("", self.title or "", self.location, self.ages, self.capacity)

    def restart(self) -> None:
        self.title = self.location = self.ages = self.day_typed = None
        self.when = self.capacity = None
        self.location_done = self.ages_done = self.capacity_done = self.rhythm_done = False


def _flow(context: BotContext) -> MeetupFlow | None:
    flow = KIT.current(context)
    return flow if isinstance(flow, MeetupFlow) else None


def rhythms(start: When) -> list[Recurrence]:
    """The series the first date could start: weekly, its nth (or last) weekday, its day."""
    local = start.start
    weekday, day = local.weekday(), local.day
    options = [Recurrence("weekly", weekday=weekday)]
    nth = (day - 1) // 7 + 1
    if nth <= 4:
        options.append(Recurrence("monthly_weekday", weekday=weekday, nth=nth))
    if (local + timedelta(days=7)).month != local.month:
        options.append(Recurrence("monthly_weekday", weekday=weekday, nth=-1))
    options.append(Recurrence("monthly_day", day=day))
    return options


# -- starting --------------------------------------------------------------------------------


async def start(update: Update, context: BotContext, kind: MeetupKind) -> int:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or context.user_data is None:
        return END
    texts = context.services.texts
    language = private_language(context, user)
    constellations = await context.services.meetups.planner_in(user.id)
    if not constellations:
        await reply(update, texts(language, "mflow.no_constellation"))
        return END
    flow = MeetupFlow(kind)
    KIT.keep(context, flow)
    if len(constellations) == 1:
        flow.constellation = constellations[0]
        return await _ask_next(update, context, flow)
    buttons = [[KIT.button(c.name, "con", c.id)] for c in constellations]
    sent = await message.reply_text(
        texts(language, "mflow.pick"),
        reply_markup=InlineKeyboardMarkup([*buttons, [KIT.cancel_button(context, language)]]),
    )
    flow.message_id = sent.message_id
    return ASK


async def start_meetup(update: Update, context: BotContext) -> int:
    return await start(update, context, MeetupKind.MEETUP)


async def start_activity(update: Update, context: BotContext) -> int:
    return await start(update, context, MeetupKind.ACTIVITY)


# -- asking ----------------------------------------------------------------------------------


async def _ask_next(
    update: Update, context: BotContext, flow: MeetupFlow, *, notice: Html | None = None
) -> int:
    """Show the first open question (or the preview)."""
    text, rows = await _question(context, private_language(context, update.effective_user), flow)
    await KIT.show(update, context, flow, text, rows, notice)
    return ASK


async def _question(
    context: BotContext, language: str, flow: MeetupFlow
) -> tuple[Html, list[list[InlineKeyboardButton]]]:
    texts = context.services.texts
    plain = texts.plain
    assert flow.constellation is not None
    if flow.title is None:
        return texts(language, f"mflow.title_{flow.kind.value}", name=flow.constellation.name), []
    if flow.when is None:
        return texts(language, "mflow.when", title=flow.title), []
    if not flow.location_done:
        skip = KIT.button(plain(language, "mflow.no_location"), "loc")
        return texts(language, "mflow.location"), [[skip]]
    if flow.kind is MeetupKind.ACTIVITY and not flow.ages_done:
        return texts(language, "mflow.ages"), [
            [KIT.button(plain(language, "mflow.all_ages"), "ages")]
        ]
    if not flow.capacity_done:
        numbers = [KIT.button(str(n), "cap", n) for n in CAPACITIES]
        unlimited = KIT.button(plain(language, "mflow.no_limit"), "cap", 0)
        return texts(language, "mflow.capacity"), [numbers[:3], numbers[3:], [unlimited]]
    if not flow.rhythm_done:
        rows = [[KIT.button(plain(language, "mflow.once"), "rhy", "once")]]
        for option in rhythms(flow.when):
            label = rhythm_text(texts, language, option)
            rows.append([KIT.button(label[:1].upper() + label[1:], "rhy", option.encode())])
        return texts(language, "mflow.rhythm"), rows
    view = await context.services.meetups.preview(
        flow.constellation, 0, flow.kind, flow.form(), flow.when
    )
    now = context.services.clock.now()
    card = meetup_card_text(texts, language, view, now)
    if flow.when.assumed is not None:  # the part of the day the bot chose, said again
        said = read_back(texts, language, flow.when, view.meetup.timezone, now)
        card = Html(f"{card}\n\n{said}")
    buttons = [
        [KIT.button(plain(language, "mflow.button_plan"), "plan")],
        [KIT.button(plain(language, "mflow.button_redo"), "redo")],
    ]
    return texts(language, "mflow.preview", name=flow.constellation.name, card=card), buttons


# -- answers ---------------------------------------------------------------------------------


async def got_text(update: Update, context: BotContext) -> int | None:
    """A typed answer to the open question."""
    message, user = update.effective_message, update.effective_user
    flow = _flow(context)
    if message is None or user is None or flow is None:
        return END
    texts = context.services.texts
    language = private_language(context, user)
    value = " ".join((message.text or "").split())
    if flow.constellation is None or (flow.when is not None and flow.capacity_done):
        await reply(update, texts(language, "flow.use_buttons"))
        return None
    if (
        flow.title is None
        or flow.when is None
        or not flow.location_done
        or (flow.kind is MeetupKind.ACTIVITY and not flow.ages_done)
    ):
        limit = TITLE_LIMIT if flow.title is None else FIELD_LIMIT
        if len(value) > limit:
            await reply(update, texts(language, "mflow.too_long", limit=limit))
            return None
    notice: Html | None = None
    if flow.title is None:
        flow.title = value
    elif flow.when is None:
        try:
            flow.when = _read_when(context, flow, value)
        except WhenError as exc:
            if exc.reason == "no_time":
                flow.day_typed = value
            await reply(update, refusal(texts, language, exc))
            return None
        flow.day_typed, flow.rhythm_done = None, flow.when.recurrence is not None
        # Shown back in words at once, so a misreading is seen before anything else is asked.
        now = context.services.clock.now()
        notice = read_back(texts, language, flow.when, flow.constellation.timezone, now)
    elif not flow.location_done:
        flow.location, flow.location_done = value, True
    elif flow.kind is MeetupKind.ACTIVITY and not flow.ages_done:
        flow.ages, flow.ages_done = value, True
    else:
        capacity = typed_number(value.lower().removeprefix("max").strip())
        if capacity is None or not 0 < capacity <= MAX_CAPACITY:
            await reply(update, texts(language, "mflow.capacity_again"))
            return None
        flow.capacity, flow.capacity_done = capacity, True
    return await _ask_next(update, context, flow, notice=notice)


def _read_when(context: BotContext, flow: MeetupFlow, value: str) -> When:
    """The typed date; after "Hoe laat begint het?" a time alone goes with the day typed
    before it (and a whole new date stands on its own)."""
    assert flow.constellation is not None
    meetups = context.services.meetups
    if flow.day_typed is not None:
        try:
            return meetups.read_when(flow.constellation, f"{flow.day_typed} {value}")
        except WhenError:
            pass
    return meetups.read_when(flow.constellation, value)


async def pressed(update: Update, context: BotContext) -> int | None:
    """Every button of the flow. Only the newest flow message counts; None keeps the step."""
    query, user = update.callback_query, update.effective_user
    data = await KIT.press(update, context)
    flow = _flow(context)
    if query is None or user is None or data is None or flow is None:
        return None
    if data.action == "cancel":
        return await KIT.stopped_by_button(update, context)
    if data.action == "plan":
        return await _plan(update, context, flow)
    if not await _apply(context, user.id, flow, data.action, data.args):
        language = private_language(context, user)
        await query.answer(context.services.texts.plain(language, "button.stale"))
        return None
    await query.answer()
    return await _ask_next(update, context, flow)


async def _apply(
    context: BotContext, user_id: int, flow: MeetupFlow, action: str, args: tuple[str, ...]
) -> bool:
    """Take one tapped answer; False for anything that does not fit the open question."""
    arg = args[0] if args else ""
    if action == "con":
        mine = await context.services.meetups.planner_in(user_id)
        chosen = next((c for c in mine if str(c.id) == arg), None)
        if chosen is None:
            return False
        flow.constellation = chosen
        return True
    if flow.constellation is None or flow.title is None or flow.when is None:
        return False
    if action == "redo":
        flow.restart()
    elif action == "loc" and not flow.location_done:
        flow.location, flow.location_done = None, True
    elif action == "ages" and flow.kind is MeetupKind.ACTIVITY and not flow.ages_done:
        flow.ages, flow.ages_done = None, True
    elif action == "cap" and arg in ("0", *map(str, CAPACITIES)):
        flow.capacity, flow.capacity_done = (int(arg) or None), True
    elif action == "rhy" and flow.capacity_done and not flow.rhythm_done:
        rhythm = ":".join(args)  # an encoded rhythm has colons of its own
        if rhythm != "once":
            options = {option.encode(): option for option in rhythms(flow.when)}
            if rhythm not in options:
                return False
            flow.when = replace(flow.when, recurrence=options[rhythm])
        flow.rhythm_done = True
    else:
        return False
    return True


async def _plan(update: Update, context: BotContext, flow: MeetupFlow) -> int | None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    if flow.constellation is None or flow.when is None or not flow.rhythm_done:
        await query.answer(texts.plain(language, "button.stale"))
        return None
    constellation = flow.constellation
    try:
        if not await services.meetups.may_plan(constellation, user.id):
            raise NotAllowed
        if flow.when.start <= services.clock.now():
            raise WhenError("past")
        view = await services.meetups.create(
            constellation, user.id, flow.kind, flow.form(), flow.when
        )
    except NotAllowed:
        await query.answer()
        await query.edit_message_text(texts(language, "mflow.gone"))
        KIT.drop(context)
        return END
    except WhenError:
        await query.answer()
        flow.when, flow.rhythm_done = None, False
        return await _ask_next(update, context, flow, notice=texts(language, "mflow.when_past"))
    await query.answer()
    # The card goes to the group through the outbox, queued with the meetup itself.
    await query.edit_message_text(
        texts(language, "mflow.planned", title=view.meetup.title, name=constellation.name)
    )
    KIT.drop(context)
    return END


async def not_text(update: Update, context: BotContext) -> None:
    language = private_language(context, update.effective_user)
    await reply(update, context.services.texts(language, "mflow.text_only"))


def register(app: BotApplication) -> None:
    app.add_handler(
        KIT.conversation(
            app,
            entries=[(names("meetup"), start_meetup), (names("activity"), start_activity)],
            got_text=got_text,
            not_text=not_text,
            pressed=pressed,
            timeout=TIMEOUT,
            name="meetup_flow",
        )
    )
