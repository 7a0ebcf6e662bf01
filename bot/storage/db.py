"""One SQLite database: one writer connection with explicit transactions, one reader.

Every write happens inside :meth:`Database.transaction` (``BEGIN IMMEDIATE`` … ``COMMIT``, one
at a time), and a use case does all its writes, its notices included, in one such transaction
(the shape of datasette's ``execute_write_fn``). Repositories take the connection they work
on: the transaction's :class:`Tx` for writes and for reads that must see them, or
:attr:`Database.reader` for everything else. The reader is a second connection, so it only
ever sees committed rows, never another coroutine's half-done transaction.

Erased means erased on disk: ``secure_delete`` overwrites deleted content, and
:meth:`Database.checkpoint` moves the write-ahead log into the file and truncates it, so an
erased name is neither in the file, nor in its WAL, nor in a later backup. Files are private to
the bot's user (0600), as is a data directory the bot creates (0700).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.checks import (
    DatabaseRefused,
    ensure_private_directory,
    make_private,
    refuse_emptied,
    write_marker,
)
from bot.storage.migrations import LATEST, MIGRATIONS, REBUILDS, SECURE_DELETE_SINCE

log = logging.getLogger(__name__)

# The write-ahead log is cut back to this size after a checkpoint (it can grow during a big
# fan-out); after an erasure it is truncated to nothing.
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024
CHECKPOINT_TRIES = 4
CHECKPOINT_WAIT_MS = 200  # each try waits this long for readers at most
BUSY_TIMEOUT_MS = 5000  # how long any other statement waits for a lock


def to_db_time(moment: datetime) -> str:
    """Store every moment as ISO 8601 in UTC so SQL comparisons sort correctly."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Written:
    """What a write statement did."""

    rowcount: int
    lastrowid: int | None


# The tables every update looks up (which constellation a chat is, who someone is, their
# role) and that change seldom: committed reads of only these are kept in memory (ReadCache).
CACHED_TABLES = frozenset({"constellations", "people", "memberships"})
_READ_TABLES = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)", re.IGNORECASE)
_CACHED_NAMED = re.compile(r"\b(?:constellations|people|memberships)\b", re.IGNORECASE)
# What the clock or chance decides is never kept.
_VOLATILE = re.compile(r"\b(?:now|current_\w+|random\w*|julianday)\b", re.IGNORECASE)
CACHE_ROWS = 4096  # results kept at most (a few hundred kB; the least recently used go)


class ReadCache:
    """Committed lookups in :data:`CACHED_TABLES`, by statement and parameters, until a write
    may have changed them.

    When a transaction that changed rows of one of those tables ends (commit or rollback),
    every lookup that read that table is dropped (any DELETE or other statement, whose
    cascades reach anywhere, drops them all). A lookup that was under way meanwhile is not
    kept: it may have read the rows from before the commit.
    """

    def __init__(self, size: int = CACHE_ROWS) -> None:
        self._size = size
        self._rows: OrderedDict[_Key, tuple[list[aiosqlite.Row], frozenset[str]]] = OrderedDict()
        self._kind: dict[str, frozenset[str]] = {}  # statement -> the tables it reads (kept)
        self._epochs = dict.fromkeys(CACHED_TABLES, 0)  # counts each table's changes
        self.hits = 0
        self.misses = 0

    def tables(self, sql: str) -> frozenset[str]:
        """The cached tables a lookup reads; empty if it may not be kept."""
        kept = self._kind.get(sql)
        if kept is None:
            tables = frozenset(table.lower() for table in _READ_TABLES.findall(sql))
            if not tables <= CACHED_TABLES or _VOLATILE.search(sql) is not None:
                tables = frozenset()
            if len(self._kind) >= self._size:
                self._kind.clear()  # statements built with their values in them: forget them
            self._kind[sql] = kept = tables
        return kept

    def epoch(self, tables: frozenset[str]) -> tuple[int, ...]:
        return tuple(self._epochs[table] for table in sorted(tables))

    def get(self, key: _Key) -> list[aiosqlite.Row] | None:
        entry = self._rows.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._rows.move_to_end(key)
        return entry[0]

    def put(
        self, key: _Key, rows: list[aiosqlite.Row], tables: frozenset[str], epoch: tuple[int, ...]
    ) -> None:
        if epoch != self.epoch(tables):
            return  # read while one of its tables changed: maybe stale already
        self._rows[key] = (rows, tables)
        if len(self._rows) > self._size:
            self._rows.popitem(last=False)

    def changed(self, tables: frozenset[str]) -> None:
        """Rows of ``tables`` changed: what was read from them goes."""
        for table in tables:
            self._epochs[table] += 1
        if tables >= CACHED_TABLES:
            self._rows.clear()
            return
        for key in [key for key, (_, read) in self._rows.items() if read & tables]:
            del self._rows[key]

    @staticmethod
    def written_by(sql: str) -> frozenset[str]:
        """The cached tables a write statement may change."""
        head = sql.lstrip()[:6].upper()
        if head not in ("INSERT", "UPDATE"):
            return CACHED_TABLES
        return frozenset(name.lower() for name in _CACHED_NAMED.findall(sql))


