"""The weekly look ahead: who asked for it, and whose went out which week. Ids and dates only."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Session, Tx, to_db_time

# Someone due this week: asked for it before the moment it is due, may be messaged
# privately, and is an active member of an active constellation in that time zone.
_DUE = (
    "SELECT DISTINCT w.user_id FROM weekly_optin w"
    " JOIN people p ON p.user_id = w.user_id AND p.private_chat_linked = 1"
    " JOIN memberships m ON m.user_id = w.user_id AND m.status = 'active'"
    " JOIN constellations c ON c.id = m.constellation_id AND c.status = 'active'"
    " WHERE c.timezone = ? AND w.since < ?"
    " AND NOT EXISTS (SELECT 1 FROM weekly_runs r WHERE r.user_id = w.user_id AND r.week = ?)"
)


class WeeklyRepository:
    """Stateless: every method works on the session it is given."""

    async def is_on(self, s: Session, user_id: int) -> bool:
        row = await s.fetch_one("SELECT 1 FROM weekly_optin WHERE user_id = ?", (user_id,))
        return row is not None

    async def turn_on(self, tx: Tx, user_id: int, now: datetime) -> None:
        """On from ``now`` (already on: it stays on since it was turned on)."""
        await tx.execute(
            "INSERT INTO weekly_optin (user_id, since) VALUES (?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, to_db_time(now)),
        )

    async def turn_off(self, tx: Tx, user_id: int) -> None:
        await tx.execute("DELETE FROM weekly_optin WHERE user_id = ?", (user_id,))

    async def timezones(self, s: Session) -> list[str]:
        """The time zones of the active constellations of everyone who asked for it."""
        rows = await s.fetch_all(
            "SELECT DISTINCT c.timezone FROM weekly_optin w"
            " JOIN memberships m ON m.user_id = w.user_id AND m.status = 'active'"
            " JOIN constellations c ON c.id = m.constellation_id AND c.status = 'active'"
        )
        return [row[0] for row in rows]

    async def due(self, s: Session, timezone: str, week: str, due_at: datetime) -> list[int]:
        """Who in ``timezone`` gets ``week``'s look ahead and has not had it yet."""
        rows = await s.fetch_all(f"{_DUE} ORDER BY w.user_id", (timezone, to_db_time(due_at), week))
        return [row[0] for row in rows]

    async def any_due(self, s: Session, timezone: str, week: str, due_at: datetime) -> bool:
        row = await s.fetch_one(f"{_DUE} LIMIT 1", (timezone, to_db_time(due_at), week))
        return row is not None

    async def mark_run(self, tx: Tx, user_id: int, week: str, forget_before: str) -> bool:
        """Record that the person's look ahead for ``week`` went out; False if it had. Weeks
        before ``forget_before`` are forgotten (nothing reads them any more)."""
        await tx.execute(
            "DELETE FROM weekly_runs WHERE user_id = ? AND week < ?", (user_id, forget_before)
        )
        written = await tx.execute(
            "INSERT OR IGNORE INTO weekly_runs (user_id, week) VALUES (?, ?)", (user_id, week)
        )
        return written.rowcount == 1
