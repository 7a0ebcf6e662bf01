"""Erased means erased on disk: not in the database file, its write-ahead log or a backup.

SQL that no longer returns a name is not enough: SQLite keeps deleted bytes in free space and
free pages unless ``secure_delete`` is on, and a write-ahead log keeps every page it ever
wrote until it is checkpointed — a crash would leave them there, and a backup copies them.
These tests read the raw bytes of all three.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.storage.backup import backup
from tests.e2e.conftest import Scene
from tests.e2e.test_delivery import deliver_until_done

NAME = "Wilhelmina"
TEXTS = ("Kwartjesbeurs-Q7", "Zwemspullen-R8")


def _clock(scene: Scene) -> FakeClock:
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    return clock


def raw_bytes(scene: Scene, tmp_path: Path) -> dict[str, bytes]:
    """The database file, its write-ahead log (if any) and a fresh backup, byte for byte."""
    database = scene.bot.settings.database_path
    copy = backup(database, tmp_path / f"backup-{datetime.now(UTC).timestamp()}.db").target
    files = {"database": database, "wal": database.with_name(database.name + "-wal")}
    found = {name: path.read_bytes() for name, path in files.items() if path.exists()}
    found["backup"] = copy.read_bytes()
    return found


def traces(scene: Scene, tmp_path: Path, *needles: str) -> list[tuple[str, str]]:
    """Which needle is still in which file (UTF-8, as SQLite stores text)."""
    return [
        (name, needle)
        for name, data in raw_bytes(scene, tmp_path).items()
        for needle in needles
        if needle.encode() in data
    ]


def weekly_wanted(scene: Scene, user_id: int) -> tuple[int, ...]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        row = db.execute("SELECT count(*) FROM weekly_optin WHERE user_id = ?", (user_id,))
        return tuple(row.fetchone())


def children_asked(scene: Scene, user_id: int) -> list[tuple[int, ...]]:
    """Where she was asked how many children come (ids only, and still hers)."""
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        rows = db.execute(
            "SELECT chat_id FROM children_questions WHERE user_id = ? OR chat_id = ?",
            (user_id, user_id),
        )
        return list(rows)


async def test_forget_me_leaves_no_byte_of_the_name_or_the_texts(
    scene: Scene, tmp_path: Path
) -> None:
    wilhelmina = scene.sim.add_user(NAME, last_name="Q", language_code="nl")
    await scene.sim.user_joins(scene.group, wilhelmina)
    await scene.with_roles(linked=(scene.hubhome,))
    private = scene.private(wilhelmina)
    await scene.say(wilhelmina, scene.group, "Hallo allemaal")
    await scene.say(wilhelmina, private, "/start")
    await scene.say(wilhelmina, scene.group, f"/hulpvraag #spullen {TEXTS[0]}")
    card = scene.last(scene.group)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    await scene.say(wilhelmina, scene.group, f"/hulpvraag #vervoer {TEXTS[1]}")
    await scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen")
    await scene.press(wilhelmina, scene.last(scene.group), "✅ Ik kom")
    question = scene.last(private)  # "👧 Met hoeveel kinderen…", not answered
    await scene.say(wilhelmina, private, "Mag ik je iets vragen?")
    await scene.say(wilhelmina, private, "/weekoverzicht aan")
    # She leaves; the hub home's notice about it waits (Telegram is down for that chat).
    scene.sim.inject_fault("sendMessage", chat_id=scene.hubhome.id, error_code=500, times=2)
    await scene.sim.user_leaves(scene.group, wilhelmina)
    await scene.bot.settle()
    assert traces(scene, tmp_path, NAME, *TEXTS)  # before: everywhere
    assert weekly_wanted(scene, wilhelmina.id) == (1,)
    assert children_asked(scene, wilhelmina.id) == [(wilhelmina.id,)]

    await scene.say(wilhelmina, private, "/vergeetmij")
    await scene.press(wilhelmina, scene.last(private), "🗑️ Ja, wis alles")
    assert traces(scene, tmp_path, NAME, *TEXTS) == []
    assert weekly_wanted(scene, wilhelmina.id) == (0,)  # that she wanted it: gone too
    assert children_asked(scene, wilhelmina.id) == []  # and where she was asked
    assert scene.refreshed(question).deleted

    # What was queued for others before the erasure shows her as erased.
    await deliver_until_done(scene)
    told = scene.bot_texts(scene.private(scene.hubhome))
    assert any(t.startswith("👋 Iemand (gewist) heeft de groep verlaten") for t in told)
    # Hanneke was helping with her request: she hears it is withdrawn, by someone erased.
    assert told[-1] == (
        "Iemand (gewist) heeft hulpvraag #1 (📦 Spullen) ingetrokken. Je hoeft niets meer te"
        " doen, bedankt!"
    )
    assert NAME not in scene.refreshed(card).plain_text
    assert traces(scene, tmp_path, NAME, *TEXTS) == []


async def test_retention_leaves_no_byte_of_closed_texts(scene: Scene, tmp_path: Path) -> None:
    await scene.with_roles()
    await scene.say(scene.anna, scene.group, f"/hulpvraag #spullen {TEXTS[0]}")
    await scene.say(scene.hubhome, scene.group, "/ikhelp 1")
    await scene.say(scene.hubhome, scene.group, "/klaar 1 geholpen")
    assert traces(scene, tmp_path, TEXTS[0])
    _clock(scene).advance(timedelta(days=91))
    # The nightly job, through python-telegram-bot's JobQueue (told to run now).
    job_queue = scene.bot.app.job_queue
    assert job_queue is not None
    (job,) = job_queue.get_jobs_by_name("retention")
    done = scene.bot.app.bot_data.retention_done
    done.clear()
    job.job.modify(next_run_time=datetime.now(UTC))
    async with asyncio.timeout(10):
        await done.wait()
    assert traces(scene, tmp_path, TEXTS[0]) == []
