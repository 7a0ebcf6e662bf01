"""Attacks on sleepovers (issue 17): strangers, confused families, careless carers, hostile members.

Scene's "now" is Sunday 22 November 2026, 10:00 in Amsterdam. Hanneke is the hub home, Lotte
the liaison, Anna and Bert (who reads English) foster families.

The first part holds the breaks found, most harmful first: each test FAILS today and says, in
its docstring, what a user expects. The second part holds the attacks that held (they pass
and should keep passing).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.simulator.world import SimChat, SimMessage, SimUser
from tests.e2e.attacks import clock_of, de_eik, second_carer
from tests.e2e.conftest import Scene
from tests.e2e.test_errors_and_logs import logged, production_logging  # noqa: F401

STALE = "Deze knop werkt niet meer."


def stored(scene: Scene, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql, params))


async def send(scene: Scene, text: str, family: SimUser | None = None) -> SimMessage:
    """A family sends a sleepover ask in one line and presses Send on the preview."""
    who = family or scene.anna
    chat = scene.private(who)
    await scene.say(who, chat, text)
    preview = scene.last(chat)
    await scene.press(who, preview, preview.button_texts[0][0])
    return preview


def cards(scene: Scene, chat: SimChat, marker: str = "L") -> list[SimMessage]:
    return [
        m
        for m in scene.sim.bot_messages(chat)
        if m.plain_text.startswith(("🛏️", "🚨")) and marker in m.plain_text.splitlines()[0]
    ]


def children_on(scene: Scene, night: str) -> int:
    """Children of confirmed stays on ``night`` (the hub home's own beds: nobody stands in)."""
    rows = stored(
        scene,
        "SELECT COALESCE(SUM(children), 0) FROM sleepovers WHERE state = 'confirmed'"
        " AND first_night <= ? AND date(first_night, '+' || nights || ' days') > ?",
        (night, night),
    )
    return int(str(rows[0][0]))


def beds_within_beds(scene: Scene) -> bool:
    """The database's own promise: no night holds more children than beds."""
    beds = stored(scene, "SELECT COALESCE(MAX(beds), 2) FROM sleepover_settings")[0][0]
    worst = stored(
        scene,
        "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM sleepover_beds GROUP BY night)",
    )[0][0]
    return int(str(worst)) <= int(str(beds))


# =============================================================================================
# Breaks (these fail today)
# =============================================================================================


async def test_an_emergency_asked_just_before_midnight_is_not_dropped_at_midnight(
    scene: Scene,
) -> None:
    """Anna asks for an emergency bed at 23:50. At 00:00 the bot lapses it ("nobody answered in
    time, call them"), the hub home's card loses its buttons and the liaison is never reached —
    ten minutes after asking, before the 15-minute escalation. A family in crisis expects the
    emergency to stay open and go to the liaison after 15 minutes, at any hour."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    clock = clock_of(scene)
    clock.advance(timedelta(hours=13, minutes=50))  # Sunday 23:50
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren nu 1")
    clock.advance(timedelta(minutes=11))  # Monday 00:01
    await scene.bot.tick()
    assert not any(text.startswith("⌛") for text in scene.bot_texts(chat))
    assert stored(scene, "SELECT state FROM sleepovers") == [("asked",)]
    clock.advance(timedelta(minutes=5))  # 00:06: fifteen minutes without an answer
    await scene.bot.tick()
    assert cards(scene, scene.private(scene.liaison), "L1"), "the liaison never got it"


async def test_a_card_shows_every_change_not_only_the_first(scene: Scene) -> None:
    """A card is redrawn for its first change only (its redraw is queued with ``outbox.add``
    under the same key every time, so later redraws are dropped). Anna cancels the stay Hanneke
    confirmed: Hanneke's card still says "✅ Bevestigd door Hanneke" with "✖️ Annuleren". In an
    emergency Lotte says "👀 Gezien", then Hanneke "✅ Ja, kom maar": every card — Hanneke's own
    too — still says "⏳ Wacht op antwoord" and offers "Ja, kom maar" / "Gezien, ik bel je"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 1 kind")
    card = scene.last(hub)
    await scene.press(scene.hubhome, card, "✅ Bevestigen")
    await scene.press(scene.anna, scene.last(chat), "✖️ Annuleren")
    await scene.press(scene.anna, scene.last(chat), "Ja, annuleren")
    assert stored(scene, "SELECT state FROM sleepovers") == [("cancelled",)]
    shown = scene.refreshed(card)
    assert "✖️ Geannuleerd door het gezin" in shown.plain_text, shown.plain_text
    assert shown.button_texts == []


async def test_a_proposal_taken_after_its_carer_left_still_reserves_the_beds(
    scene: Scene,
) -> None:
    """Henk, the second hub home carer, proposes Friday 4 December to Anna (2 children) and then
    leaves the group. Anna takes the proposal: it is confirmed WITHOUT reserving a bed, and nobody
    at the hub home hears. Hanneke then confirms Bert's 2 children for the same night: 4 children
    are confirmed on a night with 2 beds. README: "the family takes them (the beds are reserved
    then)"; "the database cannot hold more children on a night than beds"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    henk = await second_carer(scene)
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 2 kinderen")
    await scene.press(henk, scene.last(scene.private(henk)), "📅 Andere datum voorstellen")
    await scene.say(henk, scene.private(henk), "vr 4 dec")
    proposal = scene.last(chat)
    await scene.sim.user_leaves(scene.group, henk)
    await scene.bot.settle()
    await scene.press(scene.anna, proposal, "✅ Ja, graag")
    await send(scene, "/sleepover fri 4 dec | 2 children", scene.bert)
    await scene.press(scene.hubhome, cards(scene, hub, "L2")[-1], "✅ Bevestigen")
    assert children_on(scene, "2026-12-04") <= 2, "more children confirmed than beds"


async def test_an_ask_to_a_hub_home_who_blocked_the_bot_is_not_lost(scene: Scene) -> None:
    """Hanneke has blocked the bot. Anna's ask: "📨 Verstuurd naar Hanneke" — but the card never
    arrives, the liaison (linked) never hears, Anna is never told. The same happens to hidden
    help requests, where the bot tells the family and alerts the liaison. README: "If no carer
    and no liaison can be reached, the family is told at once and the ask is kept"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    scene.sim.block_bot(scene.hubhome)
    chat = scene.private(scene.anna)
    await send(scene, "/logeren zaterdag | 1 kind")
    clock_of(scene).advance(timedelta(hours=1))
    await scene.bot.tick()
    liaison_heard = bool(cards(scene, scene.private(scene.liaison), "L1"))
    family_warned = any(text.startswith("⚠️") for text in scene.bot_texts(chat))
    assert liaison_heard or family_warned, "the ask went nowhere and nobody knows"


async def test_an_ask_kept_for_an_unlinked_hub_home_reaches_her_once_she_links(
    scene: Scene,
) -> None:
    """Nobody is linked: Anna hears "Je vraag is bewaard". Hanneke then starts her private chat:
    no card comes, and /bedden shows only "Wacht op antwoord: 1" — no family, no dates, no
    button. The ask can never be answered and lapses. A family told "kept" expects it to reach
    the hub home; README: /beds shows "who waits for an answer"."""
    await scene.with_roles(linked=(scene.anna,))
    await send(scene, "/logeren zaterdag | 1 kind")
    assert "Je vraag is bewaard" in scene.last(scene.private(scene.anna)).plain_text
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/start")
    await scene.bot.tick()
    await scene.say(scene.hubhome, hub, "/bedden")
    overview = scene.last(hub)
    labels = [label for row in overview.button_texts for label in row]
    answerable = bool(cards(scene, hub, "L1")) or any("L1" in label for label in labels)
    assert answerable, "the kept ask cannot be seen or answered"


async def test_a_family_that_takes_a_proposal_gets_the_confirmation(scene: Scene) -> None:
    """Anna takes the nights Hanneke proposed: all she gets is "✅ Fijn! Het kerngezin hoort het
    meteen." — no dates confirmed, no bring-along list, no "📅 In mijn agenda", and no
    "✖️ Annuleren" anywhere, so she can never cancel that stay. README: "A confirmed family gets
    the dates, the bring-along list and an In mijn agenda file; either side can cancel"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/bedden meenemen pyjama")
    await send(scene, "/logeren zaterdag | 1 kind")
    await scene.press(scene.hubhome, scene.last(hub), "📅 Andere datum voorstellen")
    await scene.say(scene.hubhome, hub, "vr 4 dec")
    await scene.press(scene.anna, scene.last(chat), "✅ Ja, graag")
    assert stored(scene, "SELECT state FROM sleepovers") == [("confirmed",)]
    labels = {
        label
        for message in scene.sim.bot_messages(chat)
        for row in scene.refreshed(message).button_texts
        for label in row
    }
    assert {"📅 In mijn agenda", "✖️ Annuleren"} <= labels, labels
    assert any("pyjama" in text and "vr 4 dec" in text for text in scene.bot_texts(chat))


async def test_seen_i_will_call_is_not_followed_by_nobody_reacted(scene: Scene) -> None:
    """Hanneke presses "👀 Gezien, ik bel je" two minutes after Anna's emergency; Anna hears
    "Hanneke heeft je noodvraag gezien en belt je". Thirteen minutes later the bot tells Anna
    "⏱ Niemand van het kerngezin reageerde binnen 15 minuten" — false, and frightening."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren nu 2")
    clock_of(scene).advance(timedelta(minutes=2))
    await scene.press(
        scene.hubhome, scene.last(scene.private(scene.hubhome)), "👀 Gezien, ik bel je"
    )
    assert scene.last(chat).plain_text == "👀 Hanneke heeft je noodvraag gezien en belt je."
    clock_of(scene).advance(timedelta(minutes=14))
    await scene.bot.tick()
    assert not any("Niemand van het kerngezin reageerde" in t for t in scene.bot_texts(chat))


