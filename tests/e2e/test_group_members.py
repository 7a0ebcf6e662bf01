"""People leaving the group: roles end, their requests stay, the hub home is told once."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.storage.db import Database, Tx
from tests.e2e.conftest import Scene


async def _ready(scene: Scene, *, bot_is_admin: bool = True) -> None:
    await scene.set_up("De Linde", bot_is_admin=bot_is_admin)
    hello = await scene.say(scene.hubhome, scene.group, "/hulp")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    note = await scene.say(scene.liaison, scene.group, "/hulp")
    await scene.say(scene.admin, scene.group, "/contactpersoon", reply_to=note)
    await scene.say(scene.hubhome, scene.private(scene.hubhome), "/start")


def _membership(scene: Scene, user_id: int) -> tuple[object, ...]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        row = db.execute(
            "SELECT status, role FROM memberships WHERE user_id = ?", (user_id,)
        ).fetchone()
    assert row is not None
    return tuple(row)


def _left_notices(scene: Scene) -> list[str]:
    return [t for t in scene.bot_texts(scene.private(scene.hubhome)) if t.startswith("👋")]


async def test_leaving_ends_the_role_and_reopens_what_they_helped_with(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Rit naar de tandarts")
    await scene.say(scene.bert, scene.group, "/request #items A cot for a week")
    bert_card = scene.last(scene.group)
    await scene.press(scene.liaison, bert_card, "🙋 Ik help")
    assert scene.refreshed(bert_card).plain_text.endswith("🤝 Lotte helpt")

    await scene.sim.user_leaves(scene.group, scene.liaison)
    await scene.bot.settle()
    assert _membership(scene, scene.liaison.id) == ("left", "member")
    assert scene.refreshed(bert_card).plain_text.endswith("🟢 Open: wie kan helpen?")
    assert _left_notices(scene) == [
        "👋 Lotte heeft de groep verlaten en heeft geen rol meer in de constellatie.\n"
        "• Hulpvragen van Lotte die blijven staan: —\n"
        "• Weer open, want Lotte zou helpen: #2"
    ]

    await scene.sim.user_removed(scene.group, scene.anna, by=scene.admin)
    await scene.bot.settle()
    assert _membership(scene, scene.anna.id)[0] == "left"
    notices = _left_notices(scene)
    assert len(notices) == 2  # each leave told once, though Telegram reports it twice
    assert "• Hulpvragen van Anna die blijven staan: #1" in notices[1]
    await scene.say(scene.bert, scene.group, "/hulpvragen")
    assert "#1 🚗 Vervoer van Anna" in scene.last(scene.group).plain_text  # still visible

    # Coming back makes Lotte a member again, without her old role.
    await scene.sim.user_joins(scene.group, scene.liaison)
    await scene.bot.settle()
    assert _membership(scene, scene.liaison.id) == ("active", "member")


async def test_a_bot_without_admin_rights_learns_it_from_the_service_message(
    scene: Scene,
) -> None:
    await _ready(scene, bot_is_admin=False)
    await scene.sim.user_leaves(scene.group, scene.liaison)
    await scene.bot.settle()
    assert scene.sim.calls_to("getUpdates")  # the bot is polling; it got no chat_member update
    assert _membership(scene, scene.liaison.id) == ("left", "member")
    assert _left_notices(scene) == [
        "👋 Lotte heeft de groep verlaten en heeft geen rol meer in de constellatie."
    ]


async def test_upgrade_to_supergroup_takes_everything_along(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Zaterdagavond oppas")
    old_card = scene.last(scene.group)
    # A notice waits for the group when the upgrade happens (Telegram had a hiccup).
    scene.sim.inject_fault("sendMessage", error_code=500, description="Internal Server Error")
    await scene.press(scene.hubhome, old_card, "🙋 Ik help")
    services = scene.bot.app.bot_data.services
    assert (
        await services.outbox.next_due(services.db.reader) is not None
    )  # the claim notice is pending

    supergroup = await scene.sim.upgrade_to_supergroup(scene.group, by=scene.admin)
    await scene.bot.settle()
    constellation = await services.constellations.for_chat(supergroup.id)
    assert constellation is not None and constellation.name == "De Linde"
    assert await services.constellations.for_chat(scene.group.id) is None
    clock = services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(seconds=11))  # the retry's back-off
    await scene.bot.tick()
    notices = [t for t in scene.bot_texts(supergroup) if "Goed nieuws" in t]
    assert notices == ["Anna: 🤝 Goed nieuws: Hanneke helpt je met hulpvraag #1 (🧸 Oppas)."]

    # The old card still works where it is; new requests continue the numbering.
    popup = await scene.press(scene.hubhome, old_card, "🔓 Toch niet")
    assert popup == "Hulpvraag #1 staat weer open."
    assert scene.refreshed(old_card).plain_text.endswith("🟢 Open: wie kan helpen?")
    await scene.say(scene.bert, supergroup, "/request Someone to water the plants")
    assert scene.last(supergroup).plain_text.startswith("🆘 Hulpvraag #2")
    await scene.say(scene.bert, supergroup, "/hulpvragen")
    assert "#1 🧸 Oppas van Anna" in scene.last(supergroup).plain_text


async def test_an_upgrade_missed_while_down_is_followed_on_first_send(scene: Scene) -> None:
    await _ready(scene)
    await scene.say(scene.anna, scene.group, "/hulpvraag Hulp bij de verhuizing")
    scene.sim.inject_fault("sendMessage", error_code=500, description="Internal Server Error")
    await scene.press(scene.hubhome, scene.last(scene.group), "🙋 Ik help")
    await scene.bot.stop()
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(seconds=11))  # the retry's back-off
    supergroup = await scene.sim.upgrade_to_supergroup(scene.group, by=scene.admin)
    scene.bot.app = build_application(scene.bot.settings, clock=scene.bot.clock)
    await scene.bot.start()  # start-up delivers the pending notice: ChatMigrated, then follows
    await scene.bot.settle()
    notices = [t for t in scene.bot_texts(supergroup) if "Goed nieuws" in t]
    assert len(notices) == 1
    refused = [c for c in scene.sim.calls_to("sendMessage") if c.error_code == 400]
    assert [c.params["chat_id"] for c in refused] == [scene.group.id]  # then it followed
    services = scene.bot.app.bot_data.services
    assert await services.constellations.for_chat(supergroup.id) is not None


async def test_a_message_that_changes_nothing_writes_nothing(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every group message records its sender; once the bot knows them as they are, a
    message opens no transaction at all (it used to write the person and the membership)."""
    await scene.with_roles()
    opened: list[int] = []
    transaction = Database.transaction

    def counting(db: Database) -> AbstractAsyncContextManager[Tx]:
        opened.append(1)
        return transaction(db)

    monkeypatch.setattr(Database, "transaction", counting)
    services = scene.bot.app.bot_data.services
    before = services.db.generation
    await scene.say(scene.anna, scene.group, "Goedemorgen allemaal")
    await scene.say(scene.hubhome, scene.group, "hoi")
    assert (opened, services.db.generation) == ([], before)
    # A new name is news: written once.
    scene.anna.first_name = "Annemarie"
    await scene.say(scene.anna, scene.group, "Ik heet nu anders")
    assert len(opened) == 1 and services.db.generation == before + 1
    member = await services.constellations.member(scene.group.id, scene.anna.id)
    assert member is not None and member.person.first_name == "Annemarie"
