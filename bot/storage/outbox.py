"""The outbox: notices waiting for delivery, made idempotent by their dedupe key.

A notice is queued inside the transaction of the change it reports (``add`` takes that
transaction), and holds ids only (see :class:`bot.domain.Notice`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.domain import Notice, NoticeKind, PendingNotice, RefValue
from bot.storage.db import Session, Statement, Tx, from_db_time, to_db_time


def _refs(text: str) -> dict[str, RefValue]:
    raw = json.loads(text or "{}")
    refs: dict[str, RefValue] = {}
    for name, value in raw.items() if isinstance(raw, dict) else ():
        if isinstance(value, list):
            refs[name] = tuple(v for v in value if isinstance(v, int))
        elif isinstance(value, int | str):
            refs[name] = value
    return refs


def _plain(refs: Mapping[str, RefValue]) -> dict[str, int | str | list[int]]:
    """Refs as JSON holds them."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in refs.items()}


def _pending(row: aiosqlite.Row) -> PendingNotice:
    return PendingNotice(
        id=row["id"],
        attempts=row["attempts"],
        created_at=from_db_time(row["created_at"]),
        version=row["version"],
        notice=Notice(
            kind=NoticeKind(row["kind"]),
            dedupe_key=row["dedupe_key"],
            refs=_refs(row["refs"]),
            constellation_id=row["constellation_id"],
            user_id=row["user_id"],
            chat_id=row["chat_id"],
            fallback_chat_id=row["fallback_chat_id"],
            reply_to_message_id=row["reply_to_message_id"],
            report_to=row["report_to"],
        ),
    )


@dataclass(frozen=True, slots=True)
class Backlog:
    """What waits in the outbox (health check, metrics, doctor)."""

    waiting: int  # pending notices, due now or retried later
    held: int  # of those, held for a group the bot was removed from (not a delivery problem)
    oldest: datetime | None  # when the oldest waiting notice that is not held was queued


