"""The database is never silently replaced, and its files are the bot's user's alone.

A missing database where the bot has run before, a newer schema, a database another program
holds locked, a damaged file: the bot stops with exit code 2 and one line that says what is
wrong and what to do. Only a fresh, empty place gets a new database.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from bot.storage.backup import backup
from bot.storage.checks import DatabaseRefused, check_database, marker_path
from bot.storage.db import Database
from bot.storage.migrations import LATEST

TOKEN = "123456789:" + "A" * 35


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def start_bot(database: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``constellation-bot run`` against a Bot API address where nobody listens: a refusal
    must come before any network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": "http://127.0.0.1:9/bot",
        "BOT_DATABASE_PATH": str(database),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refused_with_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("constellation-bot: database not used: ")
    return lines[0]


async def made(path: Path) -> None:
    database = Database(path)
    await database.open()
    await database.close()


async def test_a_fresh_place_gets_a_new_private_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    database = data / "constellation.db"
    check_database(database)  # nothing there, nothing before: fine
    db = Database(database)
    await db.open()
    try:
        async with db.transaction() as tx:  # something in the write-ahead log
            await tx.execute("UPDATE constellations SET name = name")
        assert mode(data) == 0o700
        for path in (database, database.with_name("constellation.db-wal"), marker_path(database)):
            assert mode(path) == 0o600, path
        shm = database.with_name("constellation.db-shm")
        assert not shm.exists() or mode(shm) == 0o600
    finally:
        await db.close()
    copy = backup(database, tmp_path / "backups" / "copy.db")
    assert mode(copy.target) == 0o600


async def test_existing_files_are_made_private(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    await made(database)
    database.chmod(0o644)
    await made(database)
    assert mode(database) == 0o600


async def test_a_missing_database_where_one_was_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "data" / "constellation.db"
    await made(database)
    database.unlink()  # a wrong volume, a deleted file
    line = refused_with_one_line(start_bot(database, tmp_path))
    assert "is missing" in line and "backup" in line
    assert not database.exists()  # and no empty one was made in its place
    with pytest.raises(DatabaseRefused):
        check_database(database)


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "constellation.db"
    await made(database)
    with closing(sqlite3.connect(database)) as db:
        db.execute(f"PRAGMA user_version = {LATEST + 1}")
        db.commit()
    line = refused_with_one_line(start_bot(database, tmp_path))
    assert f"schema version {LATEST + 1}" in line and "newer" in line
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1  # untouched


@contextmanager
def held_lock(database: Path) -> Iterator[None]:
    """Another program writing: it holds SQLite's write lock."""
    with closing(sqlite3.connect(database, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


async def test_a_locked_database_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "constellation.db"
    await made(database)
    with held_lock(database):
        line = refused_with_one_line(start_bot(database, tmp_path))
    assert "locked by another program" in line


@pytest.mark.parametrize("damage", ["not a database at all", "pages overwritten"])
async def test_a_damaged_database_is_refused(tmp_path: Path, damage: str) -> None:
    database = tmp_path / "constellation.db"
    await made(database)
    data = bytearray(database.read_bytes())
    if damage == "not a database at all":
        data[:100] = b"x" * 100
    else:
        data[4096:] = bytes(range(256)) * ((len(data) - 4096) // 256) + b"\x00" * (
            (len(data) - 4096) % 256
        )
    database.write_bytes(bytes(data))
    line = refused_with_one_line(start_bot(database, tmp_path))
    assert "is damaged" in line and "backup" in line
