"""Shared fixtures: a real temporary SQLite database and a clock tests can move."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.loop import new_event_loop
from bot.services.constellations import ConstellationService
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository

ADMIN_ID = 777


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Every async test on the loop the bot runs on (bot.loop: uvloop where installed)."""
    return {"loop": new_event_loop}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "test.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def service(db: Database, clock: FakeClock) -> ConstellationService:
    return ConstellationService(
        db,
        ConstellationRepository(),
        PeopleRepository(),
        MembershipRepository(),
        OutboxRepository(),
        clock,
        admin_ids=frozenset({ADMIN_ID}),
        default_language="nl",
        default_timezone="Europe/Amsterdam",
    )