async def test_the_family_is_not_told_an_unreachable_liaison_was_asked(scene: Scene) -> None:
    """Hanneke is away with Bert as backup; Lotte, the liaison, never linked her private chat.
    After 15 minutes Anna hears "Nu ook gevraagd: de achtervang en de contactpersoon (Lotte)" —
    Lotte got nothing (Bert merely got his card a second time). Anna waits for a call that
    will not come."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/weg vandaag - 25 nov | Bert")
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren nu 1")
    clock_of(scene).advance(timedelta(minutes=16))
    await scene.bot.tick()
    assert scene.bot_texts(scene.private(scene.liaison)) == []  # Lotte has no private chat
    step = scene.last(chat).plain_text
    assert "(Lotte)" not in step, step


async def test_an_emergency_in_a_closed_period_reaches_backup_and_liaison_once(
    scene: Scene,
) -> None:
    """Hanneke is away with Bert as backup. Anna's emergency goes to Hanneke, Bert and Lotte at
    once (right); 15 minutes later Bert and Lotte get the same card a SECOND time. Only the
    second copy is kept up to date: after Hanneke says "Ja, kom maar", Lotte's first copy still
    says "⏳ Wacht op antwoord" with "👀 Gezien, ik bel je" — she may call a family already
    helped. Expected: one card each, and every copy shows the answer."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert, scene.liaison))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/weg vandaag - 25 nov | Bert")
    await scene.say(scene.anna, scene.private(scene.anna), "/logeren nu 1")
    clock_of(scene).advance(timedelta(minutes=16))
    await scene.bot.tick()
    await scene.press(scene.hubhome, cards(scene, hub, "L1")[-1], "✅ Ja, kom maar")
    liaison_copies = cards(scene, scene.private(scene.liaison), "L1")
    stale = [m for m in liaison_copies if scene.refreshed(m).button_texts]
    assert (len(cards(scene, scene.private(scene.bert), "L1")), len(liaison_copies)) == (1, 1)
    assert stale == []


