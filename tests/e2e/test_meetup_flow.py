"""Planning step by step in a private chat."""

from __future__ import annotations

from tests.e2e.conftest import Scene


async def test_the_hub_home_plans_a_weekly_activity_step_by_step(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    chat = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, chat, "/activiteit")
    assert scene.last(chat).plain_text.startswith("🎈 Een nieuwe activiteit voor de kinderen van")
    await scene.say(scene.hubhome, chat, "Zwemmen")
    assert scene.last(chat).plain_text.startswith("Zwemmen: wanneer is het?")
    await scene.say(scene.hubhome, chat, "zaterdag")
    assert scene.last(chat).plain_text.splitlines() == [
        "Hoe laat begint het? Zet er een tijd bij.",
        "Bijvoorbeeld: zaterdag 14:00 · zaterdag 19:30",
        "Er is nog niets gepland.",
    ]
    await scene.say(scene.hubhome, chat, "gisteren 14:00")
    assert scene.last(chat).plain_text.splitlines() == [
        "Dat moment is al voorbij (het is nu 10:00).",
        "Bijvoorbeeld: zaterdag 14:00 · morgen 14:00",
        "Er is nog niets gepland.",
    ]
    await scene.say(scene.hubhome, chat, "zaterdag 14:00")
    assert scene.last(chat).plain_text.splitlines()[:3] == [
        "📅 Gelezen als: zaterdag 28 november, 14:00",
        "",
        "Waar is het? Typ de plaats, of tik op Geen plaats.",
    ]
    await scene.say(scene.hubhome, chat, "Sportfondsenbad")
    ages = scene.last(chat)
    assert ages.button_texts == [["Alle leeftijden"], ["✖️ Stoppen"]]
    await scene.press(scene.hubhome, ages, "Alle leeftijden")
    places = scene.last(chat)
    assert places.button_texts[:3] == [["5", "8", "10"], ["12", "15", "20"], ["Geen maximum"]]
    await scene.say(scene.hubhome, chat, "veel")
    assert scene.last(chat).plain_text.startswith("Typ een getal")
    await scene.say(scene.hubhome, chat, "max 14")
    rhythm = scene.last(chat)
    assert rhythm.button_texts == [
        ["Eén keer"],
        ["Elke zaterdag"],
        ["Elke vierde zaterdag van de maand"],
        ["Elke laatste zaterdag van de maand"],
        ["Elke maand op de 28e"],
        ["✖️ Stoppen"],
    ]
    assert await scene.forge(scene.hubhome, rhythm, "nm:v1:rhy:weekly:3") == (
        "Deze knop werkt niet meer."
    )
    await scene.press(scene.hubhome, rhythm, "Elke zaterdag")
    preview = scene.last(chat)
    assert preview.plain_text.splitlines()[:7] == [
        "Zo komt het in de groep van De Linde te staan:",
        "",
        "🎈 Kinderactiviteit #1: Zwemmen",
        "📅 zaterdag 28 november, 14:00",
        "🔁 elke zaterdag",
        "📍 Sportfondsenbad",
        "👥 14 plekken, nog 14 vrij",
    ]
    assert scene.bot_texts(scene.group)[-1].startswith("🤝 Lotte")  # nothing posted yet
    await scene.press(scene.hubhome, preview, "✅ Plannen")
    assert scene.refreshed(preview).plain_text == (
        "✅ Gepland! Zwemmen staat nu in de groep van De Linde. "
        "Daar kan iedereen laten weten of ze komen."
    )
    card = scene.last(scene.group)
    assert card.plain_text.startswith("🎈 Kinderactiviteit #1: Zwemmen\n📅 zaterdag 28 november")
    assert await scene.press(scene.anna, card, "✅ Ik kom") == (
        "Genoteerd: je komt! ✅ Met hoeveel kinderen? Kies het aantal onder mijn vraag in de groep."
    )


async def test_a_member_cannot_plan_and_a_flow_can_be_stopped(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.liaison,))
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "/bijeenkomst")
    assert scene.last(anna_chat).plain_text.startswith(
        "Alleen het kerngezin of de contactpersoon kan bijeenkomsten"
    )
    chat = scene.private(scene.liaison)
    await scene.say(scene.liaison, chat, "/bijeenkomst")
    await scene.say(scene.liaison, chat, "Koffieavond")
    await scene.say(scene.liaison, chat, "/annuleren")
    assert scene.last(chat).plain_text == "Gestopt. Er is niets verstuurd."
    # After stopping, a message goes the usual way again (the private line).
    await scene.say(scene.liaison, chat, "Hallo")
    assert not scene.last(chat).plain_text.startswith("Koffieavond")
