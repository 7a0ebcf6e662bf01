"""Rendering help-request notices at the moment they are sent, from the database.

Each renderer checks, at that moment, that its reader may still see the request (see
``bot.services.requests.visibility``) and that what it says is still true; if not, it says
nothing (the notice is skipped).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing, Sent
from bot.domain import (
    HelpRequest,
    Notice,
    NoticeKind,
    RequestState,
    Role,
    Visibility,
)
from bot.i18n import Html, cut, escape
from bot.services.requests.visibility import shown_in_group
from bot.storage.db import Lookup, Tx
from bot.views.common import message_link
from bot.views.requests import (
    category_label,
    claim_keyboard,
    request_card_keyboard,
    request_card_text,
    someone,
)

ESCALATION_TEXT_LIMIT = 600  # of the request's text in a reminder, in Telegram's units


def _ahead(services: Services, notice: Notice) -> Sequence[Lookup]:
    """The request the notice is about, which its renderer reads first."""
    request_id = notice.ref("request")
    return services.requests.lookups(request_id) if request_id is not None else ()


async def _request(services: Services, notice: Notice) -> HelpRequest | None:
    request_id = notice.ref("request")
    return await services.requests.get(request_id) if request_id is not None else None


async def _readable(services: Services, notice: Notice, audience: Audience) -> HelpRequest | None:
    """The request, if this audience may see it now: in a group only a whole-group request;
    in a private chat whoever the visibility rule allows (a DM that fell back to the group
    counts as the group)."""
    request = await _request(services, notice)
    if request is None:
        return None
    if not audience.private or audience.meant_for is not None:
        return request if shown_in_group(request) else None
    return request if await services.requests.sees(request, audience.chat_id) else None


async def _name(
    services: Services, language: str, user_id: int | None, *, start: bool = False
) -> str:
    """A person's first name as it is now; "someone (erased)" if they were erased."""
    person = await services.constellations.person(user_id) if user_id else None
    return someone(services.texts, language, person.first_name if person else None, start=start)


