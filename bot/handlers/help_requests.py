"""Help requests in the group: /request, /requests, and claim/release/done/withdraw.

Buttons and commands share one path (``_perform``): find the request, re-check who may do
what, change it in the service. The service queues the redraw of every card and the notices
in the same transaction; they are delivered after the update (``bot.scheduler``).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import Feature, RequestAction, RequestButton, RequestRef
from bot.callbacks import Outcome as ButtonOutcome
from bot.commands import BY_NAME, names
from bot.context import BotApplication, BotContext
from bot.domain import (
    AlreadyClaimed,
    Category,
    Constellation,
    HelpRequest,
    NotAllowed,
    NotSetUp,
    Outcome,
    OwnRequest,
    RequestNotFound,
    Visibility,
    WrongState,
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
from bot.services.requests import EmptyRequest
from bot.telegram_bot import unless_unchanged
from bot.views.common import message_link
from bot.views.requests import category_label, request_card_keyboard

OUTCOMES = {
    ButtonOutcome.HELPED: Outcome.HELPED,
    ButtonOutcome.PARTLY: Outcome.PARTLY,
    ButtonOutcome.NOT_NEEDED: Outcome.NOT_NEEDED,
}
OUTCOME_WORDS = {
    "geholpen": Outcome.HELPED,
    "helped": Outcome.HELPED,
    "deels": Outcome.PARTLY,
    "partly": Outcome.PARTLY,
    "nietnodig": Outcome.NOT_NEEDED,
    "notneeded": Outcome.NOT_NEEDED,
}


async def post_request(update: Update, context: BotContext) -> None:
    """``/request <text>`` in the group: stored, and its card posted (through the outbox, so
    a card Telegram refuses at first still arrives, once)."""
    chat, user = update.effective_chat, update.effective_user
    texts = context.services.texts
    if chat is None or user is None:
        return
    language = await language_for(update, context)
    raw = command_text(update)
    try:
        posted = await context.services.requests.post(chat.id, person_from(user), raw)
    except NotSetUp:
        await reply(update, texts(language, "common.not_setup"))
    except EmptyRequest:
        command = BY_NAME["request"].shown_as(language)
        await reply(update, texts(language, "request.how", command=command))
    else:
        if posted.request.category is Category.SLEEPOVER:
            # The hub home's beds are asked privately, where nobody else learns who needs respite.
            await reply(update, texts(language, "sleepover.hint"))


async def list_requests(update: Update, context: BotContext) -> None:
    """``/requests``: open and claimed requests, each with a link to its card."""
    chat = update.effective_chat
    texts = context.services.texts
    if chat is None:
        return
    language = await group_language(update, context)
    if language is None:
        return
    try:
        constellation, requests = await context.services.requests.active(chat.id)
    except NotSetUp:
        await reply(update, texts(language, "common.not_setup"))
        return
    if not requests:
        await reply(update, texts(language, "request.list_empty"))
        return
    lines = [texts(language, "request.list_title", name=constellation.name), ""]
    for request in requests:
        card = await context.services.requests.card_in(request.id, chat.id)
        message_id = card.message_id if card is not None else None
        lines.append(_list_line(context, language, chat.id, request, message_id))
    await reply(update, fit_lines(lines))


def _list_line(
    context: BotContext, language: str, chat_id: int, request: HelpRequest, message_id: int | None
) -> str:
    texts = context.services.texts
    label = texts(
        language,
        "request.list_item",
        number=request.shown_number,
        category=category_label(texts, language, request.category.value),
        name=request.requester_name or "?",
    )
    # Message links exist for supergroups only; basic groups get the number alone.
    link = message_link(chat_id, message_id) if message_id is not None else None
    if link:
        label = Html(f'<a href="{link}">{label}</a>')
    if request.state.value == "claimed":
        status = texts(language, "request.state_claimed", helper=request.claimer_name or "?")
    else:
        status = texts(language, "request.state_open")
    urgent = " " + texts(language, "request.urgent") if request.urgent else ""
    return f"• {label}{urgent} — {status}"


# -- acting on a request ---------------------------------------------------------------------


async def _perform(
    context: BotContext,
    update: Update,
    action: str,
    constellation: Constellation,
    request: HelpRequest,
    outcome: Outcome | None = None,
) -> tuple[str, str]:
    """Run one action; returns the message key to tell the person and who helps (if known)."""
    user = update.effective_user
    assert user is not None
    person = person_from(user)
    service = context.services.requests
    try:
        if action == "claim":
            changed = await service.claim(constellation, request, person)
        elif action == "rel":
            changed = await service.release(constellation, request, person)
        elif action == "wd":
            changed = await service.withdraw(constellation, request, person)
        else:
            assert outcome is not None
            changed = await service.resolve(constellation, request, person, outcome)
    except OwnRequest:
        return "request.own", ""
    except AlreadyClaimed as exc:
        return "request.already_claimed", exc.request.claimer_name or "?"
    except WrongState:
        return "request.not_active", ""
    except NotAllowed:
        return f"request.not_allowed_{action}", ""
    return f"request.done_{action}", changed.claimer_name or ""


async def _command(update: Update, context: BotContext, action: str) -> None:
    """``/claim N``, ``/release N``, ``/done N [outcome]``, ``/withdraw N``."""
    chat = update.effective_chat
    texts = context.services.texts
    if chat is None:
        return
    language = await group_language(update, context)
    if language is None:
        return
    args = context.args or []
    number = typed_number(args[0]) if args else None
    command = BY_NAME[_COMMAND_FOR_ACTION[action]].shown_as(language)
    if number is None:
        await reply(update, texts(language, "request.need_number", command=command))
        return
    try:
        constellation, request = await context.services.requests.by_number(chat.id, number)
    except NotSetUp:
        await reply(update, texts(language, "common.not_setup"))
        return
    except RequestNotFound:
        await reply(update, texts(language, "request.not_found", number=number))
        return
    outcome = None
    if action == "out":
        outcome = OUTCOME_WORDS.get(args[1].lower().replace(" ", "")) if len(args) > 1 else None
        outcome = outcome or Outcome.HELPED
    key, helper = await _perform(context, update, action, constellation, request, outcome)
    await reply(update, texts(language, key, number=number, helper=helper))


_COMMAND_FOR_ACTION = {"claim": "claim", "rel": "release", "out": "done", "wd": "withdraw"}


async def claim_command(update: Update, context: BotContext) -> None:
    await _command(update, context, "claim")


async def release_command(update: Update, context: BotContext) -> None:
    await _command(update, context, "rel")


async def done_command(update: Update, context: BotContext) -> None:
    await _command(update, context, "out")


async def withdraw_command(update: Update, context: BotContext) -> None:
    await _command(update, context, "wd")


async def button(update: Update, context: BotContext) -> None:
    """A press on a card or notice button, re-authorised from scratch."""
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    texts = context.services.texts
    if query is None or chat is None or user is None:
        return
    pressed = RequestButton.parse(query.data)
    language = (
        await language_for(update, context) if is_group(chat) else private_language(context, user)
    )
    if pressed is None:
        await query.answer(texts.plain(language, "button.stale"))
        return
    if isinstance(pressed.request, int) and not on_pressed_message(query):
        # An older card's global id counts only on a card that really carries it: guessed
        # ids would tell the group, by their gaps, that hidden requests exist.
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    try:
        constellation, request = await context.services.requests.for_press(
            _target(pressed.request), chat.id, user.id
        )
    except RequestNotFound:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    if pressed.action in (RequestAction.DONE, RequestAction.BACK):
        choosing = pressed.action is RequestAction.DONE
        await _outcome_keyboard(update, context, language, constellation, request, choosing)
        return
    outcome = OUTCOMES[pressed.outcome] if pressed.outcome is not None else None
    action = pressed.action.value
    key, helper = await _perform(context, update, action, constellation, request, outcome)
    refused = not key.startswith("request.done_")
    popup = to_plain(texts(language, key, number=request.shown_number, helper=helper))
    await query.answer(popup, show_alert=refused)


def _target(request: RequestRef | int) -> int | tuple[int, Visibility, int]:
    if isinstance(request, int):
        return request  # an older card's global id
    visibility = Visibility.HUBHOME if request.hidden else Visibility.GROUP
    return request.constellation_id, visibility, request.number


async def _outcome_keyboard(
    update: Update,
    context: BotContext,
    language: str,
    constellation: Constellation,
    request: HelpRequest,
    choosing: bool,
) -> None:
    """Show (or take back) the outcome choice on the card itself; nothing changes yet.

    Only on a card of this very request (whatever message the button data was forged onto),
    and only for someone who may close it: the shared card is not anyone's to flip."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    texts = context.services.texts
    pressed = query.message
    on_its_card = pressed is not None and any(
        (card.chat_id, card.message_id) == (pressed.chat.id, pressed.message_id)
        for card in await context.services.requests.cards(request.id)
    )
    if not on_its_card:
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)
        return
    if not await context.services.requests.may_resolve(constellation, request, user.id):
        await query.answer(texts.plain(language, "request.not_allowed_out"), show_alert=True)
        return
    if not request.state.is_active:
        await query.answer(texts.plain(language, "request.not_active"), show_alert=True)
        return
    await query.answer()
    viewer = pressed.chat.id if pressed is not None and pressed.chat.id > 0 else None
    with unless_unchanged():
        await query.edit_message_reply_markup(
            request_card_keyboard(
                texts, language, request, choosing_outcome=choosing, viewer_id=viewer
            )
        )


def register(app: BotApplication) -> None:
    only_messages = filters.UpdateType.MESSAGE
    in_groups = only_messages & filters.ChatType.GROUPS  # private chats get the guided flow
    app.add_handler(CommandHandler(names("request"), post_request, in_groups))
    app.add_handler(CommandHandler(names("requests"), list_requests, only_messages))
    app.add_handler(CommandHandler(names("claim"), claim_command, only_messages))
    app.add_handler(CommandHandler(names("release"), release_command, only_messages))
    app.add_handler(CommandHandler(names("done"), done_command, only_messages))
    app.add_handler(CommandHandler(names("withdraw"), withdraw_command, only_messages))
    app.add_handler(CallbackQueryHandler(button, pattern=callbacks.pattern(Feature.REQUEST)))
