"""``kill -9`` in the middle of a reminder fan-out: after a restart everyone has their reminder.

The bot runs as a real process (``python -m bot run``) against the simulator. The database is
prepared by the in-process bot: 30 families with a linked private chat who said they are coming
to an activity whose reminder fell due while the bot was down, so the fresh process sends it
(one to each family, privately) at start-up. The
process is killed with SIGKILL halfway through, started again, and then every chat must hold
the reminder exactly once — except at most the one message that was in flight at the kill.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.simulator.server import FakeTelegram
from bot.simulator.world import SimChat
from tests.e2e.conftest import open_scene

FAMILIES = 30
REMINDER_BEFORE = timedelta(days=4)


async def prepare(sim: FakeTelegram, database: Path) -> list[SimChat]:
    """Families linked and coming, an activity in three days whose reminder was due a day
    ago; their private chats."""
    now = datetime.now(UTC)
    starts = (now + timedelta(days=3)).strftime("%Y-%m-%d 14:00")
    async with open_scene(sim, database, reminders=(REMINDER_BEFORE,)) as scene:
        clock = scene.bot.clock
        assert isinstance(clock, FakeClock)
        clock.set(now - timedelta(days=2))
        families = [
            sim.add_user(f"Gezin{number}", language_code="nl") for number in range(FAMILIES)
        ]
        for family in families:
            sim.set_member_status(scene.group, family, "member")
        await scene.with_roles(linked=(scene.hubhome,))
        for family in families:
            await scene.say(family, scene.group, "hoi")
            await scene.say(family, scene.private(family), "/start")
        await scene.say(scene.hubhome, scene.group, f"/activiteit {starts} | Zwemmen | Bad")
        card = scene.last(scene.group)
        assert "Zwemmen" in card.plain_text
        for family in families:
            await scene.press(family, card, "✅ Ik kom")
        return [scene.private(family) for family in families]


async def start_bot(sim: FakeTelegram, database: Path) -> asyncio.subprocess.Process:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env |= {
        "BOT_TOKEN": sim.token,
        "BOT_API_BASE_URL": sim.base_url,
        "BOT_DATABASE_PATH": str(database),
        "BOT_RATE_LIMIT": "true",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=database.parent,  # no .env file there
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def until(condition: Callable[[], bool], seconds: float = 60) -> None:
    """Poll: the bot is another process, so there is no event to wait on."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def pending_notices(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0])


async def test_sigkill_during_a_reminder_fan_out_loses_nothing(
    sim: FakeTelegram, tmp_path: Path
) -> None:
    database = tmp_path / "bot.db"
    chats = await prepare(sim, database)

    def delivered() -> list[int]:
        return [len(reminders_in(chat)) for chat in chats]

    def reminders_in(chat: SimChat) -> list[str]:
        return [m.plain_text for m in sim.bot_messages(chat) if m.plain_text.startswith("⏰ ")]

    assert sum(delivered()) == 0
    # A slowish Telegram, so the kill lands in the middle of the fan-out.
    sim.inject_fault("sendMessage", delay=0.05, times=1000)
    first = await start_bot(sim, database)
    try:
        await until(lambda: sum(delivered()) >= len(chats) // 3)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    finally:
        if first.returncode is None:
            first.kill()
    at_kill = sum(delivered())
    assert 0 < at_kill < len(chats)
    assert pending_notices(database) > 0
    sim.faults.clear()

    second = await start_bot(sim, database)
    try:
        await until(lambda: min(delivered()) >= 1 and pending_notices(database) == 0)
        await asyncio.sleep(0.3)  # anything sent twice would arrive now
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()

    counts = delivered()
    assert min(counts) == 1, "someone never got the reminder"
    assert sum(counts) - len(chats) <= 1, f"more than the one in-flight repeat: {counts}"
    assert reminders_in(chats[1])[0].splitlines()[0].endswith(" om 14:00: 🎈 Zwemmen")
    assert all(text.count("Zwemmen") == 1 for chat in chats for text in reminders_in(chat))
