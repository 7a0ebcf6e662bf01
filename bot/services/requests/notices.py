"""The notices help requests cause: what to deliver to whom, by id (rendered when sent)."""

from __future__ import annotations

import uuid
from datetime import datetime

from bot.domain import (
    CardLocation,
    Constellation,
    HelpRequest,
    Notice,
    NoticeKind,
    RefValue,
    Role,
    Visibility,
)


def group_fallback(constellation: Constellation, request: HelpRequest) -> int | None:
    """Where a DM about the request goes if it cannot be delivered: the group, unless the
    request is for the hub home only (then it never reaches the group)."""
    return constellation.chat_id if request.visibility is Visibility.GROUP else None


def _card_refs(request: HelpRequest, confirm: bool) -> dict[str, RefValue]:
    refs: dict[str, RefValue] = {"request": request.id}
    if confirm:
        refs["confirm"] = 1  # composed in a private chat: the requester hears where it went
    return refs


def group_card(
    constellation: Constellation, request: HelpRequest, *, confirm: bool = False
) -> Notice:
    """The request's card in the group; the requester hears if it cannot be posted."""
    return Notice(
        kind=NoticeKind.REQUEST_CARD,
        dedupe_key=f"req:{request.id}:card:group",
        refs=_card_refs(request, confirm),
        constellation_id=constellation.id,
        chat_id=constellation.chat_id,
        report_to=request.requester_id,
    )


def carer_card(
    constellation: Constellation, request: HelpRequest, carer_id: int, *, confirm: bool = False
) -> Notice:
    """A hub-home-only request's card, in one hub home carer's private chat."""
    return Notice(
        kind=NoticeKind.REQUEST_CARD,
        dedupe_key=f"req:{request.id}:card:{carer_id}",
        refs=_card_refs(request, confirm),
        constellation_id=constellation.id,
        user_id=carer_id,
        report_to=request.requester_id,
    )


def not_delivered(request: HelpRequest, about: str) -> Notice | None:
    """To the requester: their card reached nobody (``about``: "request_card" for the group,
    "request_hubhome" for a hub-home-only request)."""
    if request.requester_id is None:
        return None
    return Notice(
        kind=NoticeKind.UNDELIVERED,
        dedupe_key=f"req:{request.id}:undelivered:{about}",
        refs={"about": about, "request": request.id},
        constellation_id=request.constellation_id,
        user_id=request.requester_id,
    )


def hubhome_unreached(request: HelpRequest, liaison_id: int) -> Notice:
    """To the liaison: a hub-home-only request reached no hub home carer. No text, no name."""
    return Notice(
        kind=NoticeKind.HUBHOME_UNREACHED,
        dedupe_key=f"req:{request.id}:unreached:{liaison_id}",
        refs={"request": request.id},
        constellation_id=request.constellation_id,
        user_id=liaison_id,
    )


def card_edit(request: HelpRequest, card: CardLocation) -> Notice:
    """Redraw one copy of the card as the request is when it is drawn. One row per copy:
    queued again by every change, and never drawn from anything but the database."""
    private = card.chat_id > 0  # a private chat: its id is the person's
    return Notice(
        kind=NoticeKind.REQUEST_CARD_EDIT,
        dedupe_key=f"req:{request.id}:edit:{card.chat_id}:{card.message_id}",
        refs={"request": request.id, "message": card.message_id},
        constellation_id=request.constellation_id,
        user_id=card.chat_id if private else None,
        chat_id=None if private else card.chat_id,
    )


def posted(constellation: Constellation, request: HelpRequest) -> Notice:
    """To the requester, after the guided flow: where the request went."""
    assert request.requester_id is not None
    return Notice(
        kind=NoticeKind.REQUEST_POSTED,
        dedupe_key=f"req:{request.id}:posted",
        refs={"request": request.id},
        constellation_id=constellation.id,
        user_id=request.requester_id,
    )


def to_requester(
    kind: NoticeKind,
    constellation: Constellation,
    request: HelpRequest,
    helper_id: int,
    group_card_id: int | None,
    now: datetime,
) -> Notice | None:
    """Claimed or released: the requester hears who (a DM, else under the group's card)."""
    if request.requester_id is None:
        return None
    return Notice(
        kind=kind,
        dedupe_key=f"req:{request.id}:{kind.value}:{now.timestamp():.0f}:{uuid.uuid4().hex[:8]}",
        refs={"request": request.id, "helper": helper_id},
        constellation_id=constellation.id,
        user_id=request.requester_id,
        fallback_chat_id=group_fallback(constellation, request),
        reply_to_message_id=group_card_id,
    )


def withdrawn(
    constellation: Constellation, request: HelpRequest, helper_id: int, group_card_id: int | None
) -> Notice:
    """The helper hears that the request was withdrawn."""
    return Notice(
        kind=NoticeKind.REQUEST_WITHDRAWN,
        dedupe_key=f"req:{request.id}:withdrawn",
        refs={"request": request.id, "requester": request.requester_id or 0},
        constellation_id=constellation.id,
        user_id=helper_id,
        fallback_chat_id=group_fallback(constellation, request),
        reply_to_message_id=group_card_id,
    )


def escalations(
    constellation: Constellation,
    request: HelpRequest,
    role: Role,
    people: list[int],
    step: str,
) -> list[Notice]:
    """An open request nobody took on, to everyone with ``role`` who can be reached (with a
    claim button). Never to the group: a DM that cannot be delivered is not posted there, and
    with nobody to reach the caller tells the other carers privately (see ``unreachable``)."""
    refs: dict[str, int | str | tuple[int, ...]] = {"request": request.id, "role": role.value}
    return [
        Notice(
            kind=NoticeKind.ESCALATION,
            dedupe_key=f"req:{request.id}:{step}:{user_id}",
            refs=refs,
            constellation_id=constellation.id,
            user_id=user_id,
        )
        for user_id in people
    ]


def unreachable(constellation: Constellation, role: Role, told: list[int]) -> list[Notice]:
    """Nobody with ``role`` can be reached privately: those in ``told`` hear it, once per
    constellation (not once per request) — privately, never in the group."""
    return [
        Notice(
            kind=NoticeKind.ESCALATION_GROUP,
            dedupe_key=f"unreachable:{constellation.id}:{role.value}:{user_id}",
            refs={"role": role.value},
            constellation_id=constellation.id,
            user_id=user_id,
        )
        for user_id in told
    ]


def member_left(
    constellation: Constellation,
    member_id: int,
    own: list[HelpRequest],
    reopened: list[HelpRequest],
    told: list[int],
) -> list[Notice]:
    """The hub home (else the liaison) hears that someone left, and what it means."""
    step = uuid.uuid4().hex  # the leave itself is counted once, in the same transaction
    refs: dict[str, int | str | tuple[int, ...]] = {
        "member": member_id,
        "open": tuple(r.id for r in own),
        "reopened": tuple(r.id for r in reopened),
    }
    return [
        Notice(
            kind=NoticeKind.MEMBER_LEFT,
            dedupe_key=f"left:{constellation.id}:{step}:{user_id}",
            refs=refs,
            constellation_id=constellation.id,
            user_id=user_id,
            fallback_chat_id=constellation.chat_id,
        )
        for user_id in told
    ]
