"""The private line: any non-command message in a private chat goes to the hub home.

A member's message is copied to every hub home carer with a header saying who it is from; a
hub home carer answers with its "↩️ Antwoorden" button (``line_reply``) or by replying to it,
and the answer is copied back to the member. Text is passed on in memory; media are copied by
Telegram (``copyMessage``), never downloaded. Only message ids are stored, so replies to old
messages still find their way. What Telegram cannot take right now (a 5xx, a timeout) goes
through the outbox and arrives once, later; messages kept until a hub home can be reached are
handed to the outbox by the courier.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.callbacks import Feature, LineAction, LineButton
from bot.commands import names
from bot.context import BotApplication, BotContext
from bot.domain import Constellation, NotAllowed, NotAMember, PartlySent, Role
from bot.handlers.common import (
    on_pressed_message,
    person_from,
    private_language,
    reply,
)
from bot.handlers.line_copies import copy_to_all, copy_with_header, quoted
from bot.i18n import Html, Translator, normalise_language
from bot.services.private_line import (
    Answer,
    AnswerRefused,
    NeedsChoice,
    NoConstellation,
    NotALineReply,
)
from bot.telegram_bot import unless_unchanged
from bot.views.line import line_button

log = logging.getLogger(__name__)


# -- a private message -----------------------------------------------------------------------


async def on_message(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    services = context.services
    language = private_language(context, user)
    replied = message.reply_to_message
    # A reply to a passed-on message is the answer; a reply to anything else, a new message.
    if replied is not None and await answer_copy(update, context, replied.message_id):
        return
    try:
        constellation = await services.line.constellation_for(user.id)
    except NoConstellation as exc:
        if exc.gone is not None:
            text = services.texts(language, "line.gone", old=exc.gone.name)
        else:
            text = services.texts(language, "line.unknown")
        await reply(update, text)
        return
    except NeedsChoice as exc:
        # Nothing is passed on until the person says where to: the message waits for a tap.
        if exc.gone is not None:
            text = services.texts(language, "line.pick_again", old=exc.gone.name)
        else:
            text = services.texts(language, "line.pick")
        # Under the message it asks about (Telegram hands that back with the press).
        await message.reply_text(
            text,
            reply_markup=InlineKeyboardMarkup(
                _choices(exc.options, LineAction.PICK, message.message_id)
            ),
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
        )
        return
    await _route(context, constellation, user.id, message.message_id, message)


def _choices(
    options: list[Constellation], action: LineAction, message_id: int | None = None
) -> list[list[InlineKeyboardButton]]:
    return [
        [
            InlineKeyboardButton(
                constellation.name,
                callback_data=LineButton(action, constellation.id, message_id).data(),
            )
        ]
        for constellation in options
    ]


async def _route(
    context: BotContext,
    constellation: Constellation,
    user_id: int,
    message_id: int,
    message: Message | None,
) -> None:
    """Send a member's message to the hub home, or keep it; tell the member which."""
    services = context.services
    texts = services.texts
    person = await services.line.person(user_id)
    if person is None:  # we record everyone who writes to us; this is only a safety net
        if message is None or message.from_user is None:
            return
        person = person_from(message.from_user)
    language = normalise_language(person.language_code, services.settings.language)
    reply_to = ReplyParameters(message_id, allow_sending_without_reply=True)
    if await services.line.role(constellation, user_id) is Role.HUBHOME:
        # The hub home writing to their own constellation: nothing to pass on. (Writing to
        # us made them reachable: what was kept for them follows this update.)
        hint = texts(language, "line.hubhome_hint")
        await context.bot.send_message(user_id, hint, reply_parameters=reply_to)
        return
    incoming = await services.line.incoming(constellation, person, message_id)
    try:
        copies, pending = await copy_to_all(
            context, incoming.recipients, constellation, person.first_name, incoming.line, message
        )
    except BaseException:
        services.line.let_go(incoming.line)  # the courier passes it on after the lease
        raise
    keyboard = None
    if copies or pending:
        await services.line.passed_on(incoming.line, copies, pending, tell_later=not copies)
    if copies:
        reached = {chat_id for chat_id, _ in copies}
        carers = sorted({m.person.first_name for m in incoming.recipients if m.user_id in reached})
        text = texts(language, "line.sent", names=", ".join(carers))
        if await services.line.reachable_liaisons(constellation.id, besides=user_id):
            label = texts.plain(language, "line.button_liaison")
            data = LineButton(LineAction.LIAISON, incoming.line.id).data()
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
    elif pending:
        text = texts(language, "line.sending")
    else:
        reason = incoming.reason or "unreachable"
        if incoming.reason is None:  # there were carers, but every one of them refused
            await services.line.keep_waiting(constellation, incoming.line, reason)
        text = texts(language, f"line.waiting_{reason}")
    await context.bot.send_message(user_id, text, reply_markup=keyboard, reply_parameters=reply_to)


