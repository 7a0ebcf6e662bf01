"""``constellation-bot doctor``: one line per check, ✓ or ✗, and exit 1 while anything needs
fixing — run next to the real bot, against the simulator's Bot API, on the bot's database."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.doctor import backups, run_doctor
from bot.settings import Settings
from bot.simulator.server import FakeTelegram
from bot.storage.backup import backup
from tests.e2e.conftest import Scene, open_scene

NAMES = ("Sandra", "Hanneke", "Lotte", "Anna", "Bert", "De Linde", "Pleeggezinnen")


async def doctor(settings: Settings) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await run_doctor(settings, out)
    return code, out.getvalue().splitlines()


async def test_a_liaison_without_private_chat_needs_fixing(
    sim: FakeTelegram, tmp_path: Path
) -> None:
    async with open_scene(sim, tmp_path / "data" / "bot.db") as scene:
        await scene.with_roles(linked=(scene.hubhome,))
        code, lines = await doctor(scene.bot.settings)
        assert code == 1
        assert lines[-1] == "1 thing to fix (see above)."
        (unlinked,) = [line for line in lines if line.startswith("✗")]
        assert f"liaison {scene.liaison.id} not linked to a private chat" in unlinked
        assert unlinked.startswith(f"✗ constellation 1 (group {scene.group.id}): ")
        for expected in (
            "✓ data directory",
            "✓ database",
            "✓ schema version",
            "✓ outbox: nothing waiting to be sent",
            "✓ token: Telegram knows it as @constellation_test_bot",
            "✓ privacy mode is on",
            "✓ the bot can read and write in all 1 group(s)",
            "– backups not checked",
        ):
            assert any(line.startswith(expected) for line in lines), expected
        # Ids and roles only: this output ends up in tickets.
        assert not any(name in line for line in lines for name in NAMES)

        await scene.say(scene.liaison, scene.private(scene.liaison), "/start")
        backup(scene.bot.settings.database_path, tmp_path / "backups" / "nightly.db")
        settings = scene.bot.settings.model_copy(update={"backup_dir": tmp_path / "backups"})
        code, lines = await doctor(settings)
        assert code == 0, lines
        assert lines[-1] == "All is well."
        assert "✓ the newest backup, nightly.db, is 0 min old" in lines


async def test_a_group_where_the_bot_cannot_read_needs_fixing(scene: Scene) -> None:
    await scene.set_up("De Linde", bot_is_admin=False)  # privacy mode on, a plain member
    code, lines = await doctor(scene.bot.settings)
    assert code == 1
    assert (
        f"✗ constellation 1 (group {scene.group.id}): the bot is a member, not an admin, with"
        " privacy mode on" in "\n".join(lines)
    )
    assert any(
        line.startswith("✗ constellation 1 (group") and "no hub home" in line for line in lines
    )
    await scene.sim.remove_bot_from_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    _, lines = await doctor(scene.bot.settings)
    # Paused now: the bot knows it left, and says nothing about that group's rights.
    assert not any("is a member, not an admin" in line for line in lines)


async def test_open_files_and_a_wrong_token(scene: Scene, tmp_path: Path) -> None:
    database = scene.bot.settings.database_path
    database.chmod(0o644)
    wrong = scene.bot.settings.model_copy(update={"token": SecretStr("123456:" + "B" * 36)})
    code, lines = await doctor(wrong)
    assert code == 1
    assert f"✗ readable by others: {database}: chmod 600 {database}" in lines
    assert "✗ Telegram does not accept BOT_TOKEN: copy it again from @BotFather" in lines


def test_an_old_backup_needs_fixing(tmp_path: Path) -> None:
    (tmp_path / "2024-01-01.db").write_bytes(b"")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / "2024-01-01.db", (two_days_ago, two_days_ago))
    finding = backups(tmp_path, datetime.now(UTC))
    assert str(finding).startswith("✗ the newest backup, 2024-01-01.db, is 2 days old")
    assert backups(tmp_path, datetime.now(UTC) - timedelta(days=2)).ok is True
    assert backups(tmp_path / "none", None).ok is False


async def test_the_command_exits_1_when_something_needs_fixing(
    sim: FakeTelegram, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "BOT_TOKEN": sim.token,
        "BOT_API_BASE_URL": sim.base_url,
        "BOT_DATABASE_PATH": str(tmp_path / "data" / "bot.db"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        stdout, stderr = await process.communicate()
    lines = stdout.decode().splitlines()
    assert process.returncode == 1, stderr.decode()
    assert any(line.startswith("✗ no database at ") for line in lines)
    assert "✓ token: Telegram knows it as @constellation_test_bot (bot id 5000000001)" in lines
    assert not (tmp_path / "data" / "bot.db").exists()  # the doctor changes nothing
