"""Rendering sleepover notices when they are sent, as the sleepover is then.

Every notice goes to a private chat (never a group: ``unreachable="skip"`` and no fallback),
and only while its reader may still read it: the family itself, or someone who may answer.
"""

from __future__ import annotations

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing, Sent
from bot.domain import Notice, NoticeKind, SleepoverNotFound, SleepoverState
from bot.services.sleepovers import SleepoverView
from bot.storage.db import Tx
from bot.views.requests import someone
from bot.views.sleepovers import (
    card_keyboard,
    card_text,
    children_text,
    family_answer,
    feedback_keyboard,
    handover_line,
    nights_text,
)


async def _view(services: Services, notice: Notice) -> SleepoverView | None:
    sleepover_id = notice.ref("sleepover")
    if sleepover_id is None:
        return None
    try:
        return await services.sleepovers.view(sleepover_id)
    except SleepoverNotFound:
        return None


async def _name(services: Services, user_id: int | None) -> str | None:
    person = await services.constellations.person(user_id) if user_id else None
    return person.first_name if person else None


async def _card(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    view = await _view(services, notice)
    if view is None or not audience.private:
        return None
    reader = audience.chat_id
    if not await services.sleepovers.may_read(view, reader) or reader == view.sleepover.family_id:
        return None  # they left, or their role ended: the card is not theirs any more
    editing = notice.kind is NoticeKind.SLEEPOVER_CARD_EDIT
    sleepover = view.sleepover
    if not editing and not sleepover.state.is_open:
        return None  # answered before this copy could go out
    texts, language = services.texts, audience.language
    outlook = await services.sleepovers.outlook_of(view)
    seen = await _name(services, sleepover.seen_by)
    text = card_text(texts, language, sleepover, view.away, outlook.free, outlook.beds, seen)
    can_answer = await services.sleepovers.may_answer(view, reader)
    keyboard = card_keyboard(texts, language, sleepover, can_answer=can_answer)
    return Outgoing(text, keyboard, edit=notice.ref("message") if editing else None, drawn=view)


async def _card_sent(
    services: Services, tx: Tx, notice: Notice, audience: Audience, sent: Sent
) -> None:
    drawn = sent.outgoing.drawn
    assert isinstance(drawn, SleepoverView)
    await services.sleepovers.card_went_out(
        tx, drawn.sleepover, audience.chat_id, sent.message_ids[0]
    )


async def _to_family(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    view = await _view(services, notice)
    if view is None or view.sleepover.family_id != audience.chat_id:
        return None
    texts, language, sleepover = services.texts, audience.language, view.sleepover
    step = notice.token("step") or ""
    when = nights_text(texts, language, sleepover.first_night, sleepover.nights)
    if notice.kind is NoticeKind.SLEEPOVER_ANSWER:
        settings = await services.sleepovers.settings_of(view)
        drawn = family_answer(texts, language, sleepover, settings, step)
        return Outgoing(drawn[0], drawn[1]) if drawn else None
    if notice.kind is NoticeKind.SLEEPOVER_CANCELLED:
        who = someone(texts, language, sleepover.answerer_name)
        if step == "ended" and sleepover.state is SleepoverState.CONFIRMED:
            return Outgoing(texts(language, "sleepover.ended_by_hubhome", who=who, when=when))
        if sleepover.state is not SleepoverState.CANCELLED:
            return None
        return Outgoing(texts(language, "sleepover.cancelled_by_hubhome", who=who, when=when))
    if notice.kind is NoticeKind.SLEEPOVER_STEP:
        if not sleepover.state.is_open and step != "nobody":
            return None  # answered meanwhile: that answer says it all
        return await _step(services, view, notice, step, language)
    if sleepover.state is not SleepoverState.CONFIRMED:
        return None
    if notice.kind is NoticeKind.SLEEPOVER_REMINDER:
        settings = await services.sleepovers.settings_of(view)
        lines = [texts(language, "sleepover.reminder_family", when=when)]
        if (times := handover_line(texts, language, sleepover)) is not None:
            lines.append(times)
        if settings.bring_along:
            lines.append(texts(language, "sleepover.bring_along", items=settings.bring_along))
        return Outgoing("\n".join(lines))
    # The question after the stay, once.
    return Outgoing(
        texts(language, "sleepover.feedback", when=when),
        feedback_keyboard(texts, language, sleepover),
    )


async def _step(
    services: Services, view: SleepoverView, notice: Notice, step: str, language: str
) -> Outgoing:
    texts, sleepover = services.texts, view.sleepover
    if step == "seen":
        who = someone(texts, language, await _name(services, sleepover.seen_by))
        return Outgoing(texts(language, "sleepover.step_seen", who=who))
    if step == "unreachable":
        names = [await _name(services, user_id) for user_id in notice.numbers("asked")]
        who = ", ".join(name for name in names if name)
        key = "sleepover.step_unreached" if who else "sleepover.step_unreached_nobody"
        return Outgoing(texts(language, key, who=who))
    if step == "escalated":
        names = [await _name(services, user_id) for user_id in notice.numbers("asked")]
        who = ", ".join(name for name in names if name) or "—"
        minutes = int(services.settings.emergency_after.total_seconds() // 60)
        wait = texts.duration(language, minutes)
        return Outgoing(texts(language, "sleepover.step_escalated", wait=wait, who=who))
    return Outgoing(texts(language, "sleepover.step_nobody"))


async def _to_carer(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    view = await _view(services, notice)
    if view is None:
        return None
    answerer = audience.chat_id == view.sleepover.answered_by
    if not answerer and not await services.sleepovers.may_answer(view, audience.chat_id):
        return None
    texts, language, sleepover = services.texts, audience.language, view.sleepover
    family = someone(texts, language, sleepover.family_name)
    when = nights_text(texts, language, sleepover.first_night, sleepover.nights)
    step = notice.token("step")
    if notice.kind is NoticeKind.SLEEPOVER_CANCELLED:
        if step == "ended" and sleepover.state is SleepoverState.CONFIRMED:
            return Outgoing(texts(language, "sleepover.ended_by_family", family=family, when=when))
        if sleepover.state is not SleepoverState.CANCELLED:
            return None
        return Outgoing(texts(language, "sleepover.cancelled_by_family", family=family, when=when))
    if notice.kind is NoticeKind.SLEEPOVER_ANSWER:
        if step == "full" and sleepover.state is SleepoverState.PROPOSED:
            assert sleepover.proposed_first is not None and sleepover.proposed_nights
            other = nights_text(
                texts, language, sleepover.proposed_first, sleepover.proposed_nights
            )
            return Outgoing(
                texts(language, "sleepover.proposal_full_carer", family=family, when=other)
            )
        taken = step == "taken" and sleepover.state is SleepoverState.CONFIRMED
        if not taken and step != "refused":
            return None
        key = "sleepover.proposal_taken" if taken else "sleepover.proposal_refused"
        return Outgoing(texts(language, key, family=family, when=when))
    if sleepover.state is not SleepoverState.CONFIRMED:
        return None
    children = children_text(texts, language, sleepover.children, sleepover.nicknames)
    lines = [
        texts(language, "sleepover.reminder_carer", family=family, when=when, children=children)
    ]
    if (times := handover_line(texts, language, sleepover)) is not None:
        lines.append(times)
    return Outgoing("\n".join(lines))


async def _notice(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    if not audience.private:
        return None  # never in a group
    if notice.token("to") == "carer":
        return await _to_carer(services, notice, audience)
    return await _to_family(services, notice, audience)


async def _card_undelivered(services: Services, tx: Tx, notice: Notice) -> None:
    if notice.kind is NoticeKind.SLEEPOVER_CARD:
        await services.sleepovers.card_undelivered(tx, notice)


KINDS: dict[NoticeKind, Kind] = {
    NoticeKind.SLEEPOVER_CARD: Kind(
        _card, after_sent=_card_sent, on_undelivered=_card_undelivered, unreachable="skip"
    ),
    NoticeKind.SLEEPOVER_CARD_EDIT: Kind(_card, unreachable="skip"),
    NoticeKind.SLEEPOVER_ANSWER: Kind(_notice, unreachable="skip"),
    NoticeKind.SLEEPOVER_CANCELLED: Kind(_notice, unreachable="skip"),
    NoticeKind.SLEEPOVER_STEP: Kind(_notice, unreachable="skip"),
    NoticeKind.SLEEPOVER_REMINDER: Kind(_notice, unreachable="skip"),
    NoticeKind.SLEEPOVER_FEEDBACK: Kind(_notice, unreachable="skip"),
}
