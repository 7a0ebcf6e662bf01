"""The database: migrations, pragmas, transactions, the reader, and repositories."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain import Constellation, ConstellationStatus, Member, Notice, NoticeKind, Person, Role
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Connection, Database, QueuedWriteFailed, to_db_time, together
from bot.storage.migrations import LATEST, MIGRATIONS
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


async def test_pragmas_and_schema_version(db: Database) -> None:
    mode = await db.reader.fetch_one("PRAGMA journal_mode")
    keys = await db.reader.fetch_one("PRAGMA foreign_keys")
    assert mode is not None and mode[0] == "wal"
    assert keys is not None and keys[0] == 1
    async with db.transaction() as tx:
        secure = await tx.fetch_one("PRAGMA secure_delete")
        limit = await tx.fetch_one("PRAGMA journal_size_limit")
    assert secure is not None and secure[0] == 1  # deleted content is overwritten on disk
    assert limit is not None and limit[0] > 0
    assert await db.schema_version() == MIGRATIONS[-1][0] == LATEST


async def test_migrations_run_once(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    for _ in range(2):  # a restart must not re-run or fail on an existing schema
        database = Database(path)
        await database.open()
        assert await database.schema_version() == LATEST
        await database.close()


async def test_failed_transaction_rolls_back(db: Database) -> None:
    people = PeopleRepository()
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await people.upsert(tx, Person(1, "x"), NOW)
            raise RuntimeError("boom")
    assert await people.get(db.reader, 1) is None


async def test_reads_never_see_another_coroutines_uncommitted_writes(db: Database) -> None:
    """The reader is its own connection: a transaction's rows appear only at its commit."""
    people = PeopleRepository()
    inside = asyncio.Event()
    go_on = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as tx:
            await people.upsert(tx, Person(7, "Half"), NOW)
            inside.set()
            await go_on.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await people.get(db.reader, 7) is None  # written, not committed: not seen
    go_on.set()
    await task
    assert await people.get(db.reader, 7) is not None
    assert db.generation > 0


async def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 1, 1))


async def test_repositories_return_domain_objects(db: Database) -> None:
    constellations = ConstellationRepository()
    people = PeopleRepository()
    memberships = MembershipRepository()
    async with db.transaction() as tx:
        created = await constellations.create(
            tx,
            chat_id=-100,
            name="De Linde",
            language="nl",
            timezone="Europe/Amsterdam",
            link_token="tok",
            created_at=NOW,
            created_by=1,
        )
        duplicate = await constellations.create(
            tx,
            chat_id=-100,
            name="Other",
            language="nl",
            timezone="Europe/Amsterdam",
            link_token="tok2",
            created_at=NOW,
            created_by=1,
        )
    assert isinstance(created, Constellation)
    assert created.status is ConstellationStatus.ACTIVE
    assert created.created_at == NOW
    assert duplicate is None

    async with db.transaction() as tx:
        await people.upsert(tx, Person(1, "Anna", "de Vries", language_code="nl"), NOW)
        await memberships.ensure_active(tx, created.id, 1, NOW)
        await memberships.set_role(tx, created.id, 1, Role.HUBHOME)
    member = await memberships.get(db.reader, created.id, 1)
    assert isinstance(member, Member)
    assert member.role is Role.HUBHOME
    assert member.display_name == "Anna de Vries"

    # The person row is shared; renaming in Telegram updates it but keeps the link flag.
    async with db.transaction() as tx:
        await people.set_private_chat_linked(tx, 1, True, NOW)
        await people.upsert(tx, Person(1, "Ann", None), NOW)
    person = await people.get(db.reader, 1)
    assert person is not None and person.first_name == "Ann" and person.private_chat_linked


async def test_an_update_that_changes_nothing_writes_nothing(db: Database) -> None:
    people = PeopleRepository()
    async with db.transaction() as tx:
        await people.upsert(tx, Person(3, "Cas"), NOW)
    before = db.generation
    async with db.transaction() as tx:
        await people.upsert(tx, Person(3, "Cas"), NOW)
    assert db.generation == before


