"""The guided help request in a private chat, hub-home-only requests, and /settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.domain import HelpRequest, RequestState, Visibility, WhenKind
from bot.simulator.world import SimMessage
from tests.e2e.conftest import Scene

STALE = "Deze knop werkt niet meer."


async def _ready(scene: Scene, *, hub_home_linked: bool = True) -> None:
    """De Linde with Hanneke as hub home and Lotte as liaison; Anna has said hello."""
    linked = (scene.hubhome, scene.liaison) if hub_home_linked else ()
    await scene.with_roles(linked=linked)


def _clock(scene: Scene) -> FakeClock:
    clock = scene.bot.app.bot_data.services.clock
    assert isinstance(clock, FakeClock)
    return clock


async def _request(
    scene: Scene, number: int, visibility: Visibility = Visibility.GROUP
) -> HelpRequest:
    """As stored (hidden ones too: in the group itself they do not exist)."""
    services = scene.bot.app.bot_data.services
    constellation = await services.constellations.for_chat(scene.group.id)
    assert constellation is not None
    request = await services.requests.by_number_in(constellation.id, number, visibility)
    assert request is not None
    return request


def _flat(message: SimMessage) -> list[str]:
    return [label for row in message.button_texts for label in row]


async def test_guided_request_to_the_whole_group(scene: Scene) -> None:
    await _ready(scene)
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag")
    flow = scene.last(private)
    assert flow.plain_text == "Nieuwe hulpvraag voor De Linde\n\nWaar heb je hulp bij nodig?"
    assert _flat(flow)[:3] == ["🧸 Oppas", "🛏️ Logeren", "🚗 Vervoer"]
    assert _flat(flow)[-1] == "✖️ Stoppen"

    await scene.press(scene.anna, flow, "🚗 Vervoer")
    flow = scene.refreshed(flow)
    assert flow.plain_text.startswith("🚗 Vervoer\n\nWat is er nodig?")
    await scene.say(scene.anna, private, "Wie kan Sem naar de <bezoekregeling> brengen?")
    flow = scene.last(private)
    assert flow.plain_text == "Wanneer is het nodig?"
    assert flow.button_texts[:2] == [
        ["Vandaag", "Morgen", "Deze week"],
        ["📅 Kies een dag", "Geen datum"],
    ]
    await scene.press(scene.anna, flow, "📅 Kies een dag")
    flow = scene.refreshed(flow)
    days = _flat(flow)
    # The clock says Sunday 22 November: two weeks of days, today first.
    assert days[0] == "zo 22 nov" and len(days) == 14 + 2
    wednesday = next(label for label in days if label.startswith("wo 25"))
    await scene.press(scene.anna, flow, wednesday)
    flow = scene.refreshed(flow)
    assert flow.plain_text.startswith("Is het dringend?")
    assert "na 2 uur nog niemand" not in flow.plain_text  # urgent is 30 minutes
    assert "helpt er na 30 minuten nog niemand" in flow.plain_text
    assert "niet tussen 22:00 en 07:00" in flow.plain_text
    await scene.press(scene.anna, flow, "Nee, niet dringend")
    flow = scene.refreshed(flow)
    await scene.press(scene.anna, flow, "👥 De hele groep")
    preview = scene.refreshed(flow)
    assert preview.plain_text == (
        "Zo komt je hulpvraag eruit te zien:\n\n"
        "🆘 Nieuwe hulpvraag · 🚗 Vervoer\n"
        "Van: Anna\n\n"
        "Wie kan Sem naar de <bezoekregeling> brengen?\n"
        "📅 Nodig: woensdag 25 november\n\n"
        "Hij komt in de groep van De Linde."
    )
    assert preview.button_texts == [["✅ Versturen"], ["✏️ Opnieuw beginnen"], ["✖️ Stoppen"]]
    assert scene.sim.bot_messages(scene.group)[-1].plain_text.startswith("🤝 Lotte")  # nothing yet

    popup = await scene.press(scene.anna, preview, "✅ Versturen")
    assert popup == "📤 Ik stuur hem nu door…"  # "Verstuurd" only once it is out
    card = scene.last(scene.group)
    assert card.plain_text.startswith("🆘 Hulpvraag #1 · 🚗 Vervoer\nVan: Anna")
    assert card.button_texts == [["🙋 Ik help"], ["✅ Afronden", "↩️ Intrekken"]]
    own = scene.refreshed(preview)  # the preview became Anna's own copy of the card
    assert own.plain_text.startswith("🆘 Hulpvraag #1 · 🚗 Vervoer")
    assert own.button_texts == [["✅ Afronden", "↩️ Intrekken"]]  # no "I'll help" on her own
    assert scene.last(private).plain_text.startswith(
        "✅ Verstuurd! Hulpvraag #1 staat nu in de groep"
    )

    stored = await _request(scene, 1)
    assert stored.when_kind is WhenKind.DATE
    assert stored.needed_by == datetime(2026, 11, 26, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert stored.visibility is Visibility.GROUP and not stored.urgent

    # Hanneke helps in the group: both copies change and Anna hears it privately.
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert scene.refreshed(own).plain_text.endswith("🤝 Hanneke helpt")
    assert scene.refreshed(own).button_texts == [["✅ Afronden", "↩️ Intrekken"]]
    assert scene.last(private).plain_text.startswith("🤝 Goed nieuws: Hanneke helpt je")
    # Anna closes it from her own copy.
    await scene.press(scene.anna, own, "✅ Afronden")
    await scene.press(scene.anna, scene.refreshed(own), "✅ Geholpen")
    assert scene.refreshed(card).plain_text.endswith("✅ Afgerond: geholpen")
    assert (await _request(scene, 1)).state is RequestState.RESOLVED


async def test_text_after_the_command_skips_what_it_already_says(scene: Scene) -> None:
    await _ready(scene)
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag #praten #dringend Ik wil even sparren")
    flow = scene.last(private)
    assert flow.plain_text == "Wanneer is het nodig?"  # category, text and urgency are known
    await scene.press(scene.anna, flow, "Vandaag")
    flow = scene.refreshed(flow)
    assert flow.plain_text.startswith("Wie mag je hulpvraag zien?")


async def test_hub_home_only_request_never_reaches_the_group(scene: Scene) -> None:
    await _ready(scene)
    private = scene.private(scene.anna)
    group_before = len(scene.sim.bot_messages(scene.group))
    await scene.say(scene.anna, private, "/hulpvraag #praten Het contactbezoek ging slecht")
    flow = scene.last(private)
    await scene.press(scene.anna, flow, "Geen datum")
    await scene.press(scene.anna, flow, "🔴 Ja, dringend")
    await scene.press(scene.anna, flow, "🏠 Alleen het kerngezin")
    preview = scene.refreshed(flow)
    assert "🔒 Alleen voor het kerngezin" in preview.plain_text
    assert preview.plain_text.endswith("Alleen het kerngezin van De Linde krijgt hem, privé.")
    await scene.press(scene.anna, preview, "✅ Versturen")
    assert scene.last(private).plain_text.startswith(
        "✅ Verstuurd! Het kerngezin van De Linde heeft hulpvraag #P1 privé gekregen"
    )
    assert len(scene.sim.bot_messages(scene.group)) == group_before

    hub_private = scene.private(scene.hubhome)
    card = scene.last(hub_private)
    assert card.plain_text.splitlines()[:3] == [
        "🆘 Hulpvraag #P1 · ☕ Even praten · 🔴 Dringend",  # hidden ones count on their own
        "Van: Anna",
        "🔒 Alleen voor het kerngezin",
    ]
    assert card.button_texts == [["🙋 Ik help"], ["✅ Afronden"]]  # withdrawing is for Anna
    liaison_private = scene.private(scene.liaison)
    liaison_seen = len(scene.sim.bot_messages(liaison_private))

    # /hulpvragen in the group does not give it away.
    await scene.say(scene.bert, scene.group, "/requests")
    assert scene.last(scene.group).plain_text == "Er staan geen open hulpvragen. 🌤️"
    # Its buttons do not work from the group, even forged.
    request = await _request(scene, 1, Visibility.HUBHOME)
    popup = await scene.forge(scene.liaison, scene.last(scene.group), f"req:v1:claim:{request.id}")
    assert popup == STALE
    assert (await _request(scene, 1, Visibility.HUBHOME)).state is RequestState.OPEN

    # Nobody claims: the reminders stay with the hub home; the liaison never hears of it.
    clock = _clock(scene)
    clock.advance(timedelta(minutes=31))
    await scene.bot.tick()
    clock.advance(timedelta(minutes=31))
    await scene.bot.tick()
    reminders = [m for m in scene.sim.bot_messages(hub_private) if m.plain_text.startswith("⏰")]
    assert len(reminders) == 2
    assert len(scene.sim.bot_messages(liaison_private)) == liaison_seen

    popup = await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert popup == "Dank je wel! Je helpt met hulpvraag #P1."
    assert scene.refreshed(card).plain_text.endswith("🤝 Hanneke helpt")
    assert scene.last(private).plain_text.startswith("🤝 Goed nieuws: Hanneke helpt je")
    own = next(m for m in scene.sim.bot_messages(private) if m.plain_text.startswith("🆘"))
    assert own.plain_text.endswith("🤝 Hanneke helpt")


async def test_hub_home_only_waits_for_a_reachable_hub_home(scene: Scene) -> None:
    await _ready(scene, hub_home_linked=False)
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag #advies Vraag over de voogd")
    flow = scene.last(private)
    await scene.press(scene.anna, flow, "Geen datum")
    await scene.press(scene.anna, flow, "Nee, niet dringend")
    await scene.press(scene.anna, flow, "🏠 Alleen het kerngezin")
    await scene.press(scene.anna, flow, "✅ Versturen")
    flow = scene.refreshed(flow)
    assert flow.plain_text.startswith("⚠️ Het kerngezin kan nog geen privéberichten van mij krijgen")
    assert "Wie mag je hulpvraag zien?" in flow.plain_text
    services = scene.bot.app.bot_data.services
    _, active = await services.requests.active(scene.group.id)
    assert active == []  # nothing stored, nothing sent
    await scene.press(scene.anna, flow, "👥 De hele groep")
    await scene.press(scene.anna, flow, "✅ Versturen")
    assert scene.last(scene.group).plain_text.startswith("🆘 Hulpvraag #1 · 💡 Advies")


async def test_someone_in_two_constellations_picks_one(scene: Scene) -> None:
    await _ready(scene)
    other = await scene.another_constellation("De Eik", [scene.anna])
    await scene.say(scene.anna, other, "Hoi!")
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag")
    pick = scene.last(private)
    assert pick.plain_text == "Voor welke constellatie is je hulpvraag?"
    assert pick.button_texts == [["De Linde"], ["De Eik"], ["✖️ Stoppen"]]
    # A forged choice of a constellation she is not in changes nothing.
    popup = await scene.forge(scene.anna, pick, "new:v1:con:999")
    assert popup == STALE
    await scene.press(scene.anna, pick, "De Eik")
    flow = scene.refreshed(pick)
    assert flow.plain_text.startswith("Nieuwe hulpvraag voor De Eik")
    await scene.press(scene.anna, flow, "🧸 Oppas")
    await scene.say(scene.anna, private, "Oppas vrijdag")
    flow = scene.last(private)
    for label in ("Geen datum", "Nee, niet dringend", "👥 De hele groep", "✅ Versturen"):
        await scene.press(scene.anna, flow, label)
    assert scene.last(other).plain_text.startswith("🆘 Hulpvraag #1 · 🧸 Oppas")
    assert not any("Oppas vrijdag" in text for text in scene.bot_texts(scene.group))


async def test_cancel_typing_and_stale_buttons(scene: Scene) -> None:
    await _ready(scene)
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag")
    first = scene.last(private)
    await scene.say(scene.anna, private, "ik wil oppas")  # the flow waits for a tap here
    assert scene.last(private).plain_text == (
        "Tik op een van de knoppen hierboven, of stop met /annuleren."
    )
    await scene.say(scene.anna, private, "/hulpvraag")  # starting again replaces the draft
    second = scene.last(private)
    popup = await scene.press(scene.anna, first, "🧸 Oppas")
    assert popup == STALE
    await scene.press(scene.anna, second, "🧸 Oppas")
    await scene.say(scene.anna, private, "/annuleren")
    assert scene.last(private).plain_text == "Gestopt. Er is niets verstuurd."
    assert scene.refreshed(second).buttons == []
    await scene.say(scene.anna, private, "/annuleren")
    assert scene.last(private).plain_text == "Er is niets om te stoppen."
    popup = await scene.press(scene.anna, first, "🧸 Oppas")
    assert popup == STALE

    await scene.say(scene.anna, private, "/hulpvraag")
    flow = scene.last(private)
    await scene.press(scene.anna, flow, "✖️ Stoppen")
    assert scene.refreshed(flow).plain_text == "Gestopt. Er is niets verstuurd."
    # A forged "send" on an incomplete flow sends nothing.
    await scene.say(scene.anna, private, "/hulpvraag")
    flow = scene.last(private)
    popup = await scene.forge(scene.anna, flow, "new:v1:send")
    assert popup == STALE
    popup = await scene.forge(scene.anna, flow, "new:v1:day:2020-01-01")
    assert popup == STALE
    _, active = await scene.bot.app.bot_data.services.requests.active(scene.group.id)
    assert active == []


async def test_text_that_is_too_long_is_not_lost(scene: Scene) -> None:
    await _ready(scene)
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag")
    await scene.press(scene.anna, scene.last(private), "📦 Spullen")
    await scene.say(scene.anna, private, "Kinderfiets " * 300)
    assert scene.last(private).plain_text.startswith("Dat is meer dan 2000 tekens")
    await scene.say(scene.anna, private, "Wie heeft een kinderfiets over?")
    assert scene.last(private).plain_text == "Wanneer is het nodig?"


async def test_outsider_and_english_speaker(scene: Scene) -> None:
    await _ready(scene)
    stranger = scene.sim.add_user("Vera", language_code="nl")
    await scene.say(stranger, scene.private(stranger), "/hulpvraag")
    assert scene.last(scene.private(stranger)).plain_text.startswith(
        "Ik weet nog niet bij welke constellatie je hoort."
    )
    private = scene.private(scene.bert)
    await scene.say(scene.bert, private, "/request")
    flow = scene.last(private)
    assert flow.plain_text == "New request for De Linde\n\nWhat do you need help with?"
    await scene.press(scene.bert, flow, "🚗 Transport")
    await scene.say(scene.bert, private, "Lift to the contact visit on Tuesday")
    flow = scene.last(private)
    assert flow.button_texts[0] == ["Today", "Tomorrow", "This week"]
    for label in ("Tomorrow", "🔴 Yes, urgent", "👥 The whole group"):
        await scene.press(scene.bert, flow, label)
    preview = scene.refreshed(flow)
    assert "📅 Needed: Monday 23 November" in preview.plain_text
    await scene.press(scene.bert, preview, "✅ Send")
    assert scene.last(private).plain_text.startswith("✅ Sent! Request #1 is now in the De Linde")
    # The group is Dutch: its card is Dutch; Bert's own copy is English.
    assert scene.last(scene.group).plain_text.startswith("🆘 Hulpvraag #1 · 🚗 Vervoer")
    assert scene.refreshed(preview).plain_text.startswith("🆘 Request #1 · 🚗 Transport")


async def test_settings_let_every_member_claim(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Zaterdag?")
    card = scene.last(scene.group)
    popup = await scene.press(scene.bert, card, "🙋 Ik help")
    assert popup is not None and popup.startswith("Alleen het kerngezin en de contactpersoon")

    await scene.say(scene.bert, scene.group, "/instellingen")
    assert scene.last(scene.group).plain_text == (
        "Sorry, alleen een beheerder van de groep kan de instellingen wijzigen."
    )
    await scene.say(scene.admin, scene.group, "/instellingen")
    panel = scene.last(scene.group)
    assert "🙋 Hulpvragen oppakken: alleen het kerngezin en de contactpersoon" in panel.plain_text
    assert panel.button_texts == [["✓ 🏠 Kerngezin en contactpersoon"], ["👪 Iedereen"]]
    popup = await scene.press(scene.bert, panel, "👪 Iedereen")
    assert popup == "Sorry, alleen een beheerder van de groep kan de instellingen wijzigen."
    popup = await scene.press(scene.admin, panel, "👪 Iedereen")
    assert popup == "Opgeslagen."
    panel = scene.refreshed(panel)
    assert "🙋 Hulpvragen oppakken: iedereen in de constellatie" in panel.plain_text
    assert panel.button_texts == [["🏠 Kerngezin en contactpersoon"], ["✓ 👪 Iedereen"]]
    popup = await scene.press(scene.admin, panel, "✓ 👪 Iedereen")  # pressing it again is fine
    assert popup == "Opgeslagen."

    popup = await scene.press(scene.bert, card, "🙋 Ik help")
    assert popup == "Dank je wel! Je helpt met hulpvraag #1."
    assert scene.refreshed(card).plain_text.endswith("🤝 Bert helpt")
