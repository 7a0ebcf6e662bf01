"""Meetups, their occurrences, answers (RSVPs), cards and reminders.

Writes take the caller's connection so a service can change several tables in one transaction.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain import (
    Answer,
    AskedChildren,
    CardLocation,
    Meetup,
    MeetupKind,
    Occurrence,
    Rsvp,
    UpcomingDate,
)
from bot.storage.db import Session, Tx, from_db_time, to_db_time

_RSVP_SELECT = (
    "SELECT r.user_id, p.first_name, r.answer, r.children, r.answered_at"
    " FROM rsvps r JOIN people p ON p.user_id = r.user_id WHERE r.occurrence_id = ?"
    " ORDER BY r.answered_at, r.user_id"
)


def _meetup(row: aiosqlite.Row) -> Meetup:
    return Meetup(
        id=row["id"],
        constellation_id=row["constellation_id"],
        number=row["number"],
        kind=MeetupKind(row["kind"]),
        title=row["title"],
        location=row["location"],
        ages=row["ages"],
        capacity=row["capacity"],
        recurrence=row["recurrence"],
        start_local=datetime.fromisoformat(row["start_local"]),
        timezone=row["timezone"],
        created_by=row["created_by"],
        cancelled=row["cancelled_at"] is not None,
        length_minutes=row["length_minutes"],
    )


def _occurrence(row: aiosqlite.Row) -> Occurrence:
    return Occurrence(
        id=row["id"],
        meetup_id=row["meetup_id"],
        slot=datetime.fromisoformat(row["slot"]),
        starts_at=from_db_time(row["starts_at"]),
        cancelled=row["cancelled_at"] is not None,
    )


def _rsvp(row: aiosqlite.Row) -> Rsvp:
    return Rsvp(
        user_id=row["user_id"],
        name=row["first_name"],
        answer=Answer(row["answer"]),
        children=row["children"],
        answered_at=from_db_time(row["answered_at"]),
    )


def _listed(row: aiosqlite.Row) -> Occurrence:
    """An occurrence from a list's row (``o_id``, ``slot``, ``starts_at`` next to the
    meetup's columns), not cancelled."""
    return Occurrence(
        id=row["o_id"],
        meetup_id=row["id"],
        slot=datetime.fromisoformat(row["slot"]),
        starts_at=from_db_time(row["starts_at"]),
        cancelled=False,
    )


def local_text(moment: datetime) -> str:
    """A naive wall-clock moment as stored (minutes precision)."""
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


