"""How many children come: asked once, after a first "Ik kom" on a children's activity, where
the person will read it (privately if they can, else in the group, for them only), and
remembered for the next activity."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.handlers.privacy import run_retention
from bot.simulator.world import SimMessage, SimUser
from tests.e2e.conftest import Scene
from tests.e2e.test_delivery import deliver_until_done

ASKED_PRIVATELY = (
    "Genoteerd: je komt! ✅ Met hoeveel kinderen? Dat vraag ik je in je privéchat met mij."
)
ASKED_IN_THE_GROUP = (
    "Genoteerd: je komt! ✅ Met hoeveel kinderen? Kies het aantal onder mijn vraag in de groep."
)
NOT_YOURS = (
    "Deze vraag is voor iemand anders. Kom je zelf ook? Tik dan op ✅ Ik kom op het kaartje."
)


async def plan(scene: Scene, text: str) -> SimMessage:
    await scene.say(scene.hubhome, scene.group, text)
    return scene.last(scene.group)


def asked(scene: Scene) -> list[tuple[int, int, int]]:
    """Where each unanswered children's question is: (person, chat, message)."""
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        rows = db.execute(
            "SELECT user_id, chat_id, message_id FROM children_questions ORDER BY user_id"
        )
        return list(rows)


async def erase(scene: Scene, user: SimUser) -> None:
    chat = scene.private(user)
    await scene.say(user, chat, "/vergeetmij")
    await scene.press(user, scene.last(chat), "🗑️ Ja, wis alles")


