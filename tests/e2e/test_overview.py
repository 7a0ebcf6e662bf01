"""``/overzicht``: the hub home's and the liaison's one screen — theirs, and only theirs.

The scene's "now" is Sunday 22 November 2026, 10:00 in Amsterdam.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.i18n import units
from bot.simulator.world import SimMessage, SimUser
from bot.views.overview import SCREEN
from tests.e2e.attacks import (
    HIDDEN,
    STALE,
    STALE_EN,
    clock_of,
    compose_hidden,
    constellation_id_of,
    give_role,
    reveals,
)
from tests.e2e.conftest import Scene

HUBHOME_OVERVIEW = [
    "📋 Overzicht De Linde · kerngezin",
    "",
    "🙋 Hulpvragen: 2 open · 1 opgepakt",
    "• #1 🧸 Anna: Wie kan vrijdagavond oppassen? · al 3 uur open",
    f"• 🔒 #P1 ☕ Anna: {HIDDEN} · al 3 uur open",
    "• #2 🚗 Bert: Lift to school tomorrow · Hanneke helpt",
    "💬 Wacht op antwoord (1)",
    "• Anna · 2 berichten · wacht al 1 uur",
    "📅 Binnenkort",
    "• za 28 nov 14:00 🎈 Zwemmen · 1 komt · 1 kind",
]


async def seed(scene: Scene) -> None:
    """De Linde: Anna asks for a babysitter (open), Bert for a lift (Hanneke helps), Anna asks
    the hub home only; Bert writes to the hub home and is answered, Anna writes twice later;
    a swimming afternoon on Saturday, Anna coming with one child."""
    await scene.with_roles(linked=(scene.hubhome, scene.liaison, scene.anna, scene.bert))
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan vrijdagavond oppassen?")
    await scene.say(scene.bert, scene.group, "/request #transport Lift to school tomorrow")
    await scene.say(scene.hubhome, scene.group, "/ikhelp 2")
    await compose_hidden(scene, scene.anna)
    await scene.say(scene.bert, scene.private(scene.bert), "Hi Hanneke, a quick question.")
    copy = scene.last(scene.private(scene.hubhome))
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "Zeker!", reply_to=copy)
    clock_of(scene).advance(timedelta(hours=2))
    await scene.say(scene.anna, scene.private(scene.anna), "Mag ik je iets vragen?")
    await scene.say(scene.anna, scene.private(scene.anna), "Het gaat over school.")
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen | Bad")
    card = scene.last(scene.group)
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.anna, scene.last(scene.private(scene.anna)), "1")  # how many children
    clock_of(scene).advance(timedelta(hours=1))


async def overview_of(scene: Scene, user: SimUser, command: str = "/overzicht") -> SimMessage:
    await scene.say(user, scene.private(user), command)
    return scene.last(scene.private(user))


def stored(scene: Scene, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql, params))


async def test_the_hub_home_sees_everything_waiting_and_acts_on_it(scene: Scene) -> None:
    await seed(scene)
    hub = scene.private(scene.hubhome)
    shown = await overview_of(scene, scene.hubhome)
    assert shown.plain_text.splitlines() == HUBHOME_OVERVIEW
    assert shown.button_texts == [
        ["🙋 Ik help #1", "🙋 Ik help #P1"],
        ["↩️ Antwoord Anna"],
        ["🎈 za 28 nov 14:00 · Zwemmen"],
        ["🔄 Vernieuwen"],
    ]
    # Take the hidden one on: the request's own button and rules, from the private chat.
    assert await scene.press(scene.hubhome, shown, "🙋 Ik help #P1") == (
        "Dank je wel! Je helpt met hulpvraag #P1."
    )
    assert stored(scene, "SELECT state FROM help_requests WHERE visibility = 'hubhome'") == [
        ("claimed",)
    ]
    # Anna's message again, to answer it; the answer reaches her.
    before = len(scene.sim.bot_messages(hub))
    await scene.press(scene.hubhome, shown, "↩️ Antwoord Anna")
    header, again, prompt = scene.sim.bot_messages(hub)[before:]
    assert header.plain_text == "📨 Bericht van Anna — Constellatie De Linde"
    assert again.plain_text == "Het gaat over school."
    assert again.button_texts == [["↩️ Antwoorden"]]  # the private line's own answer button
    # No second tap needed: her next message is the answer.
    assert prompt.plain_text.startswith("↩️ Je volgende bericht gaat naar Anna (De Linde).")
    await scene.say(scene.hubhome, hub, "Bel me vanavond maar")
    assert scene.last(scene.private(scene.anna)).plain_text.endswith("Bel me vanavond maar")
    # Drawn again: it shows what changed, in the same message.
    await scene.press(scene.hubhome, shown, "🔄 Vernieuwen")
    redrawn = scene.refreshed(shown)
    assert redrawn.plain_text.splitlines()[2:8] == [
        "🙋 Hulpvragen: 1 open · 2 opgepakt",
        "• #1 🧸 Anna: Wie kan vrijdagavond oppassen? · al 3 uur open",
        "• #2 🚗 Bert: Lift to school tomorrow · Hanneke helpt",
        f"• 🔒 #P1 ☕ Anna: {HIDDEN} · Hanneke helpt",
        "💬 Niemand wacht op een antwoord.",
        "📅 Binnenkort",
    ]
    assert redrawn.button_texts[0] == ["🙋 Ik help #1"]
    # The date's card, with its answer buttons, in the private chat.
    await scene.press(scene.hubhome, redrawn, "🎈 za 28 nov 14:00 · Zwemmen")
    card = scene.last(hub)
    assert card.plain_text.startswith("🎈 Kinderactiviteit #1: Zwemmen")
    assert card.button_texts[0] == ["✅ Ik kom", "🤔 Misschien", "❌ Ik kom niet"]
    assert await scene.press(scene.hubhome, card, "✅ Ik kom") == (
        "Genoteerd: je komt! ✅ Met hoeveel kinderen? Kies het hieronder."
    )


async def test_the_liaison_sees_the_group_and_what_was_shared_with_her(scene: Scene) -> None:
    await seed(scene)
    liaison = scene.private(scene.liaison)
    shown = await overview_of(scene, scene.liaison)
    assert shown.plain_text.splitlines() == [
        "📋 Overzicht De Linde · contactpersoon",
        "",
        "🙋 Hulpvragen: 1 open · 1 opgepakt",
        "• #1 🧸 Anna: Wie kan vrijdagavond oppassen? · al 3 uur open",
        "• #2 🚗 Bert: Lift to school tomorrow · Hanneke helpt",
        "💬 Niemand wacht op een antwoord.",
        "📅 Binnenkort",
        "• za 28 nov 14:00 🎈 Zwemmen · 1 komt · 1 kind",
    ]
    assert not reveals(shown.plain_text)
    # Anna lets the liaison read along with her last message: now it waits for her too.
    confirmation = [
        message
        for message in scene.sim.bot_messages(scene.private(scene.anna))
        if ["🤝 Ook naar de contactpersoon"] in scene.refreshed(message).button_texts
    ][-1]
    await scene.press(scene.anna, confirmation, "🤝 Ook naar de contactpersoon")
    await scene.press(scene.liaison, shown, "🔄 Vernieuwen")
    redrawn = scene.refreshed(shown)
    assert "• Anna · 1 bericht · wacht al 1 uur" in redrawn.plain_text.splitlines()
    before = len(scene.sim.bot_messages(liaison))
    await scene.press(scene.liaison, redrawn, "↩️ Antwoord Anna")
    *_, again, prompt = scene.sim.bot_messages(liaison)[before:]
    assert again.plain_text == "Het gaat over school."
    assert prompt.plain_text.startswith("↩️ Je volgende bericht gaat naar Anna")
    await scene.say(scene.liaison, liaison, "Ik bel je morgen", reply_to=again)
    assert scene.last(scene.private(scene.anna)).plain_text.endswith("Ik bel je morgen")


async def test_members_and_outsiders_are_refused_and_the_group_gets_a_pointer(
    scene: Scene,
) -> None:
    await seed(scene)
    refusal = (
        "Het overzicht is voor het kerngezin en de contactpersoon. Wil je zien wat er speelt?"
        " Typ in de groep /hulpvragen of /agenda."
    )
    assert (await overview_of(scene, scene.anna)).plain_text == refusal
    outsider = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(outsider, scene.private(outsider), "/start")
    assert (await overview_of(scene, outsider)).plain_text == refusal
    await scene.say(scene.hubhome, scene.group, "/overzicht")
    pointer = scene.last(scene.group).plain_text
    assert pointer.startswith("📋 Het overzicht stuur ik je privé, niet in de groep")
    assert pointer.endswith("typ /overzicht.")
    assert not reveals(pointer)


async def test_someone_in_two_constellations_sees_both_and_only_theirs(scene: Scene) -> None:
    await seed(scene)
    # De Eik: Hanneke is its liaison, Bert asks there. De Beuk: Hanneke is only a member.
    eik = await scene.another_constellation("De Eik", [scene.hubhome, scene.bert])
    await give_role(scene, scene.hubhome, "/contactpersoon", eik)
    await scene.say(scene.bert, eik, "/request #advies Who knows a good dentist?")
    beuk = await scene.another_constellation("De Beuk", [scene.hubhome, scene.anna])
    await scene.say(scene.hubhome, beuk, "Hoi")
    await scene.say(scene.anna, beuk, "/hulpvraag #spullen Zomerkleren maat 116")
    shown = await overview_of(scene, scene.hubhome)
    lines = shown.plain_text.splitlines()
    assert lines[:3] == ["📋 Jouw overzicht", "", "🏡 De Linde · kerngezin"]
    eik_at = lines.index("🏡 De Eik · contactpersoon")
    assert lines[eik_at:] == [
        "🏡 De Eik · contactpersoon",
        "🙋 Hulpvragen: 1 open · 0 opgepakt",
        "• #1 💡 Bert: Who knows a good dentist? · al 1 minuut open",
        "💬 Niemand wacht op een antwoord.",
        "📅 Niets gepland.",
    ]
    assert "De Beuk" not in shown.plain_text and "Zomerkleren" not in shown.plain_text
    assert shown.button_texts[:2] == [
        ["🙋 Ik help #1 · De Linde", "🙋 Ik help #P1 · De Linde", "🙋 Ik help #1 · De Eik"],
        ["↩️ Antwoord Anna · De Linde"],
    ]
    assert await scene.press(scene.hubhome, shown, "🙋 Ik help #1 · De Eik") == (
        "Dank je wel! Je helpt met hulpvraag #1."
    )
    eik_id = await constellation_id_of(scene, eik)
    assert stored(
        scene, "SELECT state, claimed_by FROM help_requests WHERE constellation_id = ?", eik_id
    ) == [("claimed", scene.hubhome.id)]
    # Bert, hub home of nothing, a member in two: refused, without a word of either.
    refusal = await overview_of(scene, scene.bert, "/overview")
    assert refusal.plain_text.startswith("The overview is for the hub home and the liaison.")


async def test_a_removed_hub_home_no_longer_sees_it_nor_acts_from_it(scene: Scene) -> None:
    await seed(scene)
    shown = await overview_of(scene, scene.hubhome)
    await give_role(scene, scene.hubhome, "/lid")  # the admin takes the role back
    refused = await overview_of(scene, scene.hubhome)
    assert refused.plain_text.startswith("Het overzicht is voor het kerngezin")
    assert await scene.press(scene.hubhome, shown, "🔄 Vernieuwen") == (
        "Dit overzicht is niet (meer) voor jou."
    )
    assert scene.refreshed(shown).plain_text.splitlines() == HUBHOME_OVERVIEW  # unchanged
    # Its old buttons: the hidden request does not exist for her any more, nor the message.
    assert await scene.press(scene.hubhome, shown, "🙋 Ik help #P1") == STALE
    before = len(scene.sim.bot_messages(scene.private(scene.hubhome)))
    assert await scene.press(scene.hubhome, shown, "↩️ Antwoord Anna") == STALE
    assert len(scene.sim.bot_messages(scene.private(scene.hubhome))) == before
    assert stored(scene, "SELECT state FROM help_requests WHERE visibility = 'hubhome'") == [
        ("open",)
    ]


async def test_a_forged_or_old_button_pressed_by_someone_else_is_refused(scene: Scene) -> None:
    await seed(scene)
    shown = await overview_of(scene, scene.hubhome)
    data = {b.text: b.callback_data for row in shown.buttons for b in row}
    bert_chat = scene.private(scene.bert)
    await scene.say(scene.bert, bert_chat, "/overview")
    own = scene.last(bert_chat)
    before = {chat: len(scene.sim.bot_messages(chat)) for chat in (bert_chat, scene.group)}
    # (A pop-up is the presser's own: in his language, but for the request's buttons in the
    # group, which speak the group's.)
    for label, in_group in (
        ("🙋 Ik help #P1", STALE),
        ("↩️ Antwoord Anna", STALE_EN),
        ("🔄 Vernieuwen", STALE_EN),
    ):
        forged = data[label]
        assert forged is not None
        assert await scene.forge(scene.bert, own, forged) == STALE_EN
        assert await scene.forge(scene.bert, scene.last(scene.group), forged) == in_group
    # Someone from outside asks for the date's card: there is none for them.
    outsider = scene.sim.add_user("Olaf", language_code="nl")
    await scene.say(outsider, scene.private(outsider), "/start")
    date = data["🎈 za 28 nov 14:00 · Zwemmen"]
    assert date is not None
    popup = await scene.forge(outsider, scene.last(scene.private(outsider)), date)
    assert popup == STALE
    assert not any("Zwemmen" in text for text in scene.bot_texts(scene.private(outsider)))
    assert {chat: len(scene.sim.bot_messages(chat)) for chat in before} == before
    assert stored(scene, "SELECT state FROM help_requests WHERE visibility = 'hubhome'") == [
        ("open",)
    ]
    assert not reveals("\n".join(scene.bot_texts(bert_chat) + scene.bot_texts(scene.group)))


async def test_a_busy_constellation_fits_one_phone_screen(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    long_text = "Wie kan er helpen met " + "😀 <b>heel</b> veel dingen " * 20
    for _ in range(12):
        await scene.say(scene.anna, scene.group, f"/hulpvraag #spullen {long_text}")
    families = []
    for n in range(6):
        family = scene.sim.add_user(f"Maximiliaan-Alexander{n} 🌻🌻", language_code="nl")
        await scene.sim.user_joins(scene.group, family)
        await scene.say(family, scene.group, "Hallo")
        await scene.say(family, scene.private(family), "/start")
        await scene.say(family, scene.private(family), "Een vraag")
        families.append(family)
    for day in ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag"):
        await scene.say(
            scene.hubhome, scene.group, f"/bijeenkomst {day} 19:30 | Koffie en {'😀' * 30}"
        )
    shown = await overview_of(scene, scene.hubhome)
    text = shown.plain_text
    assert units(text) <= SCREEN
    assert len(text.splitlines()) <= 20
    assert "… en nog 7" in text  # of the twelve requests, five are shown
    assert "… en nog 2" in text  # of six conversations, four; of five dates, three
    assert "<b>" in text  # Anna's text, escaped: shown as she typed it
    assert sum(len(row) for row in shown.button_texts) == 5 + 4 + 3 + 1


async def test_a_quiet_constellation_says_so_and_english_speakers_read_english(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.bert))
    assert (await overview_of(scene, scene.hubhome)).plain_text == (
        "☀️ Alles is rustig. Geen open hulpvragen, niemand wacht op een antwoord en er staat"
        " niets gepland. Geniet ervan!"
    )
    await give_role(scene, scene.bert, "/kerngezin")  # Bert's Telegram speaks English
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Rit naar de zwemles")
    clock_of(scene).advance(timedelta(hours=49))
    shown = await overview_of(scene, scene.bert, "/overview")
    assert shown.plain_text.splitlines() == [
        "📋 Overview De Linde · hub home",
        "",
        "🙋 Requests: 1 open · 0 taken on",
        "• #1 🚗 Anna: Rit naar de zwemles · open for 2 days",
        "💬 Nobody is waiting for an answer.",
        "📅 Nothing planned.",
    ]
    assert shown.button_texts == [["🙋 I'll help #1"], ["🔄 Refresh"]]


async def test_a_message_the_member_deleted_still_gets_its_answer(scene: Scene) -> None:
    await seed(scene)
    hub = scene.private(scene.hubhome)
    shown = await overview_of(scene, scene.hubhome)
    scene.sim.inject_fault(
        "copyMessage",
        error_code=400,
        description="Bad Request: message to copy not found",
        chat_id=scene.hubhome.id,
    )
    before = len(scene.sim.bot_messages(hub))
    await scene.press(scene.hubhome, shown, "↩️ Antwoord Anna")
    header, told = scene.sim.bot_messages(hub)[before:]
    assert header.plain_text == "📨 Bericht van Anna — Constellatie De Linde"
    assert told.plain_text.startswith("Het bericht zelf kan ik niet meer ophalen")
    await scene.say(scene.hubhome, hub, "Ik bel je zo", reply_to=header)
    assert scene.last(scene.private(scene.anna)).plain_text.endswith("Ik bel je zo")