async def test_an_emergency_at_three_in_the_morning_is_about_the_night_under_way(
    scene: Scene,
) -> None:
    """Bert's two children sleep at the hub home Saturday night (both beds). At 03:00 on Sunday
    Anna sends "/logeren nu 1". The card says "📅 zo 29 nov → ma 30 nov" and "Vrij: zo 29 nov: 2
    van 2" — the next evening, with two free beds — while the child needs a bed now, in a house
    whose beds are both taken. Confirming books Sunday night. "Vannacht" at 03:00 is the night
    under way."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    hub = scene.private(scene.hubhome)
    await send(scene, "/sleepover saturday | 2 children", scene.bert)
    await scene.press(scene.hubhome, cards(scene, hub, "L1")[-1], "✅ Bevestigen")
    clock_of(scene).advance(timedelta(days=6, hours=17))  # Sunday 29 November, 03:00
    await scene.say(scene.anna, scene.private(scene.anna), "/logeren nu 1")
    card = cards(scene, hub, "L2")[-1].plain_text
    assert card.splitlines()[1].startswith("📅 za 28 nov"), card


async def test_a_family_taking_a_proposal_whose_bed_has_gone_is_not_told_to_add_beds(
    scene: Scene,
) -> None:
    """Hanneke proposes Friday 4 December to Anna (2 children), then confirms Bert for that
    Friday. Anna taps "✅ Ja, graag": her popup says "Zet er een bed bij met /bedden, stel andere
    data voor of wijs af" — the hub home's instructions, meaningless to a family — and Hanneke
    never hears Anna wanted the dates. Expected: Anna hears the bed has gone; Hanneke hears
    Anna said yes."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 2 kinderen")
    await scene.press(scene.hubhome, scene.last(hub), "📅 Andere datum voorstellen")
    await scene.say(scene.hubhome, hub, "vr 4 dec")
    proposal = scene.last(chat)
    await send(scene, "/sleepover fri 4 dec | 1 child", scene.bert)
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    before = len(scene.bot_texts(hub))
    popup = await scene.press(scene.anna, proposal, "✅ Ja, graag")
    assert popup is not None and "/bedden" not in popup, popup
    assert any("Anna" in text for text in scene.bot_texts(hub)[before:])


async def test_a_backup_who_confirmed_hears_the_family_cancelled(scene: Scene) -> None:
    """Bert, the backup, confirms Anna's stay during Hanneke's closed period. Hanneke's holiday
    is called off and she removes it ("✖️ weg …"). Anna cancels: Bert, who expects the child, is
    not told (his card still says "Bevestigd door Bert"), nor is Hanneke. README: "either side
    can cancel (the beds free, the other side is told)"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    hub, berts = scene.private(scene.hubhome), scene.private(scene.bert)
    await scene.say(scene.hubhome, hub, "/weg 4 dec - 6 dec | Bert")
    chat = scene.private(scene.anna)
    await send(scene, "/logeren za 5 dec | 1 kind")
    card = scene.last(berts)
    await scene.press(scene.bert, card, card.button_texts[0][0])
    confirmation = scene.last(chat)
    await scene.say(scene.hubhome, hub, "/bedden")
    overview = scene.last(hub)
    await scene.press(scene.hubhome, overview, overview.button_texts[-1][0])  # ✖️ weg …
    bert_before, hub_before = len(scene.bot_texts(berts)), len(scene.bot_texts(hub))
    await scene.press(scene.anna, confirmation, "✖️ Annuleren")
    await scene.press(scene.anna, scene.last(chat), "Ja, annuleren")
    told = scene.bot_texts(berts)[bert_before:] + scene.bot_texts(hub)[hub_before:]
    assert any("cancelled" in text or "geannuleerd" in text for text in told), told


async def test_cancelling_a_stay_under_way_keeps_the_nights_already_slept(scene: Scene) -> None:
    """The same stay, cancelled by Anna on Sunday morning (the children go home early): the two
    nights slept vanish from the fair-share counts and the reports ("Nachten dit kwartaal: —").
    The issue: "Every sleepover is stored so the reports can count nights"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren vrijdag tot maandag | 1 kind")
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    confirmation = scene.last(chat)
    clock_of(scene).advance(timedelta(days=7))  # Sunday 29 November, 10:00
    await scene.press(scene.anna, confirmation, "✖️ Annuleren")
    await scene.press(scene.anna, scene.last(chat), "Ja, annuleren")
    await scene.say(scene.hubhome, hub, "/bedden")
    assert "Nachten dit kwartaal: Anna 2" in scene.last(hub).plain_text


async def test_forgetting_a_family_mid_stay_keeps_the_nights_already_slept(scene: Scene) -> None:
    """Anna's children stay Friday to Monday. On Sunday morning (two nights slept) Anna uses
    /vergeetmij: every bed row goes, the two nights slept included; /bedden no longer counts
    them. README: "/forgetme cancels a family's stays still to come … and keeps past nights only
    as counts"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren vrijdag tot maandag | 1 kind")
    await scene.press(scene.hubhome, scene.last(hub), "✅ Bevestigen")
    clock_of(scene).advance(timedelta(days=7))  # Sunday 29 November, 10:00
    await scene.say(scene.anna, chat, "/vergeetmij")
    await scene.press(scene.anna, scene.last(chat), "🗑️ Ja, wis alles")
    assert stored(scene, "SELECT family_id FROM sleepovers") == [(None,)]
    slept = "SELECT night FROM sleepover_beds WHERE night < '2026-11-29' ORDER BY night"
    assert stored(scene, slept) == [("2026-11-27",), ("2026-11-28",)]


async def test_a_cancelled_stay_gives_no_calendar_file(scene: Scene) -> None:
    """Hanneke cancels Anna's confirmed stay. Anna's earlier confirmation still carries
    "📅 In mijn agenda" and "✖️ Annuleren"; the calendar button hands her an .ics of the
    cancelled stay, which she may add to her calendar and act on."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 1 kind")
    card = scene.last(hub)
    await scene.press(scene.hubhome, card, "✅ Bevestigen")
    confirmation = scene.last(chat)
    await scene.press(scene.hubhome, scene.refreshed(card), "✖️ Annuleren")
    await scene.press(scene.hubhome, scene.last(hub), "Ja, annuleren")
    assert scene.last(chat).plain_text.startswith("✖️ Hanneke heeft het logeren")
    await scene.forge(scene.anna, scene.refreshed(confirmation), "slp:v1:ics:1")
    assert scene.last(chat).document is None, "an .ics for a cancelled stay"


