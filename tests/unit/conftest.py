"""Service tests on a real temporary SQLite file: a constellation, its people, the outbox."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.domain import REF_TOKENS, Constellation, HelpRequest, MeetupView, Notice, Person, Role
from bot.durations import DailyWindow
from bot.services.constellations import Actor, ConstellationService
from bot.services.meetups import MeetupService
from bot.services.private_line import PrivateLineService
from bot.services.requests import EscalationPolicy, RequestService
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.meetups import MeetupRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository
from bot.storage.private_line import LineRepository

GROUP = -100
OTHER_GROUP = -200

# Names nobody would write by accident, so finding one in the outbox means it leaked there.
ANNA = Person(1, "Annemijn")  # the group admin, a member
HUB = Person(2, "Hanneke")  # hub home carer
HUB2 = Person(3, "Hubertus")  # the other hub home carer
LIAISON = Person(4, "Lieselotte")  # liaison
BERT = Person(5, "Bertolt")  # member
CARLA = Person(6, "Carlijn")  # member
DIRK = Person(7, "Dirkjan")  # member who never linked a private chat
EVA = Person(8, "Evelien")  # member
STRANGER = Person(9, "Stanislaus")  # in no constellation
CARERS = ((HUB, Role.HUBHOME), (HUB2, Role.HUBHOME), (LIAISON, Role.LIAISON))
NAMES = tuple(p.first_name for p in (ANNA, HUB, HUB2, LIAISON, BERT, CARLA, DIRK, EVA, STRANGER))


# Amsterdam's defaults: escalate after 2 hours (urgent: 30 minutes), quiet 22:00-07:00.
POLICY = EscalationPolicy(
    timedelta(hours=2), timedelta(minutes=30), DailyWindow.parse("22:00-07:00")
)
REMINDERS = (timedelta(hours=24), timedelta(hours=2))
ANNOUNCE_AHEAD = timedelta(days=7)


class Kit:
    """One database and clock, the services as ``build_services`` wires them, and what every
    test asks of the outbox."""

    def __init__(self, db: Database, clock: FakeClock, service: ConstellationService) -> None:
        self.db = db
        self.clock = clock
        self.service = service
        self.outbox = outbox = OutboxRepository()
        constellations, people, memberships = (
            ConstellationRepository(),
            PeopleRepository(),
            MembershipRepository(),
        )
        self.requests = RequestService(
            db, HelpRequestRepository(), outbox, constellations, people, memberships, clock, POLICY
        )
        self.meetups = MeetupService(
            db,
            MeetupRepository(),
            outbox,
            constellations,
            people,
            memberships,
            clock,
            reminders=REMINDERS,
            announce_ahead=ANNOUNCE_AHEAD,
        )
        self.line = PrivateLineService(
            db, LineRepository(), constellations, people, memberships, outbox, clock
        )

    async def group(
        self,
        *,
        chat_id: int = GROUP,
        roles: tuple[tuple[Person, Role], ...] = ((HUB, Role.HUBHOME), (LIAISON, Role.LIAISON)),
        members: tuple[Person, ...] = (BERT, CARLA, DIRK, EVA),
        linked: tuple[Person, ...] = (HUB, LIAISON, BERT, CARLA, EVA),
    ) -> Constellation:
        """Set a group up the way people do: /setup, roles, members who spoke, /start."""
        admin = Actor(ANNA, is_group_admin=True)
        service = self.service
        constellation = (await service.setup(chat_id, "Groep", "De Linde", admin)).constellation
        for person, role in roles:
            await service.assign_role(chat_id, person, role, admin, target_is_bot=False)
        for person in members:
            await service.record_member(chat_id, person)
        for person in linked:
            await service.private_chat_started(person)
        return constellation

    async def card_went_out(
        self, drawn: HelpRequest | MeetupView, chat: int, message: int, *, confirm: bool = False
    ) -> None:
        """What delivery records when a card went out, in the transaction marking it sent."""
        async with self.db.transaction() as tx:
            if isinstance(drawn, HelpRequest):
                await self.requests.card_went_out(tx, drawn, chat, message, confirm=confirm)
            else:
                await self.meetups.card_went_out(tx, drawn, chat, message)

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    async def pending(self) -> list[Notice]:
        """Every notice waiting for delivery, oldest first."""
        due = await self.outbox.due(self.db.reader, self.clock.now(), limit=10_000)
        return [p.notice for p in due]

    async def delivered(self) -> None:
        """What the courier does once Telegram took everything: nothing is pending after it."""
        async with self.db.transaction() as tx:
            for waiting in await self.outbox.due(tx, self.clock.now(), limit=10_000):
                await self.outbox.mark_sent(tx, waiting, self.clock.now())

    async def rows(self) -> list[tuple[object, ...]]:
        """The outbox as stored, every column (to compare before and after)."""
        rows = await self.db.reader.fetch_all("SELECT * FROM outbox ORDER BY id")
        return [tuple(row) for row in rows]

    async def count(self, table: str) -> int:
        row = await self.db.reader.fetch_one(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        assert row is not None
        return int(row[0])

    async def assert_ids_only(self, *texts: str) -> None:
        """No queued notice names a person or quotes a text: ids and enum words only."""
        rows = await self.db.reader.fetch_all("SELECT refs FROM outbox WHERE state = 'pending'")
        assert rows, "nothing queued: the check would prove nothing"
        for row in rows:
            for value in json.loads(row[0]).values():
                if isinstance(value, str):
                    assert value in REF_TOKENS
                elif isinstance(value, list):
                    assert all(type(v) is int for v in value)
                else:
                    assert type(value) is int
        dump = repr(await self.rows()).lower()
        for text in (*NAMES, *texts):
            assert text.lower() not in dump


async def disk_full(*args: object) -> bool:
    """Stands in for a write that fails halfway through a use case."""
    raise sqlite3.OperationalError("database or disk is full")


def of_kind(notices: list[Notice], kind: str) -> list[Notice]:
    return [n for n in notices if n.kind == kind]


def summary(notice: Notice) -> tuple[object, ...]:
    """Whom a notice is for and what it refers to: (kind, user, chat, refs)."""
    return (notice.kind.value, notice.user_id, notice.chat_id, notice.refs)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 (Amsterdam is UTC+1 then)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def kit(db: Database, clock: FakeClock, service: ConstellationService) -> Kit:
    return Kit(db, clock, service)
