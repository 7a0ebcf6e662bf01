"""The private line end to end: member → hub home → member, with text and media."""

from __future__ import annotations

from bot.simulator.world import SimMessage, SimUser
from tests.e2e.conftest import Scene, both_modes, database_text

STALE = "Deze knop werkt niet meer."


async def _ready(scene: Scene, *, hub_home_linked: bool = True) -> SimUser:
    """De Linde with two hub home carers (Hanneke and Henk) and Lotte as liaison."""
    henk = scene.sim.add_user("Henk", language_code="nl")
    await scene.sim.user_joins(scene.group, henk)
    await scene.set_up("De Linde")
    for carer in (scene.hubhome, henk):
        hello = await scene.say(carer, scene.group, "hoi")
        await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    note = await scene.say(scene.liaison, scene.group, "hallo")
    await scene.say(scene.admin, scene.group, "/contactpersoon", reply_to=note)
    await scene.say(scene.anna, scene.group, "Goedemorgen!")
    if hub_home_linked:
        for carer in (scene.hubhome, henk):
            await scene.say(carer, scene.private(carer), "/start")
    return henk


def _copy_of(scene: Scene, user: SimUser, header: str) -> SimMessage:
    """The newest message in ``user``'s private chat that starts with ``header``."""
    for message in reversed(scene.sim.bot_messages(scene.private(user))):
        if message.plain_text.startswith(header):
            return message
    raise AssertionError(f"no message starting with {header!r} for {user.first_name}")


@both_modes
async def test_text_round_trip_with_two_hub_home_carers(scene: Scene) -> None:
    henk = await _ready(scene)
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "Het gaat niet <b>goed</b> met Noor na het bezoek.")
    header = "📨 Bericht van Anna — Constellatie De Linde"
    for carer in (scene.hubhome, henk):
        copy = scene.last(scene.private(carer))  # one message: the header and the words
        assert copy.plain_text == f"{header}\n\nHet gaat niet <b>goed</b> met Noor na het bezoek."
        assert copy.button_texts == [["↩️ Antwoorden"]]
    confirmation = scene.last(anna_chat)
    assert confirmation.plain_text == (
        "✅ Doorgestuurd naar het kerngezin (Hanneke, Henk). Hun antwoord krijg je hier."
    )
    assert confirmation.button_texts == []  # the liaison has not linked: no offer to include her
    assert scene.last(scene.group).plain_text.startswith("🤝 Lotte is nu contactpersoon")

    first_copy = _copy_of(scene, scene.hubhome, header)
    await scene.say(
        scene.hubhome,
        scene.private(scene.hubhome),
        "Zal ik je vanavond bellen?",
        reply_to=first_copy,
    )
    assert (
        scene.last(anna_chat).plain_text == "🏠 Hanneke (kerngezin):\n\nZal ik je vanavond bellen?"
    )
    sent = scene.last(scene.private(scene.hubhome))
    assert sent.plain_text == "✅ Je antwoord is naar Anna gestuurd."
    told = scene.last(scene.private(henk))
    assert told.plain_text == "✅ Hanneke heeft dit beantwoord."
    henk_copy = _copy_of(scene, henk, header)
    assert told.reply_to is not None and told.reply_to.message_id == henk_copy.message_id

    # Back and forth; and a reply to an older message still reaches Anna.
    await scene.say(scene.anna, anna_chat, "Ja graag, na 20:00")
    assert scene.last(scene.private(henk)).plain_text == f"{header}\n\nJa graag, na 20:00"
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "👍")
    assert scene.last(scene.private(scene.hubhome)).plain_text.startswith(
        "Je bent zelf het kerngezin"
    )
    await scene.say(henk, scene.private(henk), "Ik kan ook", reply_to=henk_copy)
    assert scene.last(anna_chat).plain_text == "🏠 Henk (kerngezin):\n\nIk kan ook"
    hanneke_texts = scene.bot_texts(scene.private(scene.hubhome))
    assert "✅ Henk heeft dit beantwoord." not in hanneke_texts  # only the first answer is told

    # Only ids are stored: none of what was said is in the database.
    stored = database_text(scene.bot.settings.database_path)
    for said in ("niet <b>goed</b>", "Noor", "vanavond bellen", "na 20:00", "Ik kan ook"):
        assert said not in stored