async def test_the_calendar_file_names_the_backup_who_took_the_children(scene: Scene) -> None:
    """Hanneke is away; Bert, the backup, confirms Anna's ask with his own beds. Anna's "📅 In
    mijn agenda" file says "Logeren bij Hanneke" — the wrong house."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/weg 4 dec - 6 dec | Bert")
    chat = scene.private(scene.anna)
    await send(scene, "/logeren za 5 dec | 1 kind")
    card = scene.last(scene.private(scene.bert))
    await scene.press(scene.bert, card, card.button_texts[0][0])
    answer = scene.last(chat)
    assert answer.plain_text.startswith("✅ Bert heeft je logeervraag bevestigd")
    await scene.press(scene.anna, answer, "📅 In mijn agenda")
    document = scene.last(chat).document
    assert document is not None
    ics = scene.sim.file_content(document["file_id"]).decode()
    summary = next(line for line in ics.splitlines() if line.startswith("SUMMARY"))
    assert "Bert" in summary and "Hanneke" not in summary, summary


async def test_the_one_line_form_takes_a_note_without_nicknames(scene: Scene) -> None:
    """README: `/logeren <nights> | <N> kinderen [| <nicknames>] [| <note>]`. Anna leaves the
    nicknames empty: "/logeren zaterdag | 1 kind | | graag voor zes uur". The note is read as
    nicknames and refused: "Dat lijkt op een volledige naam"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat = scene.private(scene.anna)
    await scene.say(scene.anna, chat, "/logeren zaterdag | 1 kind | | graag voor zes uur")
    assert "💬 graag voor zes uur" in scene.last(chat).plain_text, scene.last(chat).plain_text


async def test_a_proposal_whose_nights_have_passed_cannot_be_taken(scene: Scene) -> None:
    """Anna asks for Saturday 19 December; Hanneke proposes the earlier Saturday 28 November.
    Anna does not answer until Tuesday 1 December, then taps "✅ Ja, graag": the stay is
    confirmed for a night already past, with a bed reserved in the past."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren za 19 dec | 1 kind")
    await scene.press(scene.hubhome, scene.last(hub), "📅 Andere datum voorstellen")
    await scene.say(scene.hubhome, hub, "za 28 nov")
    proposal = scene.last(chat)
    clock_of(scene).advance(timedelta(days=9))  # Tuesday 1 December
    await scene.bot.tick()
    await scene.press(scene.anna, proposal, "✅ Ja, graag")
    assert stored(scene, "SELECT night FROM sleepover_beds") == []
    assert stored(scene, "SELECT state FROM sleepovers") != [("confirmed",)]


async def test_a_forged_propose_press_in_the_group_says_nothing_there(scene: Scene) -> None:
    """Every other sleepover press in the group is refused, but "Andere datum voorstellen" is a
    conversation of its own that never checks the chat: pressed (forged) in the group by the hub
    home, the bot posts "Welke nachten stel je Anna voor?" in the group — telling everyone that
    Anna asked for respite. README: "nothing about the ask is stored or shown there"."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await send(scene, "/logeren zaterdag | 1 kind")
    before = scene.bot_texts(scene.group)
    assert await scene.forge(scene.hubhome, scene.last(scene.group), "slp:v1:ok:1") == STALE
    await scene.forge(scene.hubhome, scene.last(scene.group), "slp:v1:alt:1")
    assert scene.bot_texts(scene.group) == before


async def test_a_hub_home_of_two_constellations_can_close_the_second(scene: Scene) -> None:
    """Hanneke is the hub home of De Linde and of De Eik. "/weg zaterdag" always closes De
    Linde (the first found), says not which, and offers no choice: De Eik's beds can never be
    closed. ("/bedden 3" likewise sets both at once.)"""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await scene.another_constellation("De Eik", [scene.hubhome, scene.anna])
    hello = await scene.say(scene.hubhome, eik, "Hallo")
    await scene.say(scene.admin, eik, "/kerngezin", reply_to=hello)
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/weg zaterdag")
    reply = scene.last(hub)
    closed = {row[0] for row in stored(scene, "SELECT constellation_id FROM sleepover_away")}
    assert len(closed) == 2 or "De Eik" in reply.plain_text or reply.button_texts, reply.plain_text


async def test_a_hub_home_can_close_the_beds_for_a_summer_holiday(scene: Scene) -> None:
    """(Borderline: the README caps every nights reader at 14 nights.) "/weg 10 jul - 1 aug"
    — three weeks of summer holiday — is refused with the families' text "Vraag langere
    periodes aan de contactpersoon": the hub home cannot close her own beds for her holiday
    in one go, and is sent to the liaison for it."""
    await scene.with_roles(linked=(scene.hubhome,))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/weg 10 jul - 1 aug")
    assert "contactpersoon" not in scene.last(hub).plain_text, scene.last(hub).plain_text
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_away") == [(1,)]


# =============================================================================================
# Attacks that held (these pass)
# =============================================================================================