async def test_deleting_a_constellation_cascades(db: Database) -> None:
    created = await _constellation(db)
    async with db.transaction() as tx:
        await PeopleRepository().upsert(tx, Person(9, "Bo"), NOW)
        await MembershipRepository().ensure_active(tx, created.id, 9, NOW)
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM constellations WHERE id = ?", (created.id,))
    assert await MembershipRepository().active(db.reader, created.id) == []


class Trips:
    """Counts the round trips to the writer's and the reader's threads (Connection.run_batch
    and aiosqlite's execute_fetchall), and what each batch held."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.batches: list[list[str]] = []
        self.reads = 0
        run_batch, fetchall = Connection.run_batch, Connection.execute_fetchall
        trips = self

        async def counted_batch(conn: Connection, steps: Sequence[Any]) -> Any:
            trips.batches.append([step[0].split()[0] for step in steps])
            return await run_batch(conn, steps)

        def counted_fetchall(conn: Connection, sql: str, params: Any = None) -> Any:
            trips.reads += 1
            return fetchall(conn, sql, params)

        monkeypatch.setattr(Connection, "run_batch", counted_batch)
        monkeypatch.setattr(Connection, "execute_fetchall", counted_fetchall)


async def test_a_transaction_sends_its_writes_with_its_next_statement_or_commit(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = PeopleRepository()
    trips = Trips(monkeypatch)
    async with db.transaction() as tx:
        await people.upsert(tx, Person(11, "Dirk"), NOW)  # queued: nothing sent yet
        await people.upsert(tx, Person(12, "Eva"), NOW)
        assert trips.batches == []
        row = await tx.fetch_one("SELECT COUNT(*) FROM people WHERE user_id IN (11, 12)")
        assert row is not None and row[0] == 2  # the transaction reads what it queued
        assert await people.get(db.reader, 11) is None  # nobody else does before the commit
    assert trips.batches[0] == ["BEGIN", "INSERT", "INSERT", "SELECT"]
    assert trips.batches[-1] == ["COMMIT"]
    assert await people.get(db.reader, 12) is not None


async def test_a_transaction_that_writes_nothing_sends_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    constellation = await _constellation(db)
    people, memberships = PeopleRepository(), MembershipRepository()
    async with db.transaction() as tx:
        await people.upsert(tx, Person(13, "Fem"), NOW)
        await memberships.ensure_active(tx, constellation.id, 13, NOW)
    await memberships.get(db.reader, constellation.id, 13)  # the bot knows her now
    trips = Trips(monkeypatch)
    before = db.generation
    async with db.transaction() as tx:  # what a post of hers does before its own writes
        assert await memberships.active_role(tx, constellation.id, 13) is Role.MEMBER
        await people.upsert(tx, Person(13, "Fem"), NOW, member_of=constellation.id)
        await memberships.ensure_active(tx, constellation.id, 13, NOW)
    assert (trips.batches, trips.reads, db.generation) == ([], 0, before)


async def test_a_transaction_reads_cached_tables_afresh_once_it_wrote_them(db: Database) -> None:
    constellation = await _constellation(db)
    people, memberships = PeopleRepository(), MembershipRepository()
    async with db.transaction() as tx:
        await people.upsert(tx, Person(14, "Gijs"), NOW)
        await memberships.ensure_active(tx, constellation.id, 14, NOW)
    assert await memberships.active_role(db.reader, constellation.id, 14) is Role.MEMBER
    async with db.transaction() as tx:
        assert await memberships.set_role(tx, constellation.id, 14, Role.LIAISON)
        # Not the cached (committed) membership: the one this transaction just changed.
        assert await memberships.active_role(tx, constellation.id, 14) is Role.LIAISON
        assert await memberships.active_role(db.reader, constellation.id, 14) is Role.MEMBER
    assert await memberships.active_role(db.reader, constellation.id, 14) is Role.LIAISON


async def test_a_queued_write_that_fails_fails_the_whole_transaction(db: Database) -> None:
    outbox = OutboxRepository()
    notice = Notice(kind=NoticeKind.UNDELIVERED, dedupe_key="k", refs={}, user_id=15)
    with pytest.raises(QueuedWriteFailed):
        async with db.transaction() as tx:
            await PeopleRepository().upsert(tx, Person(15, "Hanna"), NOW)
            # No constellation 999: the foreign key refuses the queued row when it is sent.
            await outbox.add(tx, replace(notice, constellation_id=999), NOW)
            try:  # a caller that expects an IntegrityError of its own statement…
                await tx.execute("INSERT INTO people (user_id, first_name) VALUES (15, 'x')")
            except sqlite3.IntegrityError:
                pytest.fail("…never takes the queued write's failure for its own")
    assert await PeopleRepository().get(db.reader, 15) is None  # nothing of it is kept
    async with db.transaction() as tx:  # and the next transaction starts clean
        await outbox.add(tx, notice, NOW)
    row = await db.reader.fetch_one("SELECT COUNT(*) FROM outbox")
    assert row is not None and row[0] == 1


async def _constellation(db: Database) -> Constellation:
    async with db.transaction() as tx:
        created = await ConstellationRepository().create(
            tx,
            chat_id=-77,
            name="Y",
            language="nl",
            timezone="Europe/Amsterdam",
            link_token="y",
            created_at=NOW,
            created_by=None,
        )
    assert created is not None
    return created


async def _kept(db: Database, person: Person) -> None:
    """A person written, and the lookup of them kept in the cache since."""
    people = PeopleRepository()
    async with db.transaction() as tx:
        await people.upsert(tx, person, NOW)
    assert await people.get(db.reader, person.user_id) == person


async def test_a_commit_whose_caller_was_cancelled_leaves_no_stale_lookup(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = PeopleRepository()
    await _kept(db, Person(21, "Iris"))
    run_batch = Connection.run_batch

    async def cancelled_at_commit(conn: Connection, steps: Sequence[Any]) -> Any:
        done = await run_batch(conn, steps)  # SQLite's thread carries it out all the same
        if steps[-1][0] == "COMMIT":
            raise asyncio.CancelledError
        return done

    monkeypatch.setattr(Connection, "run_batch", cancelled_at_commit)
    with pytest.raises(asyncio.CancelledError):
        async with db.transaction() as tx:
            await people.upsert(tx, Person(21, "Ines"), NOW)
    monkeypatch.undo()
    # The rename was committed; what was kept of the old name is not served any more.
    assert (await people.get(db.reader, 21)) == Person(21, "Ines")


STATE = "SELECT state FROM outbox WHERE dedupe_key = ?"


async def _queued_notice(db: Database, key: str, *, ahead: bool = True) -> None:
    """A notice queued in one transaction, its state read right after the COMMIT."""
    notice = Notice(kind=NoticeKind.UNDELIVERED, dedupe_key=key, refs={}, user_id=31)
    async with db.transaction() as tx:
        await OutboxRepository().add(tx, notice, NOW)
        if ahead:
            tx.read_after((STATE, (key,)))


async def _state(db: Database, key: str) -> str:
    row = await db.reader.fetch_one(STATE, (key,))
    assert row is not None
    return str(row[0])


async def test_what_is_read_after_a_commit_saves_the_reader_a_trip_until_anything_changes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = Trips(monkeypatch)
    await _queued_notice(db, "a")
    assert trips.batches == [["BEGIN", "INSERT", "COMMIT", "SELECT"]]  # one trip in all
    assert await _state(db, "a") == "pending"
    assert trips.reads == 0  # the reader was given what was read after the COMMIT
    assert await _state(db, "a") == "pending"  # as often as it is asked
    assert trips.reads == 0
    async with db.transaction() as tx:  # whatever commits after it: read again
        await tx.execute("UPDATE outbox SET state = 'sent' WHERE dedupe_key = 'a'")
    assert await _state(db, "a") == "sent"
    assert trips.reads == 1


async def test_nothing_read_before_is_served_while_a_commit_is_on_its_way(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the moment a COMMIT runs on the database's thread until its round trip comes
    back, rows read before it may be stale: neither what was read ahead nor kept lookups of
    the tables it wrote are served then (the reader reads what is there)."""
    people = PeopleRepository()
    await _kept(db, Person(36, "Kees"))
    await _queued_notice(db, "k")  # its state read ahead
    run_batch = Connection.run_batch
    seen: list[object] = []

    async def read_while_committing(conn: Connection, steps: Sequence[Any]) -> Any:
        done = await run_batch(conn, steps)  # the COMMIT has run on the thread...
        if any(step[0] == "COMMIT" for step in steps):  # ...and before it is reported back:
            monkeypatch.setattr(Connection, "run_batch", run_batch)
            seen.append(await people.get(db.reader, 36))
            seen.append(await _state(db, "k"))
        return done

    monkeypatch.setattr(Connection, "run_batch", read_while_committing)
    async with db.transaction() as tx:  # her erasure, and the notice's end
        await tx.execute("DELETE FROM people WHERE user_id = 36")
        await tx.execute("UPDATE outbox SET state = 'sent' WHERE dedupe_key = 'k'")
    assert seen == [None, "sent"]


