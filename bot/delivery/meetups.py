"""Rendering meetup notices at the moment they are sent, as the meetup is then."""

from __future__ import annotations

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing, Sent
from bot.domain import Answer, CardLocation, MeetupNotFound, MeetupView, Notice, NoticeKind
from bot.storage.db import Tx
from bot.views.meetups import (
    children_question,
    is_open,
    meetup_card_keyboard,
    meetup_card_text,
    meetup_when_text,
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
    """ "⏰ Morgen om 15:00: …" — the day seen from now —, where, who is coming. To a person,
    or in the group for those it names, only while they still say coming or maybe. Cancelled
    or begun meanwhile, or the reader left: nothing to remind of."""
    view = await _view(services, notice)
    now = services.clock.now()
    if view is None or not is_open(view, now) or not await _member(services, view, notice):
        return None
    names = None
    meant_for = notice.numbers("for")  # (emptied by erasures: then it is for nobody)
    if notice.user_id is not None:
        mine = view.answer_of(notice.user_id)
        if mine is None or mine.answer not in (Answer.YES, Answer.MAYBE):
            return None  # they said no meanwhile: it is not for them any more
    elif "for" in notice.refs:
        still = [
            rsvp.name
            for rsvp in view.with_answer(Answer.YES, Answer.MAYBE)
            if rsvp.user_id in meant_for
            and await services.constellations.active_role(view.constellation.id, rsvp.user_id)
        ]
        if not still:
            return None
        names = still
    texts, language = services.texts, audience.language
    return Outgoing(
        reminder_text(texts, language, view, now, names),
        meetup_card_keyboard(texts, language, view, now),
    )


async def _children(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """ "With how many children?" — only while they still come (or wait for a place) and
    have not counted their children meanwhile."""
    view = await _view(services, notice)
    now = services.clock.now()
    if view is None or notice.user_id is None or not is_open(view, now):
        return None
    mine = view.answer_of(notice.user_id)
    if mine is None or mine.answer not in (Answer.YES, Answer.WAITING) or mine.children:
        return None
    if not await _member(services, view, notice):
        return None
    text, keyboard = children_question(services.texts, audience.language, view, mine.user_id, now)
    return Outgoing(text, keyboard)


async def _children_sent(
    services: Services, tx: Tx, notice: Notice, audience: Audience, sent: Sent
) -> None:
    """Where the question now is (the group or their chat), for /forgetme to delete it."""
    occurrence_id = notice.ref("occurrence")
    assert occurrence_id is not None and notice.user_id is not None
    where = CardLocation(audience.chat_id, sent.message_ids[0])
    await services.meetups.children_asked(tx, occurrence_id, notice.user_id, where)


async def _children_erased(
    services: Services, notice: Notice, audience: Audience
) -> Outgoing | None:
    """The question to someone erased since: deleted; where Telegram no longer allows that,
    it says only that it is no longer needed."""
    message_id = notice.ref("message")
    if message_id is None:
        return None
    gone = services.texts(audience.language, "meetup.children_question_gone")
    return Outgoing(gone, delete=message_id)


async def _forget_sent(
    services: Services, tx: Tx, notice: Notice, audience: Audience, sent: Sent
) -> None:
    await services.outbox.forget(tx, notice.dedupe_key)


async def _forget_undelivered(services: Services, tx: Tx, notice: Notice) -> None:
    await services.outbox.forget(tx, notice.dedupe_key)


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
    key, goes_on = _KEYS[notice.kind], {}
    if notice.kind is NoticeKind.MEETUP_CANCELLED and view.resumes and not meetup.cancelled:
        # One date of a series is off; the series is not.
        key = "meetup.cancelled_date_dm"
        goes_on["next"] = meetup_when_text(language, view.resumes, meetup.timezone, now=now)
    return Outgoing(
        services.texts(
            language,
            key,
            title=meetup.title,
            when=meetup_when_text(
                language, view.occurrence.starts_at, meetup.timezone, meetup.length_minutes, now=now
            ),
            constellation=view.constellation.name,
            **goes_on,
        )
    )


KINDS: dict[NoticeKind, Kind] = {
    NoticeKind.MEETUP_CARD: Kind(_card, after_sent=_card_sent, reports=True),
    NoticeKind.MEETUP_CARD_EDIT: Kind(_card, unreachable="skip"),
    NoticeKind.MEETUP_REMINDER: Kind(_reminder),
    NoticeKind.MEETUP_MOVED_UP: Kind(_to_person),
    NoticeKind.MEETUP_CANCELLED: Kind(_to_person),
    NoticeKind.MEETUP_CHANGED: Kind(_to_person),
    NoticeKind.MEETUP_CHILDREN: Kind(_children, after_sent=_children_sent, unreachable="skip"),
    # Its row goes once done: it pointed into the chat of someone erased.
    NoticeKind.MEETUP_CHILDREN_ERASED: Kind(
        _children_erased,
        after_sent=_forget_sent,
        on_undelivered=_forget_undelivered,
        unreachable="skip",
    ),
}
