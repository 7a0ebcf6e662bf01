"""Help requests end to end: post, claim (also in a race), release, done, withdraw, escalate."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

from bot.clock import FakeClock
from bot.domain import RequestState
from tests.e2e.conftest import Scene, both_modes


async def _ready(scene: Scene) -> None:
    """Constellation with Hanneke as hub home and Lotte as liaison."""
    await scene.set_up("De Linde")
    hello = await scene.say(scene.hubhome, scene.group, "hoi")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    note = await scene.say(scene.liaison, scene.group, "hallo")
    await scene.say(scene.admin, scene.group, "/contactpersoon", reply_to=note)


async def _state(scene: Scene, number: int) -> RequestState:
    _, request = await scene.bot.app.bot_data.services.requests.by_number(scene.group.id, number)
    return request.state


@both_modes
async def test_post_and_claim_and_resolve(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(
        scene.anna,
        scene.group,
        "/hulpvraag #oppas #dringend Wie kan <b>zaterdag</b> op Sem passen?",
    )
    card = scene.last(scene.group)
    assert card.plain_text.splitlines()[:4] == [
        "🆘 Hulpvraag #1 · 🧸 Oppas · 🔴 Dringend",
        "Van: Anna",
        "",
        "Wie kan <b>zaterdag</b> op Sem passen?",
    ]
    assert card.plain_text.endswith("🟢 Open: wie kan helpen?")
    assert card.button_texts == [["🙋 Ik help"], ["✅ Afronden", "↩️ Intrekken"]]

    popup = await scene.press(scene.anna, card, "🙋 Ik help")
    assert popup == "Dit is je eigen hulpvraag; die kun je niet zelf oppakken."
    popup = await scene.press(scene.bert, card, "🙋 Ik help")
    assert popup is not None and popup.startswith("Alleen het kerngezin en de contactpersoon")
    assert await _state(scene, 1) is RequestState.OPEN

    popup = await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert popup == "Dank je wel! Je helpt met hulpvraag #1."
    card = scene.refreshed(card)
    assert card.plain_text.endswith("🤝 Hanneke helpt")
    assert card.button_texts == [["✅ Afronden"], ["🔓 Toch niet", "↩️ Intrekken"]]
    # Anna never linked her private chat: she hears it in the group, as a reply to the card.
    notice = scene.last(scene.group)
    assert (
        notice.plain_text == "Anna: 🤝 Goed nieuws: Hanneke helpt je met hulpvraag #1 (🧸 Oppas)."
    )
    assert notice.reply_to is not None and notice.reply_to.message_id == card.message_id

    await scene.press(scene.anna, card, "✅ Afronden")
    card = scene.refreshed(card)
    assert card.button_texts == [["✅ Geholpen", "🌓 Deels"], ["🙅 Niet meer nodig", "« Terug"]]
    popup = await scene.press(scene.bert, card, "✅ Geholpen")
    assert popup is not None and popup.startswith("Alleen de vrager, de helper of het kerngezin")
    await scene.press(scene.anna, card, "✅ Geholpen")
    card = scene.refreshed(card)
    assert card.plain_text.endswith("✅ Afgerond: geholpen")
    assert card.buttons == []
    assert await _state(scene, 1) is RequestState.RESOLVED


async def test_claim_notice_goes_by_dm_when_linked(scene: Scene) -> None:
    await _ready(scene)
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/start")
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Lift naar het bezoek")
    await scene.say(scene.hubhome, scene.group, "/ikhelp 1")
    assert scene.last(scene.group).plain_text == "Dank je wel! Je helpt met hulpvraag #1."
    assert scene.last(private).plain_text == (
        "🤝 Goed nieuws: Hanneke helpt je met hulpvraag #1 (🚗 Vervoer)."
    )


async def test_commands_and_refusals(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag")
    assert "Zo vraag je hulp" in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, "/hulpvraag #advies Schoolgesprek, tips?")
    await scene.say(scene.hubhome, scene.group, "/ikhelp")
    assert "Zet het nummer erachter" in scene.last(scene.group).plain_text
    await scene.say(scene.hubhome, scene.group, "/ikhelp 9")
    assert scene.last(scene.group).plain_text == "Hulpvraag #9 bestaat niet in deze groep."
    await scene.say(scene.liaison, scene.group, "/claim 1")
    await scene.say(scene.hubhome, scene.group, "/claim 1")
    assert scene.last(scene.group).plain_text.startswith("Lotte was je net voor")
    await scene.say(scene.hubhome, scene.group, "/loslaten 1")
    assert "Alleen wie deze hulpvraag heeft opgepakt" in scene.last(scene.group).plain_text
    await scene.say(scene.liaison, scene.group, "/release 1")
    # The answer to the command first, then Anna's notice (she has no private chat).
    assert scene.bot_texts(scene.group)[-2:] == [
        "Hulpvraag #1 staat weer open.",
        "Anna: Lotte kan toch niet helpen met hulpvraag #1 (💡 Advies). Je vraag staat weer open.",
    ]
    assert await _state(scene, 1) is RequestState.OPEN
    await scene.say(scene.bert, scene.group, "/intrekken 1")
    assert "Alleen wie de hulpvraag stelde" in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, "/intrekken 1")
    assert scene.last(scene.group).plain_text == "Hulpvraag #1 is ingetrokken."
    assert await _state(scene, 1) is RequestState.WITHDRAWN
    await scene.say(scene.hubhome, scene.group, "/klaar 1")
    assert scene.last(scene.group).plain_text == "Deze hulpvraag is al afgesloten."


async def test_a_sleepover_request_in_the_group_gets_a_gentle_hint(scene: Scene) -> None:
    """The request is posted as asked; the requester also hears that the hub home's beds can
    be asked privately (/logeren), where nobody else learns who needs respite."""
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag #logeren Kan iemand zaterdag?")
    texts = scene.bot_texts(scene.group)
    assert any(text.startswith("🆘 Hulpvraag #1 · ") for text in texts[-2:])
    [hint] = [text for text in texts[-2:] if text.startswith("💡")]
    assert "/logeren in je chat met mij" in hint
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan vrijdag?")
    assert not any(text.startswith("💡") for text in scene.bot_texts(scene.group)[-2:])


async def test_list_requests(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvragen")
    assert "geen open hulpvragen" in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, "/hulpvraag #spullen Wie heeft een autostoeltje?")
    await scene.say(scene.bert, scene.group, "/request #urgent Need a lift tonight")
    await scene.say(scene.hubhome, scene.group, "/ikhelp 1")
    await scene.say(scene.anna, scene.group, "/hulpvragen")
    lines = scene.last(scene.group).plain_text.splitlines()
    assert lines[0] == "Open hulpvragen in De Linde"
    assert lines[2] == "• #2 🙋 Overig van Bert 🔴 Dringend — 🟢 Open: wie kan helpen?"
    assert lines[3] == "• #1 📦 Spullen van Anna — 🤝 Hanneke helpt"


async def test_claim_race_has_exactly_one_winner(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.admin, scene.group, "/hulpvraag #oppas Vanavond?")
    card = scene.last(scene.group)
    query_ids = await asyncio.gather(
        scene.sim.press_button(scene.hubhome, card, "🙋 Ik help"),
        scene.sim.press_button(scene.liaison, card, "🙋 Ik help"),
    )
    await scene.bot.settle()
    answers = [await scene.sim.wait_callback_answer(q) for q in query_ids]
    texts = sorted(a.text or "" for a in answers)
    assert texts[0].startswith("Dank je wel! Je helpt met hulpvraag #1.")
    assert "was je net voor" in texts[1]


@both_modes
async def test_escalation_to_hub_home_then_liaison_survives_restart(scene: Scene) -> None:
    await _ready(scene)
    hub_private = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub_private, "/start")
    liaison_private = scene.private(scene.liaison)
    await scene.say(scene.liaison, liaison_private, "/start")
    clock = scene.bot.app.bot_data.services.clock
    assert isinstance(clock, FakeClock)
    await scene.say(scene.anna, scene.group, "/hulpvraag #dringend Kan iemand Noor ophalen?")
    clock.advance(timedelta(minutes=29))
    await scene.bot.tick()
    assert scene.sim.bot_messages(hub_private)[-1].plain_text.startswith("Hallo Hanneke")
    clock.advance(timedelta(minutes=2))
    await scene.bot.tick()
    escalation = scene.last(hub_private)
    # What it is about, and a link to its card in the group (issue 16).
    assert escalation.plain_text == (
        "⏰ Hulpvraag #1 van Anna (🙋 Overig) staat al 31 minuten open en niemand heeft nog"
        " gereageerd. Kun jij helpen?\n\nKan iemand Noor ophalen?\n\n👉 Naar de kaart in de groep"
    )
    card = scene.sim.bot_messages(scene.group)[-1]
    assert card.plain_text.startswith("🆘 Hulpvraag #1")
    links = [e.get("url") for e in escalation.entities if e.get("type") == "text_link"]
    assert links == [f"https://t.me/c/{str(scene.group.id)[4:]}/{card.message_id}"]
    assert escalation.button_texts == [["🙋 Ik help"]]
    await scene.bot.restart()
    await scene.bot.tick()
    assert len(scene.sim.bot_messages(hub_private)) == 2  # no repeat after the restart
    clock.advance(timedelta(minutes=30))
    await scene.bot.restart()  # catches up at start-up
    assert scene.last(liaison_private).plain_text.startswith(
        "⚠️ Hulpvraag #1 van Anna (🙋 Overig) staat al 1 uur en 1 minuut open zonder helper"
    )
    # The hub home claims from the escalation DM: the button works in the private chat.
    popup = await scene.press(scene.hubhome, escalation, "🙋 Ik help")
    assert popup == "Dank je wel! Je helpt met hulpvraag #1."
    assert await _state(scene, 1) is RequestState.CLAIMED


async def test_many_presses_at_once_have_exactly_one_winner(scene: Scene) -> None:
    await _ready(scene)
    helpers = [scene.sim.add_user(f"Helper{n}", language_code="nl") for n in range(8)]
    for helper in helpers:
        await scene.sim.user_joins(scene.group, helper)
    await scene.bot.settle()
    await scene.say(scene.admin, scene.group, "/instellingen")
    await scene.press(scene.admin, scene.last(scene.group), "👪 Iedereen")
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Rit naar school")
    card = scene.last(scene.group)
    pressers = [scene.hubhome, scene.liaison, scene.bert, *helpers]
    query_ids = await asyncio.gather(
        *(scene.sim.press_button(person, card, "🙋 Ik help") for person in pressers)
    )
    await scene.bot.settle()
    answers = [(await scene.sim.wait_callback_answer(q)).text or "" for q in query_ids]
    winners = [a for a in answers if a.startswith("Dank je wel!")]
    assert len(winners) == 1
    request = (await scene.bot.app.bot_data.services.requests.by_number(scene.group.id, 1))[1]
    assert request.state is RequestState.CLAIMED
    losers = [a for a in answers if a not in winners]
    assert losers == [f"{request.claimer_name} was je net voor en helpt al. Dank je wel!"] * 10
    assert scene.refreshed(card).plain_text.endswith(f"🤝 {request.claimer_name} helpt")
    # Anna hears it once.
    notices = [t for t in scene.bot_texts(scene.group) if "Goed nieuws" in t]
    assert len(notices) == 1


async def test_quiet_hours_hold_back_a_non_urgent_reminder(scene: Scene) -> None:
    await _ready(scene)
    hub_private = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub_private, "/start")
    clock = scene.bot.app.bot_data.services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(hours=11))  # 21:00 in Amsterdam
    await scene.say(scene.anna, scene.group, "/hulpvraag #spullen Wie heeft een kinderzitje?")
    seen = len(scene.sim.bot_messages(hub_private))
    clock.advance(timedelta(hours=2, minutes=30))  # 23:30: due, but quiet hours
    await scene.bot.tick()
    assert len(scene.sim.bot_messages(hub_private)) == seen
    clock.advance(timedelta(hours=7, minutes=29))  # 06:59
    await scene.bot.tick()
    assert len(scene.sim.bot_messages(hub_private)) == seen
    clock.advance(timedelta(minutes=2))  # 07:01
    await scene.bot.tick()
    assert scene.last(hub_private).plain_text.startswith("⏰ Hulpvraag #1 van Anna (📦 Spullen)")
    # An urgent one at night does not wait.
    await scene.say(scene.anna, scene.group, "/hulpvraag ! Noodopvang vannacht")
    clock.advance(timedelta(hours=14, minutes=30))  # 21:31 …
    await scene.say(scene.anna, scene.group, "/hulpvraag #dringend Wie kan vannacht bellen?")
    clock.advance(timedelta(hours=2, minutes=30))  # 00:01 at night
    await scene.bot.tick()
    assert scene.last(hub_private).plain_text.startswith("⏰ Hulpvraag #3 van Anna")


async def test_a_leading_mark_makes_it_urgent_and_marks_alone_are_no_request(
    scene: Scene,
) -> None:
    """ "!Kan iemand…" is urgent (no space needed), and keeps its first word; "!" or "?!" alone
    posts nothing and explains how to ask."""
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag !Kan iemand vanavond oppassen?")
    card = scene.last(scene.group)
    assert card.plain_text.splitlines()[:4] == [
        "🆘 Hulpvraag #1 · 🙋 Overig · 🔴 Dringend",
        "Van: Anna",
        "",
        "Kan iemand vanavond oppassen?",
    ]
    for marks in ("!", "?!", "!!"):
        await scene.say(scene.anna, scene.group, f"/hulpvraag {marks}")
        assert scene.last(scene.group).plain_text.startswith("Zo vraag je hulp")
    assert "Hulpvraag #2" not in "\n".join(scene.bot_texts(scene.group))


async def test_a_request_for_today_expires_at_midnight(scene: Scene) -> None:
    await _ready(scene)
    clock = scene.bot.app.bot_data.services.clock
    assert isinstance(clock, FakeClock)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas #vandaag Vanmiddag een uurtje?")
    card = scene.last(scene.group)
    assert "📅 Nodig: zondag 22 november" in card.plain_text
    clock.advance(timedelta(hours=13, minutes=59))  # 23:59 local
    await scene.bot.tick()
    assert scene.refreshed(card).plain_text.endswith("🟢 Open: wie kan helpen?")
    clock.advance(timedelta(minutes=2))
    await scene.bot.tick()
    card = scene.refreshed(card)
    assert card.plain_text.endswith("⌛ Verlopen: de datum is voorbij")
    assert card.buttons == []
    assert await _state(scene, 1) is RequestState.EXPIRED
    await scene.say(scene.hubhome, scene.group, "/ikhelp 1")
    assert scene.last(scene.group).plain_text == "Deze hulpvraag is al afgesloten."


async def test_a_button_pressed_in_another_group_changes_nothing(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag Hulp bij verhuizen")
    other = await scene.another_constellation("De Eik", [scene.hubhome])
    _, request = await scene.bot.app.bot_data.services.requests.by_number(scene.group.id, 1)
    popup = await scene.forge(scene.hubhome, scene.last(other), f"req:v1:claim:{request.id}")
    assert popup == "Deze knop werkt niet meer."
    popup = await scene.forge(scene.hubhome, scene.last(other), "req:v1:claim:abc")
    assert popup == "Deze knop werkt niet meer."
    assert await _state(scene, 1) is RequestState.OPEN


async def test_an_english_constellation(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.admin, scene.group, "/language en")
    await scene.say(scene.bert, scene.group, "/request #sleepover #tomorrow Can Mia stay over?")
    card = scene.last(scene.group)
    assert card.plain_text.splitlines()[:2] == ["🆘 Request #1 · 🛏️ Sleepover", "From: Bert"]
    assert "📅 Needed: Monday 23 November" in card.plain_text
    assert card.button_texts == [["🙋 I'll help"], ["✅ Mark done", "↩️ Withdraw"]]
    popup = await scene.press(scene.bert, card, "🙋 I'll help")
    assert popup == "This is your own request; you can't take it on yourself."
    popup = await scene.press(scene.liaison, card, "🙋 I'll help")
    assert popup == "Thank you! You're helping with request #1."
    assert scene.refreshed(card).plain_text.endswith("🤝 Lotte is helping")
    await scene.say(scene.bert, scene.group, "/done 1 partly")
    assert scene.refreshed(card).plain_text.endswith("✅ Done: partly helped")
    assert await _state(scene, 1) is RequestState.RESOLVED


async def test_escalations_never_go_to_the_group(scene: Scene) -> None:
    """The liaison has no linked private chat: the second step reaches nobody. Nothing is
    posted in the group; the hub home hears privately, once, that the liaison cannot be
    reached — also when a second request goes the same way."""
    await _ready(scene)
    hub_private = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub_private, "/start")
    clock = scene.bot.app.bot_data.services.clock
    assert isinstance(clock, FakeClock)
    group_before = scene.bot_texts(scene.group)
    await scene.say(scene.anna, scene.group, "/hulpvraag #dringend Kan iemand ophalen?")
    await scene.say(scene.bert, scene.group, "/hulpvraag #dringend Who can drive?")
    clock.advance(timedelta(hours=1, minutes=5))
    await scene.bot.tick()
    new_in_group = scene.bot_texts(scene.group)[len(group_before) :]
    assert len(new_in_group) == 2  # the two cards, and nothing else
    assert not any("open" in text for text in new_in_group)
    told = [
        text
        for text in scene.bot_texts(hub_private)
        if text.startswith("⚠️ De contactpersoon van De Linde is niet via mij bereikbaar")
    ]
    assert len(told) == 1
    assert stored_count(scene, "SELECT COUNT(*) FROM outbox WHERE chat_id < 0") == 2


def stored_count(scene: Scene, sql: str) -> int:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        value = db.execute(sql).fetchone()[0]
    assert isinstance(value, int)
    return value
