"""The private line: where a message goes, what is kept, and what the outbox is asked to do."""

from __future__ import annotations

import pytest

from bot.domain import (
    LineMessage,
    LineState,
    NotAllowed,
    NotAMember,
    Person,
    Role,
)
from bot.services.constellations import Actor
from bot.services.private_line import (
    AnswerRefused,
    Incoming,
    NeedsChoice,
    NoConstellation,
    NotALineReply,
)
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
    of_kind,
    summary,
    utc,
)

EVERYONE_LINKED = (HUB, HUB2, LIAISON, BERT, CARLA)


async def write(kit: Kit, person: Person = BERT, message_id: int = 11) -> Incoming:
    """A member writes to the bot privately."""
    constellation = await kit.line.constellation_for(person.user_id)
    return await kit.line.incoming(constellation, person, message_id)


async def passed_to_both_carers(kit: Kit) -> LineMessage:
    """Bert's message, copied at once to both hub home carers (messages 901 and 902)."""
    await kit.group(roles=CARERS, linked=EVERYONE_LINKED)
    incoming = await write(kit)
    copies = [(HUB.user_id, 901), (HUB2.user_id, 902)]
    await kit.line.passed_on(incoming.line, copies, {}, tell_later=False)
    line = await kit.line.line(incoming.line.id)
    assert line is not None
    return line


async def state(kit: Kit, line_id: int) -> LineState:
    line = await kit.line.line(line_id)
    assert line is not None
    return line.state


async def test_constellation_is_the_only_one_or_the_chosen_one(kit: Kit) -> None:
    first = await kit.group()
    with pytest.raises(NoConstellation):
        await kit.line.constellation_for(STRANGER.user_id)
    assert await kit.line.constellation_for(BERT.user_id) == first
    second = await kit.group(chat_id=OTHER_GROUP, roles=(), members=(BERT,), linked=())
    with pytest.raises(NeedsChoice) as choice:
        await kit.line.constellation_for(BERT.user_id)
    assert choice.value.options == [first, second]
    assert await kit.line.choose(BERT.user_id, second.id) == second
    assert await kit.line.constellation_for(BERT.user_id) == second
    with pytest.raises(NotAMember):
        await kit.line.choose(CARLA.user_id, second.id)  # not hers to choose
    assert await kit.line.constellation_for(CARLA.user_id) == first
    # What he chose no longer holds: he is asked, not routed elsewhere by a guess.
    await kit.requests.member_left(OTHER_GROUP, BERT.user_id)
    with pytest.raises(NeedsChoice) as again:
        await kit.line.constellation_for(BERT.user_id)
    assert (again.value.options, again.value.gone) == ([first], second)
    # And with nowhere left to go, nothing is passed on either.
    await kit.requests.member_left(GROUP, BERT.user_id)
    with pytest.raises(NoConstellation) as nowhere:
        await kit.line.constellation_for(BERT.user_id)
    assert nowhere.value.gone == second


async def test_a_message_goes_to_every_reachable_hub_home_carer(kit: Kit) -> None:
    await kit.group(roles=CARERS, linked=(HUB, LIAISON, BERT))  # Hubertus never linked
    incoming = await write(kit)
    assert ([m.user_id for m in incoming.recipients], incoming.reason) == ([HUB.user_id], None)
    line = incoming.line
    assert (line.member_id, line.author_id) == (BERT.user_id, BERT.user_id)
    assert line.state is LineState.WAITING  # until it is passed on
    assert (line.origin_chat_id, line.origin_message_id) == (BERT.user_id, 11)
    assert await kit.count("outbox") == 0
    # Telegram could not take it for the hub home right now: the outbox delivers it.
    await kit.line.passed_on(line, [], {HUB.user_id: None}, tell_later=True)
    [copy] = await kit.pending()
    assert summary(copy) == (
        "line_copy",
        HUB.user_id,
        None,
        {"line": line.id, "later": 1, "to": "hubhome"},
    )
    assert copy.report_to == BERT.user_id
    assert await state(kit, line.id) is LineState.SENT


async def test_copies_made_at_once_are_remembered(kit: Kit) -> None:
    line = await passed_to_both_carers(kit)
    assert await kit.line.copies(line.id) == [(HUB.user_id, 901), (HUB2.user_id, 902)]
    assert await state(kit, line.id) is LineState.SENT
    assert await kit.count("outbox") == 0


