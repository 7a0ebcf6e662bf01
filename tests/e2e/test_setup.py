"""Joining a group and /setup, as group members see it."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.storage.constellations import ConstellationRepository
from tests.e2e.conftest import Scene, both_modes


async def test_bot_introduces_itself_when_added(scene: Scene) -> None:
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    intro = scene.bot_texts(scene.group)
    assert len(intro) == 1  # one introduction, not one per update about the same join
    assert "constellatiebot" in intro[0]
    assert "/instellen" in intro[0]  # the Dutch alias, never the English name


@both_modes
async def test_admin_sets_up_the_constellation(scene: Scene) -> None:
    await scene.set_up()
    done = scene.last(scene.group)
    assert "Deze groep is nu constellatie Pleeggezinnen De Linde" in done.plain_text
    [[button], [more]] = done.buttons
    assert button.text == "📩 Koppel je privéchat"
    assert more.text == "ℹ️ Meer uitleg"
    assert button.url is not None
    assert button.url.startswith(f"https://t.me/{scene.sim.bot.username}?start=")
    stored = await ConstellationRepository().by_chat(
        scene.bot.app.bot_data.services.db.reader, scene.group.id
    )
    assert stored is not None
    assert stored.name == "Pleeggezinnen De Linde"
    assert button.url.endswith(stored.link_token)


async def test_setup_twice_says_already(scene: Scene) -> None:
    await scene.set_up("De Linde")
    await scene.say(scene.admin, scene.group, "/setup Iets anders")
    assert "al ingesteld als constellatie De Linde" in scene.last(scene.group).plain_text


async def test_non_admin_is_refused_politely(scene: Scene) -> None:
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.anna, scene.group, "/setup")
    assert "alleen een beheerder" in scene.last(scene.group).plain_text
    services = scene.bot.app.bot_data.services
    assert await services.constellations.for_chat(scene.group.id) is None


async def test_operator_from_settings_may_set_up(scene: Scene) -> None:
    """BOT_ADMIN_IDS may manage a group they do not administer in Telegram."""
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    await scene.say(scene.operator, scene.group, "/setup")
    assert "Deze groep is nu constellatie" in scene.last(scene.group).plain_text


async def test_setup_in_private_explains(scene: Scene) -> None:
    await scene.say(scene.anna, scene.private(scene.anna), "/setup")
    assert "werkt alleen in de groepschat" in scene.last(scene.private(scene.anna)).plain_text


async def test_setup_with_bot_username_and_long_html_name(scene: Scene) -> None:
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    long_name = "<b>Linde</b> & co " + "x" * 100
    await scene.say(scene.admin, scene.group, f"/setup@{scene.sim.bot.username} {long_name}")
    done = scene.last(scene.group)
    assert "<b>Linde</b> & co" in done.plain_text  # shown literally, not as markup
    assert "De naam was te lang" in done.plain_text
    assert "&lt;b&gt;Linde&lt;/b&gt; &amp; co" in (done.text or "")


async def test_removed_bot_pauses_and_comes_back(scene: Scene) -> None:
    await scene.set_up("De Linde")
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    services = scene.bot.app.bot_data.services
    paused = await services.constellations.for_chat(scene.group.id)
    assert paused is not None and paused.status.value == "paused"
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    assert "Constellatie De Linde gaat verder" in scene.last(scene.group).plain_text
    resumed = await services.constellations.for_chat(scene.group.id)
    assert resumed is not None and resumed.status.value == "active"


async def test_a_paused_group_gets_nothing_until_the_bot_is_back(scene: Scene) -> None:
    await scene.with_roles()
    await scene.say(scene.anna, scene.group, "/hulpvraag Wie kan woensdag Sem ophalen?")
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    calls_before = len(scene.sim.calls)
    # Nobody took it on and the hub home cannot be reached privately: nothing goes to the
    # group, which the bot has left (and escalations never go to a group anyway).
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(hours=2, minutes=1))
    await scene.bot.tick()
    clock.advance(timedelta(hours=1))
    await scene.bot.tick()
    to_group = [
        call
        for call in scene.sim.calls[calls_before:]
        if call.params.get("chat_id") == scene.group.id
    ]
    assert to_group == []  # not even tried

    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    back = scene.bot_texts(scene.group)[-1]
    assert "Constellatie De Linde gaat verder" in back
    await scene.bot.tick()
    assert scene.bot_texts(scene.group)[-1] == back  # no escalation follows in the group
