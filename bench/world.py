"""The benchmarks' constellations: the same people in the simulator and in the bot's database.

:func:`populate` creates the groups and users in the simulator (ids count up, so the same
call on a fresh simulator gives the same ids); :func:`seed_database` writes them into a new
database whose schema the bot's own migrations made. Rows are written with ``executemany`` in
one transaction, in the formats the repositories use: the repositories write one row per
transaction, which for 100,000 people would take minutes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain import Role
from bot.simulator.server import FakeTelegram
from bot.simulator.world import SimChat, SimUser
from bot.storage.db import Database, to_db_time
from bot.storage.meetups import local_text

TIMEZONE = "Europe/Amsterdam"
REMINDER_MINUTES = (24 * 60, 2 * 60)  # the bot's default BOT_REMINDERS, 24h and 2h
_NAMES = ("Anna", "Bert", "Carla", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ilse", "Joris")


@dataclass
class Group:
    """One constellation: its group chat and people (hub home first, then the liaison)."""

    number: int
    chat: SimChat
    people: list[SimUser]
    linked: set[int] = field(default_factory=set)  # whose private chat the bot may write to
    members_may_claim: bool = False

    @property
    def hubhome(self) -> SimUser:
        return self.people[0]

    @property
    def liaison(self) -> SimUser:
        return self.people[1]

    @property
    def families(self) -> list[SimUser]:
        """Everyone but the hub home and the liaison."""
        return self.people[2:]

    def role(self, index: int) -> Role:
        return (Role.HUBHOME, Role.LIAISON)[index] if index < 2 else Role.MEMBER


def populate(
    sim: FakeTelegram,
    constellations: int,
    members: int,
    *,
    linked: int | None = None,
    members_may_claim: bool = False,
) -> list[Group]:
    """``constellations`` groups of ``members`` people each (at least 3), the bot an admin in
    every one; the first ``linked`` people of each (default: all) have started the bot."""
    if members < 3:
        raise ValueError("a constellation needs a hub home, a liaison and a family")
    groups: list[Group] = []
    for number in range(1, constellations + 1):
        people = [
            sim.add_user(_NAMES[i % len(_NAMES)], last_name=f"G{number}", language_code="nl")
            for i in range(members)
        ]
        chat = sim.add_group(f"Constellatie {number}", members=people[1:], creator=people[0])
        sim.set_member_status(chat, sim.bot, "administrator")
        reachable = people if linked is None else people[:linked]
        for person in reachable:
            sim.start_private(person)
        groups.append(Group(number, chat, people, {p.id for p in reachable}, members_may_claim))
    return groups


@dataclass(frozen=True)
class Meetups:
    """Per constellation ``count`` upcoming dates, the first at ``first``, a week apart, each
    with the bot's default reminders. Alternately a children's activity and a meeting. With
    ``everyone_coming``, every member said "Ik kom" to every date (reminders go to who did)."""

    count: int
    first: datetime
    spacing: timedelta = timedelta(days=7)
    reminders: tuple[int, ...] = REMINDER_MINUTES
    all_activities: bool = False
    everyone_coming: bool = False


async def create_schema(path: Path) -> None:
    """A new, empty database made by the bot's own migrations."""
    db = Database(path)
    await db.open()
    await db.close()


async def seed_database(
    path: Path, groups: list[Group], now: datetime, meetups: Meetups | None = None
) -> None:
    """Create ``path`` with the groups as set-up constellations (and their meetups)."""
    await create_schema(path)
    stamp = to_db_time(now)
    zone = ZoneInfo(TIMEZONE)
    db = sqlite3.connect(path)
    try:
        _seed_people(db, groups, stamp)
        if meetups is not None:
            _seed_meetups(db, groups, meetups, now, zone)
        db.commit()
    finally:
        # Closing the last connection moves the write-ahead log into the file itself, so the
        # file alone can be copied.
        db.close()


def _seed_people(db: sqlite3.Connection, groups: list[Group], stamp: str) -> None:
    db.executemany(
        "INSERT INTO constellations (id, chat_id, name, language, timezone, link_token,"
        " created_at, created_by, members_may_claim) VALUES (?, ?, ?, 'nl', ?, ?, ?, ?, ?)",
        [
            (
                g.number,
                g.chat.id,
                g.chat.title,
                TIMEZONE,
                f"bench-{g.number:07d}",
                stamp,
                g.hubhome.id,
                int(g.members_may_claim),
            )
            for g in groups
        ],
    )
    db.executemany(
        "INSERT INTO people (user_id, first_name, last_name, language_code,"
        " private_chat_linked, created_at, updated_at) VALUES (?, ?, ?, 'nl', ?, ?, ?)",
        [
            (p.id, p.first_name, p.last_name, int(p.id in g.linked), stamp, stamp)
            for g in groups
            for p in g.people
        ],
    )
    db.executemany(
        "INSERT INTO memberships (constellation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
        [(g.number, p.id, g.role(i).value, stamp) for g in groups for i, p in enumerate(g.people)],
    )


def _seed_meetups(
    db: sqlite3.Connection, groups: list[Group], plan: Meetups, now: datetime, zone: ZoneInfo
) -> None:
    meetup_rows, occurrence_rows, reminder_rows, rsvp_rows = [], [], [], []
    next_id = 1
    for g in groups:
        for number in range(1, plan.count + 1):
            starts_at = plan.first + (number - 1) * plan.spacing
            local = starts_at.astimezone(zone).replace(tzinfo=None)
            kind = "activity" if plan.all_activities or number % 2 else "meetup"
            title = "Zwemmen" if kind == "activity" else "Koffieochtend"
            meetup_rows.append(
                (next_id, g.number, number, kind, title, "Buurthuis", local_text(local),
                 TIMEZONE, g.hubhome.id, to_db_time(now))
            )  # fmt: skip
            occurrence_rows.append((next_id, next_id, local_text(local), to_db_time(starts_at)))
            reminder_rows += [
                (next_id, minutes, to_db_time(starts_at - timedelta(minutes=minutes)))
                for minutes in plan.reminders
            ]
            if plan.everyone_coming:
                rsvp_rows += [(next_id, p.id, to_db_time(now)) for p in g.people]
            next_id += 1
    db.executemany(
        "INSERT INTO meetups (id, constellation_id, number, kind, title, location, start_local,"
        " timezone, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        meetup_rows,
    )
    db.executemany(
        "INSERT INTO occurrences (id, meetup_id, slot, starts_at) VALUES (?, ?, ?, ?)",
        occurrence_rows,
    )
    db.executemany(
        "INSERT INTO reminders (occurrence_id, minutes_before, due_at) VALUES (?, ?, ?)",
        reminder_rows,
    )
    db.executemany(
        "INSERT INTO rsvps (occurrence_id, user_id, answer, answered_at) VALUES (?, ?, 'yes', ?)",
        rsvp_rows,
    )
