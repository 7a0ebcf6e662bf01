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
import contextvars
import functools
import logging
import os
import re
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

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
    return _utc_text(moment)


@functools.lru_cache(maxsize=256)
def _utc_text(moment: datetime) -> str:
    # A use case writes the same moment (its "now") several times: converted once.
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=1024)
def from_db_time(text: str) -> datetime:
    # The same rows are read again and again (a card drawn, then redrawn): parsed once.
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
        self._rows: OrderedDict[_Key, _Entry] = OrderedDict()
        self._kind: dict[str, frozenset[str]] = {}  # statement -> the tables it reads (kept)
        self._epochs = dict.fromkeys(CACHED_TABLES, 0)  # counts each table's changes
        # Tables a COMMIT on its way may change: their lookups are not served meanwhile.
        self._held: frozenset[str] = frozenset()
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
        entry = self._entry(key)
        return entry[0] if entry is not None else None

    def made(self, key: _Key, make: Callable[[aiosqlite.Row], Any]) -> Any:
        """What ``make`` makes of the first row of a kept lookup (None if it has none),
        made once while the rows stay; :data:`MISSING` if the lookup is not kept."""
        entry = self._entry(key)
        if entry is None:
            return MISSING
        rows, _, objects = entry
        found = objects.get(make, MISSING)
        if found is MISSING:
            found = objects[make] = make(rows[0]) if rows else None
        return found

    def _entry(self, key: _Key) -> _Entry | None:
        entry = self._rows.get(key)
        if entry is None or (self._held and entry[1] & self._held):
            self.misses += 1
            return None
        self.hits += 1
        self._rows.move_to_end(key)
        return entry

    def put(
        self, key: _Key, rows: list[aiosqlite.Row], tables: frozenset[str], epoch: tuple[int, ...]
    ) -> None:
        if epoch != self.epoch(tables) or tables & self._held:
            return  # read while one of its tables changed: maybe stale already
        self._rows[key] = (rows, tables, {})
        if len(self._rows) > self._size:
            self._rows.popitem(last=False)

    def hold(self, tables: frozenset[str]) -> None:
        """A COMMIT that may change ``tables`` is on its way to the database: from the moment
        it runs there, their kept lookups could be stale, before :meth:`changed` is told
        (the thread reports back later). Until :meth:`release`, they are not served, and
        nothing read meanwhile is kept."""
        self._held = tables
        for table in tables:
            self._epochs[table] += 1

    def release(self) -> None:
        self._held = frozenset()

    def changed(self, tables: frozenset[str]) -> None:
        """Rows of ``tables`` changed: what was read from them goes."""
        for table in tables:
            self._epochs[table] += 1
        if tables >= CACHED_TABLES:
            self._rows.clear()
            return
        for key in [key for key, (_, read, _) in self._rows.items() if read & tables]:
            del self._rows[key]

    @staticmethod
    def written_by(sql: str) -> frozenset[str]:
        """The cached tables a write statement may change."""
        tables = _WRITTEN.get(sql)
        if tables is None:
            head = sql.lstrip()[:6].upper()
            if head not in ("INSERT", "UPDATE"):
                tables = CACHED_TABLES
            else:
                tables = frozenset(name.lower() for name in _CACHED_NAMED.findall(sql))
            if len(_WRITTEN) >= CACHE_ROWS:
                _WRITTEN.clear()  # statements built with their values in them: forget them
            _WRITTEN[sql] = tables
        return tables


_WRITTEN: dict[str, frozenset[str]] = {}  # statement -> the cached tables it may change
_DELETES_NOTICES = re.compile(r"\s*DELETE\s+FROM\s+outbox\b", re.IGNORECASE)


_Key = tuple[str, tuple[Any, ...]]
Lookup = _Key  # a lookup: its statement and parameters
# A kept lookup: its rows, the tables it read, and the (immutable) objects made of it.
_Entry = tuple[list[aiosqlite.Row], frozenset[str], dict[Callable[[aiosqlite.Row], Any], Any]]
MISSING: Any = object()  # not kept
T = TypeVar("T")

