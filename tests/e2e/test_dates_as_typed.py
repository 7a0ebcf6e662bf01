"""Dates as people type them, through Telegram: the card and the guided flow show back what
was read, a range keeps its end, an hour without a part of the day is said to be the
afternoon, and a refusal gives examples made from what was typed. (Scene's "now" is Sunday
22 November 2026, 10:00 in Amsterdam.)"""

from __future__ import annotations

from icalendar import Calendar

from tests.e2e.conftest import Scene
from tests.e2e.test_meetups import plan, stored


async def test_a_range_keeps_its_end_in_the_card_the_calendar_and_a_move(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/activiteit zaterdag 10:00-12:30 | Zwemmen")
    assert "📅 zaterdag 28 november, 10:00–12:30" in card.plain_text
    assert stored(scene, "SELECT length_minutes FROM meetups") == [(150,)]
    await scene.press(scene.anna, card, "📅 In mijn agenda")
    sent = scene.last(scene.private(scene.anna))
    assert sent.document is not None
    content = scene.sim.file_content(sent.document["file_id"])
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert (start.hour, start.minute, end.hour, end.minute) == (10, 0, 12, 30)
    # A new date without an end keeps the length; a new range replaces it.
    await scene.say(scene.hubhome, scene.group, "/wijzigen 1 zondag 15:00")
    assert "📅 zondag 22 november, 15:00–17:30" in scene.refreshed(card).plain_text
    await scene.say(scene.hubhome, scene.group, "/wijzigen 1 zondag 15-16u")
    assert "📅 zondag 22 november, 15:00–16:00" in scene.refreshed(card).plain_text


async def test_an_hour_without_a_part_of_the_day_is_the_afternoon_and_says_so(
    scene: Scene,
) -> None:
    await scene.with_roles()
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag om 2 uur | Zwemmen")
    # The note answers the command at once; the card follows from the outbox.
    note, card = scene.sim.bot_messages(scene.group)[-2:]
    assert card.plain_text.splitlines()[1] == "📅 zaterdag 28 november, 14:00"
    assert note.plain_text.splitlines() == [
        "📅 Gelezen als: zaterdag 28 november, 14:00",
        "Je schreef geen ochtend of middag, dus ik neem de middag: 14:00. Bedoel je 's nachts? "
        "Typ dan 02:00.",
    ]
    assert stored(scene, "SELECT starts_at FROM occurrences") == [("2026-11-28T13:00:00+00:00",)]
    # With the part of the day, or a leading zero, nothing is assumed and nothing is said.
    before = len(scene.sim.bot_messages(scene.group))
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 2 uur 's middags | Dansen")
    assert len(scene.sim.bot_messages(scene.group)) == before + 1


async def test_the_guided_flow_shows_back_what_it_read_and_what_it_chose(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    chat = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, chat, "/bijeenkomst")
    await scene.say(scene.hubhome, chat, "Koffie")
    await scene.say(scene.hubhome, chat, "zatredag van 2 tot 4")
    assert scene.last(chat).plain_text.splitlines() == [
        "Ik begrijp niet welke dag dat is.",
        "Bedoel je zaterdag van 2 tot 4?",
        "Bijvoorbeeld: zaterdag van 2 tot 4 · morgen van 2 tot 4 · 12 december van 2 tot 4",
        "Er is nog niets gepland.",
    ]
    await scene.say(scene.hubhome, chat, "zaterdag van 2 tot 4")
    assert scene.last(chat).plain_text.splitlines()[:3] == [
        "📅 Gelezen als: zaterdag 28 november, 14:00–16:00",
        "Je schreef geen ochtend of middag, dus ik neem de middag: 14:00. Bedoel je 's nachts? "
        "Typ dan 02:00.",
        "",
    ]
    await scene.press(scene.hubhome, scene.last(chat), "Geen plaats")
    await scene.press(scene.hubhome, scene.last(chat), "Geen maximum")
    await scene.press(scene.hubhome, scene.last(chat), "Eén keer")
    preview = scene.last(chat).plain_text
    assert "📅 zaterdag 28 november, 14:00–16:00" in preview
    assert "ik neem de middag: 14:00" in preview  # said again before anyone is told


async def test_english_phrasings_and_refusals(scene: Scene) -> None:
    await scene.with_roles()
    await scene.say(scene.admin, scene.group, "/language en")
    card = await plan(scene, "/meetup tomorrow evening 7:30 | Coffee", scene.liaison)
    assert card.plain_text.splitlines()[1] == "📅 Monday 23 November, 19:30"
    card = await plan(scene, "/activity christmas eve 2-4pm | Baking", scene.liaison)
    assert card.plain_text.splitlines()[1] == "📅 Thursday 24 December, 14:00–16:00"
    await scene.say(scene.liaison, scene.group, "/activity sat 13 dec 2pm | Baking")
    assert scene.last(scene.group).plain_text.splitlines()[:2] == [
        "13 December is a Sunday.",
        "/activity Sunday 13 December 2pm | Swimming",
    ]
