"""What the reports count, read from the tables the features keep (ids and times only), and
the few counts kept for them (the private line's, which retention would otherwise remove).

Stateless: every method works on the session it is given. Moments are UTC text, compared
as stored; a month is given as its start and end in UTC (the constellation's own month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.db import Session, Tx, from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class RequestRow:
    constellation_id: int
    category: str
    urgent: bool
    state: str
    outcome: str | None
    visibility: str
    created_at: datetime
    claimed_at: datetime | None
    escalation_stage: int
    requester_id: int | None
    claimed_by: int | None


@dataclass(frozen=True, slots=True)
class StayRow:
    constellation_id: int
    kind: str
    state: str
    first_night: date
    nights: int
    family_id: int | None
    asked_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DateRow:
    constellation_id: int
    kind: str
    starts_at: datetime
    coming: int
    children: int


@dataclass(frozen=True, slots=True)
class Act:
    """Someone did something (took a request on, answered, wrote) at a moment."""

    constellation_id: int
    user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class FamilyRow:
    constellation_id: int
    user_id: int
    linked: bool
    joined_at: datetime
    left_at: datetime | None


def _only(ids: list[int] | None, column: str) -> tuple[str, tuple[int, ...]]:
    """An extra condition for some constellations (None: all of them)."""
    if ids is None:
        return "", ()
    return f" AND {column} IN ({', '.join('?' for _ in ids)})", tuple(ids)


async def _per_month(
    s: Session, select: str, ids: list[int] | None, months: list[str]
) -> list[tuple[int, str, str, int]]:
    """A table of counts per constellation and month, for these months: one query.
    ``select`` is this module's own constant text, never anything a user wrote."""
    if not months:
        return []
    extra, params = _only(ids, "constellation_id")
    marks = ", ".join("?" for _ in months)
    rows = await s.fetch_all(
        f"{select} WHERE month IN ({marks}){extra}",
        (*months, *params),
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


class ReportRepository:
    """Stateless: every method works on the session it is given."""

    # -- kept counts -------------------------------------------------------------------------

    async def count(self, tx: Tx, constellation_id: int, month: str, name: str) -> None:
        await tx.execute(
            "INSERT INTO monthly_counts (constellation_id, month, name, count) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (constellation_id, month, name) DO UPDATE SET count = count + 1",
            (constellation_id, month, name),
        )

    async def wrote_before(
        self, tx: Tx, constellation_id: int, member_id: int, since: datetime, line_id: int
    ) -> bool:
        """Whether the member wrote to the hub home since ``since`` before this message."""
        row = await tx.fetch_one(
            "SELECT 1 FROM line_messages WHERE constellation_id = ? AND member_id = ?"
            " AND author_id = member_id AND created_at >= ? AND id <> ? LIMIT 1",
            (constellation_id, member_id, to_db_time(since), line_id),
        )
        return row is not None

    # -- what happened (for some constellations, or all: ids None) -------------------------
    # Each is one query over the whole period; the service puts the rows in their months.

    async def requests(
        self, s: Session, ids: list[int] | None, start: datetime, end: datetime
    ) -> list[RequestRow]:
        extra, params = _only(ids, "constellation_id")
        rows = await s.fetch_all(
            "SELECT constellation_id, category, urgent, state, outcome, visibility, created_at,"  # noqa: S608 (placeholders only)
            " claimed_at, escalation_stage, requester_id, claimed_by FROM help_requests"
            f" WHERE created_at >= ? AND created_at < ?{extra}",
            (to_db_time(start), to_db_time(end), *params),
        )
        return [
            RequestRow(
                row[0],
                row[1],
                bool(row[2]),
                row[3],
                row[4],
                row[5],
                from_db_time(row[6]),
                from_db_time(row[7]) if row[7] else None,
                row[8],
                row[9],
                row[10],
            )
            for row in rows
        ]

    async def acts(
        self, s: Session, ids: list[int] | None, start: datetime, end: datetime
    ) -> list[Act]:
        """Requests taken on, meetups answered and private-line messages written in the
        period: who and when (for "active families")."""
        extra_r, params_r = _only(ids, "constellation_id")
        extra_m, params_m = _only(ids, "m.constellation_id")
        extra_l, params_l = _only(ids, "constellation_id")
        bounds = (to_db_time(start), to_db_time(end))
        rows = await s.fetch_all(
            "SELECT constellation_id, claimed_by, claimed_at FROM help_requests"  # noqa: S608 (placeholders only)
            f" WHERE claimed_by IS NOT NULL AND claimed_at >= ? AND claimed_at < ?{extra_r}"
            " UNION ALL SELECT m.constellation_id, r.user_id, r.answered_at FROM rsvps r"
            " JOIN occurrences o ON o.id = r.occurrence_id JOIN meetups m ON m.id = o.meetup_id"
            f" WHERE r.answered_at >= ? AND r.answered_at < ?{extra_m}"
            " UNION ALL SELECT constellation_id, member_id, created_at FROM line_messages"
            " WHERE author_id = member_id AND created_at >= ? AND created_at < ?"
            f"{extra_l}",
            (*bounds, *params_r, *bounds, *params_m, *bounds, *params_l),
        )
        return [Act(row[0], row[1], from_db_time(row[2])) for row in rows]

    async def dates(
        self, s: Session, ids: list[int] | None, start: datetime, end: datetime
    ) -> list[DateRow]:
        """Meetup and activity dates held (not cancelled) in the period, with the "coming"
        answers and the children they bring."""
        extra, params = _only(ids, "m.constellation_id")
        rows = await s.fetch_all(
            "SELECT m.constellation_id, m.kind, o.starts_at,"  # noqa: S608 (placeholders only)
            " (SELECT COUNT(*) FROM rsvps r WHERE r.occurrence_id = o.id AND r.answer = 'yes'),"
            " (SELECT COALESCE(SUM(r.children), 0) FROM rsvps r WHERE r.occurrence_id = o.id"
            "  AND r.answer = 'yes')"
            " FROM occurrences o JOIN meetups m ON m.id = o.meetup_id"
            " WHERE o.cancelled_at IS NULL AND m.cancelled_at IS NULL"
            f" AND o.starts_at >= ? AND o.starts_at < ?{extra}",
            (to_db_time(start), to_db_time(end), *params),
        )
        return [DateRow(row[0], row[1], from_db_time(row[2]), row[3], row[4]) for row in rows]

    async def stays(
        self, s: Session, ids: list[int] | None, first: date, last: date, start: datetime
    ) -> list[StayRow]:
        """Sleepovers with a night from ``first`` to ``last`` or asked from ``start`` on."""
        extra, params = _only(ids, "constellation_id")
        rows = await s.fetch_all(
            "SELECT constellation_id, kind, state, first_night, nights, family_id, asked_at,"  # noqa: S608 (placeholders only)
            " answered_at FROM sleepovers WHERE ("
            " (first_night <= ? AND date(first_night, '+' || (nights - 1) || ' days') >= ?)"
            f" OR asked_at >= ?){extra}",
            (last.isoformat(), first.isoformat(), to_db_time(start), *params),
        )
        return [
            StayRow(
                row[0],
                row[1],
                row[2],
                date.fromisoformat(row[3]),
                row[4],
                row[5],
                from_db_time(row[6]),
                from_db_time(row[7]) if row[7] else None,
            )
            for row in rows
        ]

    async def families(self, s: Session, ids: list[int] | None) -> list[FamilyRow]:
        """Every membership with the role of a family (now), with when it began and ended."""
        extra, params = _only(ids, "m.constellation_id")
        rows = await s.fetch_all(
            "SELECT m.constellation_id, m.user_id, p.private_chat_linked, m.joined_at,"  # noqa: S608 (placeholders only)
            " m.left_at FROM memberships m JOIN people p ON p.user_id = m.user_id"
            " WHERE m.role = 'member' AND COALESCE(m.left_role, 'member') = 'member'"
            f"{extra}",
            params,
        )
        return [
            FamilyRow(
                row[0],
                row[1],
                bool(row[2]),
                from_db_time(row[3]),
                from_db_time(row[4]) if row[4] else None,
            )
            for row in rows
        ]

    async def kept(
        self, s: Session, ids: list[int] | None, months: list[str]
    ) -> list[tuple[int, str, str, int]]:
        """Kept counts: (constellation, month, name, count)."""
        return await _per_month(
            s, "SELECT constellation_id, month, name, count FROM monthly_counts", ids, months
        )

    async def feedback(
        self, s: Session, ids: list[int] | None, months: list[str]
    ) -> list[tuple[int, str, str, int]]:
        """The sleepovers' "Hoe ging het?" answers as kept counts: (constellation, month,
        "feedback_good" / "feedback_okay" / "feedback_hard", count)."""
        return await _per_month(
            s,
            "SELECT constellation_id, month, 'feedback_' || answer, count FROM sleepover_feedback",
            ids,
            months,
        )

    # -- the monthly report ------------------------------------------------------------------

    async def mark_run(self, tx: Tx, constellation_id: int, month: str) -> bool:
        """Record that the month's report went out; False if it had already."""
        written = await tx.execute(
            "INSERT OR IGNORE INTO report_runs (constellation_id, month) VALUES (?, ?)",
            (constellation_id, month),
        )
        return written.rowcount == 1

    async def without_run(
        self, s: Session, timezone: str, month: str, created_before: datetime
    ) -> list[int]:
        """Active constellations in ``timezone`` whose ``month`` report has not gone out and
        that existed before the month it covers ended."""
        rows = await s.fetch_all(
            "SELECT c.id FROM constellations c WHERE c.timezone = ? AND c.status = 'active'"
            " AND c.created_at < ? AND NOT EXISTS (SELECT 1 FROM report_runs r"
            " WHERE r.constellation_id = c.id AND r.month = ?)",
            (timezone, to_db_time(created_before), month),
        )
        return [row[0] for row in rows]

    async def timezones(self, s: Session) -> list[str]:
        rows = await s.fetch_all(
            "SELECT DISTINCT timezone FROM constellations WHERE status = 'active'"
        )
        return [row[0] for row in rows]

    async def opted_out(self, s: Session, user_id: int) -> bool:
        row = await s.fetch_one("SELECT 1 FROM report_optout WHERE user_id = ?", (user_id,))
        return row is not None

    async def set_opt_out(self, tx: Tx, user_id: int, out: bool) -> None:
        if out:
            await tx.execute("INSERT OR IGNORE INTO report_optout (user_id) VALUES (?)", (user_id,))
        else:
            await tx.execute("DELETE FROM report_optout WHERE user_id = ?", (user_id,))