ACTIONS = (
    "ok", "ok2", "no", "why:{id}:full", "alt", "seen", "back", "cx", "cxy", "take", "refuse",
    "fb:{id}:good", "ics",
)  # fmt: skip


async def test_forged_presses_by_anyone_who_may_not_answer_change_nothing(scene: Scene) -> None:
    """A stranger, another family and the liaison press every action on Anna's open ask, and
    Anna every answering action on her own: nothing is confirmed, declined, proposed, seen or
    cancelled, and nobody else learns anything of it. (Not tried: the liaison's "seen" — on a
    planned ask it is accepted and Anna hears "Lotte heeft je noodvraag gezien"; harmless.)"""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert, scene.liaison))
    stranger = scene.sim.add_user("Xander", language_code="nl")
    await scene.say(stranger, scene.private(stranger), "/start")
    await send(scene, "/logeren zaterdag | 1 kind")
    anna_before = len(scene.bot_texts(scene.private(scene.anna)))
    for who in (stranger, scene.bert, scene.liaison):
        for action in ACTIONS:
            if who is scene.liaison and action == "seen":
                continue  # the liaison may say "seen, I'll call" (on an emergency card)
            data = "slp:v1:" + action.format(id=1) + ("" if "{id}" in action else ":1")
            await scene.forge(who, scene.last(scene.private(who)), data)
    for action in ("ok", "ok2", "no", "why:{id}:away", "alt", "seen", "take", "refuse"):
        data = "slp:v1:" + action.format(id=1) + ("" if "{id}" in action else ":1")
        assert await scene.forge(scene.anna, scene.last(scene.private(scene.anna)), data)
    assert stored(scene, "SELECT state, seen_by, answered_by FROM sleepovers") == [
        ("asked", None, None)
    ]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(0,)]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_feedback") == [(0,)]
    assert len(scene.bot_texts(scene.private(scene.anna))) == anna_before
    for who in (stranger, scene.bert):
        assert not any("Anna" in text for text in scene.bot_texts(scene.private(who)))


async def test_a_carer_of_one_constellation_cannot_touch_another(scene: Scene) -> None:
    """Anna asks De Eik (Bert is its hub home). Hanneke, hub home of De Linde only, forges every
    press with De Eik's sleepover id and every beds action with De Eik's id: all refused."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    await de_eik(scene, [scene.anna])
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, chat, "/logeren zaterdag | 1 kind")
    pick = scene.last(chat)
    await scene.press(scene.anna, pick, "De Eik")
    await scene.press(scene.anna, scene.refreshed(pick), "📨 Versturen")
    assert stored(scene, "SELECT id, constellation_id, state FROM sleepovers") == [(1, 2, "asked")]
    await scene.say(scene.hubhome, hub, "/bedden")
    for action in ACTIONS:
        data = "slp:v1:" + action.format(id=1) + ("" if "{id}" in action else ":1")
        assert await scene.forge(scene.hubhome, scene.last(hub), data) == STALE
    for data in ("night:2:2026:11:28", "more:2", "fewer:2", "month:2:2026:11", "limit:2:2"):
        popup = await scene.forge(scene.hubhome, scene.last(hub), f"beds:v1:{data}")
        assert popup == "Alleen het kerngezin kan dit veranderen."
    assert stored(scene, "SELECT state FROM sleepovers") == [("asked",)]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_settings") == [(0,)]
    assert not any("Anna" in text for text in scene.bot_texts(hub))


async def test_racing_for_the_last_bed_one_wins_and_the_beds_are_never_overfilled(
    scene: Scene,
) -> None:
    """Two carers press at the same moment: Hanneke confirms Anna's 2 children, Henk Bert's 1
    child, for the same Saturday; then both press the same ask at once; then a proposal is
    taken while the other ask for that night is confirmed. One wins each time; the beds table
    never holds more children than beds, and the family hears once."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    henk = await second_carer(scene)
    hub, henks = scene.private(scene.hubhome), scene.private(henk)
    await send(scene, "/logeren zaterdag | 2 kinderen")
    await send(scene, "/sleepover saturday | 1 child", scene.bert)
    first = await scene.sim.press_button(
        scene.hubhome, cards(scene, hub, "L1")[-1], "✅ Bevestigen"
    )
    second = await scene.sim.press_button(henk, cards(scene, henks, "L2")[-1], "✅ Bevestigen")
    await scene.bot.settle()
    answers = {(await scene.sim.wait_callback_answer(q)).text for q in (first, second)}
    assert any(a and a.startswith("Er is niet genoeg bed vrij op: za 28 nov") for a in answers)
    assert stored(scene, "SELECT state FROM sleepovers ORDER BY id") == [("confirmed",), ("asked",)]
    # The same ask, pressed by both carers at once.
    await send(scene, "/logeren vr 4 dec | 1 kind")
    one = await scene.sim.press_button(scene.hubhome, cards(scene, hub, "L3")[-1], "✅ Bevestigen")
    two = await scene.sim.press_button(henk, cards(scene, henks, "L3")[-1], "✅ Bevestigen")
    await scene.bot.settle()
    for query in (one, two):
        await scene.sim.wait_callback_answer(query)
    confirmed = [t for t in scene.bot_texts(scene.private(scene.anna)) if "vr 4 dec" in t]
    assert len([t for t in confirmed if t.startswith("✅")]) == 1
    # A proposal taken while another ask for that night is confirmed.
    await send(scene, "/sleepover sat 12 dec | 2 children", scene.bert)
    await scene.press(scene.hubhome, cards(scene, hub, "L4")[-1], "📅 Andere datum voorstellen")
    await scene.say(scene.hubhome, hub, "vr 4 dec")
    proposal = scene.last(scene.private(scene.bert))
    await send(scene, "/logeren vr 4 dec | 1 kind")
    take = await scene.sim.press_button(scene.bert, proposal, "✅ Yes, please")
    confirm = await scene.sim.press_button(henk, cards(scene, henks, "L5")[-1], "✅ Bevestigen")
    await scene.bot.settle()
    for query in (take, confirm):
        await scene.sim.wait_callback_answer(query)
    assert beds_within_beds(scene)
    assert children_on(scene, "2026-11-28") <= 2 and children_on(scene, "2026-12-04") <= 2


