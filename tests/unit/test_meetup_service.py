"""Meetups: places and the waiting list, reminders once, cancelling and moving, by the clock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.domain import (
    Answer,
    MeetupClosed,
    MeetupKind,
    MeetupNotFound,
    MeetupView,
    NotAllowed,
    Notice,
    Person,
)
from bot.services.meetups import Answered
from bot.storage.db import to_db_time
from tests.unit.conftest import (
    ANNA,
    BERT,
    CARLA,
    DIRK,
    EVA,
    GROUP,
    HUB,
    Kit,
    disk_full,
    of_kind,
    summary,
    utc,
)

# Planned on Sunday 22 November 10:00 local: Saturday the 28th, 19:30 local is 18:30 UTC.
WHEN = "2026-11-28 19:30"
STARTS = utc(28, 18, 30)
DAY_BEFORE, TWO_HOURS_BEFORE = utc(27, 18, 30), utc(28, 16, 30)
MEETING, ACTIVITY = MeetupKind.MEETUP, MeetupKind.ACTIVITY
COFFEE = "Koffie | Buurthuis"


async def plan(kit: Kit, form: str = COFFEE, kind: MeetupKind = MEETING) -> MeetupView:
    """Planned by the hub home in the group, its card there as message 500."""
    view, _ = await kit.meetups.plan(GROUP, HUB, kind, f"{WHEN} | {form}")
    await kit.card_went_out(view, GROUP, 500)
    return view


async def answer(kit: Kit, view: MeetupView, *answers: tuple[Person, str]) -> Answered:
    answered = None
    for person, action in answers:
        answered = await kit.meetups.answer(view, person, action)
    assert answered is not None
    return answered


async def answers(kit: Kit, view: MeetupView) -> dict[int, tuple[Answer, int]]:
    fresh = await kit.meetups.view(view.occurrence.id)
    return {r.user_id: (r.answer, r.children) for r in fresh.rsvps}


async def reminders(kit: Kit, occurrence_id: int) -> list[tuple[int, str, bool]]:
    rows = await kit.db.reader.fetch_all(
        "SELECT minutes_before, due_at, done_at FROM reminders WHERE occurrence_id = ?"
        " ORDER BY minutes_before DESC",
        (occurrence_id,),
    )
    return [(row[0], row[1], row[2] is not None) for row in rows]


def reminded(notices: list[Notice]) -> set[tuple[int | None, int | None, int | None]]:
    """Reminders as (group chat, private chat, minutes before)."""
    return {(n.chat_id, n.user_id, n.ref("minutes")) for n in of_kind(notices, "meetup_reminder")}


def to(notices: list[Notice], kind: str) -> list[int]:
    """Who gets a DM of this kind, by user id."""
    return sorted(n.user_id for n in of_kind(notices, kind) if n.user_id is not None)


async def test_plan_stores_the_meetup_its_reminders_and_queues_its_card(kit: Kit) -> None:
    await kit.group()
    with pytest.raises(NotAllowed):
        await kit.meetups.plan(GROUP, BERT, MEETING, f"{WHEN} | Koffie")
    assert await kit.count("meetups") == 0
    view, _ = await kit.meetups.plan(GROUP, HUB, MEETING, f"{WHEN} | Koffie | Buurthuis | max 8")
    meetup, occurrence = view.meetup, view.occurrence
    assert (meetup.number, meetup.title, meetup.location) == (1, "Koffie", "Buurthuis")
    assert meetup.capacity == 8
    assert (occurrence.starts_at, meetup.created_by) == (STARTS, HUB.user_id)
    [card] = await kit.pending()
    assert summary(card) == ("meetup_card", None, GROUP, {"occurrence": occurrence.id})
    assert card.report_to == HUB.user_id
    assert await reminders(kit, occurrence.id) == [
        (1440, to_db_time(DAY_BEFORE), False),
        (120, to_db_time(TWO_HOURS_BEFORE), False),
    ]
    # Three hours ahead: the day-before reminder would already be late, so it is not made.
    soon, _ = await kit.meetups.plan(GROUP, HUB, MEETING, "2026-11-22 13:00 | Thee")
    assert [m for m, _, _ in await reminders(kit, soon.occurrence.id)] == [120]


async def test_full_meeting_puts_people_on_the_waiting_list_first_come_first_served(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    await kit.group()
    view = await plan(kit, "Koffie | max 2")
    await answer(kit, view, (BERT, "yes"), (CARLA, "yes"))
    kit.clock.set(utc(22, 9, 1))
    assert (await answer(kit, view, (EVA, "yes"))).result == "waiting"
    kit.clock.set(utc(22, 9, 2))
    assert (await answer(kit, view, (DIRK, "yes"))).result == "waiting"
    assert (await answer(kit, view, (EVA, "yes"))).result == "waiting"  # still no place
    assert await answers(kit, view) == {
        BERT.user_id: (Answer.YES, 0),
        CARLA.user_id: (Answer.YES, 0),
        EVA.user_id: (Answer.WAITING, 0),
        DIRK.user_id: (Answer.WAITING, 0),
    }
    await kit.delivered()
    before = (await answers(kit, view), await kit.rows())
    with monkeypatch.context() as patch:  # the answer, the move up and its notice: all or none
        patch.setattr(kit.outbox, "add", disk_full)
        with pytest.raises(sqlite3.OperationalError):
            await kit.meetups.answer(view, BERT, "no")
    assert (await answers(kit, view), await kit.rows()) == before
    freed = await answer(kit, view, (BERT, "no"))
    assert freed.promoted == (EVA.user_id,)  # she asked first
    assert (await answers(kit, view))[EVA.user_id] == (Answer.YES, 0)
    assert (await answers(kit, view))[DIRK.user_id] == (Answer.WAITING, 0)
    notices = await kit.pending()
    [moved] = of_kind(notices, "meetup_moved_up")
    assert (moved.user_id, moved.fallback_chat_id) == (EVA.user_id, GROUP)
    assert moved.refs == {"occurrence": view.occurrence.id}
    [edit] = of_kind(notices, "meetup_card_edit")
    assert (edit.chat_id, edit.ref("message")) == (GROUP, 500)
    assert len(notices) == 2


async def test_raising_the_capacity_moves_the_waiting_list_up(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit, "Koffie | max 1")
    await answer(kit, view, (BERT, "yes"), (CARLA, "yes"))
    await kit.delivered()
    await kit.meetups.edit(view.meetup, HUB.user_id, " | | | max 2")
    await answer(kit, view, (EVA, "yes"))
    assert (await answers(kit, view))[CARLA.user_id] == (Answer.YES, 0)
    assert to(await kit.pending(), "meetup_moved_up") == [CARLA.user_id]


async def test_activity_places_count_children(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit, "Zwemmen | Bad | max 3", ACTIVITY)
    assert (await answer(kit, view, (BERT, "fewer"))).result == "no_children"
    await answer(kit, view, (BERT, "more"), (BERT, "more"), (CARLA, "more"))
    assert (await answer(kit, view, (BERT, "more"))).result == "full"  # 3 + 1 > 3
    assert (await answer(kit, view, (EVA, "yes"))).result == "waiting"  # no children: 1 place
    assert await answers(kit, view) == {
        BERT.user_id: (Answer.YES, 2),
        CARLA.user_id: (Answer.YES, 1),
        EVA.user_id: (Answer.WAITING, 0),
    }
    fewer = await answer(kit, view, (BERT, "fewer"))
    assert (fewer.result, fewer.promoted) == ("children", (EVA.user_id,))
    assert to(await kit.pending(), "meetup_moved_up") == [EVA.user_id]
    meeting = await plan(kit, "Koffie")
    assert (await answer(kit, meeting, (BERT, "more"))).result == "unchanged"


async def test_answers_close_when_it_starts_or_is_cancelled(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit)
    kit.clock.set(STARTS)
    with pytest.raises(MeetupClosed):
        await kit.meetups.answer(view, BERT, "yes")
    kit.clock.set(utc(22, 9))
    await kit.meetups.cancel(view.meetup, HUB.user_id, series=False)
    with pytest.raises(MeetupClosed):
        await kit.meetups.answer(view, BERT, "yes")
    assert await kit.count("rsvps") == 0


async def test_meeting_reminders_reach_who_said_yes_or_maybe_once_each(kit: Kit) -> None:
    await kit.group()  # Dirk never linked his private chat
    view = await plan(kit)
    await answer(kit, view, (BERT, "yes"), (CARLA, "maybe"), (DIRK, "yes"), (EVA, "no"))
    await kit.delivered()
    kit.clock.set(utc(27, 18, 29))
    await kit.meetups.tick()
    assert await kit.pending() == []
    for moment, minutes in ((DAY_BEFORE, 1440), (TWO_HOURS_BEFORE, 120)):
        kit.clock.set(moment)
        await kit.meetups.tick()
        await kit.meetups.tick()
        notices = await kit.pending()
        expected = {
            (GROUP, None, minutes),
            (None, BERT.user_id, minutes),
            (None, CARLA.user_id, minutes),
        }
        assert reminded(notices) == expected
        assert len(notices) == 3
        assert {n.ref("occurrence") for n in notices} == {view.occurrence.id}
        # The group's reminder is for Dirk, who cannot be reached privately, and names him.
        assert [n.numbers("for") for n in notices if n.chat_id == GROUP] == [(DIRK.user_id,)]
        await kit.delivered()
    await kit.meetups.tick()
    assert await kit.pending() == []
    assert [done for _, _, done in await reminders(kit, view.occurrence.id)] == [True, True]


async def test_activity_reminders_reach_who_said_yes_or_maybe_once_each(kit: Kit) -> None:
    await kit.group()  # linked: the hub home, the liaison, Bert, Carla, Eva
    view = await plan(kit, "Zwemmen | Bad | max 2", ACTIVITY)
    await answer(kit, view, (BERT, "no"), (CARLA, "more"), (EVA, "yes"), (DIRK, "yes"))
    await answer(kit, view, (ANNA, "maybe"))
    assert (await answers(kit, view))[DIRK.user_id] == (Answer.WAITING, 0)
    await kit.delivered()
    kit.clock.set(DAY_BEFORE)
    await kit.meetups.tick()
    notices = await kit.pending()
    # Carla and Eva privately; Anna (never linked) in the group, by name. Not Bert (no), not
    # Dirk (still waiting for a place), not the hub home or the liaison (they did not answer).
    assert reminded(notices) == {
        (None, CARLA.user_id, 1440),
        (None, EVA.user_id, 1440),
        (GROUP, None, 1440),
    }
    assert [n.numbers("for") for n in notices if n.chat_id == GROUP] == [(ANNA.user_id,)]


async def test_a_reminder_nobody_answered_invites_the_group_once(kit: Kit) -> None:
    await kit.group()
    await plan(kit, "Zwemmen | Bad", ACTIVITY)
    await kit.delivered()
    kit.clock.set(DAY_BEFORE)
    await kit.meetups.tick()
    notices = await kit.pending()
    assert reminded(notices) == {(GROUP, None, 1440)}
    assert [n.numbers("for") for n in notices] == [()]


async def test_of_several_missed_reminders_only_the_nearest_goes_out(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit)
    await answer(kit, view, (BERT, "yes"))
    await kit.delivered()
    kit.clock.set(utc(28, 17))  # down since before the day-before reminder
    await kit.meetups.tick()
    assert reminded(await kit.pending()) == {(None, BERT.user_id, 120)}
    assert [done for _, _, done in await reminders(kit, view.occurrence.id)] == [True, True]


async def test_no_reminder_once_it_started_or_while_the_group_is_paused(kit: Kit) -> None:
    await kit.group()
    started = await plan(kit)
    paused, _ = await kit.meetups.plan(GROUP, HUB, MEETING, "2026-11-30 19:30 | Later")
    await answer(kit, started, (BERT, "yes"))
    await answer(kit, paused, (BERT, "yes"))
    await kit.delivered()
    kit.clock.set(utc(28, 18, 31))
    await kit.meetups.tick()
    assert await kit.pending() == []
    assert [done for _, _, done in await reminders(kit, started.occurrence.id)] == [True, True]
    await kit.service.bot_removed(GROUP)
    kit.clock.set(utc(29, 18, 30))
    await kit.meetups.tick()
    assert await kit.pending() == []
    assert [done for _, _, done in await reminders(kit, paused.occurrence.id)] == [True, False]


async def test_cancel_tells_who_said_yes_maybe_or_waits_except_the_canceller(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit, "Koffie | max 2")
    await answer(
        kit, view, (BERT, "yes"), (HUB, "yes"), (DIRK, "yes"), (CARLA, "maybe"), (EVA, "no")
    )
    await kit.delivered()
    before = (await kit.rows(), await reminders(kit, view.occurrence.id))
    with pytest.raises(NotAllowed):
        await kit.meetups.cancel(view.meetup, BERT.user_id, series=False)
    assert (await kit.rows(), await reminders(kit, view.occurrence.id)) == before
    [cancelled] = await kit.meetups.cancel(view.meetup, HUB.user_id, series=False)
    assert cancelled.occurrence.cancelled
    assert (await kit.meetups.find_by_id(view.meetup.id)).cancelled
    notices = await kit.pending()
    assert to(notices, "meetup_cancelled") == [BERT.user_id, CARLA.user_id, DIRK.user_id]
    assert [(n.chat_id, n.ref("message")) for n in of_kind(notices, "meetup_card_edit")] == [
        (GROUP, 500)
    ]
    assert await reminders(kit, view.occurrence.id) == []
    await kit.delivered()
    kit.clock.set(DAY_BEFORE)
    await kit.meetups.tick()
    assert await kit.pending() == []


async def test_a_series_is_announced_ahead_and_can_be_cancelled_date_or_whole(kit: Kit) -> None:
    await kit.group()
    view, _ = await kit.meetups.plan(GROUP, HUB, MEETING, "elke zaterdag 19:30 | Koffie")
    assert view.occurrence.starts_at == STARTS
    [first] = await kit.meetups.cancel(view.meetup, HUB.user_id, series=False)
    assert first.occurrence.cancelled
    assert not (await kit.meetups.find_by_id(view.meetup.id)).cancelled
    await kit.delivered()
    kit.clock.set(utc(28, 18, 29))
    await kit.meetups.tick()
    assert await kit.pending() == []
    kit.clock.set(STARTS)  # a week before 5 December
    await kit.meetups.tick()
    await kit.meetups.tick()
    [card] = await kit.pending()
    occurrence_id = card.ref("occurrence")
    assert card.kind.value == "meetup_card" and occurrence_id is not None
    announced = await kit.meetups.view(occurrence_id)
    assert announced.occurrence.starts_at == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    assert len(await reminders(kit, announced.occurrence.id)) == 2
    await kit.delivered()
    [whole] = await kit.meetups.cancel(view.meetup, HUB.user_id, series=True)
    assert (whole.occurrence.id, whole.occurrence.cancelled) == (announced.occurrence.id, True)
    assert (await kit.meetups.find_by_id(view.meetup.id)).cancelled
    kit.clock.set(datetime(2026, 12, 5, 18, 30, tzinfo=UTC))
    await kit.meetups.tick()
    assert of_kind(await kit.pending(), "meetup_card") == []
    assert await kit.meetups.next_due() is None


async def test_edit_moves_it_resets_reminders_and_tells_people(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit)
    await answer(kit, view, (BERT, "yes"), (CARLA, "maybe"), (HUB, "yes"), (EVA, "no"))
    await kit.delivered()
    with pytest.raises(NotAllowed):
        await kit.meetups.edit(view.meetup, BERT.user_id, "2026-11-29 15:00")
    assert await kit.pending() == []
    moved, dropped, _ = await kit.meetups.edit(view.meetup, HUB.user_id, "2026-11-29 15:00 | Taart")
    assert (moved.occurrence.starts_at, moved.meetup.title, dropped) == (utc(29, 14), "Taart", [])
    assert moved.meetup.location == "Buurthuis"  # an empty part stays as it was
    assert (await answers(kit, moved))[BERT.user_id] == (Answer.YES, 0)
    notices = await kit.pending()
    assert to(notices, "meetup_changed") == [BERT.user_id, CARLA.user_id]
    assert [(n.chat_id, n.ref("message")) for n in of_kind(notices, "meetup_card_edit")] == [
        (GROUP, 500)
    ]
    assert await reminders(kit, view.occurrence.id) == [
        (1440, to_db_time(utc(28, 14)), False),
        (120, to_db_time(utc(29, 12)), False),
    ]


async def test_card_went_out_redraws_only_a_card_drawn_before_a_change(kit: Kit) -> None:
    await kit.group()
    drawn = await plan(kit)
    await kit.delivered()
    await kit.card_went_out(drawn, GROUP, 501)
    assert await kit.pending() == []  # unchanged: nothing to redraw
    await answer(kit, drawn, (BERT, "yes"))
    await kit.delivered()
    await kit.card_went_out(drawn, GROUP, 502)  # drawn before Bert answered
    [edit] = await kit.pending()
    assert (edit.kind.value, edit.chat_id) == ("meetup_card_edit", GROUP)
    assert edit.refs == {"occurrence": drawn.occurrence.id, "message": 502}
    assert [c.message_id for c in await kit.meetups.cards(drawn.occurrence.id)] == [500, 501, 502]


async def test_presses_count_in_the_group_or_a_members_own_chat(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit)
    press = kit.meetups.for_press
    assert await press(view.occurrence.id, GROUP, BERT.user_id) == view
    assert await press(view.occurrence.id, BERT.user_id, BERT.user_id) == view
    await kit.requests.member_left(GROUP, CARLA.user_id)
    for chat, user in ((-999, BERT), (BERT.user_id, EVA), (CARLA.user_id, CARLA)):
        with pytest.raises(MeetupNotFound):
            await press(view.occurrence.id, chat, user.user_id)


async def test_no_reminder_for_someone_who_left_the_group(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit)
    await answer(kit, view, (BERT, "yes"), (CARLA, "yes"))
    await kit.requests.member_left(GROUP, CARLA.user_id)
    await kit.delivered()
    kit.clock.set(DAY_BEFORE)
    await kit.meetups.tick()
    assert {user for _, user, _ in reminded(await kit.pending())} == {BERT.user_id}


async def test_notices_hold_ids_only(kit: Kit) -> None:
    await kit.group()
    view = await plan(kit, "Koffie bij Mila | Lindelaan 4 | max 1")
    await answer(kit, view, (BERT, "yes"), (CARLA, "yes"), (EVA, "maybe"), (BERT, "no"))
    await kit.meetups.edit(view.meetup, HUB.user_id, "2026-11-28 20:00")
    kit.clock.set(utc(27, 19))  # a day before the new time
    await kit.meetups.tick()
    await kit.meetups.cancel(view.meetup, HUB.user_id, series=False)
    kinds = {n.kind.value for n in await kit.pending()}
    assert kinds >= {"meetup_card", "meetup_moved_up", "meetup_changed", "meetup_reminder"}
    assert "meetup_cancelled" in kinds
    await kit.assert_ids_only("Mila", "Lindelaan", "Koffie")
