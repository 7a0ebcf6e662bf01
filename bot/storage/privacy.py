"""Erasing a person (/forgetme) and old data (retention), each in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import Database, to_db_time


@dataclass(frozen=True, slots=True)
class Erased:
    """What was erased for one person."""

    memberships: int
    request_texts: int
    line_messages: int
    request_ids: list[int]  # requests whose cards should be redrawn
    occurrence_ids: list[int]  # meetups they answered, whose cards should be redrawn


@dataclass(frozen=True, slots=True)
class Retained:
    """What the retention run removed."""

    request_texts: int
    line_messages: int
    notices: int


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def forget(self, user_id: int, now: datetime) -> Erased:
        """Everything about the person, in every constellation; requests stay, anonymous."""
        at = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT id FROM help_requests WHERE requester_id = ? OR claimed_by = ?",
                (user_id, user_id),
            )
            request_ids = [row[0] for row in await cursor.fetchall()]
            # Their open requests are withdrawn: with the text gone nobody could help anyway.
            await conn.execute(
                "UPDATE help_requests SET state = 'withdrawn', closed_at = ?,"
                " next_escalation_at = NULL"
                " WHERE requester_id = ? AND state IN ('open', 'claimed')",
                (at, user_id),
            )
            cursor = await conn.execute(
                "UPDATE help_requests SET text = NULL WHERE requester_id = ? AND text IS NOT NULL",
                (user_id,),
            )
            texts = cursor.rowcount
            # Requests they were helping with are open again, and the hub home hears of it soon.
            await conn.execute(
                "UPDATE help_requests SET state = 'open', claimed_by = NULL, claimed_at = NULL,"
                " next_escalation_at = ? WHERE claimed_by = ? AND state = 'claimed'",
                (at, user_id),
            )
            cursor = await conn.execute(
                "SELECT occurrence_id FROM rsvps WHERE user_id = ?", (user_id,)
            )
            occurrence_ids = [row[0] for row in await cursor.fetchall()]
            cursor = await conn.execute(
                "DELETE FROM line_messages WHERE member_id = ? OR author_id = ?",
                (user_id, user_id),
            )
            lines = cursor.rowcount
            await conn.execute("DELETE FROM line_copies WHERE chat_id = ?", (user_id,))
            await conn.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
            cursor = await conn.execute("DELETE FROM memberships WHERE user_id = ?", (user_id,))
            memberships = cursor.rowcount
            # The foreign keys do the rest: requester_id, claimed_by and who planned a meetup
            # become NULL; the private-line choice and their meetup answers go.
            await conn.execute("DELETE FROM people WHERE user_id = ?", (user_id,))
        return Erased(memberships, texts, lines, request_ids, occurrence_ids)

    async def retain(self, cutoff: datetime) -> Retained:
        """Remove what is older than ``cutoff``: closed requests' texts, routing ids, notices."""
        before = to_db_time(cutoff)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE help_requests SET text = NULL WHERE text IS NOT NULL"
                " AND state NOT IN ('open', 'claimed') AND COALESCE(closed_at, created_at) < ?",
                (before,),
            )
            texts = cursor.rowcount
            # Kept (waiting) messages stay until a hub home can be reached.
            cursor = await conn.execute(
                "DELETE FROM line_messages WHERE state = 'sent' AND created_at < ?", (before,)
            )
            lines = cursor.rowcount
            cursor = await conn.execute(
                "DELETE FROM outbox WHERE state <> 'pending' AND created_at < ?", (before,)
            )
            notices = cursor.rowcount
        return Retained(texts, lines, notices)
