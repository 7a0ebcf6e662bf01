"""Help requests end to end: post, claim (also in a race), release, done, withdraw, escalate."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import FakeClock
from bot.domain import RequestState
from tests.e2e.conftest import Scene


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
    assert scene.bot_texts(scene.group)[-2:] == [
        "Anna: Lotte kan toch niet helpen met hulpvraag #1 (💡 Advies). Je vraag staat weer open.",
        "Hulpvraag #1 staat weer open.",
    ]
    assert await _state(scene, 1) is RequestState.OPEN
    await scene.say(scene.bert, scene.group, "/intrekken 1")
    assert "Alleen wie de hulpvraag stelde" in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, "/intrekken 1")
    assert scene.last(scene.group).plain_text == "Hulpvraag #1 is ingetrokken."
    assert await _state(scene, 1) is RequestState.WITHDRAWN
    await scene.say(scene.hubhome, scene.group, "/klaar 1")
    assert scene.last(scene.group).plain_text == "Deze hulpvraag is al afgesloten."


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
    assert escalation.plain_text == (
        "⏰ Hulpvraag #1 van Anna (🙋 Overig) staat al 31 minuten open en niemand heeft nog"
        " gereageerd. Kun jij helpen?"
    )
    assert escalation.button_texts == [["🙋 Ik help"]]
    await scene.bot.restart()
    await scene.bot.tick()
    assert len(scene.sim.bot_messages(hub_private)) == 2  # no repeat after the restart
    clock.advance(timedelta(minutes=30))
    await scene.bot.restart()  # catches up at start-up
    assert scene.last(liaison_private).plain_text.startswith(
        "⚠️ Hulpvraag #1 van Anna (🙋 Overig) staat al 1 uur en 1 minuten open zonder helper"
    )
    # The hub home claims from the escalation DM: the button works in the private chat.
    popup = await scene.press(scene.hubhome, escalation, "🙋 Ik help")
    assert popup == "Dank je wel! Je helpt met hulpvraag #1."
    assert await _state(scene, 1) is RequestState.CLAIMED