async def test_media_go_both_ways_by_telegram_copy(scene: Scene) -> None:
    henk = await _ready(scene)
    anna_chat = scene.private(scene.anna)
    hub_chat = scene.private(scene.hubhome)
    await scene.sim.send_media(scene.anna, anna_chat, "photo", caption="Zijn tekening van vandaag")
    await scene.bot.settle()
    photo = scene.last(hub_chat)
    assert photo.media_kind == "photo"
    assert photo.plain_text == (
        "📨 Bericht van Anna — Constellatie De Linde\n\nZijn tekening van vandaag"
    )
    await scene.sim.send_media(scene.anna, anna_chat, "voice")
    await scene.bot.settle()
    voice = scene.last(hub_chat)
    assert voice.media_kind == "voice"
    assert voice.plain_text == "📨 Bericht van Anna — Constellatie De Linde"
    await scene.sim.send_media(scene.anna, anna_chat, "sticker")
    await scene.bot.settle()
    sticker = scene.last(hub_chat)
    assert sticker.media_kind == "sticker"  # stickers take no caption: the header goes first
    assert sticker.reply_to is not None
    assert sticker.reply_to.plain_text == "📨 Bericht van Anna — Constellatie De Linde"
    await scene.sim.send_media(scene.anna, anna_chat, "document", file_name="verslag.pdf")
    await scene.bot.settle()
    assert scene.last(hub_chat).document is not None

    # Hanneke answers the photo with a voice note, and the sticker's header with text.
    await scene.sim.send_media(scene.hubhome, hub_chat, "voice", reply_to=photo)
    await scene.bot.settle()
    back = scene.last(anna_chat)
    assert back.media_kind == "voice"
    assert back.plain_text == "🏠 Hanneke (kerngezin):"
    await scene.say(scene.hubhome, hub_chat, "Mooi!", reply_to=sticker.reply_to)
    assert scene.last(anna_chat).plain_text == "🏠 Hanneke (kerngezin):\n\nMooi!"
    # Henk hears once per message answered, though the sticker reached him as two (header
    # and sticker): under his photo, and under the sticker's header.
    told = [
        message
        for message in scene.sim.bot_messages(scene.private(henk))
        if message.plain_text == "✅ Hanneke heeft dit beantwoord."
    ]
    henk_headers = [
        message.message_id
        for message in scene.sim.bot_messages(scene.private(henk))
        if message.plain_text.startswith("📨 Bericht van Anna")
    ]
    assert [message.reply_to.message_id for message in told if message.reply_to] == [
        henk_headers[0],  # the photo, its caption headed
        henk_headers[2],  # the sticker's header
    ]
    assert sticker.button_texts == [["↩️ Antwoorden"]]  # the button rides on the sticker
    assert photo.button_texts == voice.button_texts == [["↩️ Antwoorden"]]
    # Files are re-sent by Telegram itself: the bot never downloads or uploads them.
    assert scene.sim.calls_to("getFile") == []
    assert scene.sim.calls_to("sendPhoto") == [] and scene.sim.calls_to("sendVoice") == []
    assert len(scene.sim.calls_to("copyMessage")) == 4 * 2 + 1  # to both carers, and back


async def test_words_too_long_to_share_a_message_with_the_header_are_never_cut(
    scene: Scene,
) -> None:
    """Text and header over Telegram's 4096 (an emoji counts two), or a caption and header
    over 1024: the header goes first and Telegram's copy, whole, follows under it."""
    await _ready(scene)
    anna_chat, hub = scene.private(scene.anna), scene.private(scene.hubhome)
    header = "📨 Bericht van Anna — Constellatie De Linde"
    long_text = ("Zorgen 😟 " * 450).strip()  # 4049 units: fits, but not with the header
    await scene.sim.send_message(scene.anna, anna_chat, long_text)
    await scene.bot.settle()
    copy = scene.last(hub)
    assert copy.plain_text == long_text
    assert copy.reply_to is not None and copy.reply_to.plain_text == header
    assert copy.button_texts == [["↩️ Antwoorden"]]

    caption = ("Foto 📷 " * 125).strip()  # 999 units: fits a caption, not with the header
    await scene.sim.send_media(scene.anna, anna_chat, "photo", caption=caption)
    await scene.bot.settle()
    photo = scene.last(hub)
    assert photo.media_kind == "photo"
    assert photo.plain_text == caption
    assert photo.reply_to is not None and photo.reply_to.plain_text == header
    assert photo.button_texts == [["↩️ Antwoorden"]]
    # Answering either part reaches Anna.
    await scene.say(scene.hubhome, hub, "Ik lees het", reply_to=photo)
    assert scene.last(anna_chat).plain_text == "🏠 Hanneke (kerngezin):\n\nIk lees het"


