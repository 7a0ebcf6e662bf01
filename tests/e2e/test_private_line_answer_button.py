"""The answer button under a member's message: "↩️ Antwoorden", then just type (issue 16).

Each press, and the message after it, is checked again on the server; the answer never takes
a guided flow's text, nor a flow the answer's."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.simulator.world import SimChat, SimMessage
from tests.e2e.conftest import Scene
from tests.e2e.test_private_line import _copy_of, _ready

HEADER = "📨 Bericht van Anna — Constellatie De Linde"
PROMPT = "↩️ Je volgende bericht gaat naar Anna (De Linde). Typ het maar; dit geldt een half uur."
STOPPED = "Gestopt. Er is niets verstuurd."
HINT = "Je bent zelf het kerngezin, dus dit bericht stuur ik niet door."
STALE = "Deze knop werkt niet meer."


async def _anna_wrote(scene: Scene, text: str) -> tuple[SimChat, SimChat, SimMessage, int]:
    """De Linde ready; Anna wrote ``text``. Her chat, Hanneke's, Hanneke's copy, and how many
    messages Anna has had from the bot by then."""
    await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna_chat, text)
    return anna_chat, hub, scene.last(hub), len(scene.sim.bot_messages(anna_chat))


async def _answer_button(scene: Scene, copy: SimMessage) -> SimMessage:
    """Hanneke presses "↩️ Antwoorden" under ``copy``; the prompt it brought."""
    await scene.press(scene.hubhome, copy, "↩️ Antwoorden")
    return scene.last(scene.private(scene.hubhome))


async def test_press_then_type_and_the_answer_goes_back(scene: Scene) -> None:
    henk = await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna_chat, "Kun je me vanavond bellen?")
    copy = scene.last(hub)
    assert copy.button_texts == [["↩️ Antwoorden"]]

    prompt = await _answer_button(scene, copy)
    assert prompt.plain_text == PROMPT
    assert prompt.button_texts == [["✖️ Stoppen"]]
    assert prompt.reply_to is not None and prompt.reply_to.message_id == copy.message_id
    assert scene.last(anna_chat).plain_text.startswith("✅ Doorgestuurd")  # nothing yet

    await scene.say(scene.hubhome, hub, "Ik bel je om <acht> uur")  # no long-press: just typed
    assert scene.last(anna_chat).plain_text == "🏠 Hanneke (kerngezin):\n\nIk bel je om <acht> uur"
    assert scene.last(hub).plain_text == "✅ Je antwoord is naar Anna gestuurd."
    assert scene.refreshed(prompt).button_texts == []  # done: its stop button is gone
    assert scene.last(scene.private(henk)).plain_text == "✅ Hanneke heeft dit beantwoord."

    # One message only: the one after goes nowhere, as before the press.
    answers = len(scene.sim.bot_messages(anna_chat))
    await scene.say(scene.hubhome, hub, "En nog iets")
    assert scene.last(hub).plain_text.startswith(HINT)
    assert len(scene.sim.bot_messages(anna_chat)) == answers

    # A Telegram reply to another copy while a press waits goes to that copy's writer.
    await scene.say(scene.bert, scene.group, "Hello all")
    await scene.say(scene.bert, scene.private(scene.bert), "Hi, quick question")
    bert_copy = _copy_of(scene, scene.hubhome, "📨 Bericht van Bert")
    prompt = await _answer_button(scene, copy)
    await scene.say(scene.hubhome, hub, "Tell me", reply_to=bert_copy)
    assert scene.last(scene.private(scene.bert)).plain_text == "🏠 Hanneke (hub home):\n\nTell me"
    assert len(scene.sim.bot_messages(anna_chat)) == answers
    assert scene.refreshed(prompt).button_texts == []

    # The liaison, once Anna lets her read along, answers the same way.
    await scene.say(scene.liaison, scene.private(scene.liaison), "/start")
    await scene.say(scene.anna, anna_chat, "Ook voor Lotte")
    await scene.press(scene.anna, scene.last(anna_chat), "🤝 Ook naar de contactpersoon")
    lotte_chat = scene.private(scene.liaison)
    await scene.press(scene.liaison, scene.last(lotte_chat), "↩️ Antwoorden")
    await scene.say(scene.liaison, lotte_chat, "Goed dat je het zegt")
    assert scene.last(anna_chat).plain_text == "🤝 Lotte (contactpersoon):\n\nGoed dat je het zegt"


async def test_stop_cancel_and_half_an_hour_later(scene: Scene) -> None:
    anna_chat, hub, copy, before = await _anna_wrote(scene, "Hoe gaat het?")

    prompt = await _answer_button(scene, copy)
    stop = prompt.buttons[0][0].callback_data
    assert stop is not None
    await scene.press(scene.hubhome, prompt, "✖️ Stoppen")
    assert scene.refreshed(prompt).plain_text == STOPPED
    await scene.say(scene.hubhome, hub, "Goed hoor")
    assert scene.last(hub).plain_text.startswith(HINT)
    # That stop button, pressed again (or under a new prompt), does nothing.
    newer = await _answer_button(scene, copy)
    assert await scene.forge(scene.hubhome, prompt, stop) == STALE
    assert scene.refreshed(newer).button_texts == [["✖️ Stoppen"]]

    # /annuleren stops it too.
    await scene.say(scene.hubhome, hub, "/annuleren")
    assert scene.last(hub).plain_text == STOPPED
    assert scene.refreshed(newer).plain_text == STOPPED
    await scene.say(scene.hubhome, hub, "Goed hoor")
    assert scene.last(hub).plain_text.startswith(HINT)

    # After half an hour the press no longer counts: the message goes nowhere, said so.
    prompt = await _answer_button(scene, copy)
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(minutes=31))
    await scene.say(scene.hubhome, hub, "Sorry, te laat")
    assert scene.last(hub).plain_text.startswith("⌛ Dit bericht is niet verstuurd")
    assert scene.refreshed(prompt).plain_text == STOPPED
    assert len(scene.sim.bot_messages(anna_chat)) == before
    # A Telegram reply still works, as always.
    await scene.say(scene.hubhome, hub, "Nu wel", reply_to=copy)
    assert scene.last(anna_chat).plain_text == "🏠 Hanneke (kerngezin):\n\nNu wel"


async def test_forged_and_other_peoples_presses(scene: Scene) -> None:
    henk = await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    await scene.say(scene.anna, anna_chat, "Eerste bericht")
    first = scene.last(hub)
    await scene.say(scene.anna, anna_chat, "Tweede bericht")
    second = scene.last(hub)
    first_data = first.buttons[0][0].callback_data
    second_data = second.buttons[0][0].callback_data
    assert first_data and second_data and first_data != second_data
    before = len(scene.sim.bot_messages(anna_chat))

    # Bert, a member, forges the button on a message in his own chat.
    bert_chat = scene.private(scene.bert)
    await scene.say(scene.bert, scene.group, "Hello all")
    await scene.say(scene.bert, bert_chat, "/start")
    assert await scene.forge(scene.bert, scene.last(bert_chat), first_data) == (
        "This button no longer works."
    )
    # ... and presses the real one on Hanneke's copy (Telegram would not let him): nothing.
    assert await scene.press(scene.bert, first, "↩️ Antwoorden") == "This button no longer works."
    # Henk, the other carer, pressing Hanneke's copy: nothing either.
    assert await scene.press(henk, first, "↩️ Antwoorden") == STALE
    # Bert's next message is his own to the hub home, never an answer to Anna.
    await scene.say(scene.bert, bert_chat, "Just me")
    assert scene.last(hub).plain_text.startswith("📨 Bericht van Bert")
    assert len(scene.sim.bot_messages(anna_chat)) == before
    assert not [m for m in scene.sim.bot_messages(hub) if m.plain_text == PROMPT]
    assert not [m for m in scene.sim.bot_messages(scene.private(henk)) if m.plain_text == PROMPT]

    # Hanneke's own copy with the other message's data: the message pressed decides.
    assert await scene.forge(scene.hubhome, first, second_data) == STALE
    assert not [m for m in scene.sim.bot_messages(hub) if m.plain_text == PROMPT]

    # Pressed while hub home, typed after the admin made her a member: refused, sent nowhere.
    prompt = await _answer_button(scene, first)
    assert prompt.plain_text == PROMPT
    hello = await scene.say(scene.hubhome, scene.group, "Ik stop als kerngezin")
    await scene.say(scene.admin, scene.group, "/lid", reply_to=hello)
    await scene.say(scene.hubhome, hub, "Dit mag niet aankomen")
    assert scene.last(hub).plain_text == (
        "🚫 Dit antwoord stuur ik niet door: je kreeg dat bericht als kerngezin van De Linde, en "
        "dat ben je nu niet meer."
    )
    # And a new press says so at once.
    await scene.press(scene.hubhome, first, "↩️ Antwoorden")
    assert scene.last(hub).plain_text.startswith("🚫 Dit antwoord stuur ik niet door")

    # Henk pressed; then Anna erased herself: his message goes nowhere.
    henk_chat = scene.private(henk)
    await scene.press(henk, _copy_of(scene, henk, HEADER), "↩️ Antwoorden")
    assert scene.last(henk_chat).plain_text == PROMPT
    await scene.say(scene.anna, anna_chat, "/vergeetmij")
    await scene.press(scene.anna, scene.last(anna_chat), "🗑️ Ja, wis alles")
    erased = len(scene.sim.bot_messages(anna_chat))
    await scene.say(henk, henk_chat, "Ben je er nog?")
    assert scene.last(henk_chat).plain_text == (
        "Ik kan niet meer vinden van wie dit bericht was; je antwoord is niet verstuurd."
    )
    assert len(scene.sim.bot_messages(anna_chat)) == erased
    assert "Dit mag niet aankomen" not in scene.bot_texts(anna_chat)


async def test_the_answer_and_guided_flows_never_take_each_others_text(scene: Scene) -> None:
    anna_chat, hub, copy, before = await _anna_wrote(scene, "Heb je even?")

    # Pressed, then a flow started: the flow gets what she types.
    prompt = await _answer_button(scene, copy)
    await scene.say(scene.hubhome, hub, "/hulpvraag")
    assert scene.refreshed(prompt).plain_text == STOPPED
    flow = scene.last(hub)
    await scene.press(scene.hubhome, flow, "🚗 Vervoer")
    await scene.say(scene.hubhome, hub, "Wie kan er rijden?")
    assert scene.last(hub).plain_text == "Wanneer is het nodig?"
    assert len(scene.sim.bot_messages(anna_chat)) == before

    # In a flow that waits for typed text, pressed: the answer gets the next message; the
    # flow, still there, the one after.
    await scene.say(scene.hubhome, hub, "/hulpvraag")
    await scene.press(scene.hubhome, scene.last(hub), "🛏️ Logeren")
    assert scene.last(hub).plain_text.startswith("🛏️ Logeren\n\nWat is er nodig?")
    await _answer_button(scene, copy)
    await scene.say(scene.hubhome, hub, "Ja hoor, zeg het maar")
    assert scene.last(anna_chat).plain_text == "🏠 Hanneke (kerngezin):\n\nJa hoor, zeg het maar"
    await scene.say(scene.hubhome, hub, "Een bed voor zaterdag")
    assert scene.last(hub).plain_text == "Wanneer is het nodig?"
    answered = len(scene.sim.bot_messages(anna_chat))

    # Pressed, then a button of the flow: she turned back to the flow, so no answer waits.
    flow = scene.last(hub)
    prompt = await _answer_button(scene, copy)
    await scene.press(scene.hubhome, flow, "Vandaag")
    assert scene.refreshed(prompt).plain_text == STOPPED
    await scene.say(scene.hubhome, hub, "Dit is geen antwoord voor Anna")
    assert len(scene.sim.bot_messages(anna_chat)) == answered
