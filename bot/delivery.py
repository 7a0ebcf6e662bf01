"""Delivering the outbox: DMs with a group fallback, retries with back-off, never twice.

A notice is marked sent right after Telegram accepted it. If the process dies in between, that
one notice may be sent again after a restart; every other notice is delivered exactly once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot import callbacks
from bot.context import AnyApplication, Services
from bot.domain import ConstellationStatus, PendingNotice
from bot.handlers.meetup_cards import MEETUP_NOTICES, send_meetup_notice, when_text
from bot.handlers.request_cards import card_keyboard, card_text, category_label
from bot.i18n import Html, normalise_language
from bot.services.help_requests import CARD_NOTICE
from bot.storage.db import from_db_time

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
# A notice for a paused constellation's group waits; it is released when the bot is added
# back, and looked at again after this long in any case.
PAUSED_HOLD = timedelta(days=1)


def render(services: Services, language: str, pending: PendingNotice) -> Html:
    notice = pending.notice
    values: dict[str, str | int] = dict(notice.values)
    if "category" in values:
        values["category"] = category_label(services.texts, language, str(values["category"]))
    if "starts_at" in values:
        starts_at = from_db_time(str(values.pop("starts_at")))
        zone = str(values.pop("timezone", services.settings.timezone))
        values["when"] = when_text(language, starts_at, zone)
    if "waited_minutes" in values:
        values["waited"] = services.texts.duration(language, int(values.pop("waited_minutes")))
    return services.texts(language, notice.message_key, **values)


def _keyboard(
    services: Services, language: str, pending: PendingNotice
) -> InlineKeyboardMarkup | None:
    request_id = pending.notice.request_id
    if request_id is None:
        return None
    label = services.texts.plain(language, "request.button_claim")
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label, callback_data=callbacks.callback("req", "claim", request_id)
                )
            ]
        ]
    )


async def deliver_due(app: AnyApplication) -> None:
    """Send every notice that is due; one delivery round at a time.

    A round that found a group upgraded to a supergroup goes round once more at once, so the
    notices it moved to the new chat id are not left for the next wake-up.
    """
    async with app.bot_data.delivery_lock:
        services: Services = app.bot_data.services
        for _ in range(3):
            again = False
            for pending in await services.outbox.due(services.clock.now()):
                again |= await _deliver(app, services, pending)
            if not again:
                return


async def _deliver(app: AnyApplication, services: Services, pending: PendingNotice) -> bool:
    """Try one notice; True if it should be tried again right away (the group moved)."""
    notice = pending.notice
    outbox = services.outbox
    try:
        if notice.user_id is not None and await _send_dm(app, services, pending):
            await outbox.mark_sent(pending.id, services.clock.now())
            return False
        chat_id = notice.chat_id if notice.chat_id is not None else notice.fallback_chat_id
        if chat_id is None:
            await outbox.mark_failed(pending.id, "no way to reach the person")
            log.info("notice %s undeliverable: no private chat and no group fallback", pending.id)
            return False
        constellation = await services.constellations.for_chat(chat_id)
        if constellation is not None and constellation.status is ConstellationStatus.PAUSED:
            # The bot was removed from the group: nothing is sent there until it is back.
            await outbox.hold(pending.id, services.clock.now() + PAUSED_HOLD)
            return False
        language = constellation.language if constellation else services.settings.language
        await _send_to_group(app, services, pending, chat_id, language)
        await outbox.mark_sent(pending.id, services.clock.now())
    except RetryAfter as exc:
        retry = (
            exc.retry_after
            if isinstance(exc.retry_after, timedelta)
            else timedelta(seconds=exc.retry_after)
        )
        await outbox.retry_later(pending.id, services.clock.now() + retry, "429")
    except ChatMigrated as exc:
        # The group became a supergroup before we heard of it: follow it and try again now.
        old = notice.chat_id if notice.chat_id is not None else notice.fallback_chat_id
        if old is not None:
            await services.constellations.migrated(old, exc.new_chat_id)
        await outbox.retry_later(pending.id, services.clock.now(), "migrated")
        return True
    except (BadRequest, Forbidden) as exc:
        await outbox.mark_failed(pending.id, type(exc).__name__)
        log.warning("notice %s failed for good: %s", pending.id, type(exc).__name__)
    except (NetworkError, TelegramError) as exc:
        backoff = min(MAX_BACKOFF, timedelta(seconds=10 * 2**pending.attempts))
        await outbox.retry_later(pending.id, services.clock.now() + backoff, type(exc).__name__)
        log.info("notice %s will be retried in %s: %s", pending.id, backoff, type(exc).__name__)
    return False


async def _send_dm(app: AnyApplication, services: Services, pending: PendingNotice) -> bool:
    """True if the DM went out; False if the person cannot be reached privately."""
    notice = pending.notice
    assert notice.user_id is not None
    person = await services.people.get(notice.user_id)
    if person is None or not person.private_chat_linked:
        return False
    language = normalise_language(person.language_code, services.settings.language)
    try:
        if notice.message_key == CARD_NOTICE:
            await _send_card(app, services, pending, language)
            return True
        if notice.message_key in MEETUP_NOTICES:
            await send_meetup_notice(app.bot, services, pending, notice.user_id, language)
            return True
        await app.bot.send_message(
            notice.user_id,
            render(services, language, pending),
            reply_markup=_keyboard(services, language, pending),
        )
    except Forbidden:
        # Never started, or blocked us: stop counting on the private chat, use the group.
        await services.constellations.private_chat_lost(notice.user_id)
        return False
    return True


async def _send_card(
    app: AnyApplication, services: Services, pending: PendingNotice, language: str
) -> None:
    """A hub-home-only request: the card itself, with its buttons, in the carer's chat."""
    notice = pending.notice
    assert notice.user_id is not None and notice.request_id is not None
    constellation, request = await services.requests.with_constellation(notice.request_id)
    texts = services.texts
    message = await app.bot.send_message(
        notice.user_id,
        card_text(texts, language, request, ZoneInfo(constellation.timezone)),
        reply_markup=card_keyboard(texts, language, request, viewer_id=notice.user_id),
    )
    await services.requests.card_posted(request.id, notice.user_id, message.message_id)


async def _send_to_group(
    app: AnyApplication, services: Services, pending: PendingNotice, chat_id: int, language: str
) -> None:
    notice = pending.notice
    if notice.message_key in MEETUP_NOTICES:
        await send_meetup_notice(app.bot, services, pending, chat_id, language)
        return
    text: str = render(services, language, pending)
    if notice.user_id is not None:
        person = await services.people.get(notice.user_id)
        name = person.first_name if person else "?"
        text = services.texts(language, "notice.in_group", name=name, text=Html(text))
    reply = (
        ReplyParameters(notice.reply_to_message_id, allow_sending_without_reply=True)
        if notice.reply_to_message_id
        else None
    )
    await app.bot.send_message(
        chat_id,
        text,
        reply_parameters=reply,
        reply_markup=_keyboard(services, language, pending),
    )
