"""Linking a private chat with the deep link, /start, /help and unknown commands."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import Scene


def _payload(url: str | None) -> str:
    assert url is not None
    return parse_qs(urlparse(url).query)["start"][0]


async def _person_linked(scene: Scene, user_id: int) -> bool:
    member = await scene.bot.app.bot_data.services.constellations.member(scene.group.id, user_id)
    return member is not None and member.person.private_chat_linked


async def test_member_links_private_chat_with_the_button(scene: Scene) -> None:
    await scene.set_up("De Linde")
    await scene.say(scene.anna, scene.group, "/koppel")
    prompt = scene.last(scene.group)
    assert "Tik op de knop" in prompt.plain_text
    payload = _payload(prompt.buttons[0][0].url)
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, f"/start {payload}")
    assert scene.last(private).plain_text.startswith(
        "✅ Gelukt, Anna! Je privéchat is gekoppeld aan constellatie De Linde."
    )
    assert await _person_linked(scene, scene.anna.id)


async def test_link_from_someone_outside_the_group_is_refused(scene: Scene) -> None:
    await scene.set_up("De Linde")
    payload = _payload(scene.last(scene.group).buttons[0][0].url)
    stranger = scene.sim.add_user("Sam", language_code="en")
    private = scene.private(stranger)
    await scene.say(stranger, private, f"/start {payload}")
    assert "aren't in the group chat of constellation De Linde" in scene.last(private).plain_text
    assert (
        await scene.bot.app.bot_data.services.constellations.member(scene.group.id, stranger.id)
        is None
    )


async def test_forged_link_and_plain_start(scene: Scene) -> None:
    await scene.set_up()
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/start abcdefghijklmnop")
    assert "Deze koppellink werkt niet" in scene.last(private).plain_text
    await scene.say(scene.anna, private, "/start")
    assert "Hallo Anna! 👋 Ik ben de constellatiebot" in scene.last(private).plain_text


async def test_start_greets_known_people_as_known_whatever_their_role(scene: Scene) -> None:
    """No "link your chat" for someone already in a constellation: what they can do there."""
    await scene.with_roles()
    greetings = {}
    for person in (scene.hubhome, scene.liaison, scene.anna, scene.bert):
        private = scene.private(person)
        await scene.say(person, private, "/start")
        greetings[person.first_name] = scene.last(private).plain_text
    assert greetings["Hanneke"] == (
        "Hallo Hanneke! 👋 Je privéchat is gekoppeld: ik kan je hier berichten sturen.\n\n"
        "🏠 De Linde: je bent het kerngezin. Berichten van gezinnen komen hier binnen; "
        "antwoorden doe je met ↩️ Antwoorden eronder. Alles wat wacht: /overzicht. Je bedden: "
        "/bedden.\n\n"
        "Alles wat ik kan: /hulp"
    )
    assert "🤝 De Linde: je bent de contactpersoon." in greetings["Lotte"]
    assert "Cijfers: /rapport." in greetings["Lotte"]
    assert (
        "👪 De Linde: stuur mij hier een bericht voor het kerngezin (/privelijn)."
        in (greetings["Anna"])
    )
    assert greetings["Bert"].startswith("Hello Bert! 👋 Your private chat is linked")
    assert (
        "👪 De Linde: send me a message here for the hub home (/privateline)."
        in (greetings["Bert"])
    )
    for greeting in greetings.values():
        assert "/koppel" not in greeting and "/link" not in greeting
        assert "Koppel je privéchat" not in greeting and "Link your private chat" not in greeting
    for person in (scene.hubhome, scene.liaison, scene.anna, scene.bert):
        assert await _person_linked(scene, person.id)

    # In two constellations: both, each with the role held there.
    other = await scene.another_constellation("De Eik", [scene.anna])
    hello = await scene.say(scene.anna, other, "Hoi")
    await scene.say(scene.admin, other, "/kerngezin", reply_to=hello)
    await scene.say(scene.anna, scene.private(scene.anna), "/start")
    lines = scene.last(scene.private(scene.anna)).plain_text.split("\n")
    assert [line.split(":")[0] for line in lines if line.startswith(("👪", "🏠"))] == [
        "👪 De Linde",
        "🏠 De Eik",
    ]


async def test_help_fits_role_and_language(scene: Scene) -> None:
    await scene.set_up()
    await scene.say(scene.anna, scene.group, "/hulp")
    member_help = scene.last(scene.group)
    assert "👪 /leden — wie erbij hoort" in member_help.plain_text
    assert "/instellen" not in member_help.plain_text
    await scene.press(scene.anna, member_help, "ℹ️ Meer uitleg")
    member_all = scene.refreshed(member_help)
    assert "/leden — Wie er in de constellatie zit" in member_all.plain_text
    assert "/instellen" not in member_all.plain_text
    assert member_all.buttons == []  # "More" was pressed: the button is gone
    await scene.say(scene.admin, scene.group, "/help")
    admin_help = scene.last(scene.group)
    assert "Beheerders: /instellen, /kerngezin" in admin_help.plain_text
    await scene.press(scene.admin, admin_help, "ℹ️ Meer uitleg")
    admin_all = scene.refreshed(admin_help).plain_text
    assert "/instellen — Deze groep instellen als constellatie (beheerders)" in admin_all
    assert "/kerngezin" in admin_all
    private = scene.private(scene.bert)  # Bert's Telegram speaks English
    await scene.say(scene.bert, private, "/help")
    private_help = scene.last(private)
    assert "This is what you can ask me here" in private_help.plain_text
    assert "/privateline — a private message to the hub home" in private_help.plain_text
    await scene.press(scene.bert, private_help, "ℹ️ More")
    private_all = scene.refreshed(private_help).plain_text
    assert "/start — Get to know me" in private_all
    assert "/members" not in private_all  # group commands are not offered in private
    # The hub home's and the liaison's own commands are listed for them only.
    assert "/overview" not in private_all and "/beds" not in private_all
    await scene.with_roles(linked=(scene.hubhome,))
    hub = scene.private(scene.hubhome)
    await scene.say(scene.hubhome, hub, "/hulp")
    await scene.press(scene.hubhome, scene.last(hub), "ℹ️ Meer uitleg")
    carer_all = scene.refreshed(scene.last(hub)).plain_text
    assert "/overzicht" in carer_all and "/bedden" in carer_all and "/rapport" in carer_all


async def test_more_is_checked_on_the_server(scene: Scene) -> None:
    """ "More" only acts on the message that carries it: forged on another message, or
    pressed again after it was used, it is stale and changes nothing."""
    await scene.set_up("De Linde")
    await scene.say(scene.anna, scene.group, "/hulp")
    short = scene.last(scene.group)
    await scene.say(scene.anna, scene.group, "/hulpvragen")
    other = scene.last(scene.group)
    assert await scene.forge(scene.anna, other, "more:v1:help") == "Deze knop werkt niet meer."
    assert scene.refreshed(other).plain_text == other.plain_text
    assert await scene.forge(scene.anna, short, "more:v1:setup") == "Deze knop werkt niet meer."
    assert scene.refreshed(short).plain_text == short.plain_text
    await scene.press(scene.bert, short, "ℹ️ Meer uitleg")
    assert await scene.forge(scene.bert, short, "more:v1:help") == "Deze knop werkt niet meer."


async def test_unknown_commands(scene: Scene) -> None:
    await scene.set_up()
    before = len(scene.sim.bot_messages(scene.group))
    await scene.say(scene.anna, scene.group, "/weer")  # maybe for another bot: stay quiet
    await scene.say(scene.anna, scene.group, "/xyzzy")  # nothing like ours
    await scene.say(scene.anna, scene.group, "/hulp@other_bot")  # ours, but addressed elsewhere
    await scene.say(scene.anna, scene.group, "/hlup@other_bot")
    assert len(scene.sim.bot_messages(scene.group)) == before
    await scene.say(scene.anna, scene.group, f"/weer@{scene.sim.bot.username}")
    assert "Die opdracht ken ik niet" in scene.last(scene.group).plain_text
    private = scene.private(scene.bert)
    await scene.say(scene.bert, private, "/nonsense")
    assert "I don't know that command" in scene.last(private).plain_text


async def test_near_misses_get_the_command_meant(scene: Scene) -> None:
    """A typo or a Dutch-looking word close to one of ours: the nearest command, briefly, as
    the chat's language shows it, and where it works (with a button to the private chat)."""
    await scene.set_up()
    await scene.say(scene.anna, scene.group, "/hlup")
    assert scene.last(scene.group).plain_text == "Bedoel je /hulp?"
    await scene.say(scene.anna, scene.group, "/logeerbed")
    pointer = scene.last(scene.group)
    assert pointer.plain_text == "Bedoel je /logeren? Dat werkt in je privéchat met mij."
    [[button]] = pointer.buttons
    assert button.url == f"https://t.me/{scene.sim.bot.username}"
    await scene.say(scene.anna, scene.group, f"/Agendaa@{scene.sim.bot.username}")
    assert scene.last(scene.group).plain_text == "Bedoel je /agenda?"
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraagje")
    assert scene.last(private).plain_text == "Bedoel je /hulpvraag?"
    await scene.say(scene.anna, private, "/ledn")
    assert scene.last(private).plain_text == (
        "Bedoel je /leden? Dat werkt in de groepschat van je constellatie."
    )
    await scene.say(scene.anna, private, "/xyzzy")
    assert "Die opdracht ken ik niet" in scene.last(private).plain_text


