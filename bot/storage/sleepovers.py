"""Sleepovers, the beds they take, the hub home's settings, closed periods and feedback counts.

Stateless: every method works on the session it is given. A bed is one row per child per
night; the primary key and a trigger keep a night from holding more children than beds.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import aiosqlite

from bot.domain import (
    Away,
    CardLocation,
    Feedback,
    Sleepover,
    SleepoverKind,
    SleepoverSettings,
    SleepoverState,
)
from bot.storage.db import Session, Tx, from_db_time, to_db_time

_SELECT = (
    "SELECT s.*, f.first_name AS family_name, a.first_name AS answerer_name"
    " FROM sleepovers s"
    " LEFT JOIN people f ON f.user_id = s.family_id"
    " LEFT JOIN people a ON a.user_id = s.answered_by"
)
_ACTIVE = "('asked', 'proposed', 'confirmed')"


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _time(text: str | None) -> datetime | None:
    return from_db_time(text) if text else None


def _sleepover(row: aiosqlite.Row) -> Sleepover:
    first = _day(row["first_night"])
    assert first is not None
    return Sleepover(
        id=row["id"],
        constellation_id=row["constellation_id"],
        number=row["number"],
        family_id=row["family_id"],
        family_name=row["family_name"],
        kind=SleepoverKind(row["kind"]),
        state=SleepoverState(row["state"]),
        first_night=first,
        nights=row["nights"],
        children=row["children"],
        nicknames=row["nicknames"],
        note=row["note"],
        asked_at=from_db_time(row["asked_at"]),
        seen_by=row["seen_by"],
        answered_at=_time(row["answered_at"]),
        answered_by=row["answered_by"],
        answerer_name=row["answerer_name"],
        reason=row["reason"],
        proposed_first=_day(row["proposed_first"]),
        proposed_nights=row["proposed_nights"],
        cancelled_by=row["cancelled_by"],
        escalation_stage=row["escalation_stage"],
        drop_off=row["drop_off"],
        pick_up=row["pick_up"],
    )


def _nights(first: date, count: int) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range(count)]


class SleepoverRepository:
    """Stateless: every method works on the session it is given."""

    # -- settings ----------------------------------------------------------------------------

    async def settings(self, s: Session, constellation_id: int) -> SleepoverSettings:
        row = await s.fetch_one(
            "SELECT beds, bring_along, soft_limit FROM sleepover_settings"
            " WHERE constellation_id = ?",
            (constellation_id,),
        )
        if row is None:
            return SleepoverSettings(constellation_id)
        return SleepoverSettings(
            constellation_id, row["beds"], row["bring_along"], row["soft_limit"]
        )

    async def save_settings(self, tx: Tx, settings: SleepoverSettings) -> None:
        await tx.execute(
            "INSERT INTO sleepover_settings (constellation_id, beds, bring_along, soft_limit)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (constellation_id) DO UPDATE SET"
            " beds = excluded.beds, bring_along = excluded.bring_along,"
            " soft_limit = excluded.soft_limit",
            (settings.constellation_id, settings.beds, settings.bring_along, settings.soft_limit),
        )

    # -- sleepovers --------------------------------------------------------------------------

    async def insert(
        self,
        tx: Tx,
        constellation_id: int,
        family_id: int,
        kind: SleepoverKind,
        first_night: date,
        nights: int,
        children: int,
        nicknames: str | None,
        note: str | None,
        now: datetime,
        next_escalation_at: datetime | None,
        handover: tuple[str | None, str | None] = (None, None),
    ) -> int:
        written = await tx.execute(
            "INSERT INTO sleepovers (constellation_id, number, family_id, kind, state,"
            " first_night, nights, children, nicknames, note, asked_at, next_escalation_at,"
            " drop_off, pick_up)"
            " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM sleepovers"
            " WHERE constellation_id = ?), ?, ?, 'asked', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                constellation_id,
                constellation_id,
                family_id,
                kind.value,
                first_night.isoformat(),
                nights,
                children,
                nicknames,
                note,
                to_db_time(now),
                to_db_time(next_escalation_at) if next_escalation_at else None,
                *handover,
            ),
        )
        assert written.lastrowid is not None
        return written.lastrowid

    async def get(self, s: Session, sleepover_id: int) -> Sleepover | None:
        row = await s.fetch_one(f"{_SELECT} WHERE s.id = ?", (sleepover_id,))
        return _sleepover(row) if row else None

    async def by_number(self, s: Session, constellation_id: int, number: int) -> Sleepover | None:
        row = await s.fetch_one(
            f"{_SELECT} WHERE s.constellation_id = ? AND s.number = ?", (constellation_id, number)
        )
        return _sleepover(row) if row else None

    async def of_family(self, s: Session, family_id: int, today: date) -> list[Sleepover]:
        """The family's sleepovers still to come or still open, soonest first."""
        rows = await s.fetch_all(
            f"{_SELECT} WHERE s.family_id = ? AND s.state IN {_ACTIVE}"
            " AND date(s.first_night, '+' || s.nights || ' days') > ?"
            " ORDER BY s.first_night, s.id",
            (family_id, today.isoformat()),
        )
        return [_sleepover(row) for row in rows]

    async def open_of(self, s: Session, constellation_id: int) -> list[Sleepover]:
        """Sleepovers waiting for an answer, and confirmed ones still to come."""
        rows = await s.fetch_all(
            f"{_SELECT} WHERE s.constellation_id = ? AND s.state IN {_ACTIVE}"
            " ORDER BY s.first_night, s.id",
            (constellation_id,),
        )
        return [_sleepover(row) for row in rows]

    async def set_state(
        self,
        tx: Tx,
        sleepover: Sleepover,
        state: SleepoverState,
        now: datetime,
        *,
        by: int | None = None,
        reason: str | None = None,
        cancelled_by: str | None = None,
    ) -> bool:
        """Move from the state ``sleepover`` was read in; False if it changed meanwhile."""
        written = await tx.execute(
            "UPDATE sleepovers SET state = ?, answered_at = COALESCE(answered_at, ?),"
            " answered_by = COALESCE(?, answered_by), reason = COALESCE(?, reason),"
            " cancelled_by = ?, next_escalation_at = NULL"
            " WHERE id = ? AND state = ?",
            (
                state.value,
                to_db_time(now),
                by,
                reason,
                cancelled_by,
                sleepover.id,
                sleepover.state.value,
            ),
        )
        return written.rowcount == 1

    async def propose(
        self, tx: Tx, sleepover: Sleepover, first: date, nights: int, by: int, now: datetime
    ) -> bool:
        written = await tx.execute(
            "UPDATE sleepovers SET state = 'proposed', proposed_first = ?, proposed_nights = ?,"
            " answered_at = ?, answered_by = ?, next_escalation_at = NULL"
            " WHERE id = ? AND state = ?",
            (first.isoformat(), nights, to_db_time(now), by, sleepover.id, sleepover.state.value),
        )
        return written.rowcount == 1

    async def take_proposal(self, tx: Tx, sleepover: Sleepover) -> None:
        """The proposed dates become the sleepover's dates."""
        await tx.execute(
            "UPDATE sleepovers SET first_night = proposed_first, nights = proposed_nights,"
            " proposed_first = NULL, proposed_nights = NULL WHERE id = ?",
            (sleepover.id,),
        )

    async def shorten(self, tx: Tx, sleepover: Sleepover, nights: int) -> bool:
        """A confirmed stay ends early: ``nights`` nights (at least one) were slept."""
        written = await tx.execute(
            "UPDATE sleepovers SET nights = ? WHERE id = ? AND state = 'confirmed' AND nights = ?",
            (max(1, nights), sleepover.id, sleepover.nights),
        )
        return written.rowcount == 1

    async def mark_seen(self, tx: Tx, sleepover_id: int, carer_id: int) -> bool:
        """Someone calls the family: no further escalation (it would say nobody reacted)."""
        written = await tx.execute(
            "UPDATE sleepovers SET seen_by = ?, next_escalation_at = NULL WHERE id = ?"
            " AND seen_by IS NULL AND state = 'asked'",
            (carer_id, sleepover_id),
        )
        return written.rowcount == 1

    async def set_times(
        self, tx: Tx, sleepover_id: int, reminder_at: datetime | None, feedback_at: datetime | None
    ) -> None:
        await tx.execute(
            "UPDATE sleepovers SET reminder_at = ?, feedback_at = ? WHERE id = ?",
            (
                to_db_time(reminder_at) if reminder_at else None,
                to_db_time(feedback_at) if feedback_at else None,
                sleepover_id,
            ),
        )

    async def advance_escalation(
        self, tx: Tx, sleepover_id: int, stage: int, next_at: datetime | None
    ) -> bool:
        written = await tx.execute(
            "UPDATE sleepovers SET escalation_stage = ?, next_escalation_at = ?"
            " WHERE id = ? AND escalation_stage = ? AND state = 'asked'",
            (stage + 1, to_db_time(next_at) if next_at else None, sleepover_id, stage),
        )
        return written.rowcount == 1

    # -- beds --------------------------------------------------------------------------------

    async def reserve(self, tx: Tx, sleepover: Sleepover) -> list[date]:
        """One bed per child per night, in this transaction; the nights without enough free
        beds (nothing is reserved then). The single writer and the trigger make it atomic."""
        settings = await self.settings(tx, sleepover.constellation_id)
        short = [
            night
            for night, taken in (
                await self.taken(tx, sleepover.constellation_id, sleepover.dates())
            )
            if taken + sleepover.children > settings.beds
        ]
        if short:
            return short
        rows = []
        for night in _nights(sleepover.first_night, sleepover.nights):
            used = {
                row[0]
                for row in await tx.fetch_all(
                    "SELECT bed FROM sleepover_beds WHERE constellation_id = ? AND night = ?",
                    (sleepover.constellation_id, night),
                )
            }
            free = [bed for bed in range(1, settings.beds + 1) if bed not in used]
            rows += [
                (sleepover.constellation_id, night, bed, sleepover.id)
                for bed in free[: sleepover.children]
            ]
        try:
            await tx.executemany(
                "INSERT INTO sleepover_beds (constellation_id, night, bed, sleepover_id)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
        except sqlite3.IntegrityError:  # the trigger or the key: never more than the beds
            return sleepover.dates()
        return []

    async def free(self, tx: Tx, sleepover_id: int, since: date | None = None) -> None:
        """The sleepover's beds (from ``since`` on: the nights already slept stay counted)."""
        await tx.execute(
            "DELETE FROM sleepover_beds WHERE sleepover_id = ? AND night >= ?",
            (sleepover_id, (since or date.min).isoformat()),
        )

    async def taken(
        self, s: Session, constellation_id: int, nights: list[date]
    ) -> list[tuple[date, int]]:
        """How many beds are taken on each of ``nights``."""
        if not nights:
            return []
        rows = await s.fetch_all(
            "SELECT night, COUNT(*) FROM sleepover_beds WHERE constellation_id = ?"
            " AND night BETWEEN ? AND ? GROUP BY night",
            (constellation_id, min(nights).isoformat(), max(nights).isoformat()),
        )
        counts = {row[0]: row[1] for row in rows}
        return [(night, counts.get(night.isoformat(), 0)) for night in nights]

    async def most_taken_from(self, s: Session, constellation_id: int, today: date) -> int:
        row = await s.fetch_one(
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM sleepover_beds"
            " WHERE constellation_id = ? AND night >= ? GROUP BY night)",
            (constellation_id, today.isoformat()),
        )
        return int(row[0]) if row and row[0] else 0

    async def families_on(
        self, s: Session, constellation_id: int, night: date
    ) -> list[tuple[Sleepover, int]]:
        """Who sleeps over on ``night``, with how many beds each."""
        rows = await s.fetch_all(
            "SELECT s.*, f.first_name AS family_name, a.first_name AS answerer_name,"
            " b.taken FROM sleepovers s"
            " JOIN (SELECT sleepover_id, COUNT(*) AS taken FROM sleepover_beds"
            " WHERE constellation_id = ? AND night = ? GROUP BY sleepover_id) b"
            " ON b.sleepover_id = s.id"
            " LEFT JOIN people f ON f.user_id = s.family_id"
            " LEFT JOIN people a ON a.user_id = s.answered_by ORDER BY s.id",
            (constellation_id, night.isoformat()),
        )
        return [(_sleepover(row), row["taken"]) for row in rows]

    async def nights_per_family(
        self, s: Session, constellation_id: int, since: date, until: date
    ) -> list[tuple[int | None, str | None, int]]:
        """Nights (a family's stay counts once per night, whatever the children) per family."""
        rows = await s.fetch_all(
            "SELECT s.family_id, p.first_name, COUNT(DISTINCT b.night || ':' || s.id)"
            " FROM sleepover_beds b JOIN sleepovers s ON s.id = b.sleepover_id"
            " LEFT JOIN people p ON p.user_id = s.family_id"
            " WHERE b.constellation_id = ? AND b.night >= ? AND b.night < ?"
            " GROUP BY s.family_id ORDER BY 3 DESC, p.first_name",
            (constellation_id, since.isoformat(), until.isoformat()),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def family_nights(
        self, s: Session, constellation_id: int, family_id: int, since: date, until: date
    ) -> int:
        row = await s.fetch_one(
            "SELECT COUNT(DISTINCT b.night || ':' || s.id) FROM sleepover_beds b"
            " JOIN sleepovers s ON s.id = b.sleepover_id"
            " WHERE b.constellation_id = ? AND s.family_id = ? AND b.night >= ? AND b.night < ?",
            (constellation_id, family_id, since.isoformat(), until.isoformat()),
        )
        return int(row[0]) if row else 0

    async def month(
        self, s: Session, constellation_id: int, first: date, last: date
    ) -> dict[date, int]:
        rows = await s.fetch_all(
            "SELECT night, COUNT(*) FROM sleepover_beds WHERE constellation_id = ?"
            " AND night BETWEEN ? AND ? GROUP BY night",
            (constellation_id, first.isoformat(), last.isoformat()),
        )
        return {date.fromisoformat(row[0]): row[1] for row in rows}

    # -- cards -------------------------------------------------------------------------------

    async def add_card(self, tx: Tx, sleepover_id: int, chat_id: int, message_id: int) -> None:
        await tx.execute(
            "INSERT INTO sleepover_cards (sleepover_id, chat_id, message_id) VALUES (?, ?, ?)"
            " ON CONFLICT (sleepover_id, chat_id) DO UPDATE SET message_id = excluded.message_id",
            (sleepover_id, chat_id, message_id),
        )

    async def cards(self, s: Session, sleepover_id: int) -> list[CardLocation]:
        rows = await s.fetch_all(
            "SELECT chat_id, message_id FROM sleepover_cards WHERE sleepover_id = ?",
            (sleepover_id,),
        )
        return [CardLocation(row[0], row[1]) for row in rows]

    async def card_in(self, s: Session, sleepover_id: int, chat_id: int) -> CardLocation | None:
        row = await s.fetch_one(
            "SELECT chat_id, message_id FROM sleepover_cards WHERE sleepover_id = ?"
            " AND chat_id = ?",
            (sleepover_id, chat_id),
        )
        return CardLocation(row[0], row[1]) if row else None

    # -- closed periods ----------------------------------------------------------------------

    async def add_away(
        self,
        tx: Tx,
        constellation_id: int,
        first: date,
        last: date,
        backup_id: int | None,
        by: int,
        now: datetime,
    ) -> int:
        written = await tx.execute(
            "INSERT INTO sleepover_away (constellation_id, first_night, last_night, backup_id,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (constellation_id, first.isoformat(), last.isoformat(), backup_id, by, to_db_time(now)),
        )
        assert written.lastrowid is not None
        return written.lastrowid

    async def remove_away(self, tx: Tx, constellation_id: int, away_id: int) -> bool:
        written = await tx.execute(
            "DELETE FROM sleepover_away WHERE id = ? AND constellation_id = ?",
            (away_id, constellation_id),
        )
        return written.rowcount == 1

    async def away(self, s: Session, constellation_id: int, today: date) -> list[Away]:
        rows = await s.fetch_all(
            "SELECT a.*, p.first_name FROM sleepover_away a"
            " LEFT JOIN people p ON p.user_id = a.backup_id"
            " WHERE a.constellation_id = ? AND a.last_night >= ? ORDER BY a.first_night",
            (constellation_id, today.isoformat()),
        )
        return [
            Away(
                row["id"],
                row["constellation_id"],
                date.fromisoformat(row["first_night"]),
                date.fromisoformat(row["last_night"]),
                row["backup_id"],
                row["first_name"],
            )
            for row in rows
        ]

    # -- time-driven -------------------------------------------------------------------------

    async def due_escalations(self, s: Session, now: datetime) -> list[Sleepover]:
        rows = await s.fetch_all(
            f"{_SELECT} WHERE s.state = 'asked' AND s.next_escalation_at <= ?",
            (to_db_time(now),),
        )
        return [_sleepover(row) for row in rows]

    async def take_due_reminders(self, tx: Tx, now: datetime) -> list[int]:
        rows = await tx.returning(
            "UPDATE sleepovers SET reminder_at = NULL WHERE reminder_at <= ?"
            " AND state = 'confirmed' RETURNING id",
            (to_db_time(now),),
        )
        return [row[0] for row in rows]

    async def take_due_feedback(self, tx: Tx, now: datetime) -> list[int]:
        rows = await tx.returning(
            "UPDATE sleepovers SET feedback_at = NULL WHERE feedback_at <= ?"
            " AND state = 'confirmed' RETURNING id",
            (to_db_time(now),),
        )
        return [row[0] for row in rows]

    async def lapse_unanswered(
        self, tx: Tx, constellation_id: int, today: date, emergencies_before: datetime
    ) -> list[int]:
        """Asks still open when their first night has passed (an emergency: asked before
        ``emergencies_before``, since its night may have begun before midnight): unanswered."""
        rows = await tx.returning(
            "UPDATE sleepovers SET state = 'unanswered', next_escalation_at = NULL"
            " WHERE constellation_id = ? AND state IN ('asked', 'proposed')"
            " AND ((kind = 'planned' AND first_night < ?)"
            " OR (kind = 'emergency' AND asked_at < ?)) RETURNING id",
            (constellation_id, today.isoformat(), to_db_time(emergencies_before)),
        )
        return [row[0] for row in rows]

    async def next_due(self, s: Session) -> datetime | None:
        row = await s.fetch_one(
            "SELECT MIN(t) FROM (SELECT MIN(next_escalation_at) AS t FROM sleepovers"
            " WHERE state = 'asked' UNION ALL SELECT MIN(reminder_at) FROM sleepovers"
            " WHERE state = 'confirmed' UNION ALL SELECT MIN(feedback_at) FROM sleepovers"
            " WHERE state = 'confirmed')"
        )
        return from_db_time(row[0]) if row and row[0] else None

    async def count_feedback(
        self, tx: Tx, constellation_id: int, month: str, answer: Feedback
    ) -> None:
        await tx.execute(
            "INSERT INTO sleepover_feedback (constellation_id, month, answer, count)"
            " VALUES (?, ?, ?, 1) ON CONFLICT (constellation_id, month, answer)"
            " DO UPDATE SET count = count + 1",
            (constellation_id, month, answer.value),
        )

    async def take_feedback_question(self, tx: Tx, sleepover_id: int) -> bool:
        """Once per stay: the first answer counts, a second press does not."""
        written = await tx.execute(
            "UPDATE sleepovers SET feedback_given = 1 WHERE id = ? AND feedback_given = 0"
            " AND state = 'confirmed'",
            (sleepover_id,),
        )
        return written.rowcount == 1