async def test_double_presses_and_presses_after_the_end_change_nothing(scene: Scene) -> None:
    """Send pressed twice: one ask. Confirm twice, decline after confirm, cancel twice (by
    either side), take after a cancel: each done once, the rest told it is already answered."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, chat, "/logeren zaterdag | 1 kind")
    preview = scene.last(chat)
    first = await scene.sim.press_button(scene.anna, preview, "📨 Versturen")
    second = await scene.sim.press_button(scene.anna, preview, "📨 Versturen")
    await scene.bot.settle()
    for query in (first, second):
        await scene.sim.wait_callback_answer(query)
    assert stored(scene, "SELECT COUNT(*) FROM sleepovers") == [(1,)]
    card = scene.last(hub)
    await scene.press(scene.hubhome, card, "✅ Bevestigen")
    gone = "Deze logeervraag is al beantwoord of veranderd."
    assert await scene.forge(scene.hubhome, card, "slp:v1:ok:1") == gone
    assert await scene.forge(scene.hubhome, card, "slp:v1:why:1:full") == gone
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(1,)]
    confirmation = scene.last(chat)
    await scene.press(scene.anna, confirmation, "✖️ Annuleren")
    question = scene.last(chat)
    await scene.press(scene.anna, question, "Ja, annuleren")
    assert await scene.forge(scene.anna, question, "slp:v1:cxy:1") == gone
    assert await scene.forge(scene.hubhome, card, "slp:v1:cxy:1") == gone
    assert await scene.forge(scene.anna, question, "slp:v1:take:1") == gone
    assert stored(scene, "SELECT state, cancelled_by FROM sleepovers") == [("cancelled", "family")]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(0,)]
    assert len([t for t in scene.bot_texts(hub) if t.startswith("✖️ Anna heeft")]) == 1


async def test_a_carer_who_left_cannot_press_an_old_card(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    henk = await second_carer(scene)
    await send(scene, "/logeren zaterdag | 1 kind")
    card = scene.last(scene.private(henk))
    await scene.sim.user_removed(scene.group, henk, by=scene.admin)
    await scene.bot.settle()
    assert await scene.press(henk, card, "✅ Bevestigen") == STALE
    assert await scene.press(henk, card, "📅 Andere datum voorstellen") == STALE
    assert await scene.forge(henk, card, "slp:v1:why:1:full") == STALE
    assert await scene.forge(henk, card, "slp:v1:seen:1") == STALE
    assert stored(scene, "SELECT state, seen_by FROM sleepovers") == [("asked", None)]


async def test_names_nicknames_and_notes_are_shown_as_text_never_as_markup(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    eve = scene.sim.add_user("<b>Eve</b> & <i>co", language_code="nl")
    await scene.sim.user_joins(scene.group, eve)
    await scene.bot.settle()
    await scene.say(eve, scene.group, "hoi")
    await scene.say(eve, scene.private(eve), "/start")
    await send(
        scene, "/logeren zaterdag | 1 kind | <b>x</b> | <a href='tg://user?id=1'>klik</a>", eve
    )
    card = scene.last(scene.private(scene.hubhome))
    assert card.plain_text.splitlines()[:4] == [
        "🛏️ Logeervraag L1 van <b>Eve</b> & <i>co",
        "📅 za 28 nov → zo 29 nov · 1 nacht",
        "👧 1 kind (<b>x</b>)",
        "💬 <a href='tg://user?id=1'>klik</a>",
    ]
    await scene.press(scene.hubhome, card, "📅 Andere datum voorstellen")
    assert scene.last(scene.private(scene.hubhome)).plain_text.startswith(
        "Welke nachten stel je <b>Eve</b> & <i>co voor?"
    )
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/annuleren")
    await scene.say(scene.hubhome, hub, "/bedden meenemen <b>pyjama</b>")
    await scene.say(scene.hubhome, hub, "/bedden")
    assert "🎒 Meenemen: <b>pyjama</b>" in scene.last(hub).plain_text


async def test_full_names_long_texts_and_odd_counts_are_refused(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat = scene.private(scene.anna)
    full = "Dat lijkt op een volledige naam."
    for line, expected in (
        ("/logeren zaterdag | 2 kinderen | Sem de Vries", full),
        ("/logeren zaterdag | 1 kind | Noor Jansen", full),
        ("/logeren zaterdag | 2 kinderen | S. en Noor Jansen", full),
        ("/logeren zaterdag | 0 kinderen", "Typ een aantal van 1 tot 10"),
        ("/logeren zaterdag | 11 kinderen", "Typ een aantal van 1 tot 10"),
        ("/logeren nu 99", "Typ een aantal van 1 tot 10"),
        ("/logeren | 2 kinderen", "Welke nachten?"),
        ("/logeren gisteren | 1 kind", "Die nacht is al voorbij."),
        ("/logeren 1 dec - 20 dec | 1 kind", "Dat is langer dan 14 nachten."),
        ("/logeren zaterdag | 1 kind | " + "J" * 5000, "Dat is te lang."),
    ):
        await scene.say(scene.anna, chat, line)
        assert scene.last(chat).plain_text.startswith(expected), (line, scene.last(chat).plain_text)
    # Step by step: a full name and 5000 characters are refused; an emoji nickname is fine.
    await scene.say(scene.anna, chat, "/logeren")
    await scene.say(scene.anna, chat, "zaterdag")
    await scene.say(scene.anna, chat, "2 kinderen")
    await scene.say(scene.anna, chat, "Noor Jansen en Sem")
    assert scene.last(chat).plain_text.startswith(full)
    await scene.say(scene.anna, chat, "🐻 en 🦊")
    await scene.say(scene.anna, chat, "x" * 5000)
    assert scene.last(chat).plain_text.startswith("Dat is te lang (hooguit 300 tekens).")
    await scene.say(scene.anna, chat, "bedtijd 19:00 <script>")
    preview = scene.last(chat).plain_text
    assert "👧 2 kinderen (🐻 en 🦊)" in preview and "💬 bedtijd 19:00 <script>" in preview
    assert stored(scene, "SELECT COUNT(*) FROM sleepovers") == [(0,)]  # nothing sent yet


async def test_emergency_variants_go_at_once_even_at_three_in_the_morning(scene: Scene) -> None:
    """Quiet hours never hold back an emergency; "/logeren NU!", "/sleepover now 2 kids" and
    "/logeren nu | 2 | J." all are emergencies (the short forms go at once)."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    clock_of(scene).advance(timedelta(hours=17))  # Monday 03:00
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, chat, "/logeren nu | 2 | J.")
    assert scene.last(chat).plain_text.startswith("🚨 Je noodvraag is verstuurd naar Hanneke")
    assert (
        scene.last(hub).plain_text.splitlines()[0] == "🚨 NOODVRAAG L1 van Anna: vannacht logeren"
    )
    assert "👧 2 kinderen (J.)" in scene.last(hub).plain_text
    await scene.say(scene.bert, scene.private(scene.bert), "/sleepover now 2 kids")
    assert scene.last(hub).plain_text.startswith("🚨 NOODVRAAG L2 van Bert")
    await scene.say(scene.anna, chat, "/logeren NU!")
    assert scene.last(chat).plain_text.startswith("🚨 Hoeveel kinderen?")
    await scene.press(scene.anna, scene.last(chat), "1")
    assert scene.last(hub).plain_text.startswith("🚨 NOODVRAAG L3 van Anna")
    assert stored(scene, "SELECT kind FROM sleepovers") == [("emergency",)] * 3