async def test_ours_in_the_wrong_place_says_where_it_works(scene: Scene) -> None:
    await scene.set_up()
    await scene.say(scene.anna, scene.group, "/rapport")
    assert "Rapporten vraag je privé bij mij op" in scene.last(scene.group).plain_text
    await scene.say(scene.anna, scene.group, "/annuleren")
    pointer = scene.last(scene.group)
    assert pointer.plain_text == "/annuleren werkt in je privéchat met mij, niet in de groep."
    assert pointer.buttons[0][0].url == f"https://t.me/{scene.sim.bot.username}"
    await scene.say(scene.anna, scene.group, "/privelijn")
    assert scene.last(scene.group).plain_text.startswith("/privelijn werkt in je privéchat")
    await scene.say(scene.anna, scene.group, "/hubhomeprive")  # the old name: shown as the new
    assert scene.last(scene.group).plain_text.startswith("/privelijn werkt in je privéchat")


async def test_an_english_group_gets_english_names(scene: Scene) -> None:
    await scene.set_up()
    await scene.say(scene.admin, scene.group, "/taal en")
    await scene.say(scene.anna, scene.group, "/hlup")
    assert scene.last(scene.group).plain_text == "Did you mean /help?"
    await scene.say(scene.anna, scene.group, "/logeerbed")
    assert scene.last(scene.group).plain_text == (
        "Did you mean /sleepover? That works in your private chat with me."
    )
    assert scene.last(scene.group).button_texts == [["💬 To the private chat"]]
    await scene.say(scene.anna, scene.group, "/annuleren")
    assert scene.last(scene.group).plain_text == (
        "/cancel works in your private chat with me, not in the group."
    )


