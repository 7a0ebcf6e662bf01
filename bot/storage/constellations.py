"""Constellations: one row per registered group."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain import Constellation, ConstellationStatus, Role
from bot.storage.db import Session, Tx, from_db_time, to_db_time

_COLUMNS = (
    "id, chat_id, name, language, timezone, status, link_token, created_at, created_by,"
    " members_may_claim"
)


def _constellation(row: aiosqlite.Row) -> Constellation:
    return Constellation(
        id=row["id"],
        chat_id=row["chat_id"],
        name=row["name"],
        language=row["language"],
        timezone=row["timezone"],
        status=ConstellationStatus(row["status"]),
        link_token=row["link_token"],
        created_at=from_db_time(row["created_at"]),
        created_by=row["created_by"],
        members_may_claim=bool(row["members_may_claim"]),
    )


class ConstellationRepository:
    """Stateless: every method works on the session it is given."""

    async def create(
        self,
        tx: Tx,
        *,
        chat_id: int,
        name: str,
        language: str,
        timezone: str,
        link_token: str,
        created_at: datetime,
        created_by: int | None,
    ) -> Constellation | None:
        """Insert a constellation; None when the group already is one (the UNIQUE decides)."""
        written = await tx.execute(
            "INSERT INTO constellations (chat_id, name, language, timezone, link_token,"
            " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO NOTHING",
            (chat_id, name, language, timezone, link_token, to_db_time(created_at), created_by),
        )
        return await self.by_chat(tx, chat_id) if written.rowcount else None

    async def by_chat(self, s: Session, chat_id: int) -> Constellation | None:
        return await s.fetch_as(
            f"SELECT {_COLUMNS} FROM constellations WHERE chat_id = ?",  # noqa: S608
            (chat_id,),
            _constellation,
        )

    async def by_id(self, s: Session, constellation_id: int) -> Constellation | None:
        return await s.fetch_as(
            f"SELECT {_COLUMNS} FROM constellations WHERE id = ?",  # noqa: S608
            (constellation_id,),
            _constellation,
        )

    async def by_link_token(self, s: Session, token: str) -> Constellation | None:
        return await s.fetch_as(
            f"SELECT {_COLUMNS} FROM constellations WHERE link_token = ?",  # noqa: S608
            (token,),
            _constellation,
        )

    async def of_member(
        self, s: Session, user_id: int, roles: tuple[Role, ...] = ()
    ) -> list[Constellation]:
        """Active constellations the person is an active member of (with one of ``roles``,
        when given), oldest first — one query, whatever the number of constellations."""
        return [constellation for constellation, _ in await self.places(s, user_id, roles)]

    async def places(
        self, s: Session, user_id: int, roles: tuple[Role, ...] = ()
    ) -> list[tuple[Constellation, Role]]:
        """``of_member``, each with the person's role there."""
        columns = ", ".join(f"c.{name.strip()}" for name in _COLUMNS.split(","))
        only = f" AND m.role IN ({', '.join('?' for _ in roles)})" if roles else ""
        rows = await s.fetch_all(
            f"SELECT {columns}, m.role AS member_role FROM constellations c"  # noqa: S608
            " JOIN memberships m ON m.constellation_id = c.id"
            f" WHERE m.user_id = ? AND m.status = 'active' AND c.status = 'active'{only}"
            " ORDER BY c.id",
            (user_id, *(role.value for role in roles)),
        )
        return [(_constellation(row), Role(row["member_role"])) for row in rows]

    async def all_active(self, s: Session) -> list[Constellation]:
        """Every active constellation, oldest first (for operators' reports)."""
        rows = await s.fetch_all(
            f"SELECT {_COLUMNS} FROM constellations WHERE status = 'active' ORDER BY id"  # noqa: S608
        )
        return [_constellation(row) for row in rows]

    async def set_language(self, tx: Tx, constellation_id: int, language: str) -> None:
        await tx.execute(
            "UPDATE constellations SET language = ? WHERE id = ?", (language, constellation_id)
        )

    async def set_members_may_claim(self, tx: Tx, constellation_id: int, allowed: bool) -> None:
        await tx.execute(
            "UPDATE constellations SET members_may_claim = ? WHERE id = ?",
            (int(allowed), constellation_id),
        )

    async def move_chat(self, tx: Tx, old_chat_id: int, new_chat_id: int) -> bool:
        """The group became a supergroup: the constellation follows to the new chat id.
        False if there was nothing to move (already moved, or not a constellation)."""
        written = await tx.execute(
            "UPDATE constellations SET chat_id = ? WHERE chat_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM constellations WHERE chat_id = ?)",
            (new_chat_id, old_chat_id, new_chat_id),
        )
        return written.rowcount > 0

    async def set_status(self, tx: Tx, chat_id: int, status: ConstellationStatus) -> bool:
        written = await tx.execute(
            "UPDATE constellations SET status = ? WHERE chat_id = ? AND status <> ?",
            (status.value, chat_id, status.value),
        )
        return written.rowcount > 0