Statement = tuple[str, tuple[Any, ...]]  # a write: its statement and parameters


@dataclass(frozen=True, slots=True)
class Followed:
    """A lookup's rows and what the writes they called for did (:meth:`Tx.queue_then`)."""

    rows: list[sqlite3.Row]
    writes: tuple[Written, ...]


class Then:
    """What a lookup queued with :meth:`Tx.queue_then` found: its rows, once the round trip
    that carried it came back (at the latest, when the transaction committed)."""

    def __init__(self) -> None:
        self._rows: list[aiosqlite.Row] | None = None

    @property
    def rows(self) -> list[aiosqlite.Row]:
        if self._rows is None:
            raise RuntimeError("the lookup has not run yet")
        return self._rows


# The steps of a batch (Connection.run_batch): a lookup, a write with RETURNING (both give
# their rows), a write (gives what it did), one write over many rows, BEGIN or COMMIT, a
# lookup and the writes its rows call for (Tx.queue_then).
_READ, _RETURNING, _WRITE, _MANY, _CONTROL, _THEN = range(6)
_Step = tuple[str, Any, int]
_Result = list[sqlite3.Row] | Written | Followed


class Lookahead:
    """Rows read right after a transaction's COMMIT, in the same round trip, for what the
    caller reads next (:meth:`Tx.read_after`): the reader gets them instead of making a trip
    of its own, until the next transaction sends its COMMIT.

    That is exact, not a guess: they were read while the transaction still held the write
    lock, after its COMMIT, and nothing can change a row but another COMMIT, which empties
    this before it is sent (``Database._committing``). The courier reads, in the trip that
    marks a notice sent, the request the next notice is about (issue 19).
    """

    def __init__(self) -> None:
        self._rows: dict[Lookup, list[aiosqlite.Row]] = {}
        self.hits = 0

    def keep(self, rows: dict[Lookup, list[aiosqlite.Row]]) -> None:
        self._rows = rows

    def clear(self) -> None:
        """A COMMIT is on its way: nothing of it is kept (not even in memory: an erased
        name)."""
        self._rows = {}

    def get(self, key: Lookup) -> list[aiosqlite.Row] | None:
        rows = self._rows.get(key)
        if rows is not None:
            self.hits += 1
        return rows


class _Together:
    """The reader's lookups asked for in one pass of the event loop (by the coroutines of
    :func:`together`), sent to its thread in one round trip."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Connection, _Step, asyncio.Future[list[aiosqlite.Row]]]] = []
        self._trips: set[asyncio.Task[None]] = set()

    def read(
        self, conn: Connection, sql: str, params: tuple[Any, ...]
    ) -> asyncio.Future[list[aiosqlite.Row]]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[aiosqlite.Row]] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._send, 0, _PASSES)
        self._waiting.append((conn, (sql, params, _READ), future))
        return future

    def _send(self, seen: int, passes: int) -> None:
        """Sent once a pass of the event loop went by in which nobody asked for more (the
        coroutines a read starts with ``gather`` begin a pass later), or after ``passes``."""
        if len(self._waiting) != seen and passes > 0:
            asyncio.get_running_loop().call_soon(self._send, len(self._waiting), passes - 1)
            return
        waiting, self._waiting = self._waiting, []
        trip = asyncio.ensure_future(self._run(waiting))
        self._trips.add(trip)  # kept until done (the loop holds tasks only weakly)
        trip.add_done_callback(self._trips.discard)

    @staticmethod
    async def _run(
        waiting: list[tuple[Connection, _Step, asyncio.Future[list[aiosqlite.Row]]]],
    ) -> None:
        mine: list[tuple[Connection, _Step, asyncio.Future[list[aiosqlite.Row]]]] = []
        try:
            while waiting:
                conn = waiting[0][0]
                mine = [item for item in waiting if item[0] is conn]
                waiting = [item for item in waiting if item[0] is not conn]
                results, failure = await conn.run_batch([step for _, step, _ in mine])
                for (_, _, future), rows in zip(mine, results, strict=False):
                    if not future.done():
                        future.set_result(cast("list[aiosqlite.Row]", rows))
                if failure is not None:  # that one fails; the ones after it go again
                    index, error = failure
                    if not mine[index][2].done():
                        mine[index][2].set_exception(error)
                    waiting = mine[index + 1 :] + waiting
        except BaseException as exc:  # the connection is gone: every one waiting hears it
            for _, _, future in waiting + mine:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise


_PASSES = 8  # passes of the event loop a shared round trip waits for more lookups, at most
_TOGETHER: contextvars.ContextVar[_Together | None] = contextvars.ContextVar(
    "reads_together", default=None
)


async def together(*reads: Awaitable[T]) -> list[T]:
    """Run ``reads`` at once; the lookups they make on the reader in the same pass of the
    event loop share one round trip to its thread (the way a data loader batches). For
    independent reads, such as the moments the wake-up job is set by: nine round trips
    become two."""
    token = _TOGETHER.set(_Together())
    try:
        return list(await asyncio.gather(*reads))
    finally:
        _TOGETHER.reset(token)


class QueuedWriteFailed(sqlite3.OperationalError):
    """A write queued earlier in the transaction (:meth:`Tx.queue`) failed when it was sent
    along with a later statement: a storage error of the whole transaction, never taken for
    the later statement's own (an ``IntegrityError`` its caller expects, say)."""


