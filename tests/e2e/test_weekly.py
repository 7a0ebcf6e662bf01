"""The weekly look ahead: Sunday 19:00, once, only for who asked, only with something to say.

The scene's "now" is Sunday 22 November 2026, 10:00 in Amsterdam (09:00 UTC); that evening's
19:00 is 18:00 UTC.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.weekly import last_due
from bot.simulator.world import SimChat, SimUser
from tests.e2e.attacks import clock_of, give_role
from tests.e2e.conftest import Scene, database_numbers

SUNDAY_EVENING = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
NEXT_SUNDAY_EVENING = SUNDAY_EVENING + timedelta(days=7)
FOOTER = "Fijne week! Dit bericht komt elke zondag om 19:00. Liever niet? Typ /weekoverzicht uit."


async def at(scene: Scene, moment: datetime) -> None:
    """Move the clock and let the wake-up job fire (through the real job queue)."""
    clock_of(scene).set(moment)
    await scene.bot.tick()


def weeks(scene: Scene, chat: SimChat) -> list[str]:
    return [t for t in scene.bot_texts(chat) if t.startswith(("🗓️ Je week", "🗓️ Your week"))]


def stored(scene: Scene, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql, params))


async def turn_on(scene: Scene, *people: SimUser) -> None:
    for person in people:
        await scene.say(person, scene.private(person), "/weekoverzicht aan")


async def test_the_week_ahead_comes_on_sunday_evening_with_its_buttons(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna, scene.bert))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/weekoverzicht")
    state = scene.last(anna)
    assert state.plain_text.startswith("🗓️ Het weekoverzicht staat uit.")
    assert state.button_texts == [["🔔 Aanzetten"]]
    await scene.press(scene.anna, state, "🔔 Aanzetten")
    assert scene.refreshed(state).plain_text.startswith("🗓️ Het weekoverzicht staat aan:")
    assert scene.refreshed(state).button_texts == [["🔕 Uitzetten"]]
    await turn_on(scene, scene.hubhome, scene.liaison)
    assert scene.last(scene.private(scene.hubhome)).plain_text.startswith(
        "✅ Het weekoverzicht staat aan."
    )
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst dinsdag 19:30 | Koffie")
    await scene.press(scene.anna, scene.last(scene.group), "✅ Ik kom")
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen | Bad")
    swimming = scene.last(scene.group)
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst 3 dec 19:30 | Later")  # next week
    await scene.say(scene.bert, scene.group, "/request #advies A question about forms")

    await at(scene, SUNDAY_EVENING - timedelta(minutes=1))
    assert weeks(scene, anna) == []
    await at(scene, SUNDAY_EVENING)
    week = scene.last(anna)
    assert week.plain_text.splitlines() == [
        "🗓️ Je week · 23–29 november",
        "",
        "📅 Deze week",
        "• di 24 nov 19:30 ☕ Koffie · 1 komt · jij: ✅",
        "• za 28 nov 14:00 🎈 Zwemmen · nog niemand aangemeld",
        "",
        FOOTER,
    ]
    assert week.button_texts == [
        ["☕ di 24 nov 19:30 · Koffie"],
        ["✅ Ik kom", "🤔 Misschien", "❌ Ik kom niet"],
        ["🎈 za 28 nov 14:00 · Zwemmen"],
        ["✅ Ik kom", "🤔 Misschien", "❌ Ik kom niet"],
    ]
    # The answers are the meetup's own: the group's card follows.
    yes_to_swimming = week.buttons[3][0].callback_data
    assert yes_to_swimming is not None
    assert await scene.press(scene.anna, week, yes_to_swimming) == (
        "Genoteerd: je komt! ✅ Met hoeveel kinderen? Kies het hieronder."
    )
    assert "✅ Komen: Anna" in scene.refreshed(swimming).plain_text
    # The hub home also reads the open requests, and can open the overview from it.
    hub = scene.private(scene.hubhome)
    carer = scene.last(hub)
    assert carer.plain_text.splitlines()[2:4] == [
        "🙋 Open hulpvragen (1)",
        "• #1 💡 Bert: A question about forms · al 9 uur open",
    ]
    assert carer.button_texts[-1] == ["📋 Overzicht"]
    assert weeks(scene, scene.private(scene.liaison))[0].splitlines()[2:4] == [
        "🙋 Open hulpvragen (1)",
        "• #1 💡 Bert: A question about forms · al 9 uur open",
    ]
    await scene.press(scene.hubhome, carer, "📋 Overzicht")
    assert scene.last(hub).plain_text.startswith("📋 Overzicht De Linde · kerngezin")
    # Who did not ask for it gets nothing.
    assert weeks(scene, scene.private(scene.bert)) == []


async def test_once_a_week_across_restarts_and_clock_jumps(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await turn_on(scene, scene.anna)
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    await at(scene, SUNDAY_EVENING)
    assert len(weeks(scene, anna)) == 1
    await scene.bot.restart()
    await at(scene, SUNDAY_EVENING + timedelta(minutes=30))
    clock_of(scene).set(SUNDAY_EVENING - timedelta(hours=2))  # the clock set back
    await scene.bot.tick()
    await at(scene, SUNDAY_EVENING + timedelta(minutes=5))
    assert len(weeks(scene, anna)) == 1
    # Next Sunday, the next week.
    await scene.say(scene.hubhome, scene.group, "/activiteit za 5 dec 14:00 | Knutselen")
    await at(scene, NEXT_SUNDAY_EVENING)
    assert len(weeks(scene, anna)) == 2
    assert "Knutselen" in weeks(scene, anna)[-1] and "Zwemmen" not in weeks(scene, anna)[-1]
    # Down from Saturday to Tuesday: that week's is not sent on Tuesday, the week has begun.
    await scene.say(scene.hubhome, scene.group, "/activiteit za 12 dec 14:00 | Schaatsen")
    await scene.bot.stop()
    clock_of(scene).set(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    await scene.bot.restart()
    await scene.bot.tick()
    assert len(weeks(scene, anna)) == 2
    # Down over Sunday evening until Monday morning: it comes late, once, without a sound.
    await scene.say(scene.hubhome, scene.group, "/activiteit za 19 dec 14:00 | Kerstknutselen")
    await scene.bot.stop()
    clock_of(scene).set(datetime(2026, 12, 14, 7, 0, tzinfo=UTC))  # Monday 08:00
    await scene.bot.restart()
    await scene.bot.tick()
    assert len(weeks(scene, anna)) == 3
    assert "Kerstknutselen" in weeks(scene, anna)[-1]
    sent = [
        call
        for call in scene.sim.calls_to("sendMessage")
        if call.params.get("chat_id") == scene.anna.id
    ]
    assert sent[-1].params.get("disable_notification") is True


async def test_turned_off_it_stops_and_the_words_are_understood(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "/weekoverzicht ja")
    assert scene.last(anna).plain_text.startswith("✅ Het weekoverzicht staat aan.")
    await scene.say(scene.anna, anna, "/weekoverzicht misschien")
    assert scene.last(anna).plain_text == (
        "Zet het weekoverzicht aan of uit met /weekoverzicht aan of /weekoverzicht uit. Zonder"
        " woord erachter zie je hoe het nu staat."
    )
    await scene.say(scene.anna, anna, "/weekoverzicht nee")
    assert scene.last(anna).plain_text.startswith("Het weekoverzicht staat uit")
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    await at(scene, SUNDAY_EVENING)
    assert weeks(scene, anna) == []
    # On again; queued on Sunday (Telegram fails at first), off before it could go: nothing.
    await turn_on(scene, scene.anna)
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.anna.id)
    await at(scene, NEXT_SUNDAY_EVENING)
    await scene.say(scene.anna, anna, "/weekoverzicht uit")
    await at(scene, NEXT_SUNDAY_EVENING + timedelta(minutes=5))
    assert weeks(scene, anna) == []
    # In the group: a pointer; someone in no constellation: told so.
    await scene.say(scene.anna, scene.group, "/weekoverzicht aan")
    assert scene.last(scene.group).plain_text.startswith("🗓️ Het weekoverzicht zet je privé")
    outsider = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(outsider, scene.private(outsider), "/weekoverzicht aan")
    assert scene.last(scene.private(outsider)).plain_text.startswith(
        "Je hoort nog bij geen constellatie"
    )
    assert stored(scene, "SELECT count(*) FROM weekly_optin") == [(0,)]


async def test_one_message_in_english_with_both_constellations(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.bert))
    eik = await scene.another_constellation("De Eik", [scene.hubhome, scene.bert])
    await give_role(scene, scene.hubhome, "/kerngezin", eik)
    await scene.say(scene.bert, eik, "Hello")
    bert = scene.private(scene.bert)
    await scene.say(scene.bert, bert, "/weekly on")
    assert scene.last(bert).plain_text.startswith("✅ The weekly look ahead is on.")
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    await scene.say(scene.hubhome, eik, "/bijeenkomst woensdag 20:00 | Koffie in De Eik")
    await at(scene, SUNDAY_EVENING)
    assert weeks(scene, bert) == [
        "🗓️ Your week · 23–29 November\n"
        "\n"
        "🏡 De Linde\n"
        "📅 This week\n"
        "• Sat 28 Nov 14:00 🎈 Zwemmen · nobody signed up yet\n"
        "\n"
        "🏡 De Eik\n"
        "📅 This week\n"
        "• Wed 25 Nov 20:00 ☕ Koffie in De Eik · nobody signed up yet\n"
        "\n"
        "Have a good week! This comes every Sunday at 19:00. Rather not? Type /weekly off."
    ]


async def test_nothing_to_say_or_nobody_to_say_it_to_means_no_message(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await turn_on(scene, scene.hubhome, scene.anna, scene.bert)
    await scene.sim.user_leaves(scene.group, scene.bert)  # Bert leaves the constellation
    await scene.bot.settle()
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst 3 dec 19:30 | Later")  # next week
    await at(scene, SUNDAY_EVENING)
    assert weeks(scene, scene.private(scene.anna)) == []
    assert weeks(scene, scene.private(scene.hubhome)) == []
    # An open request is something to say, to the hub home only.
    await scene.say(scene.anna, scene.group, "/hulpvraag #spullen Een kinderzitje lenen")
    await at(scene, NEXT_SUNDAY_EVENING)
    assert len(weeks(scene, scene.private(scene.hubhome))) == 1
    assert weeks(scene, scene.private(scene.anna))[0].splitlines()[2:4] == [
        "📅 Deze week",
        "• do 3 dec 19:30 ☕ Later · nog niemand aangemeld",
    ]
    assert weeks(scene, scene.private(scene.bert)) == []


async def test_a_blocked_bot_does_not_keep_the_others_from_theirs(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await turn_on(scene, scene.hubhome, scene.anna, scene.bert)
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    scene.sim.inject_fault(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        chat_id=scene.anna.id,
    )
    await at(scene, SUNDAY_EVENING)
    assert weeks(scene, scene.private(scene.anna)) == []
    assert len(weeks(scene, scene.private(scene.hubhome))) == 1
    assert len(weeks(scene, scene.private(scene.bert))) == 1
    linked = "SELECT private_chat_linked FROM people WHERE user_id = ?"
    assert stored(scene, linked, scene.anna.id) == [(0,)]


async def test_an_erased_person_gets_nothing_not_even_what_was_queued(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await turn_on(scene, scene.anna)
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.anna.id)
    await at(scene, SUNDAY_EVENING)  # queued, not yet delivered
    assert stored(scene, "SELECT count(*) FROM outbox WHERE kind = 'weekly'") == [(1,)]
    await scene.say(scene.anna, anna, "/vergeetmij")
    await scene.press(scene.anna, scene.last(anna), "🗑️ Ja, wis alles")
    await at(scene, SUNDAY_EVENING + timedelta(minutes=5))
    await at(scene, NEXT_SUNDAY_EVENING)
    assert weeks(scene, anna) == []
    for table in ("weekly_optin", "weekly_runs"):
        assert stored(scene, f"SELECT count(*) FROM {table}") == [(0,)]  # noqa: S608
    assert scene.anna.id not in database_numbers(scene.bot.settings.database_path)


def test_sunday_evening_keeps_its_wall_clock_time_across_daylight_saving() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    # Summer time begins on Sunday 28 March 2027 at 02:00: that evening's 19:00 is 17:00 UTC.
    sunday, due = last_due(datetime(2027, 3, 28, 17, 0, tzinfo=UTC), amsterdam)
    assert (sunday, due.astimezone(UTC)) == (
        date(2027, 3, 28),
        datetime(2027, 3, 28, 17, 0, tzinfo=UTC),
    )
    # A minute earlier it is still the week before (then 18:00 UTC, winter time).
    sunday, due = last_due(datetime(2027, 3, 28, 16, 59, tzinfo=UTC), amsterdam)
    assert (sunday, due.astimezone(UTC)) == (
        date(2027, 3, 21),
        datetime(2027, 3, 21, 18, 0, tzinfo=UTC),
    )
