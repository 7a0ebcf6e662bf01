"""A consistent copy of the live database with SQLite's online backup API.

The copy is taken in one read transaction, so it is the database as it was at one moment,
while the bot goes on writing (WAL mode: readers do not block the writer). It is written to a
temporary file next to the target, checked, and only then renamed into place, so a backup
file is never half-written. Like the database, it is readable by the bot's user only (0600).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bot.storage.checks import ensure_private_directory


class BackupError(Exception):
    """A backup that cannot be made; the message says why in one line."""


@dataclass(frozen=True)
class BackupResult:
    target: Path
    size: int
    schema_version: int


def backup(database: Path, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy ``database`` to ``target``; raise BackupError with a plain reason otherwise."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists (add --force to replace it)")
    if target.resolve() == database.resolve():
        raise BackupError("the backup cannot be the database itself")
    ensure_private_directory(target.parent)
    partial = target.with_name(f".{target.name}.partial")
    try:
        # Private from its first byte: a backup holds everything the database does.
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        with (
            closing(sqlite3.connect(database)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.execute("PRAGMA busy_timeout=5000")
            source.backup(copy)  # all pages in one step: one consistent snapshot
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            (version,) = copy.execute("PRAGMA user_version").fetchone()
            # The copy is a file on its own: no write-ahead log beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        if verdict != "ok":
            raise BackupError(f"the copy did not pass SQLite's integrity check: {verdict}")
        partial.replace(target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy the database: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, int(version))
