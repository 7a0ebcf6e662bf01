"""Refusing a database that must not be used, in one clear line; keeping its files private.

A bot that silently starts on a new, empty database after its real one went missing (a wrong
volume, a deleted file) loses every constellation without a word: groups would hear "not a
constellation". So the bot leaves a marker next to the database it created, and refuses to
start when the database is gone but the marker is there. It also refuses a database whose
schema is newer than it knows, one that another program holds locked, and one that is
damaged, each with a sentence saying what to do (see the README, "Backups").
"""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.migrations import LATEST

# How long the start-up check waits for a lock another program holds before giving up.
LOCK_WAIT_SECONDS = 2.0
RESTORE_HINT = "restore the latest backup there (README: Backups)"


class DatabaseRefused(Exception):
    """The database cannot be used as it is; the message says why and what to do, in one line."""

    @classmethod
    def missing(cls, path: Path, marker: Path) -> DatabaseRefused:
        return cls(
            f"{path} is missing, but the bot has kept its database there before"
            f" ({marker.name} is still there): {RESTORE_HINT}; to start afresh with an empty"
            f" database on purpose, delete {marker}"
        )

    @classmethod
    def emptied(cls, path: Path, marker: Path) -> DatabaseRefused:
        return cls(
            f"{path} is empty, but the bot has kept its database there before ({marker.name}"
            f" is still there): {RESTORE_HINT}; to start afresh on purpose, delete both files"
        )

    @classmethod
    def newer(cls, path: Path, version: int, known: int) -> DatabaseRefused:
        return cls(
            f"{path} has schema version {version}, newer than this version of the bot knows"
            f" ({known}): run the newer version of the bot, or {RESTORE_HINT}"
        )

    @classmethod
    def locked(cls, path: Path) -> DatabaseRefused:
        return cls(
            f"{path} is locked by another program (is another copy of the bot running?):"
            " stop it and start again"
        )

    @classmethod
    def damaged(cls, path: Path, reason: str) -> DatabaseRefused:
        return cls(f"{path} is damaged ({reason}): stop the bot and {RESTORE_HINT}")

    @classmethod
    def from_sqlite(cls, path: Path, exc: sqlite3.Error) -> DatabaseRefused:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return cls.locked(path)
        return cls.damaged(path, f"SQLite: {text}")


def marker_path(database: Path) -> Path:
    """The file that says "a database was kept here" (it holds no data)."""
    return database.with_name(f"{database.name}.created")


def write_marker(database: Path) -> None:
    marker = marker_path(database)
    if marker.exists():
        return
    marker.write_text(
        f"constellation-bot keeps its database in {database.name} (first opened"
        f" {datetime.now(UTC):%Y-%m-%d}).\nWhile this file exists, the bot refuses to start"
        " without that database rather than begin an empty one: restore it from a backup.\n"
        "Delete this file only to start afresh on purpose.\n",
        encoding="utf-8",
    )
    make_private(marker)


def ensure_private_directory(directory: Path) -> bool:
    """Create the data directory (0700) if it is not there; True if it was created."""
    if directory.is_dir():
        return False
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)  # mkdir's mode is masked by the umask
    return True


def make_private(path: Path) -> None:
    """Read and write for the bot's user only (0600), if the file exists."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode != 0o600:
        path.chmod(0o600)


def refuse_emptied(path: Path) -> None:
    """A database file of no bytes where the bot kept one before (a failed restore, a disk
    that lost it) would silently become a new, empty database: refuse it."""
    marker = marker_path(path)
    if path.is_file() and path.stat().st_size == 0 and marker.exists():
        raise DatabaseRefused.emptied(path, marker)


def check_database(path: Path) -> None:
    """Before the bot starts: raise :class:`DatabaseRefused` for a database it must not use.

    No database and no marker: a fresh start, a new database will be made. Otherwise the file
    must be a SQLite database this version knows, undamaged, and not locked by anyone else.
    """
    marker = marker_path(path)
    if not path.exists():
        leftovers = [p for p in (marker, path.with_name(path.name + "-wal")) if p.exists()]
        if leftovers:
            raise DatabaseRefused.missing(path, leftovers[0])
        return
    refuse_emptied(path)
    if not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseRefused(f"{path} cannot be read and written by this user")
    try:
        uri = f"{path.resolve().as_uri()}?mode=rw"
        with closing(sqlite3.connect(uri, uri=True, timeout=LOCK_WAIT_SECONDS)) as db:
            db.isolation_level = None
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version > LATEST:
                raise DatabaseRefused.newer(path, version, LATEST)
            (verdict,) = db.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise DatabaseRefused.damaged(path, f"SQLite's check says: {verdict}")
            # Taking the write lock for a moment proves nobody else holds it.
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise DatabaseRefused.from_sqlite(path, exc) from exc
