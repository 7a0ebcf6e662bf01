"""The guided help request in a private chat: a few taps and one message.

Constellation (if more than one) → category → what is needed → when → urgency → who may see
it → preview → send. PTB's ConversationHandler keeps the step; the draft lives in
``user_data``. Only the newest flow message's buttons count, and sending re-checks in the
service that the person still belongs to the constellation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import (
    CardLocation,
    Category,
    Constellation,
    HubHomeUnreachable,
    NotAMember,
    NotSetUp,
    Visibility,
    WhenKind,
)
from bot.handlers.common import command_text, person_from, private_language, reply
from bot.handlers.flows import FlowKit, in_rows
from bot.i18n import Html
from bot.services.request_text import TEXT_LIMIT, parse_request
from bot.services.requests import RequestDraft
from bot.views.requests import category_label, request_card_text

KIT = FlowKit(feature="new", key="request_flow", timed_out_key="flow.timed_out")
PICK, CATEGORY, TEXT, WHEN, DAY, URGENCY, VISIBILITY, PREVIEW = range(8)
DAYS_SHOWN = 14
TIMEOUT = timedelta(hours=2)
END = ConversationHandler.END


@dataclass
class Flow:
    """The request being composed; None means "not asked yet"."""

    constellation: Constellation | None = None
    category: Category | None = None
    text: str | None = None
    when: WhenKind | None = None
    day: date | None = None
    urgent: bool | None = None
    visibility: Visibility | None = None
    message_id: int | None = None  # the message whose buttons drive the flow now
    picking_day: bool = False

    def draft(self) -> RequestDraft | None:
        """The request as answered so far; None while a question is still open."""
        if (
            self.category is None
            or self.text is None
            or self.when is None
            or self.urgent is None
            or self.visibility is None
        ):
            return None
        return RequestDraft(
            self.category, self.text, self.when, self.day, self.urgent, self.visibility
        )

    def restart(self) -> None:
        """Ask everything again, for the same constellation."""
        self.category = self.text = self.when = self.day = None
        self.urgent = self.visibility = None
        self.picking_day = False


def _flow(context: BotContext) -> Flow | None:
    flow = KIT.current(context)
    return flow if isinstance(flow, Flow) else None


# -- starting --------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> int:
    """``/request`` in a private chat; text after the command fills in what it can."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or context.user_data is None:
        return END
    texts = context.services.texts
    language = private_language(context, user)
    constellations = await context.services.requests.constellations_of(user.id)
    if not constellations:
        await reply(update, texts(language, "flow.no_constellation"))
        return END
    flow = Flow()
    KIT.keep(context, flow)
    raw = command_text(update)
    if raw:
        parsed = parse_request(raw)
        flow.text = parsed.text or None
        flow.category = parsed.category if parsed.category is not Category.OTHER else None
        flow.urgent = True if parsed.urgent else None
        flow.when = parsed.when if parsed.when is not WhenKind.NONE else None
    if len(constellations) == 1:
        flow.constellation = constellations[0]
        return await _ask_next(update, context, flow)
    buttons = [KIT.button(c.name, "con", c.id) for c in constellations]
    sent = await message.reply_text(
        texts(language, "flow.pick"),
        reply_markup=InlineKeyboardMarkup(
            [*in_rows(buttons, 1), [KIT.cancel_button(context, language)]]
        ),
    )
    flow.message_id = sent.message_id
    return PICK


# -- asking ----------------------------------------------------------------------------------


async def _ask_next(
    update: Update, context: BotContext, flow: Flow, *, notice: Html | None = None
) -> int:
    """Show the first question not answered yet (or the preview), editing the flow message
    when the answer came from one of its buttons."""
    user = update.effective_user
    assert user is not None
    language = private_language(context, user)
    assert flow.constellation is not None
    state, text, rows = _question(context, language, flow, user.first_name)
    await KIT.show(update, context, flow, text, rows, notice)
    return state


