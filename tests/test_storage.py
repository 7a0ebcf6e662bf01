"""The database: migrations, pragmas and repositories returning domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain import Constellation, ConstellationStatus, Member, Person, Role
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, to_db_time
from bot.storage.migrations import MIGRATIONS
from bot.storage.people import MembershipRepository, PeopleRepository

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


async def test_pragmas_and_schema_version(db: Database) -> None:
    mode = await db.fetch_one("PRAGMA journal_mode")
    keys = await db.fetch_one("PRAGMA foreign_keys")
    assert mode is not None and mode[0] == "wal"
    assert keys is not None and keys[0] == 1
    assert await db.schema_version() == MIGRATIONS[-1][0]


async def test_migrations_run_once(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    for _ in range(2):  # a restart must not re-run or fail on an existing schema
        database = Database(path)
        await database.open()
        assert await database.schema_version() == MIGRATIONS[-1][0]
        await database.close()


async def test_failed_transaction_rolls_back(db: Database) -> None:
    people = PeopleRepository(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO people (user_id, first_name, created_at, updated_at)"
                " VALUES (1, 'x', ?, ?)",
                (to_db_time(NOW), to_db_time(NOW)),
            )
            raise RuntimeError("boom")
    assert await people.get(1) is None


async def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 1, 1))


async def test_repositories_return_domain_objects(db: Database) -> None:
    constellations = ConstellationRepository(db)
    people = PeopleRepository(db)
    memberships = MembershipRepository(db)
    created = await constellations.create(
        chat_id=-100,
        name="De Linde",
        language="nl",
        timezone="Europe/Amsterdam",
        link_token="tok",
        created_at=NOW,
        created_by=1,
    )
    assert isinstance(created, Constellation)
    assert created.status is ConstellationStatus.ACTIVE
    assert created.created_at == NOW
    duplicate = await constellations.create(
        chat_id=-100,
        name="Other",
        language="nl",
        timezone="Europe/Amsterdam",
        link_token="tok2",
        created_at=NOW,
        created_by=1,
    )
    assert duplicate is None

    await people.upsert(Person(1, "Anna", "de Vries", language_code="nl"), NOW)
    await memberships.ensure_active(created.id, 1, NOW)
    await memberships.set_role(created.id, 1, Role.HUBHOME)
    member = await memberships.get(created.id, 1)
    assert isinstance(member, Member)
    assert member.role is Role.HUBHOME
    assert member.display_name == "Anna de Vries"

    # The person row is shared; renaming in Telegram updates it but keeps the link flag.
    await people.set_private_chat_linked(1, True, NOW)
    await people.upsert(Person(1, "Ann", None), NOW)
    person = await people.get(1)
    assert person is not None and person.first_name == "Ann" and person.private_chat_linked


async def test_deleting_a_constellation_cascades(db: Database) -> None:
    constellations = ConstellationRepository(db)
    created = await constellations.create(
        chat_id=-5,
        name="X",
        language="en",
        timezone="UTC",
        link_token="t",
        created_at=NOW,
        created_by=None,
    )
    assert created is not None
    await PeopleRepository(db).upsert(Person(9, "Bo"), NOW)
    await MembershipRepository(db).ensure_active(created.id, 9, NOW)
    await db.execute("DELETE FROM constellations WHERE id = ?", (created.id,))
    assert await MembershipRepository(db).active(created.id) == []