_Key = tuple[str, tuple[Any, ...]]


class Session:
    """Reads on one connection. Every await on it is one round trip to its thread, so each
    method takes exactly one — or none, for a lookup the cache (if it has one) still holds."""

    def __init__(
        self, connection: Callable[[], aiosqlite.Connection], cache: ReadCache | None = None
    ) -> None:
        self._connection = connection
        self._cache = cache

    @property
    def conn(self) -> aiosqlite.Connection:
        return self._connection()

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a lookup (the whole result is read: keep it to a row or a few)."""
        rows = await self._rows(sql, tuple(params))
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._rows(sql, tuple(params)))

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[aiosqlite.Row]:
        cache = self._cache
        tables = cache.tables(sql) if cache is not None else frozenset()
        if cache is None or not tables:
            return list(await self.conn.execute_fetchall(sql, params))
        key = (sql, params)
        rows = cache.get(key)
        if rows is None:
            epoch = cache.epoch(tables)
            rows = list(await self.conn.execute_fetchall(sql, params))
            cache.put(key, rows, tables, epoch)
        return rows


class Tx(Session):
    """The connection of one write transaction: writes, and reads that see them."""

    def __init__(self, connection: Callable[[], aiosqlite.Connection]) -> None:
        super().__init__(connection)  # never cached: it reads what it has not committed yet
        self.changed = False  # whether any statement changed a row
        # The cached tables whose rows this changed: their lookups go when it ends.
        self.changed_tables: frozenset[str] = frozenset()

    def _wrote(self, sql: str, rows: int) -> None:
        if rows:  # -1: unknown (a statement SQLite does not count, executemany)
            self.changed_tables |= ReadCache.written_by(sql)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Written:
        cursor = await self.conn.execute(sql, tuple(params))
        self.changed |= cursor.rowcount != 0
        self._wrote(sql, cursor.rowcount)
        return Written(cursor.rowcount, cursor.lastrowid)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        values = [tuple(row) for row in rows]
        if values:
            await self.conn.executemany(sql, values)
            self.changed = True
            self._wrote(sql, -1)

    async def returning(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """A write with ``RETURNING``: the rows it returned."""
        rows = list(await self.conn.execute_fetchall(sql, tuple(params)))
        self.changed |= bool(rows)
        self._wrote(sql, -1)
        return rows


class Database:
    """The bot's database: ``transaction()`` for writes, ``reader`` for committed reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        # One writer: SQLite allows one anyway, and an asyncio lock keeps transactions from
        # interleaving on the shared connection.
        self._write_lock = asyncio.Lock()
        self.cache = ReadCache()
        self.reader = Session(self._reader_connection, self.cache)
        # Counts committed transactions that changed rows: whoever remembers it can tell
        # whether anything changed since.
        self.generation = 0
        # An erasure's checkpoint could not finish (see checkpoint()): try again soon.
        self.checkpoint_owed = False

    def _reader_connection(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    def _writer_connection(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    async def open(self) -> None:
        """Open (creating a new database only where none ever was), check, migrate.

        Raises :class:`DatabaseRefused` for a database that must not be used as it is.
        """
        created = ensure_private_directory(self.path.parent)
        refuse_emptied(self.path)
        fresh = not self.path.exists()
        if fresh:
            # Created empty and private before SQLite opens it; the WAL and SHM files SQLite
            # makes next to it take the same permissions.
            descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(descriptor)
            log.info("new database created (directory %s)", "created" if created else "existing")
        make_private(self.path)
        try:
            self._writer = await self._connect()
            await self._writer.execute("PRAGMA journal_mode=WAL")
            await self._writer.execute("PRAGMA secure_delete=ON")
            await self._writer.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
            before = await self.schema_version()
            if before > LATEST:
                raise DatabaseRefused.newer(self.path, before, LATEST)
            await self.migrate()
            if 0 < before < SECURE_DELETE_SINCE:
                # Deleted before secure_delete was on: rewrite the file without free pages.
                await self._writer.execute("VACUUM")
            # Whatever a crash left in the write-ahead log (erased bytes too) goes now.
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._reader = await self._connect()
            await self._reader.execute("PRAGMA query_only=ON")
        except sqlite3.DatabaseError as exc:
            await self.close()
            raise DatabaseRefused.from_sqlite(self.path, exc) from exc
        except BaseException:
            await self.close()
            raise
        write_marker(self.path)
        for companion in ("-wal", "-shm"):
            make_private(self.path.with_name(self.path.name + companion))

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing is implicit.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def schema_version(self) -> int:
        rows = await self._writer_connection().execute_fetchall("PRAGMA user_version")
        row = next(iter(rows), None)
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply every numbered migration above the stored ``user_version``, each atomically."""
        current = await self.schema_version()
        writer = self._writer_connection()
        for version, script in MIGRATIONS:
            if version <= current:
                continue
            rebuild = version in REBUILDS
            if rebuild:  # only outside a transaction does SQLite let this change
                await writer.execute("PRAGMA foreign_keys=OFF")
            try:
                async with self.transaction() as tx:
                    for statement in _statements(script):
                        await tx.execute(statement)
                    if rebuild and await tx.fetch_all("PRAGMA foreign_key_check"):
                        raise sqlite3.IntegrityError(f"migration {version} broke a reference")
                    # PRAGMA takes no parameters; version is our own integer.
                    await tx.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                if rebuild:
                    await writer.execute("PRAGMA foreign_keys=ON")
            log.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        async with self._write_lock:
            conn = self._writer_connection()
            await conn.execute("BEGIN IMMEDIATE")
            tx = Tx(self._writer_connection)
            try:
                try:
                    yield tx
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
                try:
                    await conn.execute("COMMIT")
                except BaseException:
                    # A commit that failed (disk full) leaves the transaction open: end it.
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise
            finally:
                if tx.changed_tables:  # also what was read while it was not committed yet
                    self.cache.changed(tx.changed_tables)
            if tx.changed:
                self.generation += 1

    async def checkpoint(self) -> bool:
        """Move the write-ahead log into the database file and truncate it to nothing, so
        nothing erased stays behind in the log.

        Another program reading the database (a backup, someone's sqlite3 shell) can keep it
        from finishing: then it is owed (``checkpoint_owed``), tried again after every
        delivery round and at least every minute, and this returns False. It never waits
        long: the bot goes on meanwhile."""
        async with self._write_lock:
            conn = self._writer_connection()
            await conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            try:
                for _ in range(CHECKPOINT_TRIES):
                    rows = await conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
                    if not next(iter(rows))[0]:  # not busy: done
                        self.checkpoint_owed = False
                        return True
                    await asyncio.sleep(0.05)
            finally:
                await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not self.checkpoint_owed:
            log.warning("write-ahead log not truncated yet: another reader; trying again")
        self.checkpoint_owed = True
        return False


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
