"""One SQLite database: a single connection, WAL, foreign keys, explicit transactions."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)


def to_db_time(moment: datetime) -> str:
    """Store every moment as ISO 8601 in UTC so SQL comparisons sort correctly."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class Database:
    """The bot's only connection; writes go through ``transaction()`` one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        # One writer: SQLite allows one anyway, and an asyncio lock keeps transactions from
        # interleaving on the shared connection.
        self._write_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing is implicit.
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=NORMAL")
        await self._conn.execute("PRAGMA busy_timeout=5000")
        await self.migrate()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def schema_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply every numbered migration above the stored ``user_version``, each atomically."""
        current = await self.schema_version()
        for version, script in MIGRATIONS:
            if version <= current:
                continue
            async with self.transaction() as conn:
                for statement in _statements(script):
                    await conn.execute(statement)
                # PRAGMA takes no parameters; version is our own integer.
                await conn.execute(f"PRAGMA user_version = {int(version)}")
            log.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    # Every await on the connection is a round trip to its thread (~50 µs of CPU), so these
    # three take one each; three each were a fifth of the bot's CPU time (bench/README.md).

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement, atomic on its own; return the affected row count."""
        async with self._write_lock:
            # No BEGIN/COMMIT needed: in autocommit mode one statement is one transaction.
            cursor = await self.conn.execute(sql, tuple(params))
            return cursor.rowcount

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a lookup (the whole result is read: keep it to a row or a few)."""
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))


def _statements(script: str) -> list[str]:
    """Split a script into statements; SQLite itself says where one ends (comments, strings)."""
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                statements.append(buffer.strip())
            buffer = ""
    return statements