def _question(
    context: BotContext, language: str, flow: Flow, first_name: str
) -> tuple[int, str, list[list[InlineKeyboardButton]]]:
    texts = context.services.texts
    plain = texts.plain
    assert flow.constellation is not None
    if flow.category is None:
        buttons = [
            KIT.button(category_label(texts, language, category.value), "cat", category.value)
            for category in Category
        ]
        text = texts(language, "flow.category", name=flow.constellation.name)
        return CATEGORY, text, in_rows(buttons, 2)
    if flow.text is None:
        label = category_label(texts, language, flow.category.value)
        return TEXT, texts(language, "flow.text", category=label), []
    if flow.when is None and flow.picking_day:
        zone = ZoneInfo(flow.constellation.timezone)
        today = context.services.clock.now().astimezone(zone).date()
        days = [today + timedelta(days=n) for n in range(DAYS_SHOWN)]
        buttons = [
            KIT.button(format_date(day, "EEE d MMM", locale=language), "day", day.isoformat())
            for day in days
        ]
        back = [KIT.button(plain(language, "request.button_back"), "when", "back")]
        return DAY, texts(language, "flow.day"), [*in_rows(buttons, 3), back]
    if flow.when is None:
        kinds = (WhenKind.TODAY, WhenKind.TOMORROW, WhenKind.WEEK, WhenKind.DATE, WhenKind.NONE)
        buttons = [
            KIT.button(plain(language, f"flow.when_{kind.value}"), "when", kind.value)
            for kind in kinds
        ]
        return WHEN, texts(language, "flow.when"), [buttons[:3], buttons[3:]]
    if flow.urgent is None:
        settings = context.services.settings
        text = texts(
            language,
            "flow.urgency",
            urgent_after=texts.duration(
                language, int(settings.escalate_urgent_after.total_seconds() // 60)
            ),
            after=texts.duration(language, int(settings.escalate_after.total_seconds() // 60)),
            quiet_start=settings.quiet_hours.start.strftime("%H:%M"),
            quiet_end=settings.quiet_hours.end.strftime("%H:%M"),
        )
        buttons = [
            KIT.button(plain(language, "flow.urgent_yes"), "urg", 1),
            KIT.button(plain(language, "flow.urgent_no"), "urg", 0),
        ]
        return URGENCY, text, [buttons]
    if flow.visibility is None:
        buttons = [
            KIT.button(plain(language, "flow.vis_group"), "vis", Visibility.GROUP.value),
            KIT.button(plain(language, "flow.vis_hubhome"), "vis", Visibility.HUBHOME.value),
        ]
        return VISIBILITY, texts(language, "flow.visibility"), [[b] for b in buttons]
    return (
        PREVIEW,
        _preview(context, language, flow, first_name),
        [
            [KIT.button(plain(language, "flow.button_send"), "send")],
            [KIT.button(plain(language, "flow.button_redo"), "redo")],
        ],
    )


def _preview(context: BotContext, language: str, flow: Flow, first_name: str) -> str:
    texts = context.services.texts
    draft = flow.draft()
    assert flow.constellation is not None and draft is not None
    zone = ZoneInfo(flow.constellation.timezone)
    request = context.services.requests.preview(flow.constellation, first_name, draft)
    where_key = (
        "flow.where_hubhome" if flow.visibility is Visibility.HUBHOME else "flow.where_group"
    )
    return texts(
        language,
        "flow.preview",
        card=Html(request_card_text(texts, language, request, zone, preview=True)),
        where=texts(language, where_key, name=flow.constellation.name),
    )


# -- answers ---------------------------------------------------------------------------------


async def pressed(update: Update, context: BotContext) -> int | None:
    """Every button of the flow. Only the newest flow message counts; None keeps the step."""
    query, user = update.callback_query, update.effective_user
    data = await KIT.press(update, context)
    flow = _flow(context)
    if query is None or user is None or data is None or flow is None:
        return None
    if data.action == "cancel":
        return await KIT.stopped_by_button(update, context)
    if data.action == "send":
        return await _send(update, context, flow)
    if not await _apply(context, user.id, flow, data.action, data.args):
        language = private_language(context, user)
        await query.answer(context.services.texts.plain(language, "button.stale"))
        return None
    await query.answer()
    return await _ask_next(update, context, flow)


async def _apply(
    context: BotContext, user_id: int, flow: Flow, action: str, args: tuple[str, ...]
) -> bool:
    """Take one answer into the draft; False for anything that does not fit (forged, stale)."""
    arg = args[0] if args else ""
    if action == "con":
        mine = await context.services.requests.constellations_of(user_id)
        chosen = next((c for c in mine if str(c.id) == arg), None)
        if chosen is None:
            return False
        flow.constellation = chosen
    elif flow.constellation is None:
        return False
    elif action == "cat" and arg in {c.value for c in Category}:
        flow.category = Category(arg)
    elif action == "when" and arg == "back":
        flow.picking_day = False
    elif action == "when" and arg == WhenKind.DATE.value:
        flow.picking_day = True
    elif action == "when" and arg in {w.value for w in WhenKind}:
        flow.when, flow.day, flow.picking_day = WhenKind(arg), None, False
    elif action == "day":
        day = _shown_day(context, flow.constellation, arg)
        if day is None:
            return False
        flow.when, flow.day, flow.picking_day = WhenKind.DATE, day, False
    elif action == "urg" and arg in ("0", "1"):
        flow.urgent = arg == "1"
    elif action == "vis" and arg in {v.value for v in Visibility}:
        flow.visibility = Visibility(arg)
    elif action == "redo":
        flow.restart()
    else:
        return False
    return True


def _shown_day(context: BotContext, constellation: Constellation, value: str) -> date | None:
    """A day from the picker, if it is one the picker could have shown today."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    today = context.services.clock.now().astimezone(ZoneInfo(constellation.timezone)).date()
    return day if today <= day < today + timedelta(days=DAYS_SHOWN) else None


async def got_text(update: Update, context: BotContext) -> int | None:
    """What is needed, in the person's words."""
    message, user = update.effective_message, update.effective_user
    flow = _flow(context)
    if message is None or user is None or flow is None:
        return END
    texts = context.services.texts
    language = private_language(context, user)
    parsed = parse_request(message.text or "")
    if parsed.trimmed:
        await reply(update, texts(language, "flow.text_too_long", limit=TEXT_LIMIT))
        return None
    if not parsed.text:
        await reply(update, texts(language, "flow.text_only"))
        return None
    flow.text = parsed.text
    if parsed.urgent and flow.urgent is None:
        flow.urgent = True
    if parsed.when is not WhenKind.NONE and flow.when is None:
        flow.when = parsed.when
    return await _ask_next(update, context, flow)


async def not_text(update: Update, context: BotContext) -> None:
    """A photo, sticker or voice note where words are needed."""
    language = private_language(context, update.effective_user)
    await reply(update, context.services.texts(language, "flow.text_only"))


async def use_buttons(update: Update, context: BotContext) -> None:
    """Typing while the flow waits for a tap."""
    language = private_language(context, update.effective_user)
    await reply(update, context.services.texts(language, "flow.use_buttons"))


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    language = private_language(context, update.effective_user)
    await reply(update, context.services.texts(language, "flow.nothing_to_cancel"))


# -- sending ---------------------------------------------------------------------------------


async def _send(update: Update, context: BotContext, flow: Flow) -> int | None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    texts = context.services.texts
    language = private_language(context, user)
    draft = flow.draft()
    if flow.constellation is None or draft is None:
        await query.answer(texts.plain(language, "button.stale"))
        return None
    # The preview becomes the requester's own live copy of the card; the card goes to the
    # group (or the hub home), and the requester hears where it went: all through the outbox.
    preview = CardLocation(user.id, query.message.message_id)
    try:
        await context.services.requests.post_draft(
            flow.constellation.id, person_from(user), draft, preview
        )
    except (NotAMember, NotSetUp):
        await query.answer()
        await query.edit_message_text(texts(language, "flow.gone"))
        KIT.drop(context)
        return END
    except HubHomeUnreachable:
        await query.answer()
        flow.visibility = None
        notice = texts(language, "flow.hubhome_unreachable")
        return await _ask_next(update, context, flow, notice=notice)
    await query.answer(texts.plain(language, "flow.sent_popup"))
    KIT.drop(context)
    return END


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    drafting = private & KIT.drafting(app)
    buttons = CallbackQueryHandler(pressed, pattern=callbacks.pattern(KIT.feature))
    asked_by_buttons = (PICK, CATEGORY, WHEN, DAY, URGENCY, VISIBILITY, PREVIEW)
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        state: [buttons] for state in asked_by_buttons
    }
    states[TEXT] = [
        MessageHandler(drafting & filters.TEXT & ~filters.COMMAND, got_text),
        MessageHandler(drafting & ~filters.COMMAND, not_text),
        buttons,
    ]
    states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, KIT.timed_out)]
    with warnings.catch_warnings():
        # Buttons are tracked per chat on purpose: only the newest flow message counts,
        # which ``pressed`` checks itself.
        warnings.filterwarnings("ignore", ".*per_message.*", PTBUserWarning)
        conversation: ConversationHandler[BotContext] = ConversationHandler(
            entry_points=[CommandHandler(names("request"), start, private)],
            states=states,
            fallbacks=[
                CommandHandler(names("cancel"), KIT.stop_command, drafting),
                MessageHandler(drafting & ~filters.COMMAND, use_buttons),
            ],
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name="request_flow",
        )
    app.add_handler(conversation)
    app.add_handler(CommandHandler(names("cancel"), nothing_to_cancel, private))