_INSERT = (
    "INSERT INTO outbox (dedupe_key, kind, constellation_id, user_id, chat_id,"
    " fallback_chat_id, reply_to_message_id, refs, report_to, next_attempt_at, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ADD = f"{_INSERT} ON CONFLICT (dedupe_key) DO NOTHING"
_RENEW = (
    f"{_INSERT} ON CONFLICT (dedupe_key) DO UPDATE SET state = 'pending', attempts = 0,"
    " version = outbox.version + 1, refs = excluded.refs,"
    " next_attempt_at = excluded.next_attempt_at, created_at = excluded.created_at,"
    " last_error = NULL, sent_at = NULL"
)


class OutboxRepository:
    """Stateless: every method works on the session it is given."""

    async def add(self, tx: Tx, notice: Notice, now: datetime) -> None:
        """Queue inside the caller's transaction (nothing if this notice was queued before).
        The row is written with the transaction's next statement or its COMMIT (``Tx.queue``):
        nobody waits for it."""
        tx.queue(*self.adding(notice, now))

    async def add_once(self, tx: Tx, notice: Notice, now: datetime) -> bool:
        """As :meth:`add`, written at once: False if this notice was queued before."""
        written = await tx.execute(_ADD, self._values(notice, now))
        return written.rowcount == 1

    async def renew(self, tx: Tx, notice: Notice, now: datetime) -> None:
        """Queue a notice that stands for "as things are now" (a card to redraw): one row per
        key, pending again whenever something changed, however often that happens."""
        tx.queue(*self.renewing(notice, now))

    def adding(self, notice: Notice, now: datetime) -> Statement:
        """The statement :meth:`add` queues (for ``Tx.queue_then``)."""
        return _ADD, self._values(notice, now)

    def renewing(self, notice: Notice, now: datetime) -> Statement:
        """The statement :meth:`renew` queues (for ``Tx.queue_then``)."""
        return _RENEW, self._values(notice, now)

    @staticmethod
    def _values(notice: Notice, now: datetime) -> tuple[object, ...]:
        return (
            notice.dedupe_key,
            notice.kind.value,
            notice.constellation_id,
            notice.user_id,
            notice.chat_id,
            notice.fallback_chat_id,
            notice.reply_to_message_id,
            json.dumps(_plain(notice.refs), sort_keys=True),
            notice.report_to,
            to_db_time(now),
            to_db_time(now),
        )

    async def due(self, s: Session, now: datetime, limit: int = 100) -> list[PendingNotice]:
        rows = await s.fetch_all(
            "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (to_db_time(now), limit),
        )
        return [_pending(row) for row in rows]

    # Each change below applies to the notice as it was read (its id and version): if it was
    # queued again meanwhile (a card changed again while its redraw was on its way), the newer
    # version stays pending and is drawn and sent in turn.

    async def mark_sent(self, tx: Tx, pending: PendingNotice, now: datetime) -> None:
        """Delivered: forget what it referred to (the key stays, so it is never queued again)."""
        tx.queue(
            "UPDATE outbox SET state = 'sent', sent_at = ?, refs = '{}',"
            " attempts = attempts + 1 WHERE id = ? AND version = ? AND state = 'pending'",
            (to_db_time(now), pending.id, pending.version),
        )

    async def still_there(self, tx: Tx, pending: PendingNotice) -> bool:
        """Whether the notice still exists (an erasure deletes those to the erased person;
        ids are never given to another notice)."""
        row = await tx.fetch_one("SELECT 1 FROM outbox WHERE id = ?", (pending.id,))
        return row is not None

    async def mark_skipped(self, tx: Tx, pending: PendingNotice, now: datetime) -> None:
        """Nothing to say any more (the meetup began, the request is gone): done, unsent."""
        tx.queue(
            "UPDATE outbox SET state = 'skipped', sent_at = ?, refs = '{}'"
            " WHERE id = ? AND version = ? AND state = 'pending'",
            (to_db_time(now), pending.id, pending.version),
        )

    async def retry_later(
        self, tx: Tx, pending: PendingNotice, at: datetime, error: str, **refs: int
    ) -> None:
        """Tried and failed: again at ``at`` (``refs``: what it keeps from this try)."""
        updated = json.dumps({**_plain(pending.notice.refs), **refs}, sort_keys=True)
        tx.queue(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,"
            " refs = ? WHERE id = ? AND version = ? AND state = 'pending'",
            (to_db_time(at), error, updated, pending.id, pending.version),
        )

    async def hold(self, tx: Tx, pending: PendingNotice, until: datetime) -> None:
        """Not tried now and not counted as a failure: the group is paused."""
        tx.queue(
            "UPDATE outbox SET next_attempt_at = ?, last_error = 'paused'"
            " WHERE id = ? AND version = ? AND state = 'pending'",
            (to_db_time(until), pending.id, pending.version),
        )

    async def release(self, tx: Tx, chat_id: int, now: datetime) -> int:
        """The group is back: what was held for it is due now. Returns how many."""
        written = await tx.execute(
            "UPDATE outbox SET next_attempt_at = ?, last_error = NULL"
            " WHERE state = 'pending' AND last_error = 'paused'"
            " AND (chat_id = ? OR fallback_chat_id = ?)",
            (to_db_time(now), chat_id, chat_id),
        )
        return written.rowcount

    async def mark_failed(self, tx: Tx, pending: PendingNotice, error: str) -> None:
        """Undeliverable for good (the group is gone, or it failed too long): kept for the
        record, without what it referred to."""
        tx.queue(
            "UPDATE outbox SET state = 'failed', refs = '{}', attempts = attempts + 1,"
            " last_error = ? WHERE id = ? AND version = ? AND state = 'pending'",
            (error, pending.id, pending.version),
        )

    async def forget(self, tx: Tx, dedupe_key: str) -> None:
        """Done, and not even kept for the record (it pointed into an erased person's chat)."""
        await tx.execute("DELETE FROM outbox WHERE dedupe_key = ?", (dedupe_key,))

    async def follow_chat(self, tx: Tx, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: pending notices for it go to the new chat id —
        but redraws of cards stay with the old group, where those cards are."""
        edits = (
            NoticeKind.REQUEST_CARD_EDIT.value,
            NoticeKind.MEETUP_CARD_EDIT.value,
            NoticeKind.MEETUP_CHILDREN_ERASED.value,
        )
        await tx.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state = 'pending'"
            " AND kind NOT IN (?, ?, ?)",
            (new_chat_id, old_chat_id, *edits),
        )
        await tx.execute(
            "UPDATE outbox SET fallback_chat_id = ? WHERE fallback_chat_id = ?"
            " AND state = 'pending'",
            (new_chat_id, old_chat_id),
        )

    async def pending_for(self, s: Session, user_id: int) -> list[PendingNotice]:
        """What still waits for this person (read before an erasure removes it, for what
        must follow for the others)."""
        rows = await s.fetch_all(
            "SELECT * FROM outbox WHERE user_id = ? AND state = 'pending'", (user_id,)
        )
        return [_pending(row) for row in rows]

    async def pending_keys(self, s: Session, like: str) -> list[str]:
        """Dedupe keys of notices still pending that match ``like`` (SQL LIKE)."""
        rows = await s.fetch_all(
            "SELECT dedupe_key FROM outbox WHERE state = 'pending' AND dedupe_key LIKE ?",
            (like,),
        )
        return [row[0] for row in rows]

    async def next_due(self, s: Session) -> datetime | None:
        row = await s.fetch_one("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'")
        return from_db_time(row[0]) if row and row[0] else None

    async def backlog(self, s: Session) -> Backlog:
        """How many notices wait, and since when the oldest one not held for a paused group."""
        row = await s.fetch_one(
            "SELECT COUNT(*), COALESCE(SUM(last_error IS 'paused'), 0),"
            " MIN(CASE WHEN last_error IS NOT 'paused' THEN created_at END)"
            " FROM outbox WHERE state = 'pending'"
        )
        if row is None:
            return Backlog(0, 0, None)
        return Backlog(int(row[0]), int(row[1]), from_db_time(row[2]) if row[2] else None)