async def test_messages_wait_for_a_reachable_hub_home(scene: Scene) -> None:
    henk = await _ready(scene, hub_home_linked=False)
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "Kan iemand mij terugbellen?")
    assert scene.last(anna_chat).plain_text.startswith(
        "📥 Het kerngezin kan nog geen berichten van mij krijgen"
    )
    assert scene.last(scene.group).plain_text.startswith(
        "📥 Er wacht een privébericht voor het kerngezin"
    )
    group_count = len(scene.sim.bot_messages(scene.group))
    await scene.say(scene.anna, anna_chat, "Het is niet dringend.")
    assert (
        len(scene.sim.bot_messages(scene.group)) == group_count
    )  # told once a day, not per message
    assert "Kan iemand" not in "\n".join(scene.bot_texts(scene.group))

    await scene.say(henk, scene.private(henk), "/start")
    henk_texts = scene.bot_texts(scene.private(henk))
    header = "📨 Bericht van Anna — Constellatie De Linde"
    assert henk_texts.count(header) == 2  # kept messages: header, then Telegram's copy
    copies = [m for m in scene.sim.bot_messages(scene.private(henk)) if m.reply_to is not None]
    assert [m.plain_text for m in copies] == [
        "Kan iemand mij terugbellen?",
        "Het is niet dringend.",
    ]
    assert scene.bot_texts(anna_chat).count("✅ Je bewaarde bericht is nu bij het kerngezin.") == 2
    # The bot never had their words to put under the header: Telegram's copy follows it,
    # with the answer button. Henk answers the kept copy; Anna gets it.
    assert [m.button_texts for m in copies] == [[["↩️ Antwoorden"]]] * 2
    await scene.say(henk, scene.private(henk), "Ik bel je zo", reply_to=copies[0])
    assert scene.last(anna_chat).plain_text == "🏠 Henk (kerngezin):\n\nIk bel je zo"
    await scene.press(henk, copies[1], "↩️ Antwoorden")
    await scene.say(henk, scene.private(henk), "Fijn om te horen")
    assert scene.last(anna_chat).plain_text == "🏠 Henk (kerngezin):\n\nFijn om te horen"
    # Nothing is delivered twice, also not after a restart.
    await scene.bot.restart()
    assert scene.bot_texts(scene.private(henk)).count(header) == 2


async def test_without_any_hub_home_the_message_waits_for_one(scene: Scene) -> None:
    await scene.set_up("De Linde")
    await scene.say(scene.anna, scene.group, "Hoi")
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/start")
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "Vraagje over het zakgeld")
    assert scene.last(anna_chat).plain_text.startswith(
        "📥 Je constellatie heeft nog geen kerngezin in de bot."
    )
    assert "nog geen kerngezin. Beheerders" in scene.last(scene.group).plain_text
    hello = await scene.say(scene.hubhome, scene.group, "Ik ben Hanneke")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    assert "Vraagje over het zakgeld" in scene.bot_texts(scene.private(scene.hubhome))


async def test_the_liaison_reads_along_only_when_asked(scene: Scene) -> None:
    henk = await _ready(scene)
    liaison_chat = scene.private(scene.liaison)
    await scene.say(scene.liaison, liaison_chat, "/start")
    seen = len(scene.sim.bot_messages(liaison_chat))
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "Ik maak me zorgen over de voogd")
    confirmation = scene.last(anna_chat)
    assert confirmation.button_texts == [["🤝 Ook naar de contactpersoon"]]
    assert len(scene.sim.bot_messages(liaison_chat)) == seen  # not without asking

    # Someone else cannot share Anna's message (a forged press from Bert's own chat).
    await scene.say(scene.bert, scene.private(scene.bert), "/start")
    bert_last = scene.last(scene.private(scene.bert))
    line_id = confirmation.buttons[0][0].callback_data
    assert line_id is not None
    popup = await scene.forge(scene.bert, bert_last, line_id)
    assert popup == "This button no longer works."
    assert len(scene.sim.bot_messages(liaison_chat)) == seen

    await scene.press(scene.anna, confirmation, "🤝 Ook naar de contactpersoon")
    assert scene.refreshed(confirmation).plain_text == (
        "✅ Doorgestuurd naar het kerngezin en naar de contactpersoon. Hun antwoord krijg je hier."
    )
    header = "📨 Bericht van Anna — Constellatie De Linde"
    # One message, header and words together (no second bubble), with the answer button.
    assert len(scene.sim.bot_messages(liaison_chat)) == seen + 1
    copy = scene.last(liaison_chat)
    assert copy.plain_text == f"{header}\n\nIk maak me zorgen over de voogd"
    assert copy.button_texts == [["↩️ Antwoorden"]]

    # Henk answers first: Lotte and Hanneke each hear it once, under their copy.
    henk_copy = _copy_of(scene, henk, header)
    await scene.say(henk, scene.private(henk), "Ik bel haar", reply_to=henk_copy)
    for carer in (scene.liaison, scene.hubhome):
        told = [
            message
            for message in scene.sim.bot_messages(scene.private(carer))
            if message.plain_text == "✅ Henk heeft dit beantwoord."
        ]
        assert len(told) == 1, carer.first_name
        assert told[0].reply_to is not None
        assert told[0].reply_to.message_id == _copy_of(scene, carer, header).message_id

    await scene.say(scene.liaison, liaison_chat, "Ik neem contact op", reply_to=copy)
    assert scene.last(anna_chat).plain_text == "🤝 Lotte (contactpersoon):\n\nIk neem contact op"
    # A later message goes to the hub home only again.
    await scene.say(scene.anna, anna_chat, "Dank je")
    assert scene.last(liaison_chat).plain_text != f"{header}\n\nDank je"


