"""The server's own state is the only authority: no press, command or message reaches what it
should not. Each test is a case seen when a hostile member, an outsider or a person in two
constellations tried it; it must be impossible now.
"""

from __future__ import annotations

from bot.domain import RequestState, Visibility
from bot.simulator.world import SimMessage, SimUser
from tests.e2e.attacks import compose_hidden
from tests.e2e.conftest import Scene

STALE = "Deze knop werkt niet meer."


async def _state(scene: Scene, number: int) -> RequestState:
    _, request = await scene.bot.app.bot_data.services.requests.by_number(scene.group.id, number)
    return request.state


# -- routing of private words ----------------------------------------------------------------


async def _two_constellations(scene: Scene) -> tuple[SimUser, SimUser]:
    """Anna is in De Linde (hub home Hanneke) and De Eik (hub home Bert), and chose De Linde
    for her private line."""
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    eik = await scene.another_constellation("De Eik", [scene.anna, scene.bert])
    hello = await scene.say(scene.bert, eik, "Hallo, Bert hier")
    await scene.say(scene.admin, eik, "/kerngezin", reply_to=hello)
    await scene.say(scene.anna, eik, "Hoi")
    await scene.say(scene.bert, scene.private(scene.bert), "/start")
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Eerste vraag")
    await scene.press(scene.anna, scene.last(anna), "De Linde")
    assert scene.last(scene.private(scene.hubhome)).plain_text.endswith("Eerste vraag")
    return scene.hubhome, scene.bert


async def test_a_choice_that_no_longer_holds_is_asked_again_not_guessed(scene: Scene) -> None:
    """Critical: the bot is removed from De Linde; Anna's next private message about a foster
    child went to De Eik's hub home, and she was told it was passed on."""
    _, bert = await _two_constellations(scene)
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    anna = scene.private(scene.anna)
    bert_before = scene.bot_texts(scene.private(bert))
    await scene.say(scene.anna, anna, "Het gaat niet goed met Noor")
    assert scene.bot_texts(scene.private(bert)) == bert_before  # nothing reached De Eik
    question = scene.last(anna)
    assert question.plain_text.startswith(
        "⚠️ Je berichten gingen naar het kerngezin van De Linde, maar die constellatie kan ik"
        " niet meer bereiken."
    )
    assert question.button_texts == [["De Eik"]]
    # She decides: only now does it go, to where she said.
    await scene.press(scene.anna, question, "De Eik")
    assert scene.last(scene.private(bert)).plain_text.endswith("Het gaat niet goed met Noor")


