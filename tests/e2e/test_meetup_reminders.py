"""Reminders and announcements of meetups: the right people, the right moments, exactly once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.clock import FakeClock
from bot.simulator.world import SimChat, SimUser
from tests.e2e.conftest import Scene

# "zaterdag 14:00" typed on Sunday 22 November 2026: Saturday the 28th, 13:00 UTC.
DAY_BEFORE = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
TWO_HOURS_BEFORE = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
REMINDER = "⏰"


async def at(scene: Scene, moment: datetime) -> None:
    """Move the clock and let the bot do what is due (what its wake-up job does)."""
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.set(moment)
    await scene.bot.tick()


def reminders(scene: Scene, chat: SimChat) -> list[str]:
    """The reminders in a chat (in the group, one may be headed with who it is for)."""
    return [text for text in scene.bot_texts(chat) if REMINDER in text.split("\n", 1)[0]]


def private_reminders(scene: Scene, *users: SimUser) -> list[int]:
    return [len(reminders(scene, scene.private(user))) for user in users]


async def swimming(scene: Scene, *, linked: tuple[SimUser, ...]) -> None:
    await scene.with_roles(linked=linked)
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen | Bad")


async def test_one_reminder_each_for_who_said_coming_or_maybe_where_they_read_it(
    scene: Scene,
) -> None:
    await swimming(scene, linked=(scene.hubhome, scene.liaison, scene.anna))
    card = scene.last(scene.group)
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.bert, card, "🤔 Misschien")  # Bert never started the bot

    await at(scene, datetime(2026, 11, 27, 12, 59, tzinfo=UTC))
    assert reminders(scene, scene.group) == []
    await at(scene, DAY_BEFORE)
    # Bert can only be reached in the group: the group's reminder is for him, by name.
    assert reminders(scene, scene.group) == [
        "Bert: ⏰ Morgen om 14:00: 🎈 Zwemmen\n📍 Bad\n\n✅ Komen: Anna\n🤔 Misschien: Bert"
    ]
    # Anna privately, once. The hub home and the liaison did not answer: nothing, though
    # both linked their private chats.
    assert private_reminders(scene, scene.anna, scene.hubhome, scene.liaison) == [1, 0, 0]
    dm = scene.last(scene.private(scene.anna))
    assert dm.plain_text == (
        "⏰ Morgen om 14:00: 🎈 Zwemmen\n📍 Bad\n\n✅ Komen: Anna\n🤔 Misschien: Bert"
    )
    assert dm.button_texts[0] == ["✅ Ik kom", "🤔 Misschien", "❌ Ik kom niet"]
    assert await scene.press(scene.anna, dm, "➕ kind") == "Genoteerd. Aantal kinderen: 1"
    assert "✅ Komen: Anna (+1 kind)" in scene.refreshed(card).plain_text

    await at(scene, TWO_HOURS_BEFORE)
    assert reminders(scene, scene.group)[-1].startswith("Bert: ⏰ Vandaag om 14:00: 🎈 Zwemmen")
    assert private_reminders(scene, scene.anna, scene.hubhome, scene.liaison) == [2, 0, 0]
    await scene.bot.tick()
    assert len(reminders(scene, scene.group)) == 2  # nothing twice


async def test_a_reminder_nobody_answered_invites_the_group_once(scene: Scene) -> None:
    await swimming(scene, linked=(scene.hubhome, scene.anna, scene.bert))
    await at(scene, DAY_BEFORE)
    assert reminders(scene, scene.group) == [
        "⏰ Morgen om 14:00: 🎈 Zwemmen\n📍 Bad\n\nNog niemand heeft geantwoord. Kom je ook?"
    ]
    assert private_reminders(scene, scene.hubhome, scene.anna, scene.bert) == [0, 0, 0]


async def test_meeting_reminders_go_to_who_said_coming_or_maybe(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst zaterdag 14:00 | Koffie")
    card = scene.last(scene.group)
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.bert, card, "🤔 Misschien")
    await at(scene, DAY_BEFORE)
    assert private_reminders(scene, scene.hubhome, scene.anna, scene.bert) == [0, 1, 1]
    assert reminders(scene, scene.group) == []  # everyone it is for has it privately


async def test_a_blocked_private_chat_is_unlinked_and_the_rest_still_arrive(scene: Scene) -> None:
    await swimming(scene, linked=(scene.hubhome, scene.anna, scene.bert))
    card = scene.last(scene.group)
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.bert, card, "✅ Ik kom")
    scene.sim.block_bot(scene.anna)
    await scene.bot.settle()
    await at(scene, DAY_BEFORE)
    assert private_reminders(scene, scene.hubhome, scene.bert) == [0, 1]
    assert private_reminders(scene, scene.anna) == [0]
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        linked = db.execute(
            "SELECT private_chat_linked FROM people WHERE user_id = ?", (scene.anna.id,)
        ).fetchone()
    assert linked == (0,)
    # Anna still gets hers, once: in the group, where she can read it.
    assert [text.splitlines()[0] for text in reminders(scene, scene.group)] == [
        "Anna: ⏰ Morgen om 14:00: 🎈 Zwemmen"
    ]


async def test_a_reminder_still_waiting_is_not_sent_to_who_said_no_meanwhile(
    scene: Scene,
) -> None:
    await swimming(scene, linked=(scene.anna, scene.bert))
    card = scene.last(scene.group)
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.bert, card, "✅ Ik kom")
    # Telegram fails Anna's reminder once; before it is tried again, she says no.
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.anna.id)
    await at(scene, DAY_BEFORE)
    assert private_reminders(scene, scene.anna, scene.bert) == [0, 1]
    await scene.press(scene.anna, card, "❌ Ik kom niet")
    await at(scene, DAY_BEFORE.replace(minute=5))
    assert private_reminders(scene, scene.anna, scene.bert) == [0, 1]
    assert reminders(scene, scene.group) == []


async def test_forget_me_takes_a_name_off_a_group_reminder_still_waiting(scene: Scene) -> None:
    await swimming(scene, linked=())
    await scene.press(scene.bert, scene.last(scene.group), "✅ Ik kom")  # only in the group
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.group.id)
    await at(scene, DAY_BEFORE)
    assert reminders(scene, scene.group) == []  # queued, naming Bert, to be tried again
    bert = scene.private(scene.bert)
    await scene.say(scene.bert, bert, "/forgetme")
    await scene.press(scene.bert, scene.last(bert), "🗑️ Yes, erase everything")
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        refs = db.execute(
            "SELECT json_extract(refs, '$.for') FROM outbox WHERE kind = 'meetup_reminder'"
        ).fetchall()
    assert refs == [("[]",)]
    await at(scene, DAY_BEFORE.replace(minute=5))
    assert reminders(scene, scene.group) == []  # nobody left that it was for


async def test_restart_between_queueing_and_sending_sends_each_reminder_once(
    scene: Scene,
) -> None:
    await swimming(scene, linked=(scene.hubhome, scene.anna))
    card = scene.last(scene.group)
    await scene.press(scene.anna, card, "✅ Ik kom")  # privately
    await scene.press(scene.bert, card, "✅ Ik kom")  # in the group
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.set(DAY_BEFORE)
    # Telegram fails the first send; the reminders are queued, then the bot goes down.
    scene.sim.inject_fault("sendMessage", error_code=500, description="Internal Server Error")
    await scene.bot.app.bot_data.services.meetups.tick()
    await scene.bot.restart()  # start-up delivers what was queued
    await scene.bot.restart()
    await at(scene, DAY_BEFORE.replace(minute=30))
    assert len(reminders(scene, scene.group)) == 1
    assert private_reminders(scene, scene.hubhome, scene.anna) == [0, 1]


async def test_a_reminder_missed_while_down_is_sent_late_or_skipped(scene: Scene) -> None:
    await swimming(scene, linked=(scene.anna,))
    await scene.bot.stop()
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=UTC))  # down through the 24-hour reminder
    await scene.bot.restart()
    assert reminders(scene, scene.group) == [
        "⏰ Morgen om 14:00: 🎈 Zwemmen\n📍 Bad\n\nNog niemand heeft geantwoord. Kom je ook?"
    ]
    await scene.bot.stop()
    clock.set(datetime(2026, 11, 28, 13, 30, tzinfo=UTC))  # down until after it began
    await scene.bot.restart()
    assert len(reminders(scene, scene.group)) == 1  # the 2-hour one is skipped, not sent late
    assert private_reminders(scene, scene.anna) == [0]  # she had not answered
    card = scene.sim.bot_messages(scene.group)[-2]
    assert await scene.press(scene.anna, card, "✅ Ik kom") == (
        "Dit is al begonnen of afgezegd; antwoorden kan niet meer."
    )


async def test_a_series_announces_each_date_a_week_ahead_across_dst(scene: Scene) -> None:
    await scene.with_roles()
    await scene.say(
        scene.hubhome, scene.group, "/bijeenkomst elke eerste dinsdag 19:30 | Koffieavond"
    )
    first = scene.last(scene.group)
    assert "📅 dinsdag 1 december, 19:30" in first.plain_text
    await scene.press(scene.anna, first, "✅ Ik kom")

    await at(scene, datetime(2026, 12, 29, 18, 29, tzinfo=UTC))
    cards = [t for t in scene.bot_texts(scene.group) if t.startswith("☕ Bijeenkomst #1")]
    assert len(cards) == 1  # 5 January is announced a week ahead, not before
    await at(scene, datetime(2026, 12, 29, 18, 30, tzinfo=UTC))
    january = scene.last(scene.group)
    assert january.plain_text.splitlines()[:3] == [
        "☕ Bijeenkomst #1: Koffieavond",
        "📅 dinsdag 5 januari, 19:30",
        "🔁 elke eerste dinsdag van de maand",
    ]
    assert january.plain_text.endswith("Nog niemand heeft geantwoord. Kom je ook?")  # its own

    # Summer time: 6 April 2027 is still 19:30 in Amsterdam, so 17:30 UTC instead of 18:30.
    await at(scene, datetime(2027, 3, 30, 17, 30, tzinfo=UTC))
    april = scene.last(scene.group)
    assert april.plain_text.splitlines()[1] == "📅 dinsdag 6 april, 19:30"
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        starts = [row[0] for row in db.execute("SELECT starts_at FROM occurrences ORDER BY id")]
    assert starts == [
        "2026-12-01T18:30:00+00:00",
        "2027-01-05T18:30:00+00:00",
        "2027-04-06T17:30:00+00:00",
    ]
    # Missed reminders of January were skipped (it had begun); of April's two that are due
    # at once (the clock jumped past the 24-hour one) only the nearest is sent.
    await at(scene, datetime(2027, 4, 6, 15, 30, tzinfo=UTC))
    assert [text.splitlines()[0] for text in reminders(scene, scene.group)] == [
        "⏰ Vandaag om 19:30: ☕ Koffieavond"
    ]