@pytest.mark.parametrize(
    ("roles", "reason"),
    [(((LIAISON, Role.LIAISON),), "no_hubhome"), (CARERS, "unreachable")],
)
async def test_kept_when_nobody_can_take_it_and_the_group_hears_once_a_day(
    kit: Kit, roles: tuple[tuple[Person, Role], ...], reason: str
) -> None:
    constellation = await kit.group(roles=roles, linked=(LIAISON, BERT, CARLA))
    incoming = await write(kit)
    assert (incoming.recipients, incoming.reason) == ([], reason)
    assert await state(kit, incoming.line.id) is LineState.WAITING
    [waiting] = await kit.pending()
    assert summary(waiting) == ("line_waiting", None, GROUP, {"reason": reason})
    assert waiting.constellation_id == constellation.id
    await write(kit, CARLA, 12)
    kit.at(utc(22, 22, 59))  # 23:59 in Amsterdam: still the same day
    await write(kit, BERT, 13)
    assert len(of_kind(await kit.pending(), "line_waiting")) == 1
    kit.at(utc(22, 23))
    await write(kit, BERT, 14)
    assert len(of_kind(await kit.pending(), "line_waiting")) == 2


async def test_kept_messages_go_out_once_a_hub_home_carer_is_reachable(kit: Kit) -> None:
    await kit.group(linked=(BERT, CARLA))  # the hub home has not linked yet
    bert, carla = (await write(kit, BERT, 11)).line, (await write(kit, CARLA, 12)).line
    await kit.delivered()
    assert await kit.line.release_kept() == 0
    assert await kit.pending() == []
    await kit.service.private_chat_started(HUB)
    assert await kit.line.release_kept() == 2
    copies = of_kind(await kit.pending(), "line_copy")
    assert [summary(n) for n in copies] == [
        ("line_copy", HUB.user_id, None, {"line": bert.id, "later": 1, "to": "hubhome"}),
        ("line_copy", HUB.user_id, None, {"line": carla.id, "later": 1, "to": "hubhome"}),
    ]
    assert [n.report_to for n in copies] == [BERT.user_id, CARLA.user_id]
    assert [await state(kit, bert.id), await state(kit, carla.id)] == [LineState.SENT] * 2
    before = await kit.rows()
    assert await kit.line.release_kept() == 0  # handed over once
    assert await kit.rows() == before


async def test_a_kept_message_never_goes_back_to_its_writer(kit: Kit) -> None:
    await kit.group(roles=((LIAISON, Role.LIAISON),), linked=(BERT,))
    kept = (await write(kit)).line
    await kit.delivered()
    admin = Actor(ANNA, is_group_admin=True)
    await kit.service.assign_role(GROUP, BERT, Role.HUBHOME, admin, target_is_bot=False)
    assert await kit.line.release_kept() == 0
    assert await kit.pending() == []
    assert await state(kit, kept.id) is LineState.WAITING


async def test_other_members_kept_messages_reach_a_writer_who_became_the_hub_home(
    kit: Kit,
) -> None:
    await kit.group(roles=((LIAISON, Role.LIAISON),), linked=(BERT, CARLA))
    await write(kit, BERT, 11)
    carla = (await write(kit, CARLA, 12)).line
    await kit.delivered()
    admin = Actor(ANNA, is_group_admin=True)
    await kit.service.assign_role(GROUP, BERT, Role.HUBHOME, admin, target_is_bot=False)
    assert await kit.line.release_kept() == 1
    [copy] = await kit.pending()
    assert summary(copy) == (
        "line_copy",
        BERT.user_id,
        None,
        {"line": carla.id, "later": 1, "to": "hubhome"},
    )


async def test_an_answer_goes_back_and_the_other_carer_hears_who_answered(kit: Kit) -> None:
    original = await passed_to_both_carers(kit)
    answer = await kit.line.answer(HUB.user_id, 901, HUB, 77)
    assert (answer.original, answer.role) == (original, Role.HUBHOME)
    assert answer.member is not None and answer.member.user_id == BERT.user_id
    line = answer.line
    assert (line.member_id, line.author_id) == (BERT.user_id, HUB.user_id)
    assert (line.origin_chat_id, line.origin_message_id) == (HUB.user_id, 77)
    await kit.line.answered(answer, [(BERT.user_id, 1001)])
    [told] = await kit.pending()
    assert summary(told) == ("line_answered", HUB2.user_id, None, {"answerer": HUB.user_id})
    assert told.reply_to_message_id == 902  # under Hubertus's own copy
    assert await kit.line.copies(line.id) == [(BERT.user_id, 1001)]
    stored = await kit.line.line(original.id)
    assert stored is not None and stored.answered_by == HUB.user_id
    await kit.delivered()
    second = await kit.line.answer(HUB2.user_id, 902, HUB2, 78)
    await kit.line.answered(second, [(BERT.user_id, 1002)])
    assert await kit.pending() == []  # only the first answer is announced