class MeetupRepository:
    """Stateless: every method works on the session it is given."""

    # -- writing (inside the caller's transaction) -------------------------------------------

    async def insert_meetup(self, tx: Tx, meetup: Meetup, now: datetime) -> int:
        """Store a new meetup (its ``id`` and ``number`` are ignored); returns the new id."""
        written = await tx.execute(
            "INSERT INTO meetups (constellation_id, number, kind, title, location, ages,"
            " capacity, recurrence, start_local, timezone, created_by, created_at, length_minutes)"
            " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM meetups"
            " WHERE constellation_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                meetup.constellation_id,
                meetup.constellation_id,
                meetup.kind.value,
                meetup.title,
                meetup.location,
                meetup.ages,
                meetup.capacity,
                meetup.recurrence,
                local_text(meetup.start_local),
                meetup.timezone,
                meetup.created_by,
                to_db_time(now),
                meetup.length_minutes,
            ),
        )
        assert written.lastrowid is not None
        return written.lastrowid

    async def update_meetup(self, tx: Tx, meetup: Meetup) -> None:
        await tx.execute(
            "UPDATE meetups SET title = ?, location = ?, ages = ?, capacity = ?, recurrence = ?,"
            " start_local = ?, length_minutes = ? WHERE id = ?",
            (
                meetup.title,
                meetup.location,
                meetup.ages,
                meetup.capacity,
                meetup.recurrence,
                local_text(meetup.start_local),
                meetup.length_minutes,
                meetup.id,
            ),
        )

    async def insert_occurrence(
        self, tx: Tx, meetup_id: int, slot: datetime, starts_at: datetime
    ) -> int | None:
        """A new occurrence; None if this slot of the series exists already."""
        written = await tx.execute(
            "INSERT INTO occurrences (meetup_id, slot, starts_at) VALUES (?, ?, ?)"
            " ON CONFLICT (meetup_id, slot) DO NOTHING",
            (meetup_id, local_text(slot), to_db_time(starts_at)),
        )
        return written.lastrowid if written.rowcount == 1 else None

    async def move_occurrence(
        self, tx: Tx, occurrence_id: int, starts_at: datetime, slot: datetime
    ) -> None:
        await tx.execute(
            "UPDATE occurrences SET starts_at = ?, slot = ? WHERE id = ?",
            (to_db_time(starts_at), local_text(slot), occurrence_id),
        )

    async def set_reminders(
        self,
        tx: Tx,
        occurrence_id: int,
        due: list[tuple[int, datetime]],
    ) -> None:
        """Replace the occurrence's reminders with ``(minutes_before, due_at)`` pairs."""
        await tx.execute("DELETE FROM reminders WHERE occurrence_id = ?", (occurrence_id,))
        await tx.executemany(
            "INSERT INTO reminders (occurrence_id, minutes_before, due_at) VALUES (?, ?, ?)",
            [(occurrence_id, minutes, to_db_time(at)) for minutes, at in due],
        )

    async def reminder_done(self, tx: Tx, occurrence_id: int, minutes: int, now: datetime) -> bool:
        """Mark one reminder done; False if it was done already (so it is never sent twice)."""
        written = await tx.execute(
            "UPDATE reminders SET done_at = ? WHERE occurrence_id = ? AND minutes_before = ?"
            " AND done_at IS NULL",
            (to_db_time(now), occurrence_id, minutes),
        )
        return written.rowcount == 1

    async def set_next_announce(self, tx: Tx, meetup_id: int, at: datetime | None) -> None:
        await tx.execute(
            "UPDATE meetups SET next_announce_at = ? WHERE id = ?",
            (to_db_time(at) if at else None, meetup_id),
        )

    async def cancel_occurrence(self, tx: Tx, occurrence_id: int, now: datetime) -> bool:
        written = await tx.execute(
            "UPDATE occurrences SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
            (to_db_time(now), occurrence_id),
        )
        await tx.execute("DELETE FROM reminders WHERE occurrence_id = ?", (occurrence_id,))
        return written.rowcount == 1

    async def cancel_meetup(self, tx: Tx, meetup_id: int, now: datetime) -> None:
        await tx.execute(
            "UPDATE meetups SET cancelled_at = ?, next_announce_at = NULL WHERE id = ?",
            (to_db_time(now), meetup_id),
        )

    async def set_rsvp(self, tx: Tx, occurrence_id: int, rsvp: Rsvp) -> None:
        await tx.execute(
            "INSERT INTO rsvps (occurrence_id, user_id, answer, children, answered_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (occurrence_id, user_id) DO UPDATE SET"
            " answer = excluded.answer, children = excluded.children,"
            " answered_at = excluded.answered_at",
            (
                occurrence_id,
                rsvp.user_id,
                rsvp.answer.value,
                rsvp.children,
                to_db_time(rsvp.answered_at),
            ),
        )

    async def add_card(self, tx: Tx, occurrence_id: int, chat_id: int, message_id: int) -> None:
        await tx.execute(
            "INSERT OR IGNORE INTO occurrence_cards (occurrence_id, chat_id, message_id)"
            " VALUES (?, ?, ?)",
            (occurrence_id, chat_id, message_id),
        )

    async def add_question(
        self, tx: Tx, occurrence_id: int, user_id: int, at: CardLocation
    ) -> None:
        """Where "with how many children?" went for this person and date."""
        await tx.execute(
            "INSERT OR REPLACE INTO children_questions (occurrence_id, user_id, chat_id,"
            " message_id) VALUES (?, ?, ?, ?)",
            (occurrence_id, user_id, at.chat_id, at.message_id),
        )

    async def question_answered(self, tx: Tx, occurrence_id: int, user_id: int) -> None:
        await tx.execute(
            "DELETE FROM children_questions WHERE occurrence_id = ? AND user_id = ?",
            (occurrence_id, user_id),
        )

    # -- reading -----------------------------------------------------------------------------

    async def questions_of(self, s: Session, user_id: int) -> list[AskedChildren]:
        """Every "with how many children?" asked of this person and not answered yet."""
        rows = await s.fetch_all(
            "SELECT q.occurrence_id, m.constellation_id, q.chat_id, q.message_id"
            " FROM children_questions q JOIN occurrences o ON o.id = q.occurrence_id"
            " JOIN meetups m ON m.id = o.meetup_id WHERE q.user_id = ? ORDER BY q.occurrence_id",
            (user_id,),
        )
        return [AskedChildren(row[0], row[1], CardLocation(row[2], row[3])) for row in rows]

    async def next_number(self, s: Session, constellation_id: int) -> int:
        row = await s.fetch_one(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM meetups WHERE constellation_id = ?",
            (constellation_id,),
        )
        return int(row[0]) if row else 1

    async def meetup(self, s: Session, meetup_id: int) -> Meetup | None:
        row = await s.fetch_one("SELECT * FROM meetups WHERE id = ?", (meetup_id,))
        return _meetup(row) if row else None

    async def by_number(self, s: Session, constellation_id: int, number: int) -> Meetup | None:
        row = await s.fetch_one(
            "SELECT * FROM meetups WHERE constellation_id = ? AND number = ?",
            (constellation_id, number),
        )
        return _meetup(row) if row else None

    async def occurrence(self, s: Session, occurrence_id: int) -> Occurrence | None:
        row = await s.fetch_one("SELECT * FROM occurrences WHERE id = ?", (occurrence_id,))
        return _occurrence(row) if row else None

    async def occurrences_after(
        self, s: Session, meetup_id: int, moment: datetime
    ) -> list[Occurrence]:
        """The meetup's occurrences (cancelled ones too) that start after ``moment``."""
        rows = await s.fetch_all(
            "SELECT * FROM occurrences WHERE meetup_id = ? AND starts_at > ?"
            " ORDER BY starts_at, id",
            (meetup_id, to_db_time(moment)),
        )
        return [_occurrence(row) for row in rows]

    async def occurrences_of(self, s: Session, meetup_id: int) -> list[Occurrence]:
        """Every stored date of the meetup (past, cancelled and moved ones too), by slot."""
        rows = await s.fetch_all(
            "SELECT * FROM occurrences WHERE meetup_id = ? ORDER BY slot, id", (meetup_id,)
        )
        return [_occurrence(row) for row in rows]

    async def last_slot(self, s: Session, meetup_id: int) -> datetime | None:
        row = await s.fetch_one(
            "SELECT MAX(slot) FROM occurrences WHERE meetup_id = ?", (meetup_id,)
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def rsvps(self, s: Session, occurrence_id: int) -> tuple[Rsvp, ...]:
        rows = await s.fetch_all(_RSVP_SELECT, (occurrence_id,))
        return tuple(_rsvp(row) for row in rows)

    async def last_children(
        self, s: Session, constellation_id: int, user_id: int, other_than: int
    ) -> int:
        """How many children this person brought along to their latest activity date in the
        constellation (one they counted children for, other than ``other_than``); 0 if none."""
        row = await s.fetch_one(
            "SELECT r.children FROM rsvps r JOIN occurrences o ON o.id = r.occurrence_id"
            " JOIN meetups m ON m.id = o.meetup_id WHERE r.user_id = ? AND r.children > 0"
            " AND m.constellation_id = ? AND m.kind = 'activity' AND r.occurrence_id != ?"
            " ORDER BY o.starts_at DESC, o.id DESC LIMIT 1",
            (user_id, constellation_id, other_than),
        )
        return int(row[0]) if row else 0

    async def cards(self, s: Session, occurrence_id: int) -> list[CardLocation]:
        rows = await s.fetch_all(
            "SELECT chat_id, message_id FROM occurrence_cards WHERE occurrence_id = ?"
            " ORDER BY rowid",
            (occurrence_id,),
        )
        return [CardLocation(row["chat_id"], row["message_id"]) for row in rows]

    async def upcoming(
        self, s: Session, constellation_ids: list[int], now: datetime, limit: int = 30
    ) -> list[tuple[Meetup, Occurrence]]:
        """Planned occurrences still to start, soonest first."""
        if not constellation_ids:
            return []
        marks = ",".join("?" for _ in constellation_ids)  # placeholders only, no values
        sql = (
            "SELECT m.*, o.id AS o_id, o.slot, o.starts_at FROM occurrences o"  # noqa: S608
            " JOIN meetups m ON m.id = o.meetup_id WHERE m.constellation_id IN ("
            + marks
            + ") AND o.cancelled_at IS NULL AND o.starts_at > ? ORDER BY o.starts_at, o.id"
            " LIMIT ?"
        )
        rows = await s.fetch_all(sql, (*constellation_ids, to_db_time(now), limit))
        return [(_meetup(row), _listed(row)) for row in rows]

    async def dates(
        self,
        s: Session,
        constellation_ids: list[int],
        start: datetime,
        end: datetime,
        *,
        each: int,
        reader: int,
    ) -> list[UpcomingDate]:
        """Planned dates from ``start`` to ``end``, at most ``each`` per constellation, soonest
        first, with their counts and ``reader``'s own answer — one query."""
        if not constellation_ids:
            return []
        marks = ",".join("?" for _ in constellation_ids)  # placeholders only, no values
        sql = (
            "SELECT * FROM (SELECT m.*, o.id AS o_id, o.slot, o.starts_at,"  # noqa: S608
            " ROW_NUMBER() OVER (PARTITION BY m.constellation_id"
            " ORDER BY o.starts_at, o.id) AS nth,"
            " (SELECT COUNT(*) FROM rsvps r WHERE r.occurrence_id = o.id AND r.answer = 'yes')"
            " AS coming,"
            " (SELECT COALESCE(SUM(r.children), 0) FROM rsvps r WHERE r.occurrence_id = o.id"
            " AND r.answer = 'yes') AS kids,"
            " (SELECT r.answer FROM rsvps r WHERE r.occurrence_id = o.id AND r.user_id = ?)"
            " AS mine"
            " FROM occurrences o JOIN meetups m ON m.id = o.meetup_id"
            f" WHERE m.constellation_id IN ({marks}) AND o.cancelled_at IS NULL"
            " AND m.cancelled_at IS NULL AND o.starts_at > ? AND o.starts_at < ?)"
            " WHERE nth <= ? ORDER BY starts_at, o_id"
        )
        rows = await s.fetch_all(
            sql, (reader, *constellation_ids, to_db_time(start), to_db_time(end), each)
        )
        return [
            UpcomingDate(
                meetup=_meetup(row),
                occurrence=_listed(row),
                coming=row["coming"],
                children=row["kids"],
                mine=Answer(row["mine"]) if row["mine"] else None,
            )
            for row in rows
        ]

    async def running_series(self, s: Session, constellation_ids: list[int]) -> list[Meetup]:
        """The series of these constellations that are not cancelled."""
        if not constellation_ids:
            return []
        marks = ",".join("?" for _ in constellation_ids)  # placeholders only, no values
        sql = (
            "SELECT * FROM meetups WHERE constellation_id IN ("  # noqa: S608
            + marks
            + ") AND recurrence IS NOT NULL AND cancelled_at IS NULL ORDER BY id"
        )
        rows = await s.fetch_all(sql, tuple(constellation_ids))
        return [_meetup(row) for row in rows]

    async def series_to_announce(self, s: Session, now: datetime) -> list[Meetup]:
        rows = await s.fetch_all(
            "SELECT * FROM meetups WHERE next_announce_at IS NOT NULL AND next_announce_at <= ?"
            " AND cancelled_at IS NULL ORDER BY next_announce_at, id",
            (to_db_time(now),),
        )
        return [_meetup(row) for row in rows]

    async def due_reminders(
        self, s: Session, now: datetime, limit: int = 200
    ) -> list[tuple[int, int]]:
        """``(occurrence_id, minutes_before)`` of reminders due and not done, oldest first."""
        rows = await s.fetch_all(
            "SELECT occurrence_id, minutes_before FROM reminders WHERE done_at IS NULL"
            " AND due_at <= ? ORDER BY due_at, occurrence_id LIMIT ?",
            (to_db_time(now), limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def next_due(self, s: Session) -> datetime | None:
        row = await s.fetch_one(
            "SELECT MIN(at) FROM ("
            " SELECT MIN(due_at) AS at FROM reminders WHERE done_at IS NULL"
            " UNION ALL SELECT MIN(next_announce_at) FROM meetups"
            " WHERE next_announce_at IS NOT NULL AND cancelled_at IS NULL)"
        )
        return from_db_time(row[0]) if row and row[0] else None
