"""Help requests: each use case is one transaction, refusals change nothing, time is a clock."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import (
    AlreadyClaimed,
    CardLocation,
    Category,
    Constellation,
    HelpRequest,
    HubHomeUnreachable,
    MembershipStatus,
    NotAllowed,
    NotAMember,
    Notice,
    NotSetUp,
    Outcome,
    OwnRequest,
    RequestNotFound,
    RequestState,
    Role,
    Visibility,
    WhenKind,
    WrongState,
)
from bot.services.constellations import Actor
from bot.services.requests import EmptyRequest, RequestDraft
from tests.unit.conftest import (
    ANNA,
    BERT,
    CARERS,
    CARLA,
    GROUP,
    HUB,
    HUB2,
    LIAISON,
    OTHER_GROUP,
    STRANGER,
    Kit,
    disk_full,
    of_kind,
    summary,
    utc,
)

TEXT = "Wie past zaterdag op Mila?"
RIDE = "Rit naar de tandarts"
OPEN, CLAIMED, EXPIRED = RequestState.OPEN, RequestState.CLAIMED, RequestState.EXPIRED


def draft(visibility: Visibility = Visibility.GROUP) -> RequestDraft:
    day = date(2026, 11, 25)  # a Wednesday
    return RequestDraft(Category.TRANSPORT, RIDE, WhenKind.DATE, day, False, visibility)


async def open_request(kit: Kit, text: str = TEXT) -> tuple[Constellation, HelpRequest]:
    """Bert's request in the group, its card there as message 10."""
    constellation = await kit.group()
    request = (await kit.requests.post(GROUP, BERT, text)).request
    await kit.card_went_out(request, GROUP, 10)
    return constellation, request


def edits(notices: list[Notice]) -> set[tuple[int | None, int | None, int | None]]:
    """Card redraws as (group chat, private chat, message)."""
    return {(n.chat_id, n.user_id, n.ref("message")) for n in of_kind(notices, "request_card_edit")}


async def test_post_stores_the_request_and_queues_its_card(kit: Kit) -> None:
    await kit.group()
    request = (await kit.requests.post(GROUP, BERT, f"#oppas {TEXT}")).request
    assert (request.number, request.state, request.category) == (1, OPEN, Category.BABYSITTING)
    assert (request.text, request.requester_id) == (TEXT, BERT.user_id)
    assert request.next_escalation_at == kit.clock.now() + timedelta(hours=2)
    [card] = await kit.pending()
    assert summary(card) == ("request_card", None, GROUP, {"request": request.id})
    assert card.report_to == BERT.user_id
    with pytest.raises(EmptyRequest):
        await kit.requests.post(GROUP, BERT, "#oppas #dringend")
    with pytest.raises(NotSetUp):
        await kit.requests.post(OTHER_GROUP, BERT, TEXT)
    assert (await kit.count("help_requests"), await kit.count("outbox")) == (1, 1)


async def test_hub_home_only_goes_to_reachable_carers_never_the_group(kit: Kit) -> None:
    constellation = await kit.group(roles=CARERS, linked=(BERT,))
    with pytest.raises(HubHomeUnreachable):  # no hub home carer has linked a private chat
        await kit.requests.post_draft(constellation.id, BERT, draft(Visibility.HUBHOME))
    with pytest.raises(NotAMember):
        await kit.requests.post_draft(constellation.id, STRANGER, draft())
    assert (await kit.count("help_requests"), await kit.count("outbox")) == (0, 0)
    await kit.service.private_chat_started(HUB)
    _, request = await kit.requests.post_draft(constellation.id, BERT, draft(Visibility.HUBHOME))
    cards = of_kind(await kit.pending(), "request_card")
    assert [(n.user_id, n.chat_id) for n in cards] == [(HUB.user_id, None)]  # HUB2 never linked
    assert (await kit.requests.active(GROUP))[1] == []
    with pytest.raises(RequestNotFound):
        await kit.requests.for_press(request.id, GROUP, HUB.user_id)
    assert (await kit.requests.for_press(request.id, HUB.user_id, HUB.user_id))[1] == request