async def _card(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    request = await _readable(services, notice, audience)
    if request is None:
        return None
    editing = notice.kind is NoticeKind.REQUEST_CARD_EDIT
    if not editing and not request.state.is_active:
        return None  # closed before its card could go out: nothing to ask any more
    constellation = await services.constellations.for_id(request.constellation_id)
    if constellation is None:
        return None
    texts, language = services.texts, audience.language
    viewer = audience.chat_id if audience.private else None
    return Outgoing(
        request_card_text(texts, language, request, ZoneInfo(constellation.timezone)),
        request_card_keyboard(texts, language, request, viewer_id=viewer),
        edit=notice.ref("message") if editing else None,
        drawn=request,
    )


async def _card_sent(
    services: Services, tx: Tx, notice: Notice, audience: Audience, sent: Sent
) -> None:
    drawn = sent.outgoing.drawn
    assert isinstance(drawn, HelpRequest)
    confirm = bool(notice.ref("confirm"))
    await services.requests.card_went_out(
        tx, drawn, audience.chat_id, sent.message_ids[0], confirm=confirm
    )


async def _card_undelivered(services: Services, tx: Tx, notice: Notice) -> None:
    await services.requests.card_undelivered(tx, notice)


async def _posted(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """To the requester, once a card is out: where the request went (with a link to the
    group's card)."""
    request = await _readable(services, notice, audience)
    constellation = (
        await services.constellations.for_id(request.constellation_id) if request else None
    )
    if request is None or constellation is None:
        return None
    texts, language = services.texts, audience.language
    key = "flow.sent_hubhome" if request.visibility is Visibility.HUBHOME else "flow.sent_group"
    text = texts(language, key, number=request.shown_number, name=constellation.name)
    card = await services.requests.card_in(request.id, constellation.chat_id)
    link = message_link(card.chat_id, card.message_id) if card else None
    if link:
        text = Html(f"{text}\n{texts(language, 'flow.see_in_group', link=link)}")
    return Outgoing(text)


async def _to_requester(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """Claimed or released: who helps (or no longer does), named as they are now — only
    while it is still true (taken on by them; open again)."""
    request = await _readable(services, notice, audience)
    if request is None:
        return None
    texts, language = services.texts, audience.language
    claimed = notice.kind is NoticeKind.REQUEST_CLAIMED
    helper = notice.ref("helper")
    still_true = (
        request.state is RequestState.CLAIMED and request.claimed_by == helper
        if claimed
        else request.state is RequestState.OPEN
    )
    if not still_true:
        return None
    return Outgoing(
        texts(
            language,
            "notice.claimed" if claimed else "notice.released",
            helper=await _name(services, language, helper, start=not claimed),
            number=request.shown_number,
            category=category_label(texts, language, request.category.value),
        )
    )


async def _withdrawn(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    request = await _readable(services, notice, audience)
    if request is None:
        return None
    texts, language = services.texts, audience.language
    return Outgoing(
        texts(
            language,
            "notice.withdrawn",
            requester=await _name(services, language, notice.ref("requester"), start=True),
            number=request.shown_number,
            category=category_label(texts, language, request.category.value),
        )
    )


def _waited(services: Services, language: str, request: HelpRequest, now: datetime) -> str:
    minutes = max(1, round((now - request.created_at).total_seconds() / 60))
    return services.texts.duration(language, minutes)


async def _escalation(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """Still open after all this time: to the hub home or liaison, with a claim button. Taken
    on or closed meanwhile, or the reader no longer has that role: nothing to say."""
    request = await _readable(services, notice, audience)
    role = notice.token("role")
    if request is None or request.state is not RequestState.OPEN or role is None:
        return None
    if notice.user_id is not None:
        now_role = await services.constellations.active_role(
            request.constellation_id, notice.user_id
        )
        if now_role is None or now_role.value != role:
            return None
    texts, language = services.texts, audience.language
    lines: list[str] = [
        texts(
            language,
            f"notice.escalate_{role}",
            number=request.shown_number,
            requester=someone(texts, language, request.requester_name),
            category=category_label(texts, language, request.category.value),
            waited=_waited(services, language, request, services.clock.now()),
        )
    ]
    # What it is about, so the reader can decide from the notice itself (the hub home and
    # the liaison may read every request of their constellation), and where its card is.
    if request.text:
        lines.append(f"<i>{escape(cut(request.text, ESCALATION_TEXT_LIMIT))}</i>")
    link = await _card_link(services, request)
    if link is not None:
        lines.append(texts(language, "notice.escalate_card", link=link))
    return Outgoing("\n\n".join(lines), claim_keyboard(texts, language, request))


async def _card_link(services: Services, request: HelpRequest) -> str | None:
    """A link to the request's card in the group (supergroups have them), if it has one."""
    if request.visibility is not Visibility.GROUP:
        return None
    constellation = await services.constellations.for_id(request.constellation_id)
    if constellation is None:
        return None
    card = await services.requests.card_in(request.id, constellation.chat_id)
    return message_link(card.chat_id, card.message_id) if card is not None else None


async def _unreachable_role(
    services: Services, notice: Notice, audience: Audience
) -> Outgoing | None:
    """To a carer, privately: nobody with ``role`` can be reached, so reminders cannot go
    there. Never in the group (it would tell every family that someone failed)."""
    role = notice.token("role")
    constellation_id = notice.constellation_id
    if role is None or constellation_id is None or not audience.private:
        return None
    if await services.constellations.active_role(constellation_id, audience.chat_id) is None:
        return None
    constellation = await services.constellations.for_id(constellation_id)
    if constellation is None:
        return None
    return Outgoing(
        services.texts(
            audience.language, f"notice.unreachable_{role}", constellation=constellation.name
        )
    )


async def _member_left(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """To the hub home (else the liaison), while they still have that role; the request
    numbers it lists are only those this reader may see."""
    constellation_id = notice.constellation_id
    if constellation_id is None:
        return None
    role = None
    if notice.user_id is not None:
        role = await services.constellations.active_role(constellation_id, notice.user_id)
        if role not in (Role.HUBHOME, Role.LIAISON):
            return None
    texts, language = services.texts, audience.language
    in_group = not audience.private or audience.meant_for is not None
    shown: dict[str, list[str]] = {}
    for name in ("open", "reopened"):
        shown[name] = []
        for request_id in notice.numbers(name):
            request = await services.requests.get(request_id)
            if request is None:
                continue
            if shown_in_group(request) or (role is Role.HUBHOME and not in_group):
                shown[name].append(request.shown_number)
    listed = shown["open"] or shown["reopened"]
    key = "notice.member_left_requests" if listed else "notice.member_left"
    return Outgoing(
        texts(
            language,
            key,
            name=await _name(services, language, notice.ref("member"), start=True),
            open=", ".join(f"#{n}" for n in shown["open"]) or "—",
            reopened=", ".join(f"#{n}" for n in shown["reopened"]) or "—",
        )
    )


async def _unreached(services: Services, notice: Notice, audience: Audience) -> Outgoing | None:
    """To the liaison: a hub-home-only request reached nobody — its number only."""
    request = await _request(services, notice)
    if request is None or not request.state.is_active or notice.user_id is None:
        return None
    role = await services.constellations.active_role(request.constellation_id, notice.user_id)
    if role is not Role.LIAISON:
        return None
    constellation = await services.constellations.for_id(request.constellation_id)
    if constellation is None:
        return None
    return Outgoing(
        services.texts(
            audience.language,
            "undelivered.liaison_hubhome",
            number=request.shown_number,
            constellation=constellation.name,
        )
    )


KINDS: dict[NoticeKind, Kind] = {
    NoticeKind.REQUEST_CARD: Kind(
        _card, after_sent=_card_sent, on_undelivered=_card_undelivered, ahead=_ahead
    ),
    NoticeKind.REQUEST_CARD_EDIT: Kind(_card, unreachable="skip", ahead=_ahead),
    NoticeKind.REQUEST_POSTED: Kind(_posted, ahead=_ahead),
    NoticeKind.REQUEST_CLAIMED: Kind(_to_requester, ahead=_ahead),
    NoticeKind.REQUEST_RELEASED: Kind(_to_requester, ahead=_ahead),
    NoticeKind.REQUEST_WITHDRAWN: Kind(_withdrawn, ahead=_ahead),
    NoticeKind.ESCALATION: Kind(_escalation, ahead=_ahead),
    NoticeKind.ESCALATION_GROUP: Kind(_unreachable_role, unreachable="skip"),
    NoticeKind.MEMBER_LEFT: Kind(_member_left),
    NoticeKind.HUBHOME_UNREACHED: Kind(_unreached, ahead=_ahead),
}
