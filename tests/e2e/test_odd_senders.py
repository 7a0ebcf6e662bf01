"""Messages that are not a person typing: anonymous admins, channels, bots, edits, forwards.

Each is handled on purpose — answered where someone is waiting for an answer, ignored where
acting on it would be wrong — and none of them crashes a handler or changes what is stored.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.conftest import Scene, database_text

APOLOGY = "Sorry, er ging iets mis"


def requests_stored(scene: Scene) -> int:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return int(db.execute("SELECT COUNT(*) FROM help_requests").fetchone()[0])


def no_errors(scene: Scene) -> None:
    assert not any(
        APOLOGY in text for chat in scene.sim.chats.values() for text in scene.bot_texts(chat)
    )
    refused = [call for call in scene.sim.calls if not call.ok and call.method != "getUpdates"]
    assert refused == []


async def test_an_anonymous_admin_is_asked_to_write_as_themselves(scene: Scene) -> None:
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin, as_admin=True)
    await scene.bot.settle()
    await scene.sim.send_on_behalf(scene.group, "/setup De Linde")
    await scene.bot.settle()
    answer = scene.last(scene.group).plain_text
    assert answer.startswith("🕶️ Je schrijft anoniem")
    assert await scene.bot.app.bot_data.services.constellations.for_chat(scene.group.id) is None

    await scene.set_up("De Linde")
    before = database_text(Path(scene.bot.settings.database_path))
    await scene.sim.send_on_behalf(scene.group, "/hulpvraag wie kan er oppassen?")
    await scene.bot.settle()
    assert scene.last(scene.group).plain_text.startswith("🕶️ Je schrijft anoniem")
    assert requests_stored(scene) == 0
    # Plain chatter of an anonymous admin is no person to remember, and gets no answer.
    await scene.sim.send_on_behalf(scene.group, "Fijne avond allemaal")
    await scene.bot.settle()
    assert scene.last(scene.group).plain_text.startswith("🕶️ Je schrijft anoniem")
    assert database_text(Path(scene.bot.settings.database_path)) == before
    no_errors(scene)


async def test_channel_messages_are_ignored(scene: Scene) -> None:
    await scene.set_up("De Linde")
    said = len(scene.sim.bot_messages(scene.group))
    channel = scene.sim.add_channel("Nieuws van het bureau")
    await scene.sim.send_on_behalf(
        scene.group, "/hulpvraag automatisch doorgestuurd", channel=channel
    )
    await scene.sim.post_in_channel(channel, "/setup Kanaal")
    await scene.sim.post_in_channel(channel, "Nieuwsbrief november")
    await scene.bot.settle()
    assert len(scene.sim.bot_messages(scene.group)) == said
    assert scene.sim.bot_messages(channel) == []
    assert requests_stored(scene) == 0
    no_errors(scene)


async def test_other_bots_are_ignored(scene: Scene) -> None:
    await scene.set_up("De Linde")
    robot = scene.sim.add_user("Planbot", username="plan_bot", is_bot=True)
    scene.sim.set_member_status(scene.group, robot, "member")
    said = len(scene.sim.bot_messages(scene.group))
    await scene.say(robot, scene.group, "/hulpvraag ik ben een robot")
    await scene.say(robot, scene.group, "/leden")
    assert len(scene.sim.bot_messages(scene.group)) == said
    assert requests_stored(scene) == 0
    await scene.say(scene.anna, scene.group, "/leden")
    assert "Planbot" not in scene.last(scene.group).plain_text
    no_errors(scene)


async def test_an_edited_command_does_not_run_again(scene: Scene) -> None:
    await scene.with_roles()
    asked = await scene.say(scene.anna, scene.group, "/hulpvraag wie kan zaterdag oppassen?")
    assert requests_stored(scene) == 1
    said = len(scene.sim.bot_messages(scene.group))
    await scene.sim.edit_message(scene.anna, asked, "/hulpvraag wie kan zondag oppassen?")
    await scene.bot.settle()
    assert requests_stored(scene) == 1
    assert len(scene.sim.bot_messages(scene.group)) == said
    no_errors(scene)


async def test_an_edit_in_the_private_line_is_explained_not_passed_on(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    anna_chat = scene.private(scene.anna)
    sent = await scene.say(scene.anna, anna_chat, "Kun je me vanavond bellen?")
    copies = len(scene.sim.bot_messages(scene.private(scene.hubhome)))
    await scene.sim.edit_message(scene.anna, sent, "Kun je me morgen bellen?")
    await scene.bot.settle()
    assert len(scene.sim.bot_messages(scene.private(scene.hubhome))) == copies
    assert scene.last(anna_chat).plain_text == (
        "✏️ Een gewijzigd bericht geef ik niet door. Stuur de nieuwe versie als nieuw bericht."
    )
    no_errors(scene)


@pytest.mark.parametrize("where", ["group", "private"])
async def test_a_forwarded_command_is_not_run(scene: Scene, where: str) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    original = await scene.say(scene.bert, scene.group, "/hulpvraag wie kan er rijden?")
    assert requests_stored(scene) == 1
    chat = scene.group if where == "group" else scene.private(scene.anna)
    said = len(scene.sim.bot_messages(chat))
    await scene.sim.forward_message(scene.anna, chat, original)
    await scene.bot.settle()
    assert requests_stored(scene) == 1
    if where == "group":
        assert len(scene.sim.bot_messages(chat)) == said
    else:
        # In the private line a forward is something to show the hub home: it is passed on.
        assert scene.last(scene.private(scene.hubhome)).plain_text.endswith(
            "/hulpvraag wie kan er rijden?"
        )
    no_errors(scene)


async def test_a_forwarded_message_reaches_the_hub_home(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome,))
    school = scene.sim.add_user("Juf Ans", language_code="nl")
    school_chat = scene.private(school)
    note = await scene.sim.send_message(
        school, school_chat, "Noor was vandaag erg stil in de klas."
    )
    await scene.sim.forward_message(scene.anna, scene.private(scene.anna), note)
    await scene.bot.settle()
    assert scene.last(scene.private(scene.hubhome)).plain_text.endswith(
        "Noor was vandaag erg stil in de klas."
    )
    no_errors(scene)