@pytest.mark.usefixtures("production_logging")
async def test_logs_hold_no_nicknames_notes_or_names(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 2 kinderen | Pim en Zus | Knuffelbeer Bobbie mee")
    await scene.press(scene.hubhome, scene.last(hub), "📅 Andere datum voorstellen")
    await scene.say(scene.hubhome, hub, "vr 4 dec")
    await scene.press(scene.anna, scene.last(chat), "✅ Ja, graag")
    await scene.say(scene.anna, chat, "/logeren nu 1 | Kiki | Mama ligt in het ziekenhuis")
    clock_of(scene).advance(timedelta(minutes=20))
    await scene.bot.tick()
    text = logged(caplog)
    for secret in ("Pim", "Zus", "Knuffelbeer", "Kiki", "ziekenhuis", "Anna", "Hanneke", "Lotte"):
        assert secret not in text, secret


async def test_nothing_of_a_sleepover_reaches_the_group(scene: Scene) -> None:
    """Commands typed in the group get a pointer only (nothing stored); a whole life — asked,
    proposed, taken, cancelled, an emergency escalated, a decline — adds nothing to the group."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    for command in ("/logeren nu 2", "/bedden 5", "/weg zaterdag | Anna", "/sleepover now"):
        who = scene.hubhome if command.startswith(("/bedden", "/weg")) else scene.anna
        await scene.say(who, scene.group, command)
        assert scene.last(scene.group).plain_text.startswith("🛏️ Logeren en bedden regel je privé")
    assert stored(scene, "SELECT COUNT(*) FROM sleepovers") == [(0,)]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_settings") == [(0,)]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_away") == [(0,)]
    before = scene.bot_texts(scene.group)
    await send(scene, "/logeren zaterdag | 1 kind | J. | Geheim briefje")
    await scene.press(scene.hubhome, scene.last(hub), "📅 Andere datum voorstellen")
    await scene.say(scene.hubhome, hub, "vr 4 dec")
    await scene.press(scene.anna, scene.last(chat), "✅ Ja, graag")
    await scene.say(scene.anna, chat, "/logeren nu 1")
    clock_of(scene).advance(timedelta(minutes=16))
    await scene.bot.tick()
    await scene.press(scene.hubhome, scene.last(hub), "❌ Lukt niet")
    await scene.press(scene.hubhome, scene.refreshed(scene.last(hub)), "Zonder reden")
    assert scene.bot_texts(scene.group) == before


async def test_odd_bed_counts_and_forged_months_change_nothing(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    hub = scene.private(scene.hubhome)
    for text in ("/bedden 11", "/bedden -1", "/bedden drie", "/bedden 3 bedden", "/bedden 2.5"):
        await scene.say(scene.hubhome, hub, text)
        assert scene.last(hub).plain_text.startswith("Typ het aantal bedden, 0 tot 10")
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_settings") == [(0,)]
    await scene.say(scene.hubhome, hub, "/bedden")
    overview = scene.last(hub)
    for data in ("month:1:2026:13", "month:1:0:1", "month:1:99999:1", "night:1:2026:2:30",
                 "night:1:2026:11", "limit:1", "more:1:1", "unaway:1:-1"):  # fmt: skip
        assert await scene.forge(scene.hubhome, overview, f"beds:v1:{data}") == STALE, data
    assert scene.refreshed(overview).plain_text == overview.plain_text
    await scene.say(scene.hubhome, hub, "/bedden 10")
    await scene.say(scene.hubhome, hub, "/bedden")
    await scene.press(scene.hubhome, scene.last(hub), "➕ bed")
    assert stored(scene, "SELECT beds FROM sleepover_settings") == [(10,)]


async def test_away_refuses_the_hub_home_unknown_and_departed_backups(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    await scene.sim.user_leaves(scene.group, scene.bert)
    await scene.bot.settle()
    hub = scene.private(scene.hubhome)
    for backup in ("Hanneke", "Bert", "Xyz"):
        await scene.say(scene.hubhome, hub, f"/weg zaterdag | {backup}")
        assert scene.last(hub).plain_text.startswith(f"Ik vind niemand die {backup} heet")
    for who in (scene.liaison, scene.anna):
        await scene.say(who, scene.private(who), "/weg zaterdag")
        assert (
            scene.last(scene.private(who)).plain_text == "Alleen het kerngezin kan dit veranderen."
        )
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_away") == [(0,)]
    await scene.say(scene.hubhome, hub, "/weg zaterdag | anna")  # a family that agreed
    assert scene.last(hub).plain_text.endswith("achtervang: Anna")
    # Anna is not the backup of her own ask: it goes to the hub home only.
    await send(scene, "/logeren zaterdag | 1 kind")
    assert scene.last(scene.private(scene.anna)).plain_text.startswith("📨 Verstuurd naar Hanneke.")


async def test_a_family_that_left_keeps_its_ask_answered_and_can_cancel(scene: Scene) -> None:
    """Anna leaves the group while her ask is open: the hub home still sees and answers the card;
    Anna hears the answer and can still cancel (the bed frees, Hanneke is told)."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await send(scene, "/logeren zaterdag | 1 kind")
    card = scene.last(hub)
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    assert scene.refreshed(card).button_texts[0] == ["✅ Bevestigen", "❌ Afwijzen"]
    await scene.press(scene.hubhome, card, "✅ Bevestigen")
    confirmation = scene.last(chat)
    assert confirmation.plain_text.startswith("✅ Hanneke heeft je logeervraag bevestigd")
    await scene.press(scene.anna, confirmation, "✖️ Annuleren")
    await scene.press(scene.anna, scene.last(chat), "Ja, annuleren")
    assert stored(scene, "SELECT state FROM sleepovers") == [("cancelled",)]
    assert stored(scene, "SELECT COUNT(*) FROM sleepover_beds") == [(0,)]
    assert scene.last(hub).plain_text.startswith("✖️ Anna heeft het logeren")


async def test_erasing_a_backup_who_confirmed_still_tells_the_hub_home_of_a_cancel(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.bert))
    hub, berts = scene.private(scene.hubhome), scene.private(scene.bert)
    await scene.say(scene.hubhome, hub, "/weg 4 dec - 6 dec | Bert")
    chat = scene.private(scene.anna)
    await send(scene, "/logeren za 5 dec | 1 kind | J. | Bert weet ervan")
    card = scene.last(berts)
    await scene.press(scene.bert, card, card.button_texts[0][0])
    confirmation = scene.last(chat)
    await scene.say(scene.bert, berts, "/forgetme")
    await scene.press(scene.bert, scene.last(berts), scene.last(berts).button_texts[0][0])
    assert stored(scene, "SELECT answered_by FROM sleepovers") == [(None,)]
    assert stored(scene, "SELECT backup_id FROM sleepover_away") == [(None,)]
    await scene.press(scene.anna, confirmation, "✖️ Annuleren")
    await scene.press(scene.anna, scene.last(chat), "Ja, annuleren")
    assert scene.last(hub).plain_text.startswith("✖️ Anna heeft het logeren (za 5 dec")


