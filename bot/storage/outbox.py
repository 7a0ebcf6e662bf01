"""The outbox: notices waiting for delivery, made idempotent by their dedupe key."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.domain import Notice, PendingNotice
from bot.storage.db import Database, from_db_time, to_db_time


def _pending(row: aiosqlite.Row) -> PendingNotice:
    payload = json.loads(row["payload"] or "{}")
    return PendingNotice(
        id=row["id"],
        attempts=row["attempts"],
        notice=Notice(
            dedupe_key=row["dedupe_key"],
            message_key=row["message_key"],
            values=payload.get("values", {}),
            constellation_id=row["constellation_id"],
            user_id=row["user_id"],
            chat_id=row["chat_id"],
            fallback_chat_id=row["fallback_chat_id"],
            reply_to_message_id=row["reply_to_message_id"],
            request_id=payload.get("request_id"),
        ),
    )


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, conn: aiosqlite.Connection, notice: Notice, now: datetime) -> bool:
        """Queue inside the caller's transaction; False if this notice was queued before."""
        payload = json.dumps({"values": notice.values, "request_id": notice.request_id})
        cursor = await conn.execute(
            "INSERT INTO outbox (dedupe_key, constellation_id, user_id, chat_id,"
            " fallback_chat_id, reply_to_message_id, message_key, payload, next_attempt_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (dedupe_key) DO NOTHING",
            (
                notice.dedupe_key,
                notice.constellation_id,
                notice.user_id,
                notice.chat_id,
                notice.fallback_chat_id,
                notice.reply_to_message_id,
                notice.message_key,
                payload,
                to_db_time(now),
                to_db_time(now),
            ),
        )
        return cursor.rowcount == 1

    async def enqueue(self, notices: list[Notice], now: datetime) -> None:
        async with self._db.transaction() as conn:
            for notice in notices:
                await self.add(conn, notice, now)

    async def due(self, now: datetime, limit: int = 100) -> list[PendingNotice]:
        rows = await self._db.fetch_all(
            "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (to_db_time(now), limit),
        )
        return [_pending(row) for row in rows]

    async def mark_sent(self, notice_id: int, now: datetime) -> None:
        """Delivered: forget what it said (the key stays, so it is never queued again)."""
        await self._db.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, payload = NULL, attempts = attempts + 1"
            " WHERE id = ?",
            (to_db_time(now), notice_id),
        )

    async def retry_later(self, notice_id: int, at: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
            " WHERE id = ?",
            (to_db_time(at), error, notice_id),
        )

    async def hold(self, notice_id: int, until: datetime) -> None:
        """Not tried now and not counted as a failure: the group is paused."""
        await self._db.execute(
            "UPDATE outbox SET next_attempt_at = ?, last_error = 'paused' WHERE id = ?",
            (to_db_time(until), notice_id),
        )

    async def release(self, chat_id: int, now: datetime) -> int:
        """The group is back: what was held for it is due now. Returns how many."""
        return await self._db.execute(
            "UPDATE outbox SET next_attempt_at = ?, last_error = NULL"
            " WHERE state = 'pending' AND last_error = 'paused'"
            " AND (chat_id = ? OR fallback_chat_id = ?)",
            (to_db_time(now), chat_id, chat_id),
        )

    async def mark_failed(self, notice_id: int, error: str) -> None:
        """Undeliverable for good (e.g. the group is gone): kept for the record, text dropped."""
        await self._db.execute(
            "UPDATE outbox SET state = 'failed', payload = NULL, attempts = attempts + 1,"
            " last_error = ? WHERE id = ?",
            (error, notice_id),
        )

    async def next_due(self) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'"
        )
        return from_db_time(row[0]) if row and row[0] else None
