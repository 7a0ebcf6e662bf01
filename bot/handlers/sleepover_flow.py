"""``/logeren`` (``/sleepover``) in a private chat: a family asks the hub home's beds.

Step by step (which nights, how many children, a nickname or initial each, a note), or in one
line: ``/logeren za 12 dec - zo 13 dec | 2 kinderen [| J. en M.] [| een notitie]``. Either way
the family sees the free beds for those nights before anything is sent. ``/logeren nu`` (or
the flow's "vannacht, het is dringend") is an emergency: it goes at once, at any hour.
Always in the private chat: who asks for respite is nobody else's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ConversationHandler,
)

from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import Constellation, NotAllowed, Role, SleepoverKind
from bot.handlers.common import command_text, private_language, reply, typed_number
from bot.handlers.flows import FlowKit
from bot.i18n import Html, escape
from bot.services.sleepovers.service import MAX_CHILDREN, NICKNAMES_LIMIT, NOTE_LIMIT
from bot.views.sleepovers import (
    away_text,
    children_text,
    free_text,
    handover_text,
    nights_refusal,
    nights_text,
)
from bot.when.handover import handover_times
from bot.when.nights import Nights, NightsError, parse_nights

KIT = FlowKit("sf", "sleepover_flow", "sflow.timed_out")
ASK = 0
TIMEOUT = timedelta(hours=2)
END = ConversationHandler.END
NOW_WORDS = {"nu", "now", "vannacht", "tonight", "dringend", "urgent", "nood", "emergency"}
_CHILDREN = re.compile(r"(\d{1,2})\s*(?:kind(?:eren|je|jes)?|child(?:ren)?|kids?)?", re.I)
_FULL_NAME = re.compile(r"\w{2,}\s+\w{2,}")  # "Sem de Vries": two words or more


@dataclass
class SleepoverFlow:
    """The ask being put together; None means "not asked yet"."""

    constellation: Constellation | None = None
    nights: Nights | None = None
    emergency: bool = False
    children: int | None = None
    nicknames: str | None = None
    nicknames_done: bool = False
    note: str | None = None
    note_done: bool = False
    drop_off: str | None = None
    pick_up: str | None = None
    message_id: int | None = None

    def read_nights(self, text: str, today: date) -> None:
        """The nights (and drop-off and pick-up times, if typed); NightsError if unreadable."""
        rest, drop_off, pick_up = handover_times(text)
        self.nights = parse_nights(rest, today=today)
        self.drop_off, self.pick_up = drop_off, pick_up


def _flow(context: BotContext) -> SleepoverFlow | None:
    flow = KIT.current(context)
    return flow if isinstance(flow, SleepoverFlow) else None


def nicknames_problem(text: str) -> str | None:
    """A reason to refuse the nicknames typed: too long, or what looks like a full name."""
    if len(text) > NICKNAMES_LIMIT:
        return "sflow.nicknames_long"
    for item in re.split(r",|\ben\b|\band\b|&|/|\+", text):
        if _FULL_NAME.search(item.strip()):
            return "sflow.nicknames_full"
    return None


# -- starting --------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> int:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or context.user_data is None:
        return END
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    families = await services.sleepovers.constellations_with_role(user.id, Role.MEMBER)
    if not families:
        carers = await services.sleepovers.constellations_with_role(
            user.id, Role.HUBHOME, Role.LIAISON
        )
        await reply(update, texts(language, "sflow.hubhome" if carers else "sflow.no_family"))
        return END
    flow = SleepoverFlow()
    KIT.keep(context, flow)
    raw = command_text(update).strip()
    if len(families) == 1:
        flow.constellation = families[0]
    if raw:
        problem = _read_line(flow, raw, services.sleepovers.today(families[0]))
        if problem is not None:
            KIT.drop(context)
            await reply(update, problem_text(context, language, problem))
            return END
    if flow.constellation is None:
        buttons = [[KIT.button(c.name, "con", c.id)] for c in families]
        sent = await message.reply_text(
            texts(language, "sflow.pick"),
            reply_markup=InlineKeyboardMarkup([*buttons, [KIT.cancel_button(context, language)]]),
        )
        flow.message_id = sent.message_id
        return ASK
    if flow.emergency and flow.children is not None:
        return await _send(update, context, flow)
    return await _ask_next(update, context, flow)


def _read_line(flow: SleepoverFlow, raw: str, today: date) -> NightsError | str | None:
    """The one-line form into the draft; a problem to tell, or None."""
    parts = [part.strip() for part in raw.split("|")]
    head = parts[0].lower().strip(" !.")
    words = head.split()
    if words and words[0] in NOW_WORDS:
        flow.emergency = True
        rest = " ".join(words[1:])
        if rest and (found := _CHILDREN.fullmatch(rest)):
            flow.children = int(found[1])
    else:
        try:
            flow.read_nights(parts[0], today)
        except NightsError as exc:
            return exc
    # After the children: the nicknames' place, then the note's; an empty place is "none"
    # ("… | 1 kind | | graag voor zes uur" has a note and no nicknames).
    others: list[str] = []
    for part in parts[1:]:
        if flow.children is None and (found := _CHILDREN.fullmatch(part)):
            flow.children = int(found[1])
        else:
            others.append(part)
    if flow.children is not None and not 1 <= flow.children <= MAX_CHILDREN:
        return "sflow.children_again"
    if others and others[0]:
        problem = nicknames_problem(others[0])
        if problem is not None:
            return problem
        flow.nicknames = others[0]
    note = " ".join(part for part in others[1:] if part)
    flow.note = note[:NOTE_LIMIT] or None
    if others or flow.children is not None:
        flow.nicknames_done = flow.note_done = True  # the one-line form asks nothing more
    return None


def problem_text(context: BotContext, language: str, problem: NightsError | str) -> Html:
    texts = context.services.texts
    if isinstance(problem, str):
        return texts(language, problem)
    return nights_refusal(texts, language, problem)


# -- asking ----------------------------------------------------------------------------------


async def _ask_next(
    update: Update, context: BotContext, flow: SleepoverFlow, *, notice: Html | None = None
) -> int:
    """Show the first open question (or the preview)."""
    text, rows = await _question(context, private_language(context, update.effective_user), flow)
    await KIT.show(update, context, flow, text, rows, notice)
    return ASK


async def _question(
    context: BotContext, language: str, flow: SleepoverFlow
) -> tuple[Html, list[list[InlineKeyboardButton]]]:
    texts, plain = context.services.texts, context.services.texts.plain
    assert flow.constellation is not None
    name = flow.constellation.name
    if flow.nights is None and not flow.emergency:
        urgent = KIT.button(plain(language, "sflow.button_tonight"), "now")
        return texts(language, "sflow.nights", name=name), [[urgent]]
    if flow.children is None:
        counts = [KIT.button(str(n), "kids", n) for n in (1, 2, 3, 4)]
        key = "sflow.children_emergency" if flow.emergency else "sflow.children"
        return texts(language, key), [counts]
    if not flow.nicknames_done:
        skip = KIT.button(plain(language, "sflow.skip"), "nick")
        return texts(language, "sflow.nicknames", n=flow.children), [[skip]]
    if not flow.note_done:
        skip = KIT.button(plain(language, "sflow.skip"), "note")
        return texts(language, "sflow.note"), [[skip]]
    return await _preview(context, language, flow)


async def _preview(
    context: BotContext, language: str, flow: SleepoverFlow
) -> tuple[Html, list[list[InlineKeyboardButton]]]:
    services, texts = context.services, context.services.texts
    assert flow.constellation is not None and flow.nights is not None
    assert flow.children is not None
    outlook = await services.sleepovers.outlook(flow.constellation, flow.nights)
    lines = [
        texts(language, "sflow.preview", name=flow.constellation.name),
        "",
        f"📅 {escape(nights_text(texts, language, flow.nights.first, flow.nights.count))}",
        f"👧 {escape(children_text(texts, language, flow.children, flow.nicknames))}",
    ]
    if (times := handover_text(texts, language, flow.drop_off, flow.pick_up)) is not None:
        lines.append(times)
    if flow.note:
        lines.append(f"💬 {escape(flow.note)}")
    lines += [
        "",
        texts(language, "sflow.free", free=free_text(texts, language, outlook.free, outlook.beds)),
    ]
    if any(free < flow.children for _, free in outlook.free):
        lines.append(texts(language, "sflow.not_enough"))
    lines += [away_text(texts, language, away) for away in outlook.away]
    buttons = [
        [KIT.button(texts.plain(language, "sflow.button_send"), "send")],
        [KIT.button(texts.plain(language, "sflow.button_redo"), "redo")],
    ]
    return Html("\n".join(lines)), buttons


# -- answers ---------------------------------------------------------------------------------


async def got_text(update: Update, context: BotContext) -> int | None:
    message, user = update.effective_message, update.effective_user
    flow = _flow(context)
    if message is None or user is None or flow is None:
        return END
    texts = context.services.texts
    language = private_language(context, user)
    value = " ".join((message.text or "").split())
    if flow.constellation is None:
        await reply(update, texts(language, "flow.use_buttons"))
        return None
    if flow.nights is None and not flow.emergency:
        if value.lower().strip(" !.") in NOW_WORDS:
            flow.emergency = True
            return await _ask_next(update, context, flow)
        try:
            flow.read_nights(value, context.services.sleepovers.today(flow.constellation))
        except NightsError as exc:
            return await _ask_next(
                update, context, flow, notice=problem_text(context, language, exc)
            )
    elif flow.children is None:
        found = _CHILDREN.fullmatch(value)
        count = int(found[1]) if found else typed_number(value)
        if count is None or not 1 <= count <= MAX_CHILDREN:
            notice = texts(language, "sflow.children_again")
            return await _ask_next(update, context, flow, notice=notice)
        flow.children = count
        if flow.emergency:
            return await _send(update, context, flow)
    elif not flow.nicknames_done:
        problem = nicknames_problem(value)
        if problem is not None:
            return await _ask_next(update, context, flow, notice=texts(language, problem))
        flow.nicknames, flow.nicknames_done = value, True
    elif not flow.note_done:
        if len(value) > NOTE_LIMIT:
            notice = texts(language, "sflow.note_long", limit=NOTE_LIMIT)
            return await _ask_next(update, context, flow, notice=notice)
        flow.note, flow.note_done = value, True
    else:
        await reply(update, texts(language, "flow.use_buttons"))
        return None
    return await _ask_next(update, context, flow)


async def pressed(update: Update, context: BotContext) -> int | None:
    query, user = update.callback_query, update.effective_user
    data = await KIT.press(update, context)
    flow = _flow(context)
    if query is None or user is None or data is None or flow is None:
        return None
    language = private_language(context, user)
    texts = context.services.texts
    action, arg = data.action, data.int_arg(0)
    if action == "cancel":
        return await KIT.stopped_by_button(update, context)
    if action == "con":
        mine = await context.services.sleepovers.constellations_with_role(user.id, Role.MEMBER)
        chosen = next((c for c in mine if c.id == arg), None)
        if chosen is None:
            await query.answer(texts.plain(language, "button.stale"))
            return None
        flow.constellation = chosen
    elif flow.constellation is None:
        await query.answer(texts.plain(language, "button.stale"))
        return None
    elif action == "now" and flow.nights is None:
        flow.emergency = True
    elif action == "kids" and flow.children is None and arg is not None and 1 <= arg <= 4:
        flow.children = arg
        if flow.emergency:
            await query.answer()
            return await _send(update, context, flow)
    elif action == "nick" and flow.children is not None and not flow.nicknames_done:
        flow.nicknames_done = True
    elif action == "note" and flow.nicknames_done and not flow.note_done:
        flow.note_done = True
    elif action == "redo" and flow.note_done:
        flow = SleepoverFlow(constellation=flow.constellation, message_id=flow.message_id)
        KIT.keep(context, flow)
    elif action == "send" and flow.note_done:
        await query.answer()
        return await _send(update, context, flow)
    else:
        await query.answer(texts.plain(language, "button.stale"))
        return None
    await query.answer()
    if flow.emergency and flow.children is not None:
        return await _send(update, context, flow)
    return await _ask_next(update, context, flow)


async def _send(update: Update, context: BotContext, flow: SleepoverFlow) -> int:
    """Store the ask; its card goes to the hub home through the outbox."""
    user = update.effective_user
    assert user is not None and flow.constellation is not None and flow.children is not None
    services, texts = context.services, context.services.texts
    language = private_language(context, user)
    constellation = flow.constellation
    nights = flow.nights or Nights(services.sleepovers.tonight(constellation), 1)
    kind = SleepoverKind.EMERGENCY if flow.emergency else SleepoverKind.PLANNED
    try:
        asked = await services.sleepovers.ask(
            constellation,
            user.id,
            nights,
            flow.children,
            flow.nicknames,
            flow.note,
            kind=kind,
            handover=(flow.drop_off, flow.pick_up),
        )
    except NotAllowed:
        text = texts(language, "sflow.gone")
    except ValueError:
        text = texts(language, "sflow.nights_past")
    else:
        who = ", ".join(asked.readers)
        minutes = int(services.settings.emergency_after.total_seconds() // 60)
        if not asked.readers:
            text = texts(language, "sflow.sent_nobody")
        elif flow.emergency:
            wait = texts.duration(language, minutes)
            text = texts(language, "sflow.sent_emergency", who=who, wait=wait)
        else:
            text = texts(language, "sflow.sent", who=who)
    KIT.drop(context)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_text(text)
    else:
        chat = update.effective_chat
        if flow.message_id is not None and chat is not None:
            await KIT.close(context, chat.id, flow.message_id)
        await reply(update, text)
    return END


async def not_text(update: Update, context: BotContext) -> None:
    language = private_language(context, update.effective_user)
    await reply(update, context.services.texts(language, "sflow.text_only"))


def register(app: BotApplication) -> None:
    app.add_handler(
        KIT.conversation(
            app,
            entries=[(names("sleepover"), start)],
            got_text=got_text,
            not_text=not_text,
            pressed=pressed,
            timeout=TIMEOUT,
            name="sleepover_flow",
        )
    )