def refusal(texts: Translator, language: str, refused: AnswerRefused) -> Html:
    """Why an answer is not passed on (it is not sent anywhere else either)."""
    if refused.constellation is None:
        return texts(language, "line.member_gone")
    name = refused.constellation.name
    if refused.left:
        return texts(language, "line.answer_refused_left", name=refused.left, constellation=name)
    given_as = refused.given_as
    role = given_as.value if given_as in (Role.HUBHOME, Role.LIAISON) else "any"
    return texts(language, f"line.answer_refused_{role}", constellation=name)


async def answer_copy(update: Update, context: BotContext, copy_message_id: int) -> bool:
    """The message answers the routed message this copy (in the person's own chat) is of:
    passed back, or refused with the reason. False if it is no copy of a routed message."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = context.services
    try:
        answer = await services.line.answer(
            user.id, copy_message_id, person_from(user), message.message_id
        )
    except NotALineReply:
        return False
    except AnswerRefused as refused:
        language = private_language(context, user)
        await reply(update, refusal(services.texts, language, refused))
        return True
    await _deliver_answer(update, context, answer, message)
    return True


async def _deliver_answer(
    update: Update, context: BotContext, answer: Answer, message: Message
) -> None:
    services = context.services
    texts = services.texts
    user = update.effective_user
    assert user is not None
    language = private_language(context, user)
    member = answer.member
    if member is None:
        await services.line.answer_failed(answer)
        await reply(update, texts(language, "line.member_gone"))
        return
    member_language = normalise_language(member.language_code, answer.constellation.language)
    header = texts(member_language, f"line.header_{answer.role.value}", name=user.first_name)
    try:
        ids = await copy_with_header(
            context, member.user_id, header, (user.id, message.message_id), message
        )
    except PartlySent as partly:  # the header is out: the outbox sends the copy under it
        log.info("answer to %s queued after its header", member.user_id)
        await services.line.answer_queued(answer, head=partly.head)
        await reply(update, texts(language, "line.answer_queued", name=member.first_name))
        return
    except (Forbidden, BadRequest) as exc:
        if isinstance(exc, Forbidden):
            await services.line.unreachable(member.user_id)
        await services.line.answer_failed(answer)
        await reply(update, texts(language, "line.member_unreachable", name=member.first_name))
        return
    except TelegramError as exc:  # Telegram is slow or down: the outbox delivers it, once
        log.info("answer to %s queued: %s", member.user_id, type(exc).__name__)
        await services.line.answer_queued(answer)
        await reply(update, texts(language, "line.answer_queued", name=member.first_name))
        return
    # The other carers hear (under their copy) who answered, through the outbox.
    await services.line.answered(answer, [(member.user_id, i) for i in ids])
    await reply(update, texts(language, "line.answer_sent", name=member.first_name))


# -- buttons and /privateline ----------------------------------------------------------------


async def button(update: Update, context: BotContext) -> None:
    """Choosing a constellation, including the liaison, or reading more: each re-checked on
    the server. (The answer button is ``line_reply``'s.)"""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    services = context.services
    texts = services.texts
    language = private_language(context, user)
    pressed = LineButton.parse(query.data)
    # A pick names the message to pass on, and each button edits its own message: only the
    # button on the question the bot asked, in the person's own chat.
    if (
        pressed is None
        or pressed.action in (LineAction.REPLY, LineAction.STOP, LineAction.SHOW)
        or chat.id != user.id
        or not on_pressed_message(query)
    ):
        await query.answer(texts.plain(language, "button.stale"))
        return
    if pressed.action is LineAction.MORE:
        await _explain_more(update, context)
        return
    try:
        if pressed.action is LineAction.LIAISON:
            await _share_with_liaison(update, context, pressed.target)
            return
        message_id = pressed.message_id
        if message_id is not None and await services.line.passed_on_before(user.id, message_id):
            # A second tap (on another name, even): the message went where the first said.
            await query.answer(texts.plain(language, "line.already_passed_on"))
            return
        constellation = await services.line.choose(user.id, pressed.target)
        await query.answer()
        with unless_unchanged():
            await query.edit_message_text(
                texts(language, "line.chosen", constellation=constellation.name)
            )
        if pressed.action is LineAction.PICK and message_id is not None:
            original = quoted(query, (user.id, message_id))
            await _route(context, constellation, user.id, message_id, original)
    except (NotAMember, NotAllowed):
        await query.answer(texts.plain(language, "button.stale"), show_alert=True)


async def _share_with_liaison(update: Update, context: BotContext, line_id: int) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    services = context.services
    texts = services.texts
    language = private_language(context, user)
    constellation, line, liaisons = await services.line.share_with_liaison(line_id, user.id)
    if not liaisons:
        await query.answer(texts.plain(language, "line.liaison_unreachable"), show_alert=True)
        return
    await query.answer()  # first: the copies take a call or two per liaison
    # The "passed on" message the button sits on answers the member's own message.
    original = quoted(query, (line.origin_chat_id, line.origin_message_id))
    copies, pending = await copy_to_all(
        context, liaisons, constellation, user.first_name, line, original
    )
    if not copies and not pending:  # every liaison refused it just now
        await reply(update, texts(language, "line.liaison_unreachable"))
        return
    await services.line.passed_on(line, copies, pending, tell_later=False, to=Role.LIAISON)
    await query.edit_message_text(texts(language, "line.sent_with_liaison"))


async def explain(update: Update, context: BotContext) -> None:
    """``/privateline``: how it works in short (more behind a button), and (for several
    constellations) where messages go."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    texts = services.texts
    language = private_language(context, user)
    options = await services.line.options(user.id)
    if not options:
        await reply(update, texts(language, "line.unknown"))
        return
    try:
        current = await services.line.constellation_for(user.id)
    except NeedsChoice:
        current = None
    text = texts(language, "line.explain")
    rows = [[line_button(texts, language, "line.button_more", LineAction.MORE, 0)]]
    if len(options) > 1:
        where = (
            texts(language, "line.current", constellation=current.name)
            if current
            else texts(language, "line.pick")
        )
        text = Html(f"{text}\n\n{where}")
        rows = [*_choices(options, LineAction.USE), *rows]
    await reply(update, text, reply_markup=InlineKeyboardMarkup(rows))


async def _explain_more(update: Update, context: BotContext) -> None:
    """The rest of the explanation, in the same message; a choice of constellation stays."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and isinstance(query.message, Message)
    texts = context.services.texts
    language = private_language(context, user)
    await query.answer()
    markup = query.message.reply_markup
    rows = [
        row
        for row in (markup.inline_keyboard if markup is not None else ())
        if all(button.callback_data != query.data for button in row)
    ]
    more = texts(language, "line.explain_more", days=context.services.settings.retention_days)
    with unless_unchanged():
        await query.edit_message_text(
            Html(f"{query.message.text_html}\n\n{more}"),
            reply_markup=InlineKeyboardMarkup(rows) if rows else None,
        )


def register(app: BotApplication) -> None:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(names("privateline"), explain, private))
    app.add_handler(MessageHandler(private & ~filters.COMMAND, on_message))
    app.add_handler(CallbackQueryHandler(button, pattern=callbacks.pattern(Feature.LINE)))