async def test_a_change_whose_commit_was_cancelled_is_never_hidden_by_what_was_read_before(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _queued_notice(db, "b")
    run_batch = Connection.run_batch

    async def cancelled_at_commit(conn: Connection, steps: Sequence[Any]) -> Any:
        done = await run_batch(conn, steps)  # SQLite's thread carries it out all the same
        if any(step[0] == "COMMIT" for step in steps):
            raise asyncio.CancelledError
        return done

    monkeypatch.setattr(Connection, "run_batch", cancelled_at_commit)
    with pytest.raises(asyncio.CancelledError):
        async with db.transaction() as tx:
            await tx.execute("UPDATE outbox SET state = 'sent' WHERE dedupe_key = 'b'")
    monkeypatch.undo()
    assert await _state(db, "b") == "sent"  # committed after all: read as it is


async def test_a_lookup_after_the_commit_that_fails_leaves_the_commit_standing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = Notice(kind=NoticeKind.UNDELIVERED, dedupe_key="c", refs={}, user_id=32)
    async with db.transaction() as tx:
        await OutboxRepository().add(tx, notice, NOW)
        tx.read_after(("SELECT nothing FROM no_such_table", ()), (STATE, ("c",)))
    trips = Trips(monkeypatch)
    assert await _state(db, "c") == "pending"  # committed; nothing kept, so read afresh
    assert trips.reads == 1


async def test_nothing_read_after_a_commit_that_failed_is_kept(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _queued_notice(db, "d", ahead=False)
    run_batch = Connection.run_batch

    async def full_at_commit(conn: Connection, steps: Sequence[Any]) -> Any:
        for index, step in enumerate(steps):
            if step[0] == "COMMIT":
                done, _ = await run_batch(conn, steps[:index])
                return done, (index, sqlite3.OperationalError("database or disk is full"))
        return await run_batch(conn, steps)

    monkeypatch.setattr(Connection, "run_batch", full_at_commit)
    with pytest.raises(sqlite3.OperationalError):
        async with db.transaction() as tx:
            await tx.execute("UPDATE outbox SET state = 'sent' WHERE dedupe_key = 'd'")
            tx.read_after((STATE, ("d",)))
    monkeypatch.undo()
    assert await _state(db, "d") == "pending"  # rolled back, and read as it is


async def test_reads_asked_for_together_share_one_round_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("e", "f"):
        await _queued_notice(db, key, ahead=False)
    trips = Trips(monkeypatch)

    async def count() -> int:
        row = await db.reader.fetch_one("SELECT COUNT(*) FROM outbox")
        assert row is not None
        return int(row[0])

    async def both_states() -> list[str]:  # one lookup, then one that needs its answer
        first = await _state(db, "e")
        return [first, await _state(db, "f")]

    found = await together(count(), both_states(), _state(db, "f"))
    assert found == [2, ["pending", "pending"], "pending"]
    assert trips.batches == [["SELECT", "SELECT", "SELECT"], ["SELECT"]]
    assert trips.reads == 0


async def test_a_read_that_fails_together_with_others_fails_only_its_own_caller(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _queued_notice(db, "g", ahead=False)
    trips = Trips(monkeypatch)

    async def caught(read: Awaitable[object]) -> object:
        try:
            return await read
        except sqlite3.OperationalError as exc:
            return type(exc).__name__

    found = await together(
        caught(_state(db, "g")),
        caught(db.reader.fetch_one("SELECT nothing FROM no_such_table")),
        caught(_state(db, "g")),
    )
    assert found == ["pending", "OperationalError", "pending"]
    # The ones after the failed lookup are sent again, on their own.
    assert trips.batches == [["SELECT", "SELECT", "SELECT"], ["SELECT"]]


def _pending_of(rows: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """Writes a lookup's rows call for: a notice for each pending one, told apart by key."""
    notice = Notice(kind=NoticeKind.UNDELIVERED, dedupe_key="", refs={}, user_id=33)
    outbox = OutboxRepository()
    return [outbox.adding(replace(notice, dedupe_key=f"{row[0]}+"), NOW) for row in rows]


PENDING = ("SELECT dedupe_key FROM outbox WHERE state = 'pending' ORDER BY id", ())


async def test_a_lookup_and_the_writes_its_rows_call_for_go_with_the_commit(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _queued_notice(db, "h", ahead=False)
    trips = Trips(monkeypatch)
    notice = Notice(kind=NoticeKind.UNDELIVERED, dedupe_key="i", refs={}, user_id=33)
    before = db.generation
    async with db.transaction() as tx:
        await OutboxRepository().add(tx, notice, NOW)
        tx.queue_then(PENDING, _pending_of)  # sees the row queued just before it
    assert trips.batches == [["BEGIN", "INSERT", "SELECT", "COMMIT"]]  # one trip in all
    rows = await db.reader.fetch_all(*PENDING)
    assert [row[0] for row in rows] == ["h", "i", "h+", "i+"]
    assert db.generation == before + 1
    async with db.transaction() as tx:  # rows that call for nothing: nothing changes
        tx.queue_then(("SELECT 1 WHERE 0", ()), _pending_of)
    assert db.generation == before + 1


async def test_writes_a_lookup_calls_for_that_fail_fail_the_whole_transaction(
    db: Database,
) -> None:
    constellation = await _constellation(db)

    def rename(rows: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
        return [("UPDATE constellations SET name = 'Z' WHERE id = ?", (rows[0][0],))]

    def no_such_constellation(rows: list[Any]) -> list[tuple[str, tuple[Any, ...]]]:
        notice = Notice(kind=NoticeKind.UNDELIVERED, dedupe_key="j", refs={}, user_id=34)
        return [OutboxRepository().adding(replace(notice, constellation_id=999), NOW)]

    lookup = ("SELECT id FROM constellations WHERE id = ?", (constellation.id,))
    # Cached rows changed on the database's thread: refused (the cache could not be told).
    for follow, error in ((rename, "cached rows"), (no_such_constellation, "FOREIGN KEY")):
        with pytest.raises(QueuedWriteFailed, match=error):
            async with db.transaction() as tx:
                await PeopleRepository().upsert(tx, Person(35, "Joost"), NOW)
                tx.queue_then(lookup, follow)
        assert await PeopleRepository().get(db.reader, 35) is None  # nothing of it is kept
    stored = await ConstellationRepository().by_id(db.reader, constellation.id)
    assert stored is not None and stored.name == "Y"


async def test_the_rows_a_queued_lookup_found_come_back_with_the_commit(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = Trips(monkeypatch)
    notice = Notice(kind=NoticeKind.UNDELIVERED, dedupe_key="l", refs={}, user_id=37)
    async with db.transaction() as tx:
        await OutboxRepository().add(tx, notice, NOW)
        then = tx.queue_then(
            ("SELECT dedupe_key, id FROM outbox WHERE id = last_insert_rowid()", ()), _pending_of
        )
        with pytest.raises(RuntimeError):
            then.rows  # noqa: B018 (not run yet: nothing was sent)
    assert [row[0] for row in then.rows] == ["l"]
    assert trips.batches == [["BEGIN", "INSERT", "SELECT", "COMMIT"]]
    row = await db.reader.fetch_one("SELECT COUNT(*) FROM outbox WHERE dedupe_key = 'l+'")
    assert row is not None and row[0] == 1


async def test_writes_a_lookup_calls_for_leave_the_kept_lookups_be(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They may only write tables outside the cache, so what the cache keeps stays."""
    people = PeopleRepository()
    await _kept(db, Person(38, "Lieke"))
    await _queued_notice(db, "m", ahead=False)
    trips = Trips(monkeypatch)
    async with db.transaction() as tx:
        tx.queue_then(PENDING, _pending_of)  # writes a notice for each pending one
    assert await people.get(db.reader, 38) == Person(38, "Lieke")
    assert trips.reads == 0
