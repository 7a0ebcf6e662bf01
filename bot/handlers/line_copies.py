"""Copying a private-line message to its readers: the header and the words in one message
where Telegram allows it, else the header and Telegram's own copy under it (never cut)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import BotContext, Services
from bot.domain import Constellation, LineMessage, Member, PartlySent
from bot.i18n import normalise_language, to_plain, units
from bot.views.line import answer_keyboard

log = logging.getLogger(__name__)

# Media that carry a caption, so the header can ride along in one message.
CAPTIONED = ("photo", "video", "document", "audio", "voice", "animation")


def _language(services: Services, member: Member) -> str:
    return normalise_language(member.person.language_code, services.settings.language)


def _captioned(message: Message) -> bool:
    return any(getattr(message, kind, None) for kind in CAPTIONED)


async def copy_with_header(
    context: BotContext,
    to_chat: int,
    header: str,
    origin: tuple[int, int],
    message: Message | None = None,
    keyboard: InlineKeyboardMarkup | None = None,
) -> list[int]:
    """One message where possible (text, or media with a caption), else header + copy.

    Returns the ids of what was sent; ``keyboard`` goes on the one that carries the message.
    Without ``message`` only the ids are known, so it is header + copy; so it is when the
    two do not fit in one message (4096 units of text, 1024 of a caption): the words are
    never cut, Telegram's copy follows as a reply to the header.
    """
    bot = context.bot
    chat_id, message_id = origin
    # Telegram counts UTF-16 units: an emoji is two, so len() would let a long one through.
    header_length = units(to_plain(header))
    if message is not None and message.text is not None:
        if header_length + 2 + units(message.text) <= MessageLimit.MAX_TEXT_LENGTH:
            sent = await bot.send_message(
                to_chat, f"{header}\n\n{message.text_html}", reply_markup=keyboard
            )
            return [sent.message_id]
    elif message is not None and _captioned(message):
        caption = message.caption or ""
        if header_length + 2 + units(caption) <= MessageLimit.CAPTION_LENGTH:
            full = f"{header}\n\n{message.caption_html}" if caption else header
            copied = await bot.copy_message(
                to_chat, chat_id, message_id, caption=full, reply_markup=keyboard
            )
            return [copied.message_id]
    head = await bot.send_message(to_chat, header)
    try:
        copied = await bot.copy_message(
            to_chat,
            chat_id,
            message_id,
            reply_parameters=ReplyParameters(head.message_id, allow_sending_without_reply=True),
            reply_markup=keyboard,
        )
    except TelegramError as exc:  # the header is out: a retry sends only the copy
        raise PartlySent(head.message_id) from exc
    return [head.message_id, copied.message_id]


def quoted(query: CallbackQuery, origin: tuple[int, int]) -> Message | None:
    """The person's own message that the pressed one answers (Telegram sends it along with
    the press), if it is ``origin``: so its words can go in one message with the header,
    as when it was first written. Only what Telegram hands over is used; nothing is kept."""
    pressed = query.message
    original = pressed.reply_to_message if isinstance(pressed, Message) else None
    if original is None or original.from_user is None:
        return None
    chat_id, message_id = origin
    mine = original.chat.id == chat_id and original.from_user.id == chat_id
    return original if mine and original.message_id == message_id else None


async def copy_to_all(
    context: BotContext,
    recipients: list[Member],
    constellation: Constellation,
    author_name: str,
    line: LineMessage,
    message: Message | None = None,
) -> tuple[list[tuple[int, int]], dict[int, int | None]]:
    """Copy a member's message to each recipient now, with the answer button. Returns the
    copies made, and who Telegram could not take it for right now (the outbox delivers
    theirs), each with the header that already went out, if one did; a refused chat is
    unlinked, the others go on."""
    services = context.services
    texts = services.texts
    origin = (line.origin_chat_id, line.origin_message_id)
    copies: list[tuple[int, int]] = []
    pending: dict[int, int | None] = {}
    for recipient in recipients:
        language = _language(services, recipient)
        header = texts(
            language, "line.header_in", name=author_name, constellation=constellation.name
        )
        keyboard = answer_keyboard(texts, language, line.id)
        try:
            ids = await copy_with_header(
                context, recipient.user_id, header, origin, message, keyboard
            )
        except PartlySent as partly:
            if isinstance(partly.__cause__, Forbidden | BadRequest):
                copies.append((recipient.user_id, partly.head))  # the header at least
            else:
                pending[recipient.user_id] = partly.head
            continue
        except Forbidden:
            await services.line.unreachable(recipient.user_id)
            continue
        except BadRequest as exc:
            log.warning(
                "private line copy to %s refused: %s", recipient.user_id, type(exc).__name__
            )
            continue
        except TelegramError as exc:  # 5xx, timeouts, 429 after the limiter's retries
            log.info("private line copy to %s queued: %s", recipient.user_id, type(exc).__name__)
            pending[recipient.user_id] = None
            continue
        copies += [(recipient.user_id, sent) for sent in ids]
    return copies, pending