async def test_with_nowhere_left_a_private_message_is_not_passed_on(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Eerste vraag")  # De Linde: her only one, remembered
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    hub_before = scene.bot_texts(scene.private(scene.hubhome))
    await scene.say(scene.anna, anna, "Tweede vraag")
    assert scene.last(anna).plain_text.startswith(
        "⚠️ Je berichten gingen naar het kerngezin van De Linde"
    )
    assert "niet doorgestuurd" in scene.last(anna).plain_text
    assert scene.bot_texts(scene.private(scene.hubhome)) == hub_before


# -- hidden requests ---------------------------------------------------------------------------


async def _hidden_request(scene: Scene, requester: SimUser) -> SimMessage:
    """``requester`` asks the hub home only; returns Hanneke's private copy of the card."""
    private = scene.private(requester)
    await scene.say(requester, private, "/hulpvraag #praten Het contactbezoek ging slecht")
    flow = scene.last(private)
    await scene.press(requester, flow, "Geen datum")
    await scene.press(requester, flow, "Nee, niet dringend")
    await scene.press(requester, flow, "🏠 Alleen het kerngezin")
    await scene.press(requester, flow, "✅ Versturen")
    card = scene.last(scene.private(scene.hubhome))
    assert card.plain_text.startswith("🆘 Hulpvraag #P1")  # hidden ones count on their own
    return card


async def _hidden_id(scene: Scene) -> int:
    services = scene.bot.app.bot_data.services
    constellation = await services.constellations.for_chat(scene.group.id)
    assert constellation is not None
    request = await services.requests.by_number_in(constellation.id, 1, Visibility.HUBHOME)
    assert request is not None
    return request.id


async def test_a_forged_claim_of_a_hidden_request_in_a_private_chat_changes_nothing(
    scene: Scene,
) -> None:
    """The liaison (and, where every member may claim, any member) forged 'claim' for a
    hub-home-only request in their own private chat and took it on."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna, scene.bert))
    await scene.say(scene.admin, scene.group, "/instellingen")
    await scene.press(scene.admin, scene.last(scene.group), "👪 Iedereen")
    await _hidden_request(scene, scene.anna)
    request_id = await _hidden_id(scene)
    for user in (scene.liaison, scene.bert):
        chat = scene.private(user)
        await scene.say(user, chat, "/privacy")  # any message of the bot to press on
        popup = await scene.forge(user, scene.last(chat), f"req:v1:claim:{request_id}")
        missing = await scene.forge(user, scene.last(chat), "req:v1:claim:99")
        assert popup == missing  # the same as for a request that does not exist
        assert popup in (STALE, "This button no longer works.")
    services = scene.bot.app.bot_data.services
    stored = await services.requests.get(request_id)
    assert stored is not None and stored.state is RequestState.OPEN
    assert "Anna" not in "\n".join(scene.bot_texts(scene.private(scene.liaison)))


async def test_in_the_group_a_hidden_request_does_not_exist(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await _hidden_request(scene, scene.anna)
    for command in ("/ikhelp 1", "/loslaten 1", "/klaar 1", "/intrekken 1"):
        user = scene.anna if command == "/intrekken 1" else scene.hubhome
        await scene.say(user, scene.group, command)
        assert scene.last(scene.group).plain_text == "Hulpvraag #1 bestaat niet in deze groep."
    await scene.say(scene.hubhome, scene.group, "/ikhelp 2")  # truly missing: the same words
    assert scene.last(scene.group).plain_text == "Hulpvraag #2 bestaat niet in deze groep."
    request = await scene.bot.app.bot_data.services.requests.get(await _hidden_id(scene))
    assert request is not None and request.state is RequestState.OPEN
    # Nor does its number: the group's first request is #1, with no gap to give it away.
    await scene.say(scene.bert, scene.group, "/hulpvraag #vervoer Lift naar school?")
    assert scene.last(scene.group).plain_text.startswith("🆘 Hulpvraag #1 · 🚗 Vervoer")


async def test_a_notice_that_falls_back_to_the_group_names_no_hidden_request(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    await _hidden_request(scene, scene.anna)
    scene.sim.block_bot(scene.hubhome)  # the hub home's notice will fall back to the group
    await scene.sim.user_leaves(scene.group, scene.anna)
    await scene.bot.settle()
    left = [t for t in scene.bot_texts(scene.group) if "heeft de groep verlaten" in t]
    assert left == [
        "Hanneke: 👋 Anna heeft de groep verlaten en heeft geen rol meer in de constellatie."
    ]


# -- presses ---------------------------------------------------------------------------------


async def test_a_press_is_no_proof_of_membership(scene: Scene) -> None:
    """Someone who never joined (a public group lets anyone press) and someone removed press a
    card: they do not become members, change nothing, and cannot use the private line."""
    await scene.with_roles(linked=(scene.hubhome,))
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    card = scene.last(scene.group)
    stranger = scene.sim.add_user("Stan", language_code="nl")
    await scene.say(scene.bert, scene.group, "Bye!")
    await scene.sim.user_removed(scene.group, scene.bert, by=scene.admin)
    await scene.bot.settle()
    services = scene.bot.app.bot_data.services
    for outsider in (stranger, scene.bert):
        popup = await scene.press(outsider, card, "✅ Ik kom")
        assert popup in (STALE, "This button no longer works.")
        member = await services.constellations.member(scene.group.id, outsider.id)
        assert member is None or member.status.value == "left"
    assert "Komen" not in scene.refreshed(card).plain_text
    hub_before = scene.bot_texts(scene.private(scene.hubhome))
    await scene.say(stranger, scene.private(stranger), "Hallo kerngezin, ik wil iets weten")
    assert scene.bot_texts(scene.private(scene.hubhome)) == hub_before


async def test_a_member_who_never_spoke_may_press(scene: Scene) -> None:
    """Telegram says they are in the group (privacy mode hid their messages): their press
    counts, and now the bot knows them."""
    await scene.with_roles()
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    quiet = scene.sim.add_user("Quinty", language_code="nl")
    await scene.sim.user_joins(scene.group, quiet)
    await scene.bot.settle()
    card = scene.last(scene.group)
    assert await scene.press(quiet, card, "✅ Ik kom") == (
        "Genoteerd: je komt! ✅ Met hoeveel kinderen? Kies het aantal onder mijn vraag in de groep."
    )
    assert "Quinty" in scene.refreshed(card).plain_text


async def test_forged_cancel_data_with_ones_own_id_cancels_nothing(scene: Scene) -> None:
    """The cancel question's buttons carried the asker's id; forging one's own id in them let
    anyone replace any bot message in the group and remove its buttons."""
    await scene.with_roles()
    await scene.say(scene.hubhome, scene.group, "/bijeenkomst elke dinsdag 19:30 | Koffie")
    card = scene.last(scene.group)
    await scene.say(scene.anna, scene.group, "/leden")
    members = scene.last(scene.group)
    for data in (f"mt:v1:cx:1:all:{scene.anna.id}", "mt:v1:cx:1:all", "mt:v1:cx:1:keep"):
        await scene.forge(scene.anna, members, data)
        await scene.forge(scene.anna, card, data)
    assert scene.refreshed(members).plain_text == members.plain_text
    assert scene.refreshed(card).plain_text == card.plain_text
    assert scene.refreshed(card).button_texts == card.button_texts
    # Even the real question: only someone who may cancel it chooses.
    await scene.say(scene.hubhome, scene.group, "/afzeggen 1")
    question = scene.last(scene.group)
    popup = await scene.press(scene.anna, question, "De hele reeks")
    assert popup is not None and popup.startswith("Alleen wie het plande")
    assert not scene.refreshed(card).plain_text.startswith("❌")


async def test_only_who_may_close_a_request_flips_its_card_to_the_outcomes(scene: Scene) -> None:
    """Anyone's 'Afronden' flipped the shared card's buttons; forged 'done' data did the same
    to any bot message (the /leden answer, say)."""
    await scene.with_roles()
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    card = scene.last(scene.group)
    popup = await scene.press(scene.bert, card, "✅ Afronden")
    assert popup == "Alleen de vrager, de helper of het kerngezin kan deze hulpvraag afronden."
    assert scene.refreshed(card).button_texts == card.button_texts
    await scene.say(scene.anna, scene.group, "/leden")
    members = scene.last(scene.group)
    _, request = await scene.bot.app.bot_data.services.requests.by_number(scene.group.id, 1)
    await scene.forge(scene.anna, members, f"req:v1:done:{request.id}")
    assert scene.refreshed(members).button_texts == members.button_texts == []
    assert scene.refreshed(members).plain_text == members.plain_text
    await scene.press(scene.anna, card, "✅ Afronden")  # hers: she may
    assert scene.refreshed(card).button_texts[0] == ["✅ Geholpen", "🌓 Deels"]


async def test_a_hidden_request_no_hub_home_receives_is_not_called_sent(scene: Scene) -> None:
    """'Verstuurd! Het kerngezin heeft hulpvraag #1 privé gekregen' while every card to the
    hub home failed (she blocked the bot): nobody ever saw it, nobody was told."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna))
    scene.sim.block_bot(scene.hubhome)
    private = scene.private(scene.anna)
    await compose_hidden(scene, scene.anna)
    told = scene.bot_texts(private)
    assert not any(text.startswith("✅ Verstuurd!") for text in told)
    assert told[-1].startswith("⚠️ Je hulpvraag #P1 is bij niemand van het kerngezin aangekomen")
    alert = scene.last(scene.private(scene.liaison)).plain_text
    assert alert.startswith("⚠️ Een hulpvraag voor alleen het kerngezin van De Linde (#P1)")
    assert "contactbezoek" not in alert and "Anna" not in alert


async def test_a_hidden_request_telegram_refuses_for_good_is_not_called_sent(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    scene.sim.inject_fault(
        "sendMessage", chat_id=scene.hubhome.id, error_code=400, description="Bad Request"
    )
    private = scene.private(scene.anna)
    await compose_hidden(scene, scene.anna)
    told = scene.bot_texts(private)
    assert not any(text.startswith("✅ Verstuurd!") for text in told)
    assert told[-1].startswith("⚠️ Je hulpvraag #P1 is bij niemand van het kerngezin aangekomen")
