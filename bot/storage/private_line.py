"""The private line's routing table: message ids only, never what a message says."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain import LineMessage, LineState, Role, Unanswered
from bot.storage.db import Session, Tx, from_db_time, to_db_time


def _line_message(row: aiosqlite.Row) -> LineMessage:
    return LineMessage(
        id=row["id"],
        constellation_id=row["constellation_id"],
        member_id=row["member_id"],
        author_id=row["author_id"],
        origin_chat_id=row["origin_chat_id"],
        origin_message_id=row["origin_message_id"],
        state=LineState(row["state"]),
        answered_by=row["answered_by"],
        created_at=from_db_time(row["created_at"]),
    )


class LineRepository:
    """Stateless: every method works on the session it is given."""

    # -- an answer waiting after "↩️ Antwoorden" ------------------------------------------------

    async def await_answer(
        self, tx: Tx, user_id: int, line_id: int, copy_id: int, prompt_id: int, until: datetime
    ) -> None:
        await tx.execute(
            "INSERT OR REPLACE INTO line_answers (user_id, line_id, copy_id, prompt_id, until)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, line_id, copy_id, prompt_id, to_db_time(until)),
        )

    async def answer_done(self, tx: Tx, user_id: int) -> None:
        await tx.execute("DELETE FROM line_answers WHERE user_id = ?", (user_id,))

    async def answers_waiting(
        self, s: Session, now: datetime
    ) -> list[tuple[int, int, int, int, datetime]]:
        """(user, line, copy, prompt, until) of every answer still waiting at ``now``."""
        rows = await s.fetch_all(
            "SELECT user_id, line_id, copy_id, prompt_id, until FROM line_answers WHERE until > ?",
            (to_db_time(now),),
        )
        return [(r[0], r[1], r[2], r[3], from_db_time(r[4])) for r in rows]

    async def choice(self, s: Session, user_id: int) -> tuple[int, bool] | None:
        """Where the person's private messages go, and whether they chose it themselves."""
        row = await s.fetch_one(
            "SELECT constellation_id, explicit FROM line_choices WHERE user_id = ?", (user_id,)
        )
        return (int(row[0]), bool(row[1])) if row else None

    async def set_choice(
        self, tx: Tx, user_id: int, constellation_id: int, *, explicit: bool = True
    ) -> None:
        await tx.execute(
            "INSERT INTO line_choices (user_id, constellation_id, explicit) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET constellation_id = excluded.constellation_id,"
            " explicit = excluded.explicit",
            (user_id, constellation_id, int(explicit)),
        )

    async def add(
        self,
        tx: Tx,
        *,
        constellation_id: int,
        member_id: int,
        author_id: int,
        origin_chat_id: int,
        origin_message_id: int,
        state: LineState,
        now: datetime,
        handled_until: datetime | None = None,
    ) -> LineMessage:
        """A routed message; ``handled_until``: the handler is passing it on itself until
        then (the courier leaves it alone meanwhile)."""
        written = await tx.execute(
            "INSERT INTO line_messages (constellation_id, member_id, author_id,"
            " origin_chat_id, origin_message_id, state, created_at, handled_until)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                constellation_id,
                member_id,
                author_id,
                origin_chat_id,
                origin_message_id,
                state.value,
                to_db_time(now),
                to_db_time(handled_until) if handled_until else None,
            ),
        )
        assert written.lastrowid is not None
        added = await self.get(tx, written.lastrowid)
        assert added is not None
        return added

    async def get(self, s: Session, line_id: int) -> LineMessage | None:
        row = await s.fetch_one("SELECT * FROM line_messages WHERE id = ?", (line_id,))
        return _line_message(row) if row else None

    async def add_copies(
        self,
        tx: Tx,
        line_id: int,
        copies: list[tuple[int, int]],
        reader_role: Role | None = None,
    ) -> bool:
        """Remember the copies (and as whom their readers got them) and mark the message
        sent; True if it was waiting until now."""
        role = reader_role.value if reader_role is not None else None
        await tx.executemany(
            "INSERT OR IGNORE INTO line_copies (line_message_id, chat_id, message_id,"
            " reader_role) VALUES (?, ?, ?, ?)",
            [(line_id, chat_id, message_id, role) for chat_id, message_id in copies],
        )
        written = await tx.execute(
            "UPDATE line_messages SET state = 'sent' WHERE id = ? AND state = 'waiting'",
            (line_id,),
        )
        return written.rowcount > 0

    async def by_origin(self, s: Session, chat_id: int, message_id: int) -> LineMessage | None:
        """The routed message that is this message of a person's own chat, if any."""
        row = await s.fetch_one(
            "SELECT * FROM line_messages WHERE origin_chat_id = ? AND origin_message_id = ?",
            (chat_id, message_id),
        )
        return _line_message(row) if row else None

    async def copy_ended(self, s: Session, chat_id: int, message_id: int) -> bool:
        """Whether this was a carer's copy of a message whose routing is gone."""
        row = await s.fetch_one(
            "SELECT 1 FROM line_copies_ended WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return row is not None

    async def by_copy(
        self, s: Session, chat_id: int, message_id: int
    ) -> tuple[LineMessage, Role | None] | None:
        """The routed message this is a copy of, and as whom its reader got it (None: not
        recorded, for copies made before that was kept)."""
        row = await s.fetch_one(
            "SELECT m.*, c.reader_role FROM line_messages m"
            " JOIN line_copies c ON c.line_message_id = m.id"
            " WHERE c.chat_id = ? AND c.message_id = ?",
            (chat_id, message_id),
        )
        if row is None:
            return None
        role = row["reader_role"]
        return _line_message(row), Role(role) if role is not None else None

    async def copies(self, s: Session, line_id: int) -> list[tuple[int, int]]:
        rows = await s.fetch_all(
            "SELECT chat_id, message_id FROM line_copies WHERE line_message_id = ?"
            " ORDER BY chat_id, message_id",
            (line_id,),
        )
        return [(row["chat_id"], row["message_id"]) for row in rows]

    async def shared_with_liaison(self, s: Session, line_id: int) -> bool:
        """Whether the member let the liaison read along with this message."""
        row = await s.fetch_one(
            "SELECT 1 FROM line_copies WHERE line_message_id = ? AND reader_role = 'liaison'",
            (line_id,),
        )
        return row is not None

    async def mark_answered(self, tx: Tx, line_id: int, user_id: int) -> bool:
        """True for the first answer only."""
        written = await tx.execute(
            "UPDATE line_messages SET answered_by = ? WHERE id = ? AND answered_by IS NULL",
            (user_id, line_id),
        )
        return written.rowcount > 0

    async def delete(self, tx: Tx, line_id: int) -> None:
        await tx.execute("DELETE FROM line_messages WHERE id = ?", (line_id,))

    async def waiting(self, s: Session, constellation_id: int, now: datetime) -> list[LineMessage]:
        """Members' messages kept for a hub home (answers never wait), not being passed on
        by a handler right now."""
        rows = await s.fetch_all(
            "SELECT * FROM line_messages WHERE constellation_id = ? AND state = 'waiting'"
            " AND author_id = member_id AND (handled_until IS NULL OR handled_until <= ?)"
            " ORDER BY id",
            (constellation_id, to_db_time(now)),
        )
        return [_line_message(row) for row in rows]

    async def constellations_waiting(self, s: Session, now: datetime) -> list[int]:
        rows = await s.fetch_all(
            "SELECT DISTINCT constellation_id FROM line_messages WHERE state = 'waiting'"
            " AND author_id = member_id AND (handled_until IS NULL OR handled_until <= ?)",
            (to_db_time(now),),
        )
        return [int(row[0]) for row in rows]

    async def unanswered(
        self, s: Session, hubhome_in: list[int], liaison_in: list[int], viewer: int
    ) -> list[Unanswered]:
        """Conversations whose last word is the member's (nobody answered since), in one
        query: in ``hubhome_in`` every one, in ``liaison_in`` only what the member let the
        liaison read. Only members still in the constellation, never the viewer's own."""
        seen: list[str] = []
        params: list[object] = []
        if hubhome_in:
            seen.append(f"m.constellation_id IN ({', '.join('?' for _ in hubhome_in)})")
            params += hubhome_in
        if liaison_in:
            seen.append(
                f"(m.constellation_id IN ({', '.join('?' for _ in liaison_in)})"  # noqa: S608
                " AND EXISTS (SELECT 1 FROM line_copies c WHERE c.line_message_id = m.id"
                " AND c.reader_role = 'liaison'))"
            )
            params += liaison_in
        if not seen:
            return []
        rows = await s.fetch_all(
            "SELECT m.constellation_id, m.member_id, p.first_name, MIN(m.created_at),"  # noqa: S608 (placeholders only)
            " COUNT(*), MAX(m.id) FROM line_messages m"
            " JOIN people p ON p.user_id = m.member_id"
            " JOIN memberships ms ON ms.constellation_id = m.constellation_id"
            " AND ms.user_id = m.member_id AND ms.status = 'active'"
            f" WHERE m.author_id = m.member_id AND m.member_id <> ? AND ({' OR '.join(seen)})"
            " AND m.id > COALESCE((SELECT MAX(a.id) FROM line_messages a"
            " WHERE a.constellation_id = m.constellation_id AND a.member_id = m.member_id"
            " AND a.author_id <> a.member_id), 0)"
            " GROUP BY m.constellation_id, m.member_id ORDER BY MIN(m.created_at), m.member_id",
            (viewer, *params),
        )
        return [
            Unanswered(row[0], row[1], row[2], from_db_time(row[3]), row[4], row[5]) for row in rows
        ]

    async def keep(self, tx: Tx, line_id: int) -> None:
        """Nobody has it: kept (again) for whoever is hub home when one can be reached."""
        await tx.execute(
            "UPDATE line_messages SET state = 'waiting', handled_until = NULL WHERE id = ?",
            (line_id,),
        )

    async def next_handover(self, s: Session, now: datetime) -> datetime | None:
        """When a message a handler was passing on becomes the courier's (if it died)."""
        row = await s.fetch_one(
            "SELECT MIN(handled_until) FROM line_messages WHERE state = 'waiting'"
            " AND handled_until > ?",
            (to_db_time(now),),
        )
        return from_db_time(row[0]) if row and row[0] else None
