"""The constellation's language: English groups get English, buttons are re-authorised."""

from __future__ import annotations

from tests.e2e.conftest import Scene


async def test_admin_switches_to_english(scene: Scene) -> None:
    await scene.set_up("De Linde")
    await scene.say(scene.admin, scene.group, "/language en")
    assert scene.last(scene.group).plain_text == "✅ From now on I'll speak English in this group."
    hello = await scene.say(scene.hubhome, scene.group, "hello")
    await scene.say(scene.admin, scene.group, "/hubhome", reply_to=hello)
    assert scene.last(scene.group).plain_text == (
        "🏠 Hanneke de Vries is now part of the hub home of this constellation."
    )
    await scene.say(scene.anna, scene.group, "/members")
    assert "🏠 Hub home: Hanneke de Vries" in scene.last(scene.group).plain_text
    await scene.say(scene.admin, scene.group, "/setup")
    assert "already set up as constellation De Linde" in scene.last(scene.group).plain_text


async def test_language_buttons_are_reauthorised(scene: Scene) -> None:
    await scene.set_up()
    await scene.say(scene.admin, scene.group, "/taal")
    prompt = scene.last(scene.group)
    assert prompt.button_texts == [["🇳🇱 Nederlands", "🇬🇧 English"]]
    popup = await scene.press(scene.anna, prompt, "🇬🇧 English")
    assert popup == "Alleen een beheerder van de groep kan de taal veranderen."
    services = scene.bot.app.bot_data.services
    still = await services.constellations.for_chat(scene.group.id)
    assert still is not None and still.language == "nl"
    await scene.press(scene.admin, prompt, "🇬🇧 English")
    assert scene.sim.bot_messages(scene.group)[-1].plain_text == (
        "✅ From now on I'll speak English in this group."
    )
    changed = await services.constellations.for_chat(scene.group.id)
    assert changed is not None and changed.language == "en"


async def test_unknown_language_and_forged_button(scene: Scene) -> None:
    await scene.set_up()
    await scene.say(scene.admin, scene.group, "/taal fr")
    assert "Die taal ken ik niet" in scene.last(scene.group).plain_text
    await scene.say(scene.admin, scene.group, "/taal")
    prompt = scene.last(scene.group)
    # A button whose data was tampered with changes nothing.
    prompt.reply_markup = {
        "inline_keyboard": [[{"text": "evil", "callback_data": "cfg:v1:lang:fr"}]]
    }
    popup = await scene.press(scene.admin, prompt, "evil")
    assert popup == "Deze knop werkt niet meer."
    services = scene.bot.app.bot_data.services
    still = await services.constellations.for_chat(scene.group.id)
    assert still is not None and still.language == "nl"


async def test_english_speaker_in_private(scene: Scene) -> None:
    private = scene.private(scene.bert)
    await scene.say(scene.bert, private, "/start")
    assert scene.last(private).plain_text.startswith("Hello Bert! 👋 I'm the constellation bot")
    await scene.say(scene.bert, private, "/setup")
    assert "only works in your constellation's group chat" in scene.last(private).plain_text


async def test_english_constellation_refusals_and_mistakes(scene: Scene) -> None:
    await scene.set_up("De Linde")
    await scene.say(scene.admin, scene.group, "/language en")
    await scene.say(scene.anna, scene.group, "/setup")
    assert "already set up as constellation De Linde" in scene.last(scene.group).plain_text
    hello = await scene.say(scene.bert, scene.group, "hi")
    await scene.say(scene.anna, scene.group, "/liaison", reply_to=hello)
    assert scene.last(scene.group).plain_text == "Sorry, only a group admin can give roles."
    await scene.say(scene.admin, scene.group, "/liaison")
    assert "choose Reply, then send /liaison" in scene.last(scene.group).plain_text
    await scene.say(scene.admin, scene.group, "/member", reply_to=scene.last(scene.group))
    assert "Roles are for people, not for bots" in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, "/link")
    link = scene.last(scene.group)
    assert link.button_texts == [["📩 Link your private chat"]]
    await scene.say(scene.anna, scene.group, "/language nl")
    assert "Only a group admin can change the language." in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, "/help")
    assert "👪 /members — who belongs here" in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, f"/nope@{scene.sim.bot.username}")
    assert "I don't know that command" in scene.last(scene.group).plain_text


async def test_not_set_up_group_in_english_default(scene: Scene) -> None:
    """Before /setup the group hears BOT_LANGUAGE (Dutch here), whoever asks."""
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.bert, scene.group, "/members")
    assert "nog geen constellatie" in scene.last(scene.group).plain_text
    await scene.say(scene.bert, scene.group, "/link")
    assert "nog geen constellatie" in scene.last(scene.group).plain_text
