"""Sleepovers end to end: a family asks privately, the hub home answers, beds are counted.

Scene's "now" is Sunday 22 November 2026, 10:00 in Amsterdam. Hanneke is the hub home, Lotte
the liaison, Anna and Bert foster families.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from icalendar import Calendar

from bot.clock import FakeClock
from bot.handlers.privacy import run_retention
from bot.simulator.world import SimUser
from tests.e2e.conftest import Scene, both_modes


def stored(scene: Scene, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql))


@both_modes
async def test_a_planned_sleepover_from_ask_to_confirmation(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren")
    assert scene.last(chat).plain_text.startswith("🛏️ Logeren bij het kerngezin van De Linde.")
    await scene.say(scene.anna, chat, "za 28 nov - zo 29 nov")
    assert scene.last(chat).plain_text == "Hoeveel kinderen komen er logeren?"
    await scene.press(scene.anna, scene.last(chat), "2")
    await scene.say(scene.anna, chat, "J. en M.")
    await scene.say(scene.anna, chat, "M. slaapt met een knuffel")
    preview = scene.last(chat)
    print(preview.plain_text)
    assert "🛏️ Vrije bedden: za 28 nov: 2 van 2" in preview.plain_text
    await scene.press(scene.anna, preview, "📨 Versturen")
    assert scene.refreshed(preview).plain_text.startswith("📨 Verstuurd naar Hanneke.")
    card = scene.last(scene.private(scene.hubhome))
    print(card.plain_text, card.button_texts)
    assert card.plain_text.startswith("🛏️ Logeervraag L1 van Anna")
    assert await scene.press(scene.hubhome, card, "✅ Bevestigen") == (
        "✅ Bevestigd. Het gezin hoort het meteen."
    )
    answer = scene.last(chat)
    print(answer.plain_text, answer.button_texts)
    assert answer.plain_text.startswith("✅ Hanneke heeft je logeervraag bevestigd")
    assert stored(scene, "SELECT night, bed FROM sleepover_beds ORDER BY bed") == [
        ("2026-11-28", 1),
        ("2026-11-28", 2),
    ]
    assert "Bevestigd door Hanneke" in scene.refreshed(card).plain_text
    await scene.press(scene.anna, answer, "📅 In mijn agenda")
    document = scene.last(chat)
    assert document.document is not None and document.document["file_name"] == "logeren.ics"
    event = Calendar.from_ical(scene.sim.file_content(document.document["file_id"])).walk("VEVENT")[
        0
    ]
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (
        date(2026, 11, 28),
        date(2026, 11, 29),
    )
    assert str(event["SUMMARY"]) == "Logeren bij Hanneke"
    # Nothing of it in the group.
    assert not any("logeer" in text.lower() for text in scene.bot_texts(scene.group))


def clock_of(scene: Scene) -> FakeClock:
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    return clock


async def test_the_one_line_form_shows_free_beds_before_it_is_sent(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren vrijdag tot zondag | 1 kind")
    preview = scene.last(chat)
    assert preview.plain_text.splitlines()[2:4] == [
        "📅 vr 27 nov → zo 29 nov · 2 nachten",
        "👧 1 kind",
    ]
    assert "🛏️ Vrije bedden: vr 27 nov: 2 van 2 · za 28 nov: 2 van 2" in preview.plain_text
    assert scene.bot_texts(scene.private(scene.hubhome))[-1].startswith("Hallo")  # not sent yet
    await scene.press(scene.anna, preview, "📨 Versturen")
    assert scene.last(scene.private(scene.hubhome)).plain_text.startswith("🛏️ Logeervraag L1")


async def test_the_last_bed_goes_to_one_family_and_the_other_carer_is_told(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert, scene.liaison))
    # A second hub home carer: Lotte's partner? Here the liaison cannot confirm, so the
    # race is two asks for the last bed, confirmed one after the other by the hub home.
    await scene.say(scene.anna, scene.private(scene.anna), "/logeren zaterdag | 2 kinderen")
    await scene.press(scene.anna, scene.last(scene.private(scene.anna)), "📨 Versturen")
    await scene.say(scene.bert, scene.private(scene.bert), "/sleepover saturday | 1 child")
    await scene.press(scene.bert, scene.last(scene.private(scene.bert)), "📨 Send")
    cards = [m for m in scene.sim.bot_messages(scene.private(scene.hubhome)) if "L" in m.plain_text]
    anna_card = next(m for m in cards if "L1 van Anna" in m.plain_text)
    bert_card = next(m for m in cards if "L2 van Bert" in m.plain_text)
    await scene.press(scene.hubhome, anna_card, "✅ Bevestigen")
    popup = await scene.press(scene.hubhome, bert_card, "✅ Bevestigen")
    assert popup == (
        "Er is niet genoeg bed vrij op: za 28 nov. Zet er een bed bij met /bedden, stel andere "
        "data voor of wijs af."
    )
    assert stored(scene, "SELECT state FROM sleepovers ORDER BY id") == [("confirmed",), ("asked",)]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(2,)]
    # The database itself refuses a third child on a night with two beds.
    with (
        sqlite3.connect(scene.bot.settings.database_path) as db,
        pytest.raises(sqlite3.IntegrityError),
    ):
        db.execute(
            "INSERT INTO sleepover_beds (constellation_id, night, bed, sleepover_id)"
            " VALUES (1, '2026-11-28', 3, 2)"
        )


async def test_an_emergency_goes_at_once_then_to_the_liaison(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    clock = clock_of(scene)
    clock.advance(timedelta(hours=13))  # 23:00: quiet hours do not apply to an emergency
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren nu 2")
    assert scene.last(chat).plain_text.startswith(
        "🚨 Je noodvraag is verstuurd naar Hanneke, ook nu, op elk uur."
    )
    card = scene.last(scene.private(scene.hubhome))
    assert card.plain_text.startswith("🚨 NOODVRAAG L1 van Anna: vannacht logeren")
    assert card.button_texts == [["✅ Ja, kom maar", "❌ Lukt niet"], ["👀 Gezien, ik bel je"]]
    liaison_before = len(scene.sim.bot_messages(scene.private(scene.liaison)))
    clock.advance(timedelta(minutes=14))
    await scene.bot.tick()
    assert len(scene.sim.bot_messages(scene.private(scene.liaison))) == liaison_before
    clock.advance(timedelta(minutes=2))
    assert await scene.bot.tick() >= 1  # through the real job queue
    assert scene.last(chat).plain_text.startswith(
        "⏱ Niemand van het kerngezin reageerde binnen 15 minuten."
    )
    liaison_card = scene.last(scene.private(scene.liaison))
    assert liaison_card.plain_text.startswith("🚨 NOODVRAAG L1 van Anna")
    assert liaison_card.button_texts == [["👀 Gezien, ik bel je"]]  # no beds of her own
    assert await scene.press(scene.liaison, liaison_card, "👀 Gezien, ik bel je") == (
        "👀 Het gezin hoort dat je belt."
    )
    assert scene.last(chat).plain_text == "👀 Lotte heeft je noodvraag gezien en belt je."
    await scene.press(scene.hubhome, card, "✅ Ja, kom maar")
    assert scene.last(chat).plain_text.startswith("✅ Hanneke heeft je logeervraag bevestigd")
    assert stored(scene, "SELECT kind, state FROM sleepovers") == [("emergency", "confirmed")]


async def test_a_closed_period_says_so_and_goes_to_the_backup(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/weg 4 dec - 6 dec | Bert")
    assert scene.last(hub).plain_text.splitlines()[-1] == (
        "🚫 Bedden dicht: vr 4 dec → zo 6 dec, achtervang: Bert"
    )
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren za 5 dec | 1 kind")
    preview = scene.last(chat)
    assert "🚫 Bedden dicht: vr 4 dec → zo 6 dec, achtervang: Bert" in preview.plain_text
    await scene.press(scene.anna, preview, "📨 Versturen")
    assert scene.refreshed(preview).plain_text.startswith("📨 Verstuurd naar Hanneke, Bert.")
    backup_card = scene.last(scene.private(scene.bert))
    assert "L1" in backup_card.plain_text  # Bert reads Dutch cards in English? He is "en"
    await scene.press(scene.bert, backup_card, backup_card.button_texts[0][0])
    assert scene.last(chat).plain_text.startswith("✅ Bert heeft je logeervraag bevestigd")
    # A backup's own beds are theirs: the hub home's stay free.
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(0,)]


async def test_either_side_can_cancel_and_the_bed_frees(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    for _ in range(2):
        await scene.say(scene.anna, chat, "/logeren zaterdag | 1 kind")
        await scene.press(scene.anna, scene.last(chat), "📨 Versturen")
        await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(2,)]
    confirmation = scene.last(chat)
    await scene.press(scene.anna, confirmation, "✖️ Annuleren")
    await scene.press(scene.anna, scene.last(chat), "Ja, annuleren")
    assert scene.last(hub).plain_text.startswith("✖️ Anna heeft het logeren (za 28 nov")
    first_card = next(
        m for m in scene.sim.bot_messages(hub) if m.plain_text.startswith("🛏️ Logeervraag L1")
    )
    await scene.press(scene.hubhome, first_card, "✖️ Annuleren")
    await scene.press(scene.hubhome, scene.last(hub), "Ja, annuleren")
    assert scene.last(chat).plain_text.startswith("✖️ Hanneke heeft het logeren (za 28 nov")
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(0,)]
    assert stored(scene, "SELECT cancelled_by FROM sleepovers ORDER BY id") == [
        ("hubhome",),
        ("family",),
    ]


async def test_the_month_view_and_who_sleeps_over_is_for_the_hub_home(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, chat, "/logeren zaterdag | 2 kinderen")
    await scene.press(scene.anna, scene.last(chat), "📨 Versturen")
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    await scene.say(scene.hubhome, hub, "/bedden")
    overview = scene.last(hub)
    assert overview.plain_text.startswith("🛏️ Logeerbedden van De Linde: 2")
    assert "Nachten dit kwartaal: Anna 1" in overview.plain_text
    assert overview.button_texts[1] == ["‹", "november 2026", "›"]
    assert overview.button_texts[2] == ["ma", "di", "wo", "do", "vr", "za", "zo"]
    assert overview.button_texts[7] == ["23", "24", "25", "26", "27", "28●", "29"]
    assert await scene.press(scene.hubhome, overview, "28●") == "za 28 nov: Anna (2)"
    await scene.press(scene.hubhome, overview, "›")
    assert scene.refreshed(overview).button_texts[1] == ["‹", "december 2026", "›"]
    await scene.press(scene.hubhome, scene.refreshed(overview), "➕ bed")
    assert scene.refreshed(overview).plain_text.startswith("🛏️ Logeerbedden van De Linde: 3")
    # The liaison sees the counts, not who.
    await scene.say(scene.liaison, scene.private(scene.liaison), "/bedden")
    theirs = scene.last(scene.private(scene.liaison))
    assert "➕ bed" not in [label for row in theirs.button_texts for label in row]
    assert await scene.press(scene.liaison, theirs, "28·2") == (
        "Alleen het kerngezin kan dit veranderen."
    )
    # Fewer beds than children booked on a night to come: refused, kept.
    await scene.say(scene.hubhome, hub, "/bedden 1")
    assert scene.last(hub).plain_text == (
        "Op een nacht die nog komt slapen al 2 kinderen; minder bedden kan pas daarna."
    )


async def test_forged_and_misplaced_presses_change_nothing(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, chat, "/logeren zaterdag | 1 kind")
    await scene.press(scene.anna, scene.last(chat), "📨 Versturen")
    card = scene.last(hub)
    stale = "Deze knop werkt niet meer."
    # Another family (Bert reads English), in their own chat, with the card's data.
    bert_chat = scene.private(scene.bert)
    await scene.say(scene.bert, bert_chat, "/start")
    assert await scene.forge(scene.bert, scene.last(bert_chat), "slp:v1:ok:1") == (
        "This button no longer works."
    )
    # The family itself cannot confirm its own ask.
    assert await scene.forge(scene.anna, scene.last(chat), "slp:v1:ok:1") == stale
    # In the group: never.
    group_message = scene.last(scene.group)
    assert await scene.forge(scene.hubhome, group_message, "slp:v1:ok:1") == stale
    # Beds of another constellation, a forged night.
    assert await scene.forge(scene.bert, scene.last(bert_chat), "beds:v1:night:1:2026:11:28") == (
        "Only the hub home can change this."
    )
    assert await scene.forge(scene.hubhome, card, "beds:v1:night:1:2026:2:31") == stale
    assert stored(scene, "SELECT state FROM sleepovers") == [("asked",)]
    # The hub home's real press still works.
    await scene.press(scene.hubhome, card, "✅ Bevestigen")
    assert stored(scene, "SELECT state FROM sleepovers") == [("confirmed",)]


async def test_a_person_in_two_constellations_picks_where(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    other = await scene.another_constellation("De Eik", [scene.anna, scene.liaison])
    await scene.say(scene.anna, other, "hallo")
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren")
    pick = scene.last(chat)
    assert pick.button_texts[:2] == [["De Linde"], ["De Eik"]]
    await scene.press(scene.anna, pick, "De Eik")
    assert "De Eik" in scene.last(chat).plain_text


async def test_the_day_before_a_reminder_and_after_one_question(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/bedden meenemen pyjama, knuffel")
    await scene.say(scene.anna, chat, "/logeren za 28 nov | 1 kind")
    await scene.press(scene.anna, scene.last(chat), "📨 Versturen")
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    assert "🎒 Meenemen: pyjama, knuffel" in scene.last(chat).plain_text
    clock = clock_of(scene)
    clock.advance(timedelta(days=5))  # Friday 27 November, 10:00
    await scene.bot.tick()
    assert scene.last(chat).plain_text.startswith("🛏️ Morgen logeren: za 28 nov")
    assert scene.last(hub).plain_text.startswith("🛏️ Morgen komen de kinderen van Anna logeren")
    clock.advance(timedelta(days=2, hours=1))  # Sunday 29 November, 11:00
    await scene.bot.tick()
    question = scene.last(chat)
    assert question.plain_text.startswith("🛏️ Hoe ging het logeren")
    await scene.press(scene.anna, question, "😊 Goed")
    assert stored(scene, "SELECT month, answer, count FROM sleepover_feedback") == [
        ("2026-11", "good", 1)
    ]
    assert await scene.forge(scene.anna, scene.refreshed(question), "slp:v1:fb:1:good") is None
    assert stored(scene, "SELECT count FROM sleepover_feedback") == [(1,)]


async def send(scene: Scene, text: str, family: SimUser | None = None) -> None:
    """A family sends a sleepover ask in one line and presses Send on the preview."""
    who = family or scene.anna
    chat = scene.private(who)
    await scene.say(who, chat, text)
    preview = scene.last(chat)
    await scene.press(who, preview, preview.button_texts[0][0])


async def test_other_dates_are_proposed_and_taken(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 1 kind")
    card = scene.last(hub)
    await scene.press(scene.hubhome, card, "📅 Andere datum voorstellen")
    assert scene.last(hub).plain_text.startswith("Welke nachten stel je Anna voor?")
    await scene.say(scene.hubhome, hub, "bananen")
    assert scene.last(hub).plain_text.startswith("Ik begrijp niet welke nachten dat zijn.")
    await scene.say(scene.hubhome, hub, "vr 4 dec - za 5 dec")
    assert scene.last(hub).plain_text == (
        "📨 Voorgesteld aan Anna: vr 4 dec → za 5 dec · 1 nacht. Je hoort het hier."
    )
    assert (
        "📅 Hanneke stelde voor: vr 4 dec → za 5 dec · 1 nacht" in scene.refreshed(card).plain_text
    )
    proposal = scene.last(chat)
    assert proposal.plain_text == (
        "📅 Hanneke kan niet op za 28 nov → zo 29 nov · 1 nacht, maar stelt voor: "
        "vr 4 dec → za 5 dec · 1 nacht. Past dat?"
    )
    await scene.press(scene.anna, proposal, "✅ Ja, graag")
    assert scene.last(hub).plain_text == (
        "✅ Anna neemt je voorstel aan: vr 4 dec → za 5 dec · 1 nacht. De bedden zijn gereserveerd."
    )
    assert stored(scene, "SELECT first_night, nights, state FROM sleepovers") == [
        ("2026-12-04", 1, "confirmed")
    ]
    assert stored(scene, "SELECT night FROM sleepover_beds") == [("2026-12-04",)]
    # A second tap on the proposal changes nothing.
    assert await scene.forge(scene.anna, proposal, "slp:v1:take:1") == (
        "Deze logeervraag is al beantwoord of veranderd."
    )


async def test_a_decline_carries_its_reason_and_asks_are_answered_once(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 1 kind")
    card = scene.last(hub)
    await scene.press(scene.hubhome, card, "❌ Afwijzen")
    assert scene.refreshed(card).button_texts == [
        ["Geen bed vrij"],
        ["We zijn er niet"],
        ["Het lukt ons nu niet"],
        ["Zonder reden"],
        ["↩️ Terug"],
    ]
    await scene.press(scene.hubhome, scene.refreshed(card), "We zijn er niet")
    assert scene.last(chat).plain_text.splitlines() == [
        "❌ Hanneke kan je logeervraag (za 28 nov → zo 29 nov · 1 nacht) niet aannemen.",
        "Reden: het kerngezin is er dan niet.",
        "Wil je andere nachten vragen? Typ /logeren. Of bel de contactpersoon.",
    ]
    assert scene.refreshed(card).button_texts == []
    assert await scene.forge(scene.hubhome, scene.refreshed(card), "slp:v1:ok:1") == (
        "Deze logeervraag is al beantwoord of veranderd."
    )
    assert stored(scene, "SELECT state, reason FROM sleepovers") == [("declined", "away")]


async def test_the_soft_limit_warns_and_never_refuses(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/bedden")
    overview = scene.last(hub)
    await scene.press(scene.hubhome, overview, "grens 2")
    assert "Grens per gezin per kwartaal: 2 nachten" in scene.refreshed(overview).plain_text
    await send(scene, "/logeren vrijdag tot zondag | 1 kind")
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    await send(scene, "/logeren vr 4 dec | 1 kind")
    card = scene.last(hub)
    assert await scene.press(scene.hubhome, card, "✅ Bevestigen") is None
    warning = scene.last(hub)
    assert warning.plain_text == (
        "⚠️ Dit gezin logeerde dit kwartaal al 2 nachten (jullie grens: 2). "
        "Wil je het toch bevestigen?"
    )
    assert stored(scene, "SELECT state FROM sleepovers ORDER BY id") == [("confirmed",), ("asked",)]
    await scene.press(scene.hubhome, warning, "Toch bevestigen")
    assert stored(scene, "SELECT state FROM sleepovers ORDER BY id") == [
        ("confirmed",),
        ("confirmed",),
    ]


async def test_an_ask_nobody_answered_lapses_and_the_family_hears(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat = scene.private(scene.anna)
    await send(scene, "/logeren maandag | 1 kind")
    clock_of(scene).advance(timedelta(days=1, hours=15))  # Tuesday 01:00
    await scene.bot.tick()
    assert scene.last(chat).plain_text.startswith(
        "⌛ Niemand heeft je logeervraag voor ma 23 nov → di 24 nov · 1 nacht op tijd beantwoord."
    )
    assert "⌛ Niet beantwoord" in scene.last(scene.private(scene.hubhome)).plain_text or any(
        "⌛ Niet beantwoord" in text for text in scene.bot_texts(scene.private(scene.hubhome))
    )
    assert stored(scene, "SELECT state FROM sleepovers") == [("unanswered",)]


async def test_nobody_reachable_is_said_and_the_ask_is_kept(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    chat = scene.private(scene.anna)
    await send(scene, "/logeren zaterdag | 1 kind")
    assert scene.last(chat).plain_text.startswith(
        "⚠️ Ik kan het kerngezin en de contactpersoon nu niet bereiken"
    )
    assert stored(scene, "SELECT state FROM sleepovers") == [("asked",)]


async def test_sleepovers_are_never_in_the_group(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    before = scene.bot_texts(scene.group)
    await scene.say(scene.anna, scene.group, "/logeren zaterdag | 2 kinderen")
    reply = scene.last(scene.group).plain_text
    assert reply.startswith("🛏️ Logeren en bedden regel je privé met mij, niet in de groep")
    assert "zaterdag" not in reply and stored(scene, "SELECT COUNT(*) FROM sleepovers") == [(0,)]
    await send(scene, "/logeren zaterdag | 2 kinderen")
    await scene.press(scene.hubhome, scene.last(scene.private(scene.hubhome)), "✅ Bevestigen")
    after = scene.bot_texts(scene.group)
    assert after[: len(before)] == before and len(after) == len(before) + 1


async def test_an_english_family_asks_in_english(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.bert))
    chat = scene.private(scene.bert)
    await scene.say(scene.bert, chat, "/sleepover")
    assert scene.last(chat).plain_text.startswith("🛏️ A sleepover at the hub home of De Linde.")
    await scene.say(scene.bert, chat, "friday to sunday")
    await scene.press(scene.bert, scene.last(chat), "1")
    await scene.say(scene.bert, chat, "Sem de Vries")
    assert scene.last(chat).plain_text.startswith("That looks like a full name.")
    await scene.press(scene.bert, scene.last(chat), "Skip")
    await scene.press(scene.bert, scene.last(chat), "Skip")
    preview = scene.last(chat)
    assert preview.plain_text.splitlines()[2] == "📅 Fri 27 Nov → Sun 29 Nov · 2 nights"
    await scene.press(scene.bert, preview, "📨 Send")
    await scene.press(scene.hubhome, scene.last(scene.private(scene.hubhome)), "✅ Bevestigen")
    assert scene.last(chat).plain_text.startswith(
        "✅ Hanneke confirmed your sleepover: Fri 27 Nov → Sun 29 Nov · 2 nights."
    )


async def test_forgetting_a_family_cancels_their_stays_to_come_and_keeps_counts(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 2 kinderen | J. en M. | Knuffel-Z9 mee")
    card = scene.last(hub)
    await scene.press(scene.hubhome, card, "✅ Bevestigen")
    await scene.say(scene.anna, chat, "/vergeetmij")
    await scene.press(scene.anna, scene.last(chat), "🗑️ Ja, wis alles")
    assert stored(scene, "SELECT family_id, nicknames, note, state FROM sleepovers") == [
        (None, None, None, "cancelled")
    ]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(0,)]
    redrawn = scene.refreshed(card).plain_text
    assert "Anna" not in redrawn and "Knuffel-Z9" not in redrawn and "J. en M." not in redrawn
    assert "✖️ Geannuleerd door het gezin" in redrawn


async def test_retention_removes_notes_after_the_stay(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await send(scene, "/logeren zaterdag | 1 kind | J. | Slaapt met licht aan")
    await scene.press(scene.hubhome, scene.last(scene.private(scene.hubhome)), "✅ Bevestigen")
    clock_of(scene).advance(timedelta(days=60))
    await run_retention(scene.bot.app)
    assert stored(scene, "SELECT nicknames, note FROM sleepovers") == [
        ("J.", "Slaapt met licht aan")
    ]
    clock_of(scene).advance(timedelta(days=40))
    await run_retention(scene.bot.app)
    assert stored(scene, "SELECT nicknames, note, state FROM sleepovers") == [
        (None, None, "confirmed")
    ]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(1,)]  # still counted


async def test_the_flow_has_an_emergency_button_for_tonight(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren")
    await scene.press(scene.anna, scene.last(chat), "🚨 Vannacht, het is dringend")
    question = scene.last(chat)
    assert question.plain_text.startswith("🚨 Hoeveel kinderen?")
    await scene.press(scene.anna, question, "3")
    assert scene.refreshed(question).plain_text.startswith(
        "🚨 Je noodvraag is verstuurd naar Hanneke"
    )
    assert scene.last(scene.private(scene.hubhome)).plain_text.splitlines()[:3] == [
        "🚨 NOODVRAAG L1 van Anna: vannacht logeren",
        "📅 zo 22 nov → ma 23 nov · 1 nacht",
        "👧 3 kinderen",
    ]


async def test_a_reminder_missed_while_down_is_not_sent_once_the_stay_began(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat = scene.private(scene.anna)
    await send(scene, "/logeren za 28 nov | 1 kind")
    await scene.press(scene.hubhome, scene.last(scene.private(scene.hubhome)), "✅ Bevestigen")
    clock_of(scene).advance(timedelta(days=6, hours=8))  # Saturday 28 November, 18:00
    await scene.bot.tick()
    assert not any("Morgen logeren" in text for text in scene.bot_texts(chat))
    clock_of(scene).advance(timedelta(days=4))  # Wednesday: the question is too late as well
    await scene.bot.tick()
    assert not any("Hoe ging het" in text for text in scene.bot_texts(chat))


async def test_drop_off_and_pick_up_times_go_with_the_stay(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, chat, "/logeren vrijdag 18:00 tot zondag 11u | 1 kind")
    preview = scene.last(chat)
    assert "🕕 Brengen 18:00 · ophalen 11:00" in preview.plain_text
    assert "📅 vr 27 nov → zo 29 nov · 2 nachten" in preview.plain_text
    await scene.press(scene.anna, preview, "📨 Versturen")
    assert "🕕 Brengen 18:00 · ophalen 11:00" in scene.last(hub).plain_text
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    assert "🕕 Brengen 18:00 · ophalen 11:00" in scene.last(chat).plain_text
    clock_of(scene).advance(timedelta(days=4, hours=1))  # Thursday 11:00
    await scene.bot.tick()
    assert scene.last(chat).plain_text.splitlines()[1] == "🕕 Brengen 18:00 · ophalen 11:00"
    assert scene.last(hub).plain_text.splitlines()[1] == "🕕 Brengen 18:00 · ophalen 11:00"


async def test_an_emergency_in_a_closed_period_reaches_the_backup_and_the_liaison_at_once(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert, scene.liaison))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/weg vandaag tot dinsdag | Bert")
    clock_of(scene).advance(timedelta(hours=17))  # 03:00 on Monday: still at once
    await scene.say(scene.anna, scene.private(scene.anna), "/logeren nu")
    await scene.press(scene.anna, scene.last(scene.private(scene.anna)), "1")
    assert scene.last(hub).plain_text.startswith("🚨 NOODVRAAG L1 van Anna")
    bert_card = scene.last(scene.private(scene.bert))
    assert bert_card.plain_text.startswith("🚨 URGENT L1 from Anna")
    assert scene.last(scene.private(scene.liaison)).plain_text.startswith("🚨 NOODVRAAG L1")
    await scene.press(scene.bert, bert_card, "✅ Yes, come")
    assert scene.last(scene.private(scene.anna)).plain_text.startswith(
        "✅ Bert heeft je logeervraag bevestigd"
    )


async def test_each_constellation_asks_its_own_hub_home(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    other = await scene.another_constellation("De Eik", [scene.anna, scene.liaison])
    await scene.say(scene.anna, other, "hallo")
    note = await scene.say(scene.liaison, other, "hoi")
    await scene.say(scene.admin, other, "/kerngezin", reply_to=note)  # Lotte is De Eik's hub home
    chat = scene.private(scene.anna)
    hub_before = len(scene.sim.bot_messages(scene.private(scene.hubhome)))
    await scene.say(scene.anna, chat, "/logeren zaterdag | 1 kind")
    await scene.press(scene.anna, scene.last(chat), "De Eik")
    preview = scene.last(chat)
    assert "De Eik" in preview.plain_text
    await scene.press(scene.anna, preview, "📨 Versturen")
    assert scene.last(scene.private(scene.liaison)).plain_text.startswith("🛏️ Logeervraag L1")
    assert len(scene.sim.bot_messages(scene.private(scene.hubhome))) == hub_before
