"""The server's own state is the only authority: no press, command or message reaches what it
should not. Each test is a case seen when a hostile member, an outsider or a person in two
constellations tried it; it must be impossible now.
"""

from __future__ import annotations

from bot.domain import RequestState
from bot.simulator.world import SimMessage, SimUser
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


async def _buttons(message: SimMessage) -> list[str]:
    return [label for row in message.button_texts for label in row]