async def test_retention_clears_notes_of_declined_and_lapsed_asks_too(scene: Scene) -> None:
    from bot.handlers.privacy import run_retention

    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await send(scene, "/logeren zaterdag | 1 kind | J. | Slaapt met licht aan")
    card = scene.last(scene.private(scene.hubhome))
    await scene.press(scene.hubhome, card, "❌ Afwijzen")
    await scene.press(scene.hubhome, scene.refreshed(card), "Geen bed vrij")
    await send(scene, "/logeren maandag | 1 kind | M. | Heeft astma")
    clock_of(scene).advance(timedelta(days=100))
    await scene.bot.tick()
    await run_retention(scene.bot.app)
    assert stored(scene, "SELECT state, nicknames, note, reason FROM sleepovers ORDER BY id") == [
        ("declined", None, None, None),
        ("unanswered", None, None, None),
    ]


async def test_a_plain_start_is_enough_for_a_kept_ask_to_reach_the_hub_home(scene: Scene) -> None:
    """The hub home opens her private chat with a plain /start (no link button): the ask kept
    for her arrives as a card at once, without her having to open /bedden first."""
    await scene.with_roles(linked=(scene.anna,))
    await send(scene, "/logeren zaterdag | 1 kind")
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/start")
    await scene.bot.tick()
    assert cards(scene, hub, "L1"), "the kept ask did not reach the hub home after /start"


async def test_an_erased_carer_leaves_no_trace_in_a_waiting_escalation(scene: Scene) -> None:
    """The family's "nobody reacted, now asked: Lotte" waits (Telegram failing for Anna); Lotte
    erases herself meanwhile: the waiting notice no longer lists her."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna, scene.liaison))
    clock = clock_of(scene)
    clock.advance(timedelta(hours=13))
    await scene.say(scene.anna, scene.private(scene.anna), "/logeren nu 2")  # goes at once
    scene.sim.inject_fault("sendMessage", error_code=500, chat_id=scene.anna.id, times=5)
    clock.advance(timedelta(minutes=16))
    await scene.bot.tick()

    def asked() -> list[object]:
        with sqlite3.connect(scene.bot.settings.database_path) as db:
            rows = db.execute("SELECT json_extract(refs, '$.asked') FROM outbox").fetchall()
        return [row[0] for row in rows if row[0] is not None]

    assert any(str(scene.liaison.id) in str(value) for value in asked())
    lotte = scene.private(scene.liaison)
    await scene.say(scene.liaison, lotte, "/vergeetmij")
    await scene.press(scene.liaison, scene.last(lotte), "🗑️ Ja, wis alles")
    assert asked() and not any(str(scene.liaison.id) in str(value) for value in asked())
