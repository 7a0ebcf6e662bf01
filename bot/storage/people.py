"""People (Telegram users) and their memberships of constellations."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain import Member, MembershipStatus, Person, Role
from bot.storage.db import Session, Tx, from_db_time, to_db_time

_MEMBER_SELECT = (
    "SELECT m.constellation_id, m.role, m.status, m.joined_at,"
    " p.user_id, p.first_name, p.last_name, p.username, p.language_code, p.private_chat_linked"
    " FROM memberships m JOIN people p ON p.user_id = m.user_id"
)


_PERSON = (
    "SELECT user_id, first_name, last_name, username, language_code, private_chat_linked"
    " FROM people WHERE user_id = ?"
)
_MEMBER = f"{_MEMBER_SELECT} WHERE m.constellation_id = ? AND m.user_id = ?"


def same_names(known: Person, person: Person) -> bool:
    """Whether what Telegram tells about the person is what the bot has stored."""
    return (known.first_name, known.last_name, known.username, known.language_code) == (
        person.first_name,
        person.last_name,
        person.username,
        person.language_code,
    )


def _person(row: aiosqlite.Row) -> Person:
    return Person(
        user_id=row["user_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        private_chat_linked=bool(row["private_chat_linked"]),
    )


def _member(row: aiosqlite.Row) -> Member:
    return Member(
        constellation_id=row["constellation_id"],
        person=_person(row),
        role=Role(row["role"]),
        status=MembershipStatus(row["status"]),
        joined_at=from_db_time(row["joined_at"]),
    )


class PeopleRepository:
    """Stateless: every method works on the session it is given."""

    async def upsert(
        self, tx: Tx, person: Person, now: datetime, *, member_of: int | None = None
    ) -> None:
        """Remember the person's current Telegram name and language; keep the link flag.
        Nothing is written when nothing changed, and nothing sent when the cache already
        knows them so (as a person, or as a member of ``member_of``, a constellation);
        otherwise the write goes with the transaction's next statement."""
        known = tx.cached(_PERSON, (person.user_id,))
        if not known and member_of is not None:
            known = tx.cached(_MEMBER, (member_of, person.user_id))
        if known and same_names(_person(known[0]), person):
            return
        stamp = to_db_time(now)
        tx.queue(
            "INSERT INTO people (user_id, first_name, last_name, username, language_code,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name,"
            " last_name = excluded.last_name, username = excluded.username,"
            " language_code = excluded.language_code, updated_at = excluded.updated_at"
            " WHERE (first_name, last_name, username, language_code) IS NOT"
            " (excluded.first_name, excluded.last_name, excluded.username,"
            " excluded.language_code)",
            (
                person.user_id,
                person.first_name,
                person.last_name,
                person.username,
                person.language_code,
                stamp,
                stamp,
            ),
        )

    async def get(self, s: Session, user_id: int) -> Person | None:
        return await s.fetch_as(_PERSON, (user_id,), _person)

    async def set_private_chat_linked(
        self, tx: Tx, user_id: int, linked: bool, now: datetime
    ) -> bool:
        """True if it changed."""
        written = await tx.execute(
            "UPDATE people SET private_chat_linked = ?, updated_at = ? WHERE user_id = ?"
            " AND private_chat_linked <> ?",
            (int(linked), to_db_time(now), user_id, int(linked)),
        )
        return written.rowcount > 0


class MembershipRepository:
    """Stateless: every method works on the session it is given."""

    async def ensure_active(
        self, tx: Tx, constellation_id: int, user_id: int, now: datetime
    ) -> None:
        """Add the person as a member, or bring back someone who had left (as a member).
        Nothing is sent when the cache knows them as an active member; otherwise the write
        goes with the transaction's next statement."""
        known = tx.cached(_MEMBER, (constellation_id, user_id))
        if known and known[0]["status"] == MembershipStatus.ACTIVE.value:
            return
        tx.queue(
            "INSERT INTO memberships (constellation_id, user_id, joined_at) VALUES (?, ?, ?)"
            " ON CONFLICT (constellation_id, user_id) DO UPDATE SET"
            " status = 'active', left_at = NULL, left_role = NULL, joined_at = excluded.joined_at"
            " WHERE memberships.status = 'left'",
            (constellation_id, user_id, to_db_time(now)),
        )

    async def mark_left(
        self, tx: Tx, constellation_id: int, user_id: int, now: datetime
    ) -> Role | None:
        """The person left the group: their role ends. Returns the role they had, or None if
        they were not an active member (so a leave reported twice counts once)."""
        row = await tx.fetch_one(
            "SELECT role FROM memberships WHERE constellation_id = ? AND user_id = ?"
            " AND status = 'active'",
            (constellation_id, user_id),
        )
        if row is None:
            return None
        await tx.execute(
            "UPDATE memberships SET status = 'left', role = 'member', left_at = ?, left_role = ?"
            " WHERE constellation_id = ? AND user_id = ?",
            (to_db_time(now), row[0], constellation_id, user_id),
        )
        return Role(row[0])

    async def set_role(self, tx: Tx, constellation_id: int, user_id: int, role: Role) -> bool:
        written = await tx.execute(
            "UPDATE memberships SET role = ? WHERE constellation_id = ? AND user_id = ?",
            (role.value, constellation_id, user_id),
        )
        return written.rowcount > 0

    async def get(self, s: Session, constellation_id: int, user_id: int) -> Member | None:
        return await s.fetch_as(_MEMBER, (constellation_id, user_id), _member)

    async def active_role(self, s: Session, constellation_id: int, user_id: int) -> Role | None:
        """The person's role in the constellation; None unless they are an active member."""
        member = await self.get(s, constellation_id, user_id)
        if member is None or member.status is not MembershipStatus.ACTIVE:
            return None
        return member.role

    async def with_role(self, s: Session, constellation_id: int, role: Role) -> list[Member]:
        rows = await s.fetch_all(
            f"{_MEMBER_SELECT} WHERE m.constellation_id = ? AND m.role = ? AND m.status = 'active'"
            " ORDER BY p.user_id",
            (constellation_id, role.value),
        )
        return [_member(row) for row in rows]

    async def reachable_with_role(
        self, s: Session, constellation_id: int, role: Role
    ) -> list[Member]:
        """Active people with ``role`` whose private chat the bot may write to."""
        return [
            m
            for m in await self.with_role(s, constellation_id, role)
            if m.person.private_chat_linked
        ]

    async def active(self, s: Session, constellation_id: int) -> list[Member]:
        """Active members, hub home first, then liaison, then members by name."""
        rows = await s.fetch_all(
            f"{_MEMBER_SELECT} WHERE m.constellation_id = ? AND m.status = 'active'"
            " ORDER BY CASE m.role WHEN 'hubhome' THEN 0 WHEN 'liaison' THEN 1 ELSE 2 END,"
            " p.first_name COLLATE NOCASE, p.user_id",
            (constellation_id,),
        )
        return [_member(row) for row in rows]
