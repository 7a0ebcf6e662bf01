"""The bot checks its own rights: with privacy mode on and no admin rights it sees only
commands, and /setup and /leden tell the admins exactly what to change — never "send a message"
to members whose messages it cannot see."""

from __future__ import annotations

from pathlib import Path

from bot.simulator.server import FakeTelegram
from tests.e2e.conftest import Scene, open_scene

BLIND = "Ik zie alleen opdrachten"
STEPS = "groepsnaam → ✏️ Bewerken → Beheerders → Beheerder toevoegen → @constellation_test_bot"
SEND_A_MESSAGE = "Stuur een berichtje in deze groep"


async def _members(scene: Scene) -> str:
    await scene.say(scene.anna, scene.group, "/leden")
    return scene.last(scene.group).plain_text


async def test_privacy_mode_without_admin_rights_says_what_to_change(scene: Scene) -> None:
    await scene.set_up("De Linde", bot_is_admin=False)
    done = scene.last(scene.group).plain_text
    assert done.startswith("✅ Deze groep is nu constellatie De Linde.")
    assert BLIND in done
    assert STEPS in done
    assert "@BotFather" not in done  # that is for whoever runs the bot: under "Meer uitleg"
    await scene.say(scene.bert, scene.group, "Hallo!")  # never reaches the bot
    members = await _members(scene)
    assert "👪 Pleeggezinnen: Anna, Sandra Admin" in members.splitlines()
    assert SEND_A_MESSAGE not in members  # it would not help: the bot cannot see it
    assert "Sta je er niet bij? Typ /koppel." in members
    assert "maak mij beheerder (groepsnaam → ✏️ Bewerken → Beheerders)" in members
    # Running /instellen again checks again.
    await scene.say(scene.admin, scene.group, "/instellen")
    again = scene.last(scene.group).plain_text
    assert "al ingesteld als constellatie De Linde" in again
    assert STEPS in again


async def test_an_admin_bot_sees_everything_and_says_nothing_about_it(scene: Scene) -> None:
    await scene.set_up("De Linde")
    assert BLIND not in scene.last(scene.group).plain_text
    await scene.say(scene.bert, scene.group, "Hallo!")
    members = await _members(scene)
    assert "👪 Pleeggezinnen: Anna, Bert, Sandra Admin" in members.splitlines()
    assert SEND_A_MESSAGE in members
    assert BLIND not in members and "Typ /koppel" not in members


async def test_privacy_mode_off_needs_no_admin_rights(tmp_path: Path) -> None:
    async with (
        FakeTelegram(privacy_mode=False) as sim,
        open_scene(sim, tmp_path / "bot.db") as scene,
    ):
        await scene.set_up("De Linde", bot_is_admin=False)
        assert BLIND not in scene.last(scene.group).plain_text
        await scene.say(scene.bert, scene.group, "Hallo!")
        members = await _members(scene)
        assert "👪 Pleeggezinnen: Anna, Bert, Sandra Admin" in members.splitlines()
        assert SEND_A_MESSAGE in members


async def test_made_admin_later_the_warning_goes_and_comes_back_when_demoted(
    scene: Scene,
) -> None:
    await scene.set_up("De Linde", bot_is_admin=False)
    assert BLIND in scene.last(scene.group).plain_text
    await scene.sim.set_bot_admin(scene.group, by=scene.admin, admin=True)
    await scene.bot.settle()
    assert scene.last(scene.group).plain_text.startswith("✅ Dank je! Nu zie ik ook gewone")
    await scene.say(scene.bert, scene.group, "Hallo!")  # now it does reach the bot
    members = await _members(scene)
    assert "👪 Pleeggezinnen: Anna, Bert, Sandra Admin" in members.splitlines()
    assert SEND_A_MESSAGE in members and BLIND not in members
    await scene.say(scene.admin, scene.group, "/instellen")
    assert STEPS not in scene.last(scene.group).plain_text

    await scene.sim.set_bot_admin(scene.group, by=scene.admin, admin=False)
    await scene.bot.settle()
    assert STEPS in scene.last(scene.group).plain_text
    assert "Typ /koppel" in await _members(scene)


async def test_when_telegram_does_not_say_the_bot_does_not_guess(scene: Scene) -> None:
    await scene.set_up("De Linde", bot_is_admin=False)
    scene.sim.inject_fault("getChatMember", error_code=500, description="Internal Server Error")
    members = await _members(scene)
    assert members.startswith("Constellatie De Linde")  # the list still comes
    assert SEND_A_MESSAGE in members and BLIND not in members


async def test_setup_more_explains_and_checks_the_rights_again(scene: Scene) -> None:
    """ "Meer uitleg" under /instellen adds how the constellation works and, while the bot is
    blind, the operator's way out; anyone may press it; the link button stays; the rights
    are checked again at the press."""
    await scene.set_up("De Linde", bot_is_admin=False)
    done = scene.last(scene.group)
    await scene.press(scene.anna, done, "ℹ️ Meer uitleg")
    explained = scene.refreshed(done)
    assert explained.plain_text.startswith("✅ Deze groep is nu constellatie De Linde.")
    assert STEPS in explained.plain_text
    assert "Of wie de bot beheert: @BotFather → /setprivacy → Disable" in explained.plain_text
    assert "Zo werk ik" in explained.plain_text
    assert "/logeren en /privelijn" in explained.plain_text
    assert explained.button_texts == [["📩 Koppel je privéchat"]]

    other = scene.sim.add_group("Tweede", members=[scene.anna], admins=[scene.admin])
    await scene.sim.add_bot_to_group(other, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.admin, other, "/instellen Tweede")
    done = scene.last(other)
    assert STEPS in done.plain_text
    await scene.sim.set_bot_admin(other, by=scene.admin, admin=True)
    await scene.bot.settle()
    await scene.press(scene.anna, done, "ℹ️ Meer uitleg")
    explained = scene.refreshed(done)
    assert "Zo werk ik" in explained.plain_text
    assert BLIND not in explained.plain_text  # promoted in between: checked again


async def test_setup_more_is_stale_outside_a_constellation(scene: Scene) -> None:
    other = scene.sim.add_group("Buurt", members=[scene.anna], admins=[scene.bert])
    await scene.sim.add_bot_to_group(other, by=scene.bert)
    await scene.bot.settle()
    intro = scene.last(other)
    assert await scene.forge(scene.anna, intro, "more:v1:setup") == "Deze knop werkt niet meer."
    assert scene.refreshed(intro).plain_text == intro.plain_text


async def test_privacy_mode_turned_off_counts_once_the_bot_is_added_again(scene: Scene) -> None:
    """The operator turns privacy mode off at @BotFather while the bot runs; Telegram applies
    it to a group when the bot is added again, and so does the bot (it asks getMe again)."""
    await scene.set_up("De Linde", bot_is_admin=False)
    scene.sim.privacy_mode = False
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.bert, scene.group, "Hallo!")
    members = await _members(scene)
    assert "👪 Pleeggezinnen: Anna, Bert, Sandra Admin" in members.splitlines()
    assert SEND_A_MESSAGE in members and BLIND not in members
