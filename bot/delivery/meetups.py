"""Rendering meetup notices at the moment they are sent, as the meetup is then."""

from __future__ import annotations

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing, Sent
from bot.domain import Answer, MeetupNotFound, MeetupView, Notice, NoticeKind
from bot.storage.db import Tx
from bot.views.meetups import (
    is_open,
    meetup_card_keyboard,
    meetup_card_text,
    meetup_when_text,
    minutes_until,
    reminder_text,
)


async def _view(services: Services, notice: Notice) -> MeetupView | None:
    occurrence_id = notice.ref("occurrence")
    if occurrence_id is None:
        return None
    try:
        return await services.meetups.view(occurrence_id)
    except MeetupNotFound:
        return None


async def _card(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    view = await _view(services, notice)
    if view is None:
        return None
    editing = notice.kind is NoticeKind.MEETUP_CARD_EDIT
    if not editing and view.occurrence.cancelled:
        return None  # cancelled before its card could go out
    texts, language, now = services.texts, audience.language, services.clock.now()
    return Outgoing(
        meetup_card_text(texts, language, view, now),
        meetup_card_keyboard(texts, language, view, now),
        edit=notice.ref("message") if editing else None,
        drawn=view,
    )


async def _card_sent(
    services: Services, tx: Tx, notice: Notice, audience: Audience, sent: Sent
) -> None:
    drawn = sent.outgoing.drawn
    assert isinstance(drawn, MeetupView)
    await services.meetups.card_went_out(tx, drawn, audience.chat_id, sent.message_ids[0])


async def _member(services: Services, view: MeetupView, notice: Notice) -> bool:
    """A DM about a meetup is for an active member of its constellation only (someone who
    left meanwhile is not told where the children will be)."""
    if notice.user_id is None:
        return True
    role = await services.constellations.active_role(view.constellation.id, notice.user_id)
    return role is not None


async def _reminder(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """What, when, where, who is coming; "begint over …" counted now. Cancelled or begun
    meanwhile, or the reader left: nothing to remind of."""
    view = await _view(services, notice)
    now = services.clock.now()
    if view is None or not is_open(view, now) or not await _member(services, view, notice):
        return None
    texts, language = services.texts, audience.language
    left = texts.duration(language, minutes_until(view, now))
    return Outgoing(
        reminder_text(texts, language, view, now, left),
        meetup_card_keyboard(texts, language, view, now),
    )


_KEYS = {
    NoticeKind.MEETUP_MOVED_UP: "meetup.moved_up",
    NoticeKind.MEETUP_CANCELLED: "meetup.cancelled_dm",
    NoticeKind.MEETUP_CHANGED: "meetup.changed_dm",
}


async def _to_person(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """Off the waiting list, cancelled, or changed: the meetup as it is now, and only while
    what it says still holds."""
    view = await _view(services, notice)
    if view is None or not await _member(services, view, notice):
        return None
    now = services.clock.now()
    if notice.kind is NoticeKind.MEETUP_MOVED_UP:
        mine = view.answer_of(notice.user_id) if notice.user_id is not None else None
        if mine is None or mine.answer is not Answer.YES or not is_open(view, now):
            return None  # they changed their answer meanwhile, or it is over
    if notice.kind is NoticeKind.MEETUP_CHANGED and not is_open(view, now):
        return None  # cancelled (they hear that) or begun since: the change is old news
    meetup, language = view.meetup, audience.language
    return Outgoing(
        services.texts(
            language,
            _KEYS[notice.kind],
            title=meetup.title,
            when=meetup_when_text(
                language, view.occurrence.starts_at, meetup.timezone, meetup.length_minutes, now=now
            ),
            constellation=view.constellation.name,
        )
    )


KINDS: dict[NoticeKind, Kind] = {
    NoticeKind.MEETUP_CARD: Kind(_card, after_sent=_card_sent, reports=True),
    NoticeKind.MEETUP_CARD_EDIT: Kind(_card, unreachable="skip"),
    NoticeKind.MEETUP_REMINDER: Kind(_reminder),
    NoticeKind.MEETUP_MOVED_UP: Kind(_to_person),
    NoticeKind.MEETUP_CANCELLED: Kind(_to_person),
    NoticeKind.MEETUP_CHANGED: Kind(_to_person),
}
