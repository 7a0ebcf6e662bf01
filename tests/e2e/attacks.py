"""The people, requests and constellations the attack tests set up, shared between them."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.domain import Visibility
from bot.simulator.world import SimChat, SimMessage, SimUser
from tests.e2e.conftest import Scene

HIDDEN = "Het contactbezoek ging slecht"
STALE = "Deze knop werkt niet meer."
STALE_EN = "This button no longer works."
SECRET = "Het gaat niet goed met Noor"
HIDDEN_FLOW = ("Geen datum", "Nee, niet dringend", "🏠 Alleen het kerngezin", "✅ Versturen")


def clock_of(scene: Scene) -> FakeClock:
    clock = scene.bot.app.bot_data.services.clock
    assert isinstance(clock, FakeClock)
    return clock


async def compose_hidden(scene: Scene, requester: SimUser, *, pick: str | None = None) -> None:
    """``requester`` asks the hub home only, in their private chat (``pick``: the constellation,
    for someone in several). A step the bot does not offer is left out: a test that shows a
    break must be able to pass once the bot refuses."""
    private = scene.private(requester)
    await scene.say(requester, private, f"/hulpvraag #praten {HIDDEN}")
    flow = scene.last(private)
    for label in ((pick,) if pick else ()) + HIDDEN_FLOW:
        shown = [text for row in scene.refreshed(flow).button_texts for text in row]
        if label in shown:
            await scene.press(requester, flow, label)


async def ask_hidden_card(scene: Scene, requester: SimUser, carer: SimUser) -> SimMessage:
    """The hidden request's card in ``carer``'s private chat."""
    await compose_hidden(scene, requester)
    card = scene.last(scene.private(carer))
    assert card.plain_text.startswith("🆘 Hulpvraag #P1") and HIDDEN in card.plain_text
    return card


async def constellation_id_of(scene: Scene, group: SimChat | None = None) -> int:
    services = scene.bot.app.bot_data.services
    constellation = await services.constellations.for_chat((group or scene.group).id)
    assert constellation is not None
    return constellation.id


async def hidden_request_id(scene: Scene, group: SimChat | None = None) -> int:
    """The global id of the constellation's first hub-home-only request."""
    services = scene.bot.app.bot_data.services
    request = await services.requests.by_number_in(
        await constellation_id_of(scene, group), 1, Visibility.HUBHOME
    )
    assert request is not None
    return request.id


async def give_role(
    scene: Scene, user: SimUser, command: str, group: SimChat | None = None
) -> None:
    """The admin gives ``user`` a role by replying to a fresh message of theirs."""
    chat = group or scene.group
    note = await scene.say(user, chat, "Even iets zeggen")
    await scene.say(scene.admin, chat, command, reply_to=note)


async def second_carer(scene: Scene, name: str = "Henk", language: str = "nl") -> SimUser:
    """Another hub home carer in De Linde, with a linked private chat."""
    carer = scene.sim.add_user(name, language_code=language)
    await scene.sim.user_joins(scene.group, carer)
    await scene.bot.settle()
    await give_role(scene, carer, "/kerngezin")
    await scene.say(carer, scene.private(carer), "/start")
    return carer


async def everyone_may_claim(scene: Scene, group: SimChat | None = None) -> None:
    chat = group or scene.group
    await scene.say(scene.admin, chat, "/instellingen")
    await scene.press(scene.admin, scene.last(chat), "👪 Iedereen")


async def de_eik(scene: Scene, members: list[SimUser]) -> SimChat:
    """De Eik: Bert is its hub home (linked); ``members`` have all said hello there."""
    eik = await scene.another_constellation("De Eik", [scene.bert, *members])
    hello = await scene.say(scene.bert, eik, "Hallo, Bert hier")
    await scene.say(scene.admin, eik, "/kerngezin", reply_to=hello)
    await scene.say(scene.bert, scene.private(scene.bert), "/start")
    for member in members:
        await scene.say(member, eik, "Hoi")
    return eik


def texts_in(scene: Scene, *chats: SimChat) -> str:
    return "\n".join(text for chat in chats for text in scene.bot_texts(chat))


def reveals(text: str) -> bool:
    """Whether a text gives the hidden request away: its words, its lock, its number."""
    return HIDDEN in text or "🔒" in text or "#P1" in text
