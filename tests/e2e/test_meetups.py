"""Meetups and children's activities end to end: plan, answer, calendar, cancel, move."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bot.clock import FakeClock
from bot.simulator.world import SimMessage, SimUser
from tests.e2e.conftest import Scene, both_modes

BUTTONS = [
    ["✅ Ik kom", "🤔 Misschien", "❌ Ik kom niet"],
    ["➕ kind", "➖ kind"],
    ["📅 In mijn agenda"],
]


def clock_of(scene: Scene) -> FakeClock:
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    return clock


async def plan(scene: Scene, text: str, user: SimUser | None = None) -> SimMessage:
    await scene.say(user or scene.hubhome, scene.group, text)
    return scene.last(scene.group)


def stored(scene: Scene, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql))


async def test_an_activity_in_one_line_gets_a_card_with_buttons(scene: Scene) -> None:
    await scene.with_roles()
    card = await plan(
        scene, "/activiteit zaterdag 14:00 | Zwemmen | Sportfondsenbad | 6-12 jaar | max 12"
    )
    assert card.plain_text == (
        "🎈 Kinderactiviteit #1: Zwemmen\n"
        "📅 zaterdag 28 november, 14:00\n"
        "📍 Sportfondsenbad\n"
        "👧 6-12 jaar\n"
        "👥 12 plekken, nog 12 vrij\n"
        "\n"
        "Nog niemand heeft geantwoord. Kom je ook?"
    )
    assert card.button_texts == BUTTONS
    # Stored in UTC: 14:00 in Amsterdam in November is 13:00 UTC.
    assert stored(scene, "SELECT starts_at FROM occurrences") == [("2026-11-28T13:00:00+00:00",)]


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        ("morgen 19:30", "maandag 23 november, 19:30"),
        ("3 dec 19:30", "donderdag 3 december, 19:30"),
        ("2026-12-03 19:30", "donderdag 3 december, 19:30"),
        ("volgende vrijdag 16:00", "vrijdag 27 november, 16:00"),
        ("vandaag 20.00", "zondag 22 november, 20:00"),
        # Parts of the day, clock words, weeks, ranges and named days (tests/test_when_reading.py).
        ("vanavond half acht", "zondag 22 november, 19:30"),
        ("morgenochtend 9 uur", "maandag 23 november, 09:00"),
        ("woensdagmiddag 3 uur", "woensdag 25 november, 15:00"),
        ("vrijdagavond om 8 uur", "vrijdag 27 november, 20:00"),
        ("volgende week dinsdag 19:30", "dinsdag 24 november, 19:30"),
        ("zaterdag over een week 10:00", "zaterdag 5 december, 10:00"),
        ("za 10-12u", "zaterdag 28 november, 10:00–12:00"),
        ("zaterdag van 14 tot 16 uur", "zaterdag 28 november, 14:00–16:00"),
        ("eerste kerstdag 15:00", "vrijdag 25 december, 15:00"),
        ("pakjesavond 18:00-20:00", "zaterdag 5 december, 18:00–20:00"),
        ("tweede pinksterdag 11 uur", "maandag 17 mei, 11:00"),
    ],
)
async def test_dutch_phrasings(scene: Scene, when: str, shown: str) -> None:
    await scene.with_roles()
    card = await plan(scene, f"/bijeenkomst {when} | Maandelijkse bijeenkomst | Bij Hanneke")
    lines = card.plain_text.splitlines()
    assert lines[:3] == [
        "☕ Bijeenkomst #1: Maandelijkse bijeenkomst",
        f"📅 {shown}",
        "📍 Bij Hanneke",
    ]
    assert card.button_texts == [BUTTONS[0], BUTTONS[2]]  # no children's counter for carers


async def test_an_english_group_plans_in_english(scene: Scene) -> None:
    await scene.with_roles()
    await scene.say(scene.admin, scene.group, "/language en")
    card = await plan(scene, "/meetup next friday 4pm | Coffee morning", scene.liaison)
    assert card.plain_text.splitlines()[:2] == [
        "☕ Meetup #1: Coffee morning",
        "📅 Friday 27 November, 16:00",
    ]
    assert card.button_texts == [["✅ Coming", "🤔 Maybe", "❌ Not coming"], ["📅 Add to calendar"]]
    await scene.say(scene.hubhome, scene.group, "/activity saturday | Swimming")
    assert scene.last(scene.group).plain_text.startswith("What time does it start?")


async def test_refusals_plan_nothing(scene: Scene) -> None:
    await scene.with_roles()
    await scene.say(scene.anna, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    assert scene.last(scene.group).plain_text.startswith(
        "Alleen het kerngezin of de contactpersoon kan bijeenkomsten"
    )
    await scene.say(scene.hubhome, scene.group, "/activiteit gisteren 14:00 | Zwemmen")
    assert scene.last(scene.group).plain_text.splitlines() == [
        "Dat moment is al voorbij (het is nu 10:00).",
        "/activiteit zaterdag 14:00 | Zwemmen",
        "/activiteit morgen 14:00 | Zwemmen",
        "Er is nog niets gepland.",
    ]
    # Examples are made from what was typed: the time kept, the day put right.
    await scene.say(scene.hubhome, scene.group, "/activiteit banaan half 3 | Zwemmen")
    assert scene.last(scene.group).plain_text.splitlines() == [
        "Ik begrijp niet welke dag dat is.",
        "/activiteit zaterdag half 3 | Zwemmen",
        "/activiteit morgen half 3 | Zwemmen",
        "Er is nog niets gepland.",
    ]
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdga 14:00 | Zwemmen")
    assert scene.last(scene.group).plain_text.splitlines()[:2] == [
        "Ik begrijp niet welke dag dat is.",
        "Bedoel je zaterdag 14:00?",
    ]
    await scene.say(scene.hubhome, scene.group, "/activiteit vrijdagavond | Zwemmen")
    assert scene.last(scene.group).plain_text.splitlines() == [
        "Hoe laat begint het? Zet er een tijd bij.",
        "/activiteit vrijdag 19:30 | Zwemmen",
        "Er is nog niets gepland.",
    ]
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00")
    assert scene.last(scene.group).plain_text.startswith("Er ontbreekt nog een titel")
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst")
    assert scene.last(scene.group).plain_text.startswith("Zo plan je een bijeenkomst")
    assert stored(scene, "SELECT COUNT(*) FROM meetups") == [(0,)]
    await scene.say(scene.anna, scene.group, "/agenda")
    assert scene.last(scene.group).plain_text.startswith("Er staat nog niets op de agenda.")


@both_modes
async def test_answers_change_and_the_card_counts_them(scene: Scene) -> None:
    await scene.with_roles()
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen | Sportfondsenbad")
    assert await scene.press(scene.anna, card, "✅ Ik kom") == (
        "Genoteerd: je komt! ✅ Met hoeveel kinderen? Kies het aantal onder mijn vraag in de groep."
    )
    assert await scene.press(scene.bert, card, "🤔 Misschien") == "Genoteerd: misschien 🤔"
    assert await scene.press(scene.anna, card, "➕ kind") == "Genoteerd. Aantal kinderen: 1"
    assert await scene.press(scene.anna, card, "➕ kind") == "Genoteerd. Aantal kinderen: 2"
    lines = scene.refreshed(card).plain_text.splitlines()
    assert lines[-2:] == ["✅ Komen: Anna (+2 kinderen)", "🤔 Misschien: Bert"]
    assert await scene.press(scene.anna, card, "➖ kind") == "Genoteerd. Aantal kinderen: 1"
    # A "maybe" can say how many children would come; changing one's mind is always possible.
    assert await scene.press(scene.bert, card, "➕ kind") == "Genoteerd. Aantal kinderen: 1"
    assert await scene.press(scene.anna, card, "❌ Ik kom niet") == "Genoteerd: je komt niet."
    assert await scene.press(scene.anna, card, "❌ Ik kom niet") == "Dat had je al geantwoord."
    assert await scene.press(scene.liaison, card, "➖ kind") == (
        "Je had nog geen kinderen opgegeven."
    )
    lines = scene.refreshed(card).plain_text.splitlines()
    assert lines[-2:] == ["🤔 Misschien: Bert (+1 kind)", "❌ Komen niet: Anna"]
    assert scene.refreshed(card).button_texts == BUTTONS
    await scene.say(scene.anna, scene.group, "/agenda")
    assert scene.last(scene.group).plain_text == (
        "🗓 Agenda\n\n• zaterdag 28 november, 14:00 — #1 Zwemmen (1 misschien)"
    )


async def test_capacity_waiting_list_and_moving_up(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.liaison,))
    card = await plan(scene, "/activiteit zaterdag 14:00 | Knutselen | max 3")
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.anna, card, "➕ kind")
    await scene.press(scene.anna, card, "➕ kind")  # Anna's two children: two places
    await scene.press(scene.bert, card, "✅ Ik kom")  # one place
    assert "👥 3 plekken, nog 0 vrij" in scene.refreshed(card).plain_text
    assert await scene.press(scene.bert, card, "➕ kind") == "Genoteerd. Aantal kinderen: 1"
    assert await scene.press(scene.bert, card, "➕ kind") == (
        "Er is geen plek meer voor nog een kind. Er is niets veranderd."
    )
    popup = await scene.press(scene.liaison, card, "✅ Ik kom")
    assert popup is not None and popup.startswith("Het zit vol. Je staat op de wachtlijst")
    assert scene.refreshed(card).plain_text.splitlines()[-3:] == [
        "✅ Komen: Anna (+2 kinderen), Bert (+1 kind)",
        "👧 In totaal 3 kinderen",
        "⏳ Wachtlijst: Lotte",
    ]
    await scene.press(scene.anna, card, "➖ kind")  # a place frees up
    text = scene.refreshed(card).plain_text
    # The clock stands still here, so the names are in the order people first answered.
    assert text.splitlines()[-2:] == [
        "✅ Komen: Lotte, Anna (+1 kind), Bert (+1 kind)",
        "👧 In totaal 2 kinderen",
    ]
    assert "Wachtlijst" not in text
    assert scene.last(scene.private(scene.liaison)).plain_text == (
        "🎉 Er is een plek vrijgekomen! Je staat nu op de lijst voor Knutselen op "
        "zaterdag 28 november, 14:00 (De Linde)."
    )


async def test_calendar_file_to_the_private_chat_or_via_the_link(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/bijeenkomst elke eerste dinsdag 19:30 | Koffieavond | Bij Hanneke")
    assert scene.refreshed(card).plain_text.splitlines()[1:3] == [
        "📅 dinsdag 1 december, 19:30",
        "🔁 elke eerste dinsdag van de maand",
    ]
    popup = await scene.press(scene.anna, card, "📅 In mijn agenda")
    assert popup == "📅 Het agendabestand staat in je privéchat met mij."
    document = scene.last(scene.private(scene.anna))
    assert document.document is not None
    assert document.document["file_name"] == "koffieavond.ics"
    content = scene.sim.file_content(document.document["file_id"])
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Koffieavond"
    assert str(event["LOCATION"]) == "Bij Hanneke"
    start = event.decoded("DTSTART")
    assert (start.isoformat(), str(start.tzinfo)) == (
        "2026-12-01T19:30:00+01:00",
        "Europe/Amsterdam",
    )
    assert event["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=1TU"
    assert "EXDATE" not in event and "DTEND" in event  # nothing cancelled; two hours
    # The zone as the big calendar services write it (ical.js misread the long RDATE list).
    [zone] = Calendar.from_ical(content).walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Amsterdam"
    assert [(sub.name, sub["RRULE"].to_ical()) for sub in zone.subcomponents] == [
        ("DAYLIGHT", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
        ("STANDARD", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
    ]
    assert b"RDATE" not in content

    # Bert never started the bot: the button opens the private chat, which sends the file.
    query = await scene.sim.press_button(scene.bert, card, "📅 In mijn agenda")
    await scene.bot.settle()
    answer = await scene.sim.wait_callback_answer(query)
    assert answer.url is not None
    payload = answer.url.rsplit("start=", 1)[1]
    await scene.say(scene.bert, scene.private(scene.bert), f"/start {payload}")
    sent = scene.last(scene.private(scene.bert))
    assert sent.document is not None and sent.plain_text.startswith("📅 Koffieavond")


async def test_a_forged_or_foreign_press_changes_nothing(scene: Scene) -> None:
    await scene.with_roles()
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen")
    other = await scene.another_constellation("De Eik", [scene.anna])
    await scene.say(scene.anna, other, "hoi")
    stranger_card = await scene.sim.send_message(scene.anna, other, "iets")
    popup = await scene.forge(scene.anna, stranger_card, "mt:v1:yes:1")
    assert popup == "Deze knop werkt niet meer."
    assert await scene.forge(scene.anna, card, "mt:v1:yes:99") == "Deze knop werkt niet meer."
    assert await scene.forge(scene.anna, card, "mt:v1:drop:1") == "Deze knop werkt niet meer."
    assert stored(scene, "SELECT COUNT(*) FROM rsvps") == [(0,)]


async def test_cancel_one_off_tells_who_was_coming(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna, scene.bert))
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen")
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.bert, card, "❌ Ik kom niet")
    await scene.say(scene.anna, scene.group, "/afzeggen 1")
    assert scene.last(scene.group).plain_text.startswith("Alleen wie het plande")
    await scene.say(scene.liaison, scene.group, "/afzeggen 1")
    assert scene.last(scene.group).plain_text == (
        "❌ Zwemmen (#1) op zaterdag 28 november, 14:00 gaat niet door. "
        "Wie had gezegd te komen, krijgt een bericht."
    )
    cancelled = scene.refreshed(card)
    assert cancelled.plain_text.startswith("❌ AFGEZEGD\n🎈 Kinderactiviteit #1: Zwemmen")
    assert cancelled.button_texts == []
    assert scene.last(scene.private(scene.anna)).plain_text == (
        "❌ Zwemmen op zaterdag 28 november, 14:00 gaat niet door (De Linde)."
    )
    assert "gaat niet door" not in scene.last(scene.private(scene.bert)).plain_text
    assert await scene.forge(scene.bert, card, "mt:v1:yes:1") == (
        "Dit is al begonnen of afgezegd; antwoorden kan niet meer."
    )


async def test_cancel_one_date_of_a_series_or_the_whole_series(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/bijeenkomst elke dinsdag 19:30 | Koffieavond")
    await scene.press(scene.anna, card, "🤔 Misschien")
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    question = scene.last(scene.group)
    assert question.button_texts == [
        ["Alleen dinsdag 24 november, 19:30"],
        ["De hele reeks"],
        ["Niets, laat maar"],
    ]
    popup = await scene.press(scene.anna, question, "De hele reeks")
    assert popup == (
        "Alleen wie het plande, het kerngezin of de contactpersoon kan dit afzeggen of wijzigen."
    )
    await scene.press(scene.hubhome, question, "Alleen dinsdag 24 november, 19:30")
    assert scene.refreshed(question).plain_text == (
        "❌ Koffieavond (#1) op dinsdag 24 november, 19:30 gaat niet door; de reeks gaat verder"
        " op dinsdag 1 december, 19:30. Wie had gezegd te komen, krijgt een bericht."
    )
    # The date is off, the series is not: no invitation, no buttons, and when it goes on.
    assert scene.refreshed(card).plain_text == (
        "❌ Dinsdag 24 november gaat niet door; de reeks gaat verder op dinsdag 1 december,"
        " 19:30.\n☕ Bijeenkomst #1: Koffieavond\n"
        "📅 dinsdag 24 november, 19:30\n"
        "🔁 elke dinsdag"
    )
    assert scene.refreshed(card).button_texts == []
    assert scene.last(scene.private(scene.anna)).plain_text == (
        "❌ Koffieavond op dinsdag 24 november, 19:30 gaat niet door (De Linde); de reeks gaat"
        " verder op dinsdag 1 december, 19:30."
    )
    # /agenda keeps the series, with its next date (not announced yet: no answers, no link).
    await scene.say(scene.anna, scene.group, "/agenda")
    assert scene.last(scene.group).plain_text == (
        "🗓 Agenda\n\n• dinsdag 1 december, 19:30 — #1 Koffieavond"
    )
    # The series goes on: the next date is announced a week ahead, on its own card.
    clock_of(scene).set(datetime(2026, 11, 24, 18, 30, tzinfo=UTC))
    await scene.bot.tick()
    next_card = scene.last(scene.group)
    assert next_card.plain_text.splitlines()[:2] == [
        "☕ Bijeenkomst #1: Koffieavond",
        "📅 dinsdag 1 december, 19:30",
    ]
    # The calendar file is the series from its first date, without the cancelled one.
    await scene.press(scene.anna, next_card, "📅 In mijn agenda")
    sent = scene.last(scene.private(scene.anna)).document
    assert sent is not None
    content = scene.sim.file_content(sent["file_id"])
    assert b"DTSTART;TZID=Europe/Amsterdam:20261124T193000" in content
    assert b"EXDATE;TZID=Europe/Amsterdam:20261124T193000" in content
    assert len(Calendar.from_ical(content).walk("VEVENT")) == 1
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    await scene.press(scene.hubhome, scene.last(scene.group), "De hele reeks")
    assert scene.refreshed(next_card).plain_text.startswith("❌ AFGEZEGD")
    clock_of(scene).advance(timedelta(days=30))
    await scene.bot.tick()
    assert scene.last(scene.group).plain_text.startswith("❌ Koffieavond (#1) is afgezegd")


async def test_moving_keeps_answers_and_tells_people(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen | Sportfondsenbad")
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.say(scene.hubhome, scene.group, "/wijzigen 1 29 nov 15:00 | | De Wetering")
    assert scene.last(scene.group).plain_text.startswith(
        "✏️ #1 Zwemmen is gewijzigd en staat nu op zondag 29 november, 15:00."
    )
    moved = scene.refreshed(card).plain_text
    assert "📅 zondag 29 november, 15:00" in moved
    assert "📍 De Wetering" in moved
    assert moved.endswith("✅ Komen: Anna")
    assert scene.last(scene.private(scene.anna)).plain_text == (
        "✏️ Zwemmen is gewijzigd (De Linde): het is nu op zondag 29 november, 15:00."
    )
    await scene.say(scene.bert, scene.group, "/agenda")
    assert scene.last(scene.group).plain_text.endswith("— #1 Zwemmen (1 komt)")
    await scene.say(scene.hubhome, scene.group, "/wijzigen 1 gisteren 10:00")
    assert scene.last(scene.group).plain_text.splitlines() == [
        "Dat moment is al voorbij (het is nu 10:00).",
        "Bijvoorbeeld: zaterdag 10:00 · morgen 10:00",
        "Er is nog niets gepland.",
    ]
    await scene.say(scene.hubhome, scene.group, "/wijzigen 7 morgen 10:00")
    assert scene.last(scene.group).plain_text.startswith("Ik ken geen bijeenkomst #7")
    await scene.say(scene.hubhome, scene.group, "/wijzigen")
    assert scene.last(scene.group).plain_text.startswith("Wijzig met het nummer")


async def test_forget_me_takes_the_answers_and_the_name_off_the_card(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen")
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.bert, card, "🤔 Misschien")
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "/vergeetmij")
    await scene.press(scene.anna, scene.last(anna_chat), "🗑️ Ja, wis alles")
    assert scene.refreshed(card).plain_text.splitlines()[-1] == "🤔 Misschien: Bert"
    assert "Anna" not in scene.refreshed(card).plain_text
    assert stored(scene, "SELECT COUNT(*) FROM rsvps") == [(1,)]