async def test_the_old_private_line_name_keeps_working(scene: Scene) -> None:
    await scene.set_up()
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/privelijn")
    explained = scene.last(private).plain_text
    await scene.say(scene.anna, private, "/hubhomeprive")
    assert scene.last(private).plain_text == explained


async def test_command_menus_are_registered_in_both_languages(scene: Scene) -> None:
    calls = scene.sim.calls_to("setMyCommands")
    seen = {
        (call.params["scope"]["type"], call.params.get("language_code")): [
            command["command"] for command in call.params["commands"]
        ]
        for call in calls
    }
    assert seen[("all_group_chats", "nl")][:3] == ["hulp", "hulpvraag", "hulpvragen"]
    assert seen[("all_group_chats", "en")][:3] == ["help", "request", "requests"]
    assert "setup" not in seen[("all_group_chats", "en")]
    assert "setup" in seen[("all_chat_administrators", "en")]
    assert "settings" in seen[("all_chat_administrators", "en")]
    assert "instellingen" in seen[("all_chat_administrators", "nl")]
    assert seen[("all_private_chats", "en")] == [
        "start",
        "help",
        "request",
        "cancel",
        "privateline",
        "meetup",
        "activity",
        "meetups",
        "sleepover",
        "beds",
        "away",
        "overview",
        "report",
        "weekly",
        "privacy",
        "forgetme",
    ]
    assert seen[("all_private_chats", "nl")] == [
        "start",
        "hulp",
        "hulpvraag",
        "annuleren",
        "privelijn",
        "bijeenkomst",
        "activiteit",
        "agenda",
        "logeren",
        "bedden",
        "weg",
        "overzicht",
        "rapport",
        "weekoverzicht",
        "privacy",
        "vergeetmij",
    ]
    assert ("all_private_chats", None) in seen  # the default for other languages