async def test_someone_in_two_constellations_chooses_once(scene: Scene) -> None:
    await _ready(scene)
    other = await scene.another_constellation("De Eik", [scene.anna, scene.bert])
    hello = await scene.say(scene.bert, other, "Hallo, Bert hier")
    await scene.say(scene.admin, other, "/kerngezin", reply_to=hello)
    await scene.say(scene.anna, other, "Hoi")
    await scene.say(scene.bert, scene.private(scene.bert), "/start")

    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "Wie neemt zaterdag de taart mee?")
    pick = scene.last(anna_chat)
    assert pick.plain_text.startswith("Naar het kerngezin van welke constellatie")
    assert pick.plain_text.endswith("wisselen kan met /privelijn.")
    assert pick.button_texts == [["De Linde"], ["De Eik"]]
    assert pick.reply_to is not None  # under the message it asks about
    assert pick.reply_to.plain_text == "Wie neemt zaterdag de taart mee?"
    assert "Wie neemt zaterdag" not in "\n".join(scene.bot_texts(scene.private(scene.bert)))
    await scene.press(scene.anna, pick, "De Eik")
    assert scene.refreshed(pick).plain_text == "Je berichten gaan naar het kerngezin van De Eik."
    # One message, header and words together, as when nobody had to choose; Bert reads English.
    copy = scene.last(scene.private(scene.bert))
    assert copy.plain_text == (
        "📨 Message from Anna — Constellation De Eik\n\nWie neemt zaterdag de taart mee?"
    )
    assert copy.button_texts == [["↩️ Reply"]]

    await scene.say(scene.anna, anna_chat, "En de slingers?")  # no question the second time
    assert scene.last(scene.private(scene.bert)).plain_text.endswith("En de slingers?")
    await scene.say(scene.anna, anna_chat, "/hubhomeprive")
    panel = scene.last(anna_chat)
    assert "Je berichten gaan nu naar het kerngezin van De Eik." in panel.plain_text
    await scene.press(scene.anna, panel, "De Linde")
    await scene.say(scene.anna, anna_chat, "Vraag voor Hanneke")
    assert scene.last(scene.private(scene.hubhome)).plain_text.endswith("Vraag voor Hanneke")


async def test_refused_deliveries_are_said_plainly(scene: Scene) -> None:
    henk = await _ready(scene)
    scene.sim.block_bot(scene.hubhome)
    scene.sim.block_bot(henk)
    await scene.bot.settle()
    anna_chat = scene.private(scene.anna)
    await scene.say(scene.anna, anna_chat, "Hallo?")
    assert scene.last(anna_chat).plain_text.startswith("📥 Het kerngezin kan nog geen berichten")
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/start")  # unblocks
    copy = _copy_of(scene, scene.hubhome, "📨 Bericht van Anna")
    assert scene.last(anna_chat).plain_text == "✅ Je bewaarde bericht is nu bij het kerngezin."

    scene.sim.block_bot(scene.anna)
    await scene.bot.settle()
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "Ben je daar?", reply_to=copy)
    assert scene.last(scene.private(scene.hubhome)).plain_text.startswith(
        "⚠️ Anna kan op dit moment geen berichten van mij krijgen"
    )


async def test_strangers_are_shown_how_to_link_and_explain_works(scene: Scene) -> None:
    await _ready(scene)
    stranger = scene.sim.add_user("Vera", language_code="nl")
    await scene.say(stranger, scene.private(stranger), "Hallo, ik zoek het kerngezin")
    assert scene.last(scene.private(stranger)).plain_text.startswith(
        "Ik weet nog niet bij welke constellatie je hoort"
    )
    await scene.say(scene.anna, scene.private(scene.anna), "/hubhomeprive")
    explained = scene.last(scene.private(scene.anna))
    text = explained.plain_text
    assert text.startswith("Privélijn naar het kerngezin")
    # One phone screen: a few short paragraphs; the rest is behind a button.
    assert len(text) < 400 and text.count("\n") <= 6
    assert explained.button_texts == [["ℹ️ Meer uitleg"]]
    assert "niet wat erin staat" not in text
    await scene.press(scene.anna, explained, "ℹ️ Meer uitleg")
    more = scene.refreshed(explained)
    assert more.plain_text.startswith(text)
    assert "↩️ Antwoorden" in more.plain_text and "/privelijn" in more.plain_text
    assert "niet wat erin staat; na 90 dagen ook dat niet meer" in more.plain_text
    assert more.button_texts == []