async def test_only_carers_answer_and_only_routed_messages(kit: Kit) -> None:
    await passed_to_both_carers(kit)
    answer = await kit.line.answer(HUB.user_id, 901, HUB, 77)
    await kit.line.answered(answer, [(BERT.user_id, 1001)])
    lines = await kit.count("line_messages")
    refused = (
        (HUB.user_id, 555, HUB),  # a reply to something else
        (CARLA.user_id, 901, CARLA),  # someone else's copy id, in her own chat
        (BERT.user_id, 1001, BERT),  # the member replying to the answer: a new message
    )
    for chat, message, person in refused:
        with pytest.raises(NotALineReply):
            await kit.line.answer(chat, message, person, 80)
    admin = Actor(ANNA, is_group_admin=True)
    await kit.service.assign_role(GROUP, HUB2, Role.MEMBER, admin, target_is_bot=False)
    with pytest.raises(AnswerRefused) as refused_role:
        await kit.line.answer(HUB2.user_id, 902, HUB2, 81)  # no longer a carer
    assert (refused_role.value.given_as, refused_role.value.left) == (Role.HUBHOME, "")
    assert await kit.count("line_messages") == lines


async def test_an_answer_to_someone_who_left_goes_nowhere(kit: Kit) -> None:
    await passed_to_both_carers(kit)
    lines = await kit.count("line_messages")
    await kit.requests.member_left(GROUP, BERT.user_id)
    with pytest.raises(AnswerRefused) as refused:
        await kit.line.answer(HUB.user_id, 901, HUB, 77)
    assert refused.value.left == BERT.first_name
    assert await kit.count("line_messages") == lines
    assert not [n for n in await kit.pending() if n.user_id == BERT.user_id]


async def test_an_answer_telegram_could_not_take_goes_through_the_outbox(kit: Kit) -> None:
    original = await passed_to_both_carers(kit)
    answer = await kit.line.answer(HUB.user_id, 901, HUB, 77)
    await kit.line.answer_queued(answer)
    [copy] = await kit.pending()
    refs = {"line": answer.line.id, "original": original.id, "to": "member"}
    assert summary(copy) == ("line_copy", BERT.user_id, None, refs)
    assert copy.report_to == HUB.user_id
    assert await state(kit, answer.line.id) is LineState.SENT


async def test_the_member_may_let_the_liaison_read_along(kit: Kit) -> None:
    line = await passed_to_both_carers(kit)
    _, shared, liaisons = await kit.line.share_with_liaison(line.id, BERT.user_id)
    assert (shared, [m.user_id for m in liaisons]) == (line, [LIAISON.user_id])
    await kit.line.passed_on(line, [(LIAISON.user_id, 950)], {}, tell_later=False, to=Role.LIAISON)
    assert (await kit.line.share_with_liaison(line.id, BERT.user_id))[2] == []  # once
    answer = await kit.line.answer(LIAISON.user_id, 950, LIAISON, 79)
    assert answer.role is Role.LIAISON
    for line_id, user in ((line.id, CARLA), (answer.line.id, BERT)):
        with pytest.raises(NotAllowed):
            await kit.line.share_with_liaison(line_id, user.user_id)
    await kit.requests.member_left(GROUP, BERT.user_id)
    with pytest.raises(NotAllowed):
        await kit.line.share_with_liaison(line.id, BERT.user_id)


async def test_notices_hold_ids_only(kit: Kit) -> None:
    await passed_to_both_carers(kit)
    answer = await kit.line.answer(HUB.user_id, 901, HUB, 77)
    await kit.line.answered(answer, [(BERT.user_id, 1001)])
    await kit.line.answer_queued(await kit.line.answer(HUB2.user_id, 902, HUB2, 78))
    for carer in (HUB, HUB2):
        await kit.service.private_chat_lost(carer.user_id)
    await write(kit, CARLA, 12)  # kept: nobody to take it
    await kit.service.private_chat_started(HUB)
    assert await kit.line.release_kept() == 1
    kinds = [n.kind.value for n in await kit.pending()]
    assert sorted(kinds) == ["line_answered", "line_copy", "line_copy", "line_waiting"]
    await kit.assert_ids_only()