def children_of(scene: Scene, user: SimUser) -> list[tuple[str, int]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        rows = db.execute(
            "SELECT answer, children FROM rsvps WHERE user_id = ? ORDER BY occurrence_id",
            (user.id,),
        )
        return list(rows)


async def test_asked_privately_once_then_remembered_and_changeable(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen | Bad")
    assert await scene.press(scene.anna, card, "✅ Ik kom") == ASKED_PRIVATELY
    assert scene.last(scene.group).message_id == card.message_id  # nothing in the group
    question = scene.last(scene.private(scene.anna))
    assert question.plain_text == "👧 Met hoeveel kinderen kom je naar Zwemmen (zaterdag om 14:00)?"
    assert question.button_texts == [["1", "2", "3", "4+"]]

    assert await scene.press(scene.anna, question, "2") == "Genoteerd. Aantal kinderen: 2"
    answered = scene.refreshed(question)
    assert answered.plain_text == (
        "✅ Genoteerd: je komt met 2 kinderen naar Zwemmen. Anders? Tik op ➕ kind of ➖ kind "
        "op het kaartje."
    )
    assert answered.button_texts == []
    assert scene.refreshed(card).plain_text.endswith("✅ Komen: Anna (+2 kinderen)")
    # Asked once per date: coming again after "not coming" asks nothing new.
    await scene.press(scene.anna, card, "❌ Ik kom niet")
    assert await scene.press(scene.anna, card, "✅ Ik kom") == "Genoteerd: je komt! ✅"
    assert scene.last(scene.private(scene.anna)).message_id == question.message_id

    # The next activity takes her last count; a tap on ➖ kind changes it.
    other = await plan(scene, "/activiteit zondag 10:00 | Knutselen")
    assert await scene.press(scene.anna, other, "✅ Ik kom") == (
        "Genoteerd: je komt, met 2 kinderen, net als de vorige keer. Anders? Tik op ➕ kind of "
        "➖ kind."
    )
    assert scene.last(scene.private(scene.anna)).message_id == question.message_id
    assert scene.refreshed(other).plain_text.endswith("✅ Komen: Anna (+2 kinderen)")
    assert await scene.press(scene.anna, other, "➖ kind") == "Genoteerd. Aantal kinderen: 1"
    assert children_of(scene, scene.anna) == [("yes", 2), ("yes", 1)]

    # A meeting for the carers asks nothing about children.
    coffee = await plan(scene, "/bijeenkomst maandag 19:30 | Koffie")
    assert await scene.press(scene.anna, coffee, "✅ Ik kom") == "Genoteerd: je komt! ✅"
    assert scene.last(scene.private(scene.anna)).message_id == question.message_id


async def test_in_the_group_only_the_person_asked_may_answer(scene: Scene) -> None:
    await scene.with_roles()  # nobody linked a private chat
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen | max 6")
    assert await scene.press(scene.bert, card, "✅ Ik kom") == ASKED_IN_THE_GROUP
    question = scene.last(scene.group)
    assert question.plain_text == (
        "Bert: 👧 Met hoeveel kinderen kom je naar Zwemmen (zaterdag om 14:00)?"
    )
    assert question.button_texts == [["1", "2", "3", "4+"]]

    # Someone else's press, or their data forged onto it, changes nothing.
    assert await scene.press(scene.anna, question, "2") == NOT_YOURS
    forged = f"mt:v1:kids:1:2:{scene.anna.id}"
    assert await scene.forge(scene.anna, question, forged) == "Deze knop werkt niet meer."
    assert await scene.forge(scene.anna, card, forged) == "Deze knop werkt niet meer."
    assert children_of(scene, scene.anna) == []
    assert children_of(scene, scene.bert) == [("yes", 0)]
    assert scene.refreshed(question).button_texts == [["1", "2", "3", "4+"]]

    # 4+ offers 4 to 10; more children than places is refused, and nothing changes.
    assert await scene.press(scene.bert, question, "4+") is None
    assert scene.refreshed(question).button_texts == [["4", "5", "6", "7"], ["8", "9", "10"]]
    assert await scene.press(scene.bert, question, "7") == (
        "Er zijn niet genoeg plekken voor 7 kinderen. Er is niets veranderd; kies een kleiner "
        "aantal."
    )
    assert children_of(scene, scene.bert) == [("yes", 0)]
    assert asked(scene) == [(scene.bert.id, scene.group.id, question.message_id)]
    assert await scene.press(scene.bert, question, "5") == "Genoteerd. Aantal kinderen: 5"
    assert scene.refreshed(question).deleted  # answered: no question, no name left behind
    assert asked(scene) == []  # nothing left to delete if he is erased
    # A question Telegram will not let go of any more is at least made nameless.
    assert await scene.press(scene.anna, card, "✅ Ik kom") == ASKED_IN_THE_GROUP
    hers = scene.last(scene.group)
    scene.sim.inject_fault(
        "deleteMessage", error_code=400, description="Bad Request: message can't be deleted"
    )
    assert await scene.press(scene.anna, hers, "1") == "Genoteerd. Aantal kinderen: 1"
    answered = scene.refreshed(hers)
    assert (answered.plain_text, answered.button_texts) == (
        "✅ Genoteerd: 1 kind voor Zwemmen.",
        [],
    )
    lines = scene.refreshed(card).plain_text.splitlines()
    assert "👥 6 plekken, nog 0 vrij" in lines
    assert lines[-2:] == ["✅ Komen: Anna (+1 kind), Bert (+5 kinderen)", "👧 In totaal 6 kinderen"]


async def test_ik_kom_in_a_private_reminder_asks_right_there(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/activiteit morgen 14:00 | Zwemmen")
    await scene.press(scene.anna, card, "🤔 Misschien")
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2026, 11, 22, 13, 0, tzinfo=UTC))  # 24 hours before Monday 14:00
    await scene.bot.tick()  # through the job queue
    reminder = scene.last(scene.private(scene.anna))
    assert reminder.plain_text.startswith("⏰ Morgen om 14:00: 🎈 Zwemmen")
    assert await scene.press(scene.anna, reminder, "✅ Ik kom") == (
        "Genoteerd: je komt! ✅ Met hoeveel kinderen? Kies het hieronder."
    )
    question = scene.last(scene.private(scene.anna))
    assert question.plain_text == "👧 Met hoeveel kinderen kom je naar Zwemmen (morgen om 14:00)?"
    assert await scene.press(scene.anna, question, "1") == "Genoteerd. Aantal kinderen: 1"
    assert scene.refreshed(card).plain_text.endswith("✅ Komen: Anna (+1 kind)")


# -- erased before answering ---------------------------------------------------------------
# (The group's question, deleted: test_attacks_on_the_first_week.py.)


async def test_an_erased_persons_question_telegram_will_not_delete_is_made_nameless(
    scene: Scene,
) -> None:
    await scene.with_roles()  # nobody linked a private chat: Anna is asked in the group
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen")
    assert await scene.press(scene.anna, card, "✅ Ik kom") == ASKED_IN_THE_GROUP
    question = scene.last(scene.group)
    assert question.plain_text.startswith("Anna: 👧")
    scene.sim.inject_fault(
        "deleteMessage",
        error_code=400,
        description="Bad Request: message can't be deleted for everyone",
    )
    await erase(scene, scene.anna)
    now = scene.refreshed(question)
    assert not now.deleted
    assert (now.plain_text, now.button_texts) == ("👧 Deze vraag is niet meer nodig.", [])
    assert asked(scene) == []


async def test_an_erased_persons_question_in_her_own_chat_goes_and_nothing_points_there(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.anna,))
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen")
    assert await scene.press(scene.anna, card, "✅ Ik kom") == ASKED_PRIVATELY
    question = scene.last(scene.private(scene.anna))
    assert asked(scene) == [(scene.anna.id, scene.anna.id, question.message_id)]
    await erase(scene, scene.anna)
    assert scene.refreshed(question).deleted
    assert asked(scene) == []
    # Deleting it needed her chat's id in the outbox for a moment; done, that row goes too.
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        rows = db.execute(
            "SELECT count(*) FROM outbox WHERE chat_id = ? OR user_id = ?",
            (scene.anna.id, scene.anna.id),
        )
        assert list(rows) == [(0,)]


async def test_a_question_still_on_its_way_to_the_group_never_names_the_erased(
    scene: Scene,
) -> None:
    await scene.with_roles()
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen")
    # Telegram is down for the group: the question waits in the outbox.
    scene.sim.inject_fault("sendMessage", chat_id=scene.group.id, error_code=500, times=3)
    assert await scene.press(scene.anna, card, "✅ Ik kom") == ASKED_IN_THE_GROUP
    await erase(scene, scene.anna)
    await deliver_until_done(scene)
    assert not [t for t in scene.bot_texts(scene.group) if "Anna" in t]
    assert asked(scene) == []


async def test_retention_forgets_where_questions_of_long_past_dates_are(scene: Scene) -> None:
    await scene.with_roles()
    card = await plan(scene, "/activiteit zaterdag 14:00 | Zwemmen")
    await scene.press(scene.anna, card, "✅ Ik kom")
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=90))  # the date is past, but not 90 days past
    await run_retention(scene.bot.app)
    assert len(asked(scene)) == 1  # erasing her now still takes her name away
    clock.advance(timedelta(days=7))
    await run_retention(scene.bot.app)
    assert asked(scene) == []
