"""``constellation-bot backup FILE``: a consistent copy of the live database."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.storage.migrations import LATEST
from tests.e2e.conftest import Scene


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return list(db.execute(sql))


async def test_backup_while_the_bot_writes(
    scene: Scene,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await scene.with_roles()
    database = Path(scene.bot.settings.database_path)
    monkeypatch.chdir(tmp_path)  # no .env file here
    monkeypatch.setenv("BOT_DATABASE_PATH", str(database))
    target = tmp_path / "backups" / "linde.db"

    async def ask(count: int) -> None:
        for number in range(count):
            await scene.say(scene.anna, scene.group, f"/hulpvraag vraag {number}")

    # Backups taken while requests are being posted: each is one moment of the database.
    writing = asyncio.create_task(ask(12))
    copies = []
    for number in range(3):
        await asyncio.sleep(0.05)
        copy = tmp_path / f"copy{number}.db"
        assert await asyncio.to_thread(main, ["backup", str(copy)]) == 0
        copies.append(copy)
    await writing
    assert await asyncio.to_thread(main, ["backup", str(target)]) == 0

    assert f"Backup written to {target}" in capsys.readouterr().out
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    assert rows(target, "PRAGMA user_version") == [(LATEST,)]
    assert rows(target, "PRAGMA journal_mode") == [("delete",)]
    assert rows(target, "SELECT COUNT(*) FROM help_requests") == [(12,)]
    assert rows(target, "SELECT name FROM constellations") == [("De Linde",)]
    counts = []
    for copy in copies:
        assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
        numbers = [int(str(n)) for (n,) in rows(copy, "SELECT number FROM help_requests")]
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        counts.append(len(numbers))
    assert counts == sorted(counts)  # each copy is a later moment of the same database
    assert not list(target.parent.glob(".*partial"))


async def test_backup_refuses_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_DATABASE_PATH", str(tmp_path / "missing.db"))
    assert main(["backup", str(tmp_path / "copy.db")]) == 1
    assert "no backup made: there is no database at" in capsys.readouterr().err

    database = tmp_path / "bot.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (x)")
    monkeypatch.setenv("BOT_DATABASE_PATH", str(database))
    existing = tmp_path / "copy.db"
    existing.write_text("an older backup")
    assert main(["backup", str(existing)]) == 1
    assert "already exists (add --force to replace it)" in capsys.readouterr().err
    assert existing.read_text() == "an older backup"
    assert main(["backup", str(existing), "--force"]) == 0
    assert rows(existing, "SELECT name FROM sqlite_master") == [("t",)]
    assert main(["backup", str(database), "--force"]) == 1
    assert "cannot be the database itself" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["backup"])