async def test_claim_tells_the_requester_and_redraws_every_card(kit: Kit) -> None:
    constellation = await kit.group()
    preview = CardLocation(BERT.user_id, 41)  # the guided flow's preview: the requester's copy
    _, request = await kit.requests.post_draft(constellation.id, BERT, draft(), preview)
    # A request for Wednesday expires at local midnight after it.
    assert request.needed_by == datetime(2026, 11, 26, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert [summary(n) for n in await kit.pending()] == [
        ("request_card", None, GROUP, {"request": request.id, "confirm": 1}),
        ("request_card_edit", BERT.user_id, None, {"request": request.id, "message": 41}),
    ]
    # "Sent" only once the card is out.
    await kit.card_went_out(request, GROUP, 10, confirm=True)
    assert await kit.requests.cards(request.id) == [preview, CardLocation(GROUP, 10)]
    [posted] = of_kind(await kit.pending(), "request_posted")
    assert summary(posted) == ("request_posted", BERT.user_id, None, {"request": request.id})
    await kit.delivered()
    claimed = await kit.requests.claim(constellation, request, HUB)
    assert (claimed.state, claimed.claimed_by) == (CLAIMED, HUB.user_id)
    assert claimed.next_escalation_at is None
    assert await kit.requests.get(request.id) == claimed
    notices = await kit.pending()
    [told] = of_kind(notices, "request_claimed")
    assert summary(told)[1:] == (BERT.user_id, None, {"request": request.id, "helper": HUB.user_id})
    assert (told.fallback_chat_id, told.reply_to_message_id) == (GROUP, 10)
    assert edits(notices) == {(None, BERT.user_id, 41), (GROUP, None, 10)}
    assert len(notices) == 3


async def test_refused_actions_change_nothing_and_queue_nothing(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, request = await open_request(kit)
    rq = kit.requests

    async def refused(attempt: Callable[[], Awaitable[object]], error: type[Exception]) -> None:
        before = (await rq.get(request.id), await kit.rows())
        with pytest.raises(error):
            await attempt()
        assert (await rq.get(request.id), await kit.rows()) == before

    await refused(lambda: rq.claim(c, request, CARLA), NotAllowed)  # a member
    await refused(lambda: rq.claim(c, request, STRANGER), NotAllowed)
    await refused(lambda: rq.claim(c, request, BERT), OwnRequest)
    await refused(lambda: rq.release(c, request, HUB), WrongState)
    await refused(lambda: rq.withdraw(c, request, CARLA), NotAllowed)
    await refused(lambda: rq.resolve(c, request, LIAISON, Outcome.HELPED), NotAllowed)
    with monkeypatch.context() as patch:  # the claim and its notices commit together
        patch.setattr(kit.outbox, "add", disk_full)
        await refused(lambda: rq.claim(c, request, HUB), sqlite3.OperationalError)
    claimed = await rq.claim(c, request, HUB)
    await refused(lambda: rq.claim(c, request, LIAISON), AlreadyClaimed)
    await refused(lambda: rq.release(c, claimed, LIAISON), NotAllowed)
    resolved = await rq.resolve(c, claimed, BERT, Outcome.HELPED)
    # Pressed on cards drawn before it was closed: the guarded UPDATE says no.
    await refused(lambda: rq.release(c, claimed, HUB), WrongState)
    await refused(lambda: rq.claim(c, request, LIAISON), WrongState)
    await refused(lambda: rq.withdraw(c, resolved, BERT), WrongState)
    await refused(lambda: rq.resolve(c, resolved, HUB, Outcome.PARTLY), WrongState)


async def test_two_claims_at_once_one_wins(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    await kit.delivered()
    results = await asyncio.gather(
        kit.requests.claim(constellation, request, HUB),
        kit.requests.claim(constellation, request, LIAISON),
        return_exceptions=True,
    )
    [won] = [r for r in results if isinstance(r, HelpRequest)]
    [lost] = [r for r in results if isinstance(r, AlreadyClaimed)]
    assert lost.request.claimed_by == won.claimed_by
    stored = await kit.requests.get(request.id)
    assert stored is not None and stored.claimed_by == won.claimed_by
    [told] = of_kind(await kit.pending(), "request_claimed")
    assert told.ref("helper") == won.claimed_by


async def test_members_may_claim_when_the_group_allows_it(kit: Kit) -> None:
    await open_request(kit)
    admin = Actor(ANNA, is_group_admin=True)
    allowed = await kit.service.set_members_may_claim(GROUP, True, admin)
    _, request = await kit.requests.by_number(GROUP, 1)
    assert (await kit.requests.claim(allowed, request, CARLA)).claimed_by == CARLA.user_id


async def test_release_starts_escalation_over_and_tells_the_requester(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    kit.at(utc(22, 11))
    await kit.requests.tick()  # the hub home was reminded: stage 1
    claimed = await kit.requests.claim(constellation, request, HUB)
    await kit.delivered()
    kit.at(utc(22, 11, 30))
    released = await kit.requests.release(constellation, claimed, HUB)
    assert (released.state, released.claimed_by, released.escalation_stage) == (OPEN, None, 0)
    assert released.next_escalation_at == utc(22, 13, 30)
    notices = await kit.pending()
    [told] = of_kind(notices, "request_released")
    assert (told.user_id, told.ref("helper")) == (BERT.user_id, HUB.user_id)
    assert edits(notices) == {(GROUP, None, 10)}


async def test_resolve_by_the_hub_home_closes_it_for_good(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    await kit.delivered()
    resolved = await kit.requests.resolve(constellation, request, HUB, Outcome.NOT_NEEDED)
    assert (resolved.state, resolved.outcome) == (RequestState.RESOLVED, Outcome.NOT_NEEDED)
    assert resolved.closed_at == kit.clock.now()
    assert edits(await kit.pending()) == {(GROUP, None, 10)}
    assert len(await kit.pending()) == 1
    await kit.delivered()
    kit.clock.advance(timedelta(days=3))
    await kit.requests.tick()
    assert await kit.pending() == []  # no escalation, no expiry for a closed request


async def test_withdraw_tells_the_helper_if_there_is_one(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    claimed = await kit.requests.claim(constellation, request, HUB)
    await kit.delivered()
    withdrawn = await kit.requests.withdraw(constellation, claimed, BERT)
    assert withdrawn.state is RequestState.WITHDRAWN
    notices = await kit.pending()
    [told] = of_kind(notices, "request_withdrawn")
    assert told.refs == {"request": request.id, "requester": BERT.user_id}
    assert told.user_id == HUB.user_id
    assert (told.fallback_chat_id, told.reply_to_message_id) == (GROUP, 10)
    assert edits(notices) == {(GROUP, None, 10)}
    other = (await kit.requests.post(GROUP, BERT, "Wie heeft een kinderzitje?")).request
    await kit.delivered()
    await kit.requests.withdraw(constellation, other, BERT)
    assert of_kind(await kit.pending(), "request_withdrawn") == []


async def test_member_left_reopens_their_claims_and_tells_the_hub_home_once(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    await kit.requests.claim(constellation, request, LIAISON)
    await kit.delivered()
    left = await kit.requests.member_left(GROUP, LIAISON.user_id)
    assert left is not None and left.former_role is Role.LIAISON
    assert [(r.id, r.state, r.claimed_by) for r in left.reopened] == [(request.id, OPEN, None)]
    notices = await kit.pending()
    [told] = of_kind(notices, "member_left")
    assert told.user_id == HUB.user_id
    assert told.refs == {"member": LIAISON.user_id, "open": (), "reopened": (1,)}
    assert edits(notices) == {(GROUP, None, 10)}
    member = await kit.service.member(GROUP, LIAISON.user_id)
    assert member is not None and member.status is MembershipStatus.LEFT
    assert member.role is Role.MEMBER
    before = await kit.rows()
    assert await kit.requests.member_left(GROUP, LIAISON.user_id) is None  # reported twice
    assert await kit.rows() == before
    await kit.delivered()
    assert await kit.requests.member_left(GROUP, BERT.user_id) is not None
    [told] = of_kind(await kit.pending(), "member_left")
    assert told.refs == {"member": BERT.user_id, "open": (1,), "reopened": ()}
    stays = await kit.requests.get(request.id)
    assert stays is not None and (stays.state, stays.requester_id) == (OPEN, BERT.user_id)


async def test_a_request_reopened_at_night_waits_for_the_end_of_quiet_hours(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    await kit.requests.claim(constellation, request, LIAISON)
    kit.at(utc(22, 22, 30))  # 23:30 in Amsterdam
    await kit.requests.member_left(GROUP, LIAISON.user_id)
    await kit.delivered()
    await kit.requests.tick()
    assert of_kind(await kit.pending(), "escalation") == []
    stored = await kit.requests.get(request.id)
    assert stored is not None and stored.next_escalation_at == utc(23, 6)  # 07:00 local


async def test_escalates_to_the_hub_home_then_the_liaison_once_each(kit: Kit) -> None:
    _, request = await open_request(kit)
    await kit.delivered()
    kit.at(utc(22, 10, 59))
    await kit.requests.tick()
    assert await kit.pending() == []
    kit.at(utc(22, 11))
    await kit.requests.tick()
    await kit.requests.tick()
    [first] = await kit.pending()
    refs = {"request": request.id, "role": "hubhome"}
    assert summary(first) == ("escalation", HUB.user_id, None, refs)
    assert (first.fallback_chat_id, first.reply_to_message_id) == (None, None)  # never the group
    stored = await kit.requests.get(request.id)
    assert stored is not None and stored.escalation_stage == 1
    assert stored.next_escalation_at == utc(22, 13)
    await kit.delivered()
    kit.at(utc(22, 13))
    await kit.requests.tick()
    [second] = await kit.pending()
    refs = {"request": request.id, "role": "liaison"}
    assert summary(second) == ("escalation", LIAISON.user_id, None, refs)
    await kit.delivered()
    kit.clock.advance(timedelta(hours=12))
    await kit.requests.tick()
    assert await kit.pending() == []


async def test_hub_home_only_request_reminds_the_hub_home_again(kit: Kit) -> None:
    constellation = await kit.group()
    _, request = await kit.requests.post_draft(constellation.id, BERT, draft(Visibility.HUBHOME))
    await kit.delivered()
    refs = {"request": request.id, "role": "hubhome"}
    for moment in (utc(22, 11), utc(22, 13)):
        kit.at(moment)
        await kit.requests.tick()
        [notice] = await kit.pending()
        assert summary(notice) == ("escalation", HUB.user_id, None, refs)
        assert notice.fallback_chat_id is None  # never to the group
        await kit.delivered()


async def test_without_a_hub_home_the_liaison_hears_it_privately_once(kit: Kit) -> None:
    """Nobody to remind: never the group; the liaison hears privately that the hub home
    cannot be reached, once for the constellation, however many requests wait."""
    await kit.group(roles=((LIAISON, Role.LIAISON),))
    await kit.requests.post(GROUP, BERT, TEXT)
    await kit.requests.post(GROUP, BERT, TEXT)
    await kit.delivered()
    kit.at(utc(22, 11))
    await kit.requests.tick()
    [notice] = await kit.pending()
    assert summary(notice) == ("escalation_group", LIAISON.user_id, None, {"role": "hubhome"})


async def test_an_escalation_never_goes_to_the_requester(kit: Kit) -> None:
    await kit.group(roles=((HUB, Role.HUBHOME), (HUB2, Role.HUBHOME)), linked=(HUB, HUB2))
    await kit.requests.post(GROUP, HUB, TEXT)
    await kit.delivered()
    kit.at(utc(22, 11))
    await kit.requests.tick()
    assert [n.user_id for n in await kit.pending()] == [HUB2.user_id]


@pytest.mark.parametrize(
    ("posted", "text", "first", "second"),
    [
        # 20:30 local: two hours later is 22:30, quiet; it waits until 07:00 (06:00 UTC).
        (utc(22, 19, 30), TEXT, utc(23, 6), utc(23, 8)),
        # 18:30 local: the hub home at 20:30; the liaison's 22:30 waits until 07:00.
        (utc(22, 17, 30), TEXT, utc(22, 19, 30), utc(23, 6)),
        # Urgent at 21:45 local: quiet hours do not hold it back.
        (utc(22, 20, 45), f"! {TEXT}", utc(22, 21, 15), utc(22, 21, 45)),
    ],
)
async def test_quiet_hours_defer_only_non_urgent_escalations(
    kit: Kit, posted: datetime, text: str, first: datetime, second: datetime
) -> None:
    await kit.group()
    kit.at(posted)
    request = (await kit.requests.post(GROUP, BERT, text)).request
    assert request.next_escalation_at == first
    await kit.delivered()
    kit.at(first - timedelta(minutes=1))
    await kit.requests.tick()
    assert await kit.pending() == []
    kit.at(first)
    await kit.requests.tick()
    assert [n.user_id for n in await kit.pending()] == [HUB.user_id]
    stored = await kit.requests.get(request.id)
    assert stored is not None and stored.next_escalation_at == second


async def test_expires_at_local_midnight_after_its_day_unless_claimed(kit: Kit) -> None:
    constellation, request = await open_request(kit, f"#vandaag {TEXT}")
    helped = (await kit.requests.post(GROUP, CARLA, f"#vandaag {TEXT}")).request
    await kit.requests.claim(constellation, helped, HUB)
    assert request.needed_by == utc(22, 23)  # midnight in Amsterdam
    kit.at(utc(22, 22, 45))  # 23:45 local: urgent, so first due at 00:15, after its day
    late = (await kit.requests.post(GROUP, BERT, f"! #vandaag {TEXT}")).request
    await kit.requests.tick()
    assert [r.state for r in (await kit.requests.active(GROUP))[1]] == [OPEN, OPEN, CLAIMED]
    await kit.delivered()
    kit.at(utc(22, 23))
    await kit.requests.tick()
    expired = [await kit.requests.get(i) for i in (request.id, late.id)]
    assert [(r.state, r.closed_at) for r in expired if r] == [(EXPIRED, utc(22, 23))] * 2
    assert edits(await kit.pending()) == {(GROUP, None, 10)}
    # Someone is helping: a claimed request does not expire.
    assert [r.id for r in (await kit.requests.active(GROUP))[1]] == [helped.id]
    kit.at(utc(22, 23, 15))
    await kit.requests.tick()
    assert of_kind(await kit.pending(), "escalation") == []


async def test_card_went_out_redraws_only_a_card_drawn_before_a_change(kit: Kit) -> None:
    constellation, drawn = await open_request(kit)
    assert await kit.requests.cards(drawn.id) == [CardLocation(GROUP, 10)]
    assert of_kind(await kit.pending(), "request_card_edit") == []  # unchanged: nothing
    await kit.requests.claim(constellation, drawn, HUB)
    await kit.delivered()
    await kit.card_went_out(drawn, -300, 77)  # drawn before the claim, sent after it
    [edit] = await kit.pending()
    assert summary(edit) == ("request_card_edit", None, -300, {"request": drawn.id, "message": 77})
    assert await kit.requests.cards(drawn.id) == [CardLocation(GROUP, 10), CardLocation(-300, 77)]


async def test_presses_and_numbers_are_checked_against_the_chat(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    rq = kit.requests
    await kit.group(chat_id=OTHER_GROUP, roles=(), members=(CARLA,), linked=())
    other = (await rq.post(OTHER_GROUP, CARLA, "Iets anders")).request
    assert (await rq.for_press(request.id, GROUP, HUB.user_id))[1] == request
    assert (await rq.for_press(request.id, HUB.user_id, HUB.user_id))[1] == request
    for chat, user in ((OTHER_GROUP, HUB), (STRANGER.user_id, STRANGER), (HUB.user_id, STRANGER)):
        with pytest.raises(RequestNotFound):
            await rq.for_press(request.id, chat, user.user_id)
    assert (await rq.by_number(GROUP, 1))[1] == request
    assert (await rq.by_number(OTHER_GROUP, 1))[1] == other
    with pytest.raises(RequestNotFound):
        await rq.by_number(GROUP, 2)
    with pytest.raises(NotSetUp):
        await rq.by_number(-999, 1)
    resolved = (await rq.post(GROUP, BERT, "Klaar")).request
    await rq.resolve(constellation, resolved, BERT, Outcome.HELPED)
    assert [r.id for r in (await rq.active(GROUP))[1]] == [request.id]


async def test_notices_hold_ids_only(kit: Kit) -> None:
    constellation, request = await open_request(kit)
    rq = kit.requests
    preview = CardLocation(CARLA.user_id, 3)
    _, hidden = await rq.post_draft(constellation.id, CARLA, draft(Visibility.HUBHOME), preview)
    await kit.card_went_out(hidden, HUB.user_id, 4, confirm=True)
    await rq.release(constellation, await rq.claim(constellation, request, HUB), HUB)
    await rq.withdraw(constellation, await rq.claim(constellation, request, LIAISON), BERT)
    kit.at(utc(22, 13))
    await rq.tick()
    await rq.member_left(GROUP, CARLA.user_id)
    kinds = {n.kind.value for n in await kit.pending()}
    assert kinds >= {"request_claimed", "request_released", "request_withdrawn", "member_left"}
    assert kinds >= {"escalation", "request_posted", "request_card", "request_card_edit"}
    await kit.assert_ids_only(TEXT, RIDE, "De Linde")