class Connection(aiosqlite.Connection):
    """aiosqlite's connection, running several statements in one trip to its thread.

    Every await on aiosqlite is a round trip to the thread that owns the SQLite connection
    (a queue, a wake-up, a call back into the event loop): 40–75 µs of CPU, against a few µs
    for the statement itself. :meth:`run_batch` sends a transaction's BEGIN, the writes it
    queued and the statement it waits for together (bench/README.md, issue 19).
    """

    async def run_batch(
        self, steps: Sequence[_Step]
    ) -> tuple[list[_Result], tuple[int, Exception] | None]:
        """Run ``steps`` in order on the connection's thread, stopping at the first that
        fails: what each one that ran gave back, and the failed one's index and error."""
        # aiosqlite's own way onto its thread (what its execute methods use), not typed.
        result: tuple[list[_Result], tuple[int, Exception] | None]
        result = await self._execute(self._run_batch, steps)  # type: ignore[no-untyped-call]
        return result

    def _run_batch(
        self, steps: Sequence[_Step]
    ) -> tuple[list[_Result], tuple[int, Exception] | None]:
        conn = self._conn  # on aiosqlite's thread, which owns the connection
        results: list[_Result] = []
        for index, (sql, params, kind) in enumerate(steps):
            try:
                if kind == _THEN:
                    results.append(self._then(conn, sql, params))
                    continue
                if kind == _MANY:
                    cursor = conn.executemany(sql, params)
                else:
                    cursor = conn.execute(sql, params)
                if kind in (_READ, _RETURNING):
                    results.append(cursor.fetchall())
                else:
                    results.append(Written(cursor.rowcount, cursor.lastrowid))
                # Done with it: a statement left open would keep COMMIT from happening.
                cursor.close()
            except Exception as exc:
                return results, (index, exc)
        return results, None

    @staticmethod
    def _then(
        conn: sqlite3.Connection,
        sql: str,
        step: tuple[tuple[Any, ...], Callable[[list[sqlite3.Row]], Sequence[Statement]], Then],
    ) -> Followed:
        params, follow, _ = step  # the Then is filled in on the event loop (Tx._send)
        cursor = conn.execute(sql, params)
        rows = cursor.fetchall()
        cursor.close()
        done = []
        for write, values in follow(rows):
            if ReadCache.written_by(write):
                raise ValueError("a write decided on the database's thread changed cached rows")
            cursor = conn.execute(write, values)
            done.append(Written(cursor.rowcount, cursor.lastrowid))
            cursor.close()
        return Followed(rows, tuple(done))

    async def run(self, sql: str) -> None:
        """One statement, its cursor closed at once. (aiosqlite's ``execute`` hands its cursor
        back, and its thread keeps the last result until its next call: a statement with a
        row not read would still be running then, and keep a COMMIT in a batch from
        happening.)"""
        _, failure = await self.run_batch([(sql, (), _CONTROL)])
        if failure is not None:
            raise failure[1]

    async def rollback_if_open(self) -> None:
        """ROLLBACK, if a transaction is open once everything sent before has run (a batch
        whose caller was cancelled still runs; a BEGIN that failed opened nothing)."""
        await self._execute(self._rollback_if_open)  # type: ignore[no-untyped-call]

    def _rollback_if_open(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


def connect(path: Path | str, **kwargs: Any) -> Connection:
    """A :class:`Connection` (to be awaited), opened as ``aiosqlite.connect`` opens one."""
    location = str(path)
    return Connection(lambda: sqlite3.connect(location, **kwargs), 64)


class Session:
    """Reads on one connection. Every await on it is one round trip to its thread, so each
    method takes exactly one — or none, for lookups the cache (if it has one) still holds."""

    def __init__(
        self,
        connection: Callable[[], aiosqlite.Connection],
        cache: ReadCache | None = None,
        ahead: Callable[[Lookup], list[aiosqlite.Row] | None] | None = None,
    ) -> None:
        self._connection = connection
        self._cache = cache
        self._ahead = ahead  # rows already read for this lookup, still current (Lookahead)

    @property
    def conn(self) -> aiosqlite.Connection:
        return self._connection()

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a lookup (the whole result is read: keep it to a row or a few)."""
        rows = await self._rows(sql, tuple(params))
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self._rows(sql, tuple(params)))

    async def fetch_as(
        self, sql: str, params: Iterable[Any], make: Callable[[aiosqlite.Row], T]
    ) -> T | None:
        """What ``make`` makes of the first row of a lookup (None if it has none). For a
        lookup the cache keeps, the object is made once and shared while the rows stay, so
        ``make`` must make something immutable (a frozen dataclass)."""
        key = (sql, tuple(params))
        cache = self._cache
        kept = cache is not None and bool(self._cacheable(sql))
        if kept:
            assert cache is not None
            found = cache.made(key, make)
            if found is not MISSING:
                return cast("T | None", found)
        rows = await self._rows(*key)
        if kept:
            assert cache is not None
            found = cache.made(key, make)  # kept now, unless its tables changed meanwhile
            if found is not MISSING:
                return cast("T | None", found)
        return make(rows[0]) if rows else None

    def cached(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row] | None:
        """The rows of a lookup if the cache holds them, without a round trip; else None."""
        tables = self._cacheable(sql)
        if not tables:
            return None
        assert self._cache is not None
        return self._cache.get((sql, tuple(params)))

    def _cacheable(self, sql: str) -> frozenset[str]:
        """The cached tables a lookup reads; empty if it is not served from the cache here."""
        cache = self._cache
        return cache.tables(sql) if cache is not None else frozenset()

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[aiosqlite.Row]:
        if self._ahead is not None:
            ahead = self._ahead((sql, params))
            if ahead is not None:
                return ahead
        cache = self._cache
        tables = self._cacheable(sql)
        if cache is None or not tables:
            return await self._read(sql, params)
        key = (sql, params)
        rows = cache.get(key)
        if rows is None:
            epoch = cache.epoch(tables)
            rows = await self._read(sql, params)
            cache.put(key, rows, tables, epoch)
        return rows

    async def _read(self, sql: str, params: tuple[Any, ...]) -> list[aiosqlite.Row]:
        together = _TOGETHER.get()
        conn = self.conn
        if together is not None and isinstance(conn, Connection):
            return await together.read(conn, sql, params)
        return list(await conn.execute_fetchall(sql, params))


class Tx(Session):
    """The connection of one write transaction: writes, and reads that see them.

    Nothing is sent before the transaction needs an answer: ``BEGIN IMMEDIATE`` goes with
    its first statement, and writes whose outcome nobody waits for (:meth:`queue`) go with
    the next statement or with the ``COMMIT``. So a use case costs a round trip per answer
    it waits for, plus the COMMIT; one that writes nothing sends nothing at all.

    Lookups of the cached tables come from the cache as long as this transaction has not
    written those tables: the cache holds what is committed, and nothing else commits
    while a transaction holds the write lock.
    """

    def __init__(
        self,
        connection: Callable[[], aiosqlite.Connection],
        cache: ReadCache | None = None,
        before_commit: Callable[[Tx], None] | None = None,
    ) -> None:
        super().__init__(connection, cache)
        self._before_commit = before_commit  # told right before the COMMIT is sent
        self.changed = False  # whether any statement changed a row
        self.deleted_notices = False  # whether it deleted rows of the outbox
        # The cached tables whose rows this changed: their lookups go when it ends.
        self.changed_tables: frozenset[str] = frozenset()
        self.begun = False  # BEGIN IMMEDIATE was sent
        self._queued: list[_Step] = []
        self._after: list[Lookup] = []  # read right after the COMMIT (read_after)
        self.read_after_commit: dict[Lookup, list[aiosqlite.Row]] = {}
        # The cached tables it wrote or queued writes to (whether or not they changed rows).
        self.touched: frozenset[str] = frozenset()

    def _cacheable(self, sql: str) -> frozenset[str]:
        tables = super()._cacheable(sql)
        return frozenset() if tables & self.touched else tables

    def queue(self, sql: str, params: Iterable[Any] = ()) -> None:
        """A write whose outcome nobody waits for: sent with the next statement that needs
        an answer, or with the COMMIT. If it fails, the transaction fails
        (:class:`QueuedWriteFailed`) and nothing of it is kept."""
        self._touch(sql)
        self._queued.append((sql, tuple(params), _WRITE))

    def queue_then(
        self, lookup: Lookup, follow: Callable[[list[aiosqlite.Row]], Sequence[Statement]]
    ) -> Then:
        """A lookup and the writes its rows call for, queued (:meth:`queue`): both run on
        the database's thread, in order with the other statements, so a decision on what
        the transaction itself sees costs no round trip of its own. ``follow`` runs there
        too, while the event loop goes on: it must only compute, from the rows and from
        immutable values, the writes to make. Those may not write :data:`CACHED_TABLES`
        (the cache could not be told in time); if one fails, the transaction fails. The
        lookup's rows come back too (:class:`Then`)."""
        sql, params = lookup
        then = Then()
        self._queued.append((sql, (tuple(params), follow, then), _THEN))
        return then

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> Written:
        self._touch(sql)
        [written] = await self._send([(sql, tuple(params), _WRITE)])
        assert isinstance(written, Written)
        return written

    async def execute_then(
        self, sql: str, params: Iterable[Any], *lookups: tuple[str, Iterable[Any]]
    ) -> tuple[Written, list[list[aiosqlite.Row]]]:
        """A write, then lookups that see it, in one round trip: what the write did and the
        rows of each lookup."""
        self._touch(sql)
        steps: list[_Step] = [(sql, tuple(params), _WRITE)]
        steps += [(query, tuple(values), _READ) for query, values in lookups]
        written, *found = await self._send(steps)
        assert isinstance(written, Written)
        return written, [rows for rows in found if isinstance(rows, list)]

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        values = [tuple(row) for row in rows]
        if values:
            self._touch(sql)
            await self._send([(sql, values, _MANY)])

    async def returning(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """A write with ``RETURNING``: the rows it returned."""
        self._touch(sql)
        [rows] = await self._send([(sql, tuple(params), _RETURNING)])
        assert isinstance(rows, list)
        return rows

    def read_after(self, *lookups: Lookup) -> None:
        """Lookups to make right after the COMMIT, in its round trip, for the reader to be
        given next (:class:`Lookahead`). One that fails is simply not kept: the COMMIT
        happened all the same. Nothing is read for a transaction that sent nothing."""
        self._after += lookups

    async def commit(self) -> None:
        """COMMIT, with whatever is still queued (nothing at all if nothing was sent), and
        then the lookups of :meth:`read_after`."""
        if self.begun or self._queued:
            if self._before_commit is not None:
                self._before_commit(self)
            after, self._after = self._after, []
            steps: list[_Step] = [("COMMIT", (), _CONTROL)]
            steps += [(sql, params, _READ) for sql, params in after]
            _, *found = await self._send(steps, needed=1)
            self.read_after_commit = {
                lookup: rows
                for lookup, rows in zip(after, found, strict=False)
                if isinstance(rows, list)
            }

    async def _read(self, sql: str, params: tuple[Any, ...]) -> list[aiosqlite.Row]:
        [rows] = await self._send([(sql, params, _READ)])
        assert isinstance(rows, list)
        return rows

    def _touch(self, sql: str) -> None:
        written = ReadCache.written_by(sql)
        if not written <= self.touched:
            self.touched |= written

    async def _send(self, steps: list[_Step], needed: int | None = None) -> list[_Result]:
        """BEGIN (the first time), the queued writes and ``steps``, in one round trip; what
        ``steps`` gave back. With ``needed``, only that many first steps must succeed: what
        the rest gave back, up to one that failed, is returned all the same."""
        conn = self.conn
        if not isinstance(conn, Connection):
            raise TypeError("a transaction runs on bot.storage.db.Connection")
        head: list[_Step] = [] if self.begun else [("BEGIN IMMEDIATE", (), _CONTROL)]
        self.begun = True
        head += self._queued
        self._queued = []
        batch = head + steps
        results, failure = await conn.run_batch(batch)
        for (sql, params, kind), result in zip(batch, results, strict=False):
            self._count(sql, kind, result)
            if kind == _THEN:
                assert isinstance(result, Followed)
                params[2]._rows = result.rows
        if failure is not None and (needed is None or failure[0] < len(head) + needed):
            index, error = failure
            if batch[index][2] in (_WRITE, _THEN) and index < len(head):
                raise QueuedWriteFailed(str(error)) from error
            raise error
        return results[len(head) :]

    def _count(self, sql: str, kind: int, result: _Result) -> None:
        """Note what a statement that ran changed."""
        if kind == _WRITE:
            assert isinstance(result, Written)
            rows = result.rowcount  # -1: unknown (a statement SQLite does not count)
        elif kind == _RETURNING:
            rows = -1 if result else 0
        elif kind == _MANY:
            rows = -1
        elif kind == _THEN:
            assert isinstance(result, Followed)
            rows = -1 if any(written.rowcount for written in result.writes) else 0
        else:
            return
        if rows:
            self.changed = True
            if kind != _THEN:  # (its writes may not change cached rows: refused if they do)
                self.changed_tables |= ReadCache.written_by(sql)
            if kind == _WRITE and _DELETES_NOTICES.match(sql):
                self.deleted_notices = True


class Database:
    """The bot's database: ``transaction()`` for writes, ``reader`` for committed reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: Connection | None = None
        self._reader: Connection | None = None
        # One writer: SQLite allows one anyway, and an asyncio lock keeps transactions from
        # interleaving on the shared connection.
        self._write_lock = asyncio.Lock()
        self.cache = ReadCache()
        self.lookahead = Lookahead()
        self.reader = Session(self._reader_connection, self.cache, self._looked_ahead)
        # Counts committed transactions that changed rows: whoever remembers it can tell
        # whether anything changed since.
        self.generation = 0
        # An erasure's checkpoint could not finish (see checkpoint()): try again soon.
        self.checkpoint_owed = False
        self.committing = False  # a COMMIT is on its way to the database (_committing)
        # Counts transactions that deleted notices (an erasure deletes those to the person):
        # whoever read a notice before can tell whether it may be gone since.
        self.notices_deleted = 0

    def _looked_ahead(self, key: Lookup) -> list[aiosqlite.Row] | None:
        return None if self.committing else self.lookahead.get(key)

    def _committing(self, tx: Tx) -> None:
        """A transaction's COMMIT is about to be sent. Once it runs, rows read before may be
        stale, but ``generation`` and the cache only hear of it when its round trip comes
        back: until then nothing read before it is served (Lookahead, ReadCache.hold)."""
        self.committing = True
        self.lookahead.clear()
        self.cache.hold(tx.touched)

    def _reader_connection(self) -> Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    def _writer_connection(self) -> Connection:
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
            await self._writer.run("PRAGMA journal_mode=WAL")
            await self._writer.run("PRAGMA secure_delete=ON")
            await self._writer.run(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
            before = await self.schema_version()
            if before > LATEST:
                raise DatabaseRefused.newer(self.path, before, LATEST)
            await self.migrate()
            if 0 < before < SECURE_DELETE_SINCE:
                # Deleted before secure_delete was on: rewrite the file without free pages.
                await self._writer.run("VACUUM")
            # Whatever a crash left in the write-ahead log (erased bytes too) goes now.
            await self._writer.run("PRAGMA wal_checkpoint(TRUNCATE)")
            self._reader = await self._connect()
            await self._reader.run("PRAGMA query_only=ON")
        except sqlite3.DatabaseError as exc:
            await self.close()
            raise DatabaseRefused.from_sqlite(self.path, exc) from exc
        except BaseException:
            await self.close()
            raise
        write_marker(self.path)
        for companion in ("-wal", "-shm"):
            make_private(self.path.with_name(self.path.name + companion))

    async def _connect(self) -> Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing is implicit.
        conn = connect(self.path, isolation_level=None)
        await conn
        conn.row_factory = aiosqlite.Row
        await conn.run("PRAGMA foreign_keys=ON")
        await conn.run("PRAGMA synchronous=NORMAL")
        await conn.run(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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
                await writer.run("PRAGMA foreign_keys=OFF")
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
                    await writer.run("PRAGMA foreign_keys=ON")
            log.info("database migrated to schema version %d", version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception. BEGIN goes with the first
        statement and COMMIT with the last writes (see :class:`Tx`)."""
        async with self._write_lock:
            conn = self._writer_connection()
            tx = Tx(self._writer_connection, self.cache, self._committing)
            changed = tx.changed_tables
            try:
                try:
                    yield tx
                    # A commit that failed (disk full) leaves the transaction open: ended below.
                    await tx.commit()
                    changed = tx.changed_tables
                except BaseException:
                    # What its last trip did is unknown (a batch whose caller was cancelled
                    # still runs, its COMMIT too): whatever it may have written goes.
                    changed = tx.changed_tables | tx.touched
                    if tx.begun:
                        # Its COMMIT may have run all the same: count it as a change (and as
                        # notices deleted), so that whoever remembers the counts looks again.
                        self.generation += 1
                        self.notices_deleted += 1
                        await conn.rollback_if_open()
                    raise
            finally:
                # The COMMIT has run by now, or never will (a rollback came after it).
                self.committing = False
                self.cache.release()
                if changed:  # also what was read while it was not committed yet
                    self.cache.changed(changed)
            if tx.changed:
                self.generation += 1
            if tx.deleted_notices:
                self.notices_deleted += 1
            if tx.read_after_commit:  # read after its COMMIT, under the lock: current now
                self.lookahead.keep(tx.read_after_commit)

    async def checkpoint(self) -> bool:
        """Move the write-ahead log into the database file and truncate it to nothing, so
        nothing erased stays behind in the log.

        Another program reading the database (a backup, someone's sqlite3 shell) can keep it
        from finishing: then it is owed (``checkpoint_owed``), tried again after every
        delivery round and at least every minute, and this returns False. It never waits
        long: the bot goes on meanwhile."""
        async with self._write_lock:
            conn = self._writer_connection()
            await conn.run(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            try:
                for _ in range(CHECKPOINT_TRIES):
                    rows = await conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
                    if not next(iter(rows))[0]:  # not busy: done
                        self.checkpoint_owed = False
                        return True
                    await asyncio.sleep(0.05)
            finally:
                await conn.run(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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
