"""Only one copy: when another copy polls with the same token, the bot stops with one line.

Telegram answers getUpdates with 409 Conflict ("terminated by other getUpdates request") while
two copies poll. One 409 right after a restart is normal and passes; 409s that go on for
BOT_CONFLICT_GRACE stop ``constellation-bot run`` with exit code 3 and a line saying why.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path

from bot.simulator.server import FakeTelegram
from bot.telegram_bot import ConstellationBot
from tests.e2e.conftest import Scene

CONFLICT = (
    "Conflict: terminated by other getUpdates request;"
    " make sure that only one bot instance is running"
)


async def test_another_copy_stops_the_bot_with_one_line(sim: FakeTelegram, tmp_path: Path) -> None:
    sim.inject_fault("getUpdates", error_code=409, description=CONFLICT, times=10_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "BOT_TOKEN": sim.token,
        "BOT_API_BASE_URL": sim.base_url,
        "BOT_DATABASE_PATH": str(tmp_path / "data" / "bot.db"),
        "BOT_RATE_LIMIT": "false",
        "BOT_CONFLICT_GRACE": "1s",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
    text = stderr.decode()
    assert process.returncode == 3, text
    assert "Traceback" not in text
    last = text.strip().splitlines()[-1]
    assert last.startswith(
        "constellation-bot: Another copy of the bot is running with this token: stop it first"
    )
    polls = [call for call in sim.calls if call.method == "getUpdates"]
    assert len(polls) >= 2 and all(call.error_code == 409 for call in polls)
    # It ran on uvloop's event loop where uvloop is installed (bot/loop.py).
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    assert f"ready (event loop: {loop})" in text


async def test_one_conflict_after_a_restart_passes(scene: Scene) -> None:
    scene.sim.inject_fault("getUpdates", error_code=409, description=CONFLICT)
    await scene.set_up("De Linde")  # the bot polls on through the 409 and answers
    assert scene.bot_texts(scene.group)
    assert any(call.error_code == 409 for call in scene.sim.calls)
    assert scene.bot.app.running
    bot = scene.bot.app.bot
    assert isinstance(bot, ConstellationBot) and not bot.another_copy
