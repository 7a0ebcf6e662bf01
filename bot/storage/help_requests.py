"""Help requests and where their cards are shown. State changes are single guarded UPDATEs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain import (
    CardLocation,
    Category,
    HelpRequest,
    Outcome,
    RequestState,
    Visibility,
    WhenKind,
)
from bot.storage.db import Lookup, Session, Statement, Then, Tx, from_db_time, to_db_time

_SELECT = (
    "SELECT r.*, rp.first_name AS requester_name, cp.first_name AS claimer_name"
    " FROM help_requests r"
    " LEFT JOIN people rp ON rp.user_id = r.requester_id"
    " LEFT JOIN people cp ON cp.user_id = r.claimed_by"
)

_BY_ID = f"{_SELECT} WHERE r.id = ?"
_CREATED: Lookup = (f"{_SELECT} WHERE r.id = last_insert_rowid()", ())
_CARDS = "SELECT chat_id, message_id FROM request_cards WHERE request_id = ? ORDER BY rowid"


def _time(value: str | None) -> datetime | None:
    return from_db_time(value) if value else None


def _request(row: aiosqlite.Row) -> HelpRequest:
    return HelpRequest(
        id=row["id"],
        constellation_id=row["constellation_id"],
        number=row["number"],
        requester_id=row["requester_id"],
        requester_name=row["requester_name"],
        category=Category(row["category"]),
        text=row["text"],
        when_kind=WhenKind(row["when_kind"]),
        needed_by=_time(row["needed_by"]),
        urgent=bool(row["urgent"]),
        visibility=Visibility(row["visibility"]),
        state=RequestState(row["state"]),
        claimed_by=row["claimed_by"],
        claimer_name=row["claimer_name"],
        claimed_at=_time(row["claimed_at"]),
        closed_at=_time(row["closed_at"]),
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        created_at=from_db_time(row["created_at"]),
        escalation_stage=row["escalation_stage"],
        next_escalation_at=_time(row["next_escalation_at"]),
    )


def _opt(moment: datetime | None) -> str | None:
    return to_db_time(moment) if moment else None


class HelpRequestRepository:
    """Stateless: every method works on the session it is given."""

    async def create(self, tx: Tx, **fields: Any) -> HelpRequest:
        """Insert (the fields of :meth:`_insert`) with the next number of this
        constellation's requests of this visibility (hub-home-only ones count on their own),
        inside the caller's transaction; the row is read back in the same round trip."""
        self._insert(tx, **fields)
        row = await tx.fetch_one(*_CREATED)
        assert row is not None
        return _request(row)

    @staticmethod
    def _insert(
        tx: Tx,
        *,
        constellation_id: int,
        requester_id: int,
        category: Category,
        text: str,
        when_kind: WhenKind,
        needed_by: datetime | None,
        urgent: bool,
        visibility: Visibility,
        created_at: datetime,
        next_escalation_at: datetime | None,
    ) -> None:
        tx.queue(
            "INSERT INTO help_requests (constellation_id, number, requester_id, category,"
            " text, when_kind, needed_by, urgent, visibility, created_at, next_escalation_at)"
            " VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM help_requests"
            " WHERE constellation_id = ? AND visibility = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                constellation_id,
                constellation_id,
                visibility.value,
                requester_id,
                category.value,
                text,
                when_kind.value,
                _opt(needed_by),
                int(urgent),
                visibility.value,
                to_db_time(created_at),
                _opt(next_escalation_at),
            ),
        )

    def create_then(
        self,
        tx: Tx,
        follow: Callable[[HelpRequest], Sequence[Statement]],
        **fields: Any,
    ) -> Then:
        """:meth:`create`, queued with the writes the new request calls for (its card's
        notice, whose key holds its id): one round trip with the COMMIT instead of two. The
        new request: ``from_row(then.rows[0])`` once the transaction committed."""
        self._insert(tx, **fields)
        return tx.queue_then(_CREATED, lambda rows: follow(_request(rows[0])))

    async def get(self, s: Session, request_id: int) -> HelpRequest | None:
        row = await s.fetch_one(*self.lookup(request_id))
        return _request(row) if row else None

    @staticmethod
    def from_row(row: aiosqlite.Row) -> HelpRequest:
        """A request as :meth:`lookup` found it."""
        return _request(row)

    @staticmethod
    def lookup(request_id: int) -> Lookup:
        """How :meth:`get` looks a request up (to have it read ahead: ``Tx.read_after``)."""
        return _BY_ID, (request_id,)

    async def by_number(
        self, s: Session, constellation_id: int, number: int, visibility: Visibility
    ) -> HelpRequest | None:
        row = await s.fetch_one(
            f"{_SELECT} WHERE r.constellation_id = ? AND r.visibility = ? AND r.number = ?",
            (constellation_id, visibility.value, number),
        )
        return _request(row) if row else None

    async def active(self, s: Session, constellation_id: int) -> list[HelpRequest]:
        rows = await s.fetch_all(
            f"{_SELECT} WHERE r.constellation_id = ? AND r.state IN ('open', 'claimed')"
            " ORDER BY r.urgent DESC, r.number",
            (constellation_id,),
        )
        return [_request(row) for row in rows]

    async def active_in(self, s: Session, constellation_ids: list[int]) -> list[HelpRequest]:
        """Open and claimed requests of these constellations (hidden ones too), in one query:
        the open ones first, urgent first, then the oldest."""
        if not constellation_ids:
            return []
        marks = ", ".join("?" for _ in constellation_ids)  # placeholders only, no values
        rows = await s.fetch_all(
            f"{_SELECT} WHERE r.constellation_id IN ({marks})"
            " AND r.state IN ('open', 'claimed')"
            " ORDER BY r.constellation_id, r.state <> 'open', r.urgent DESC, r.created_at, r.id",
            tuple(constellation_ids),
        )
        return [_request(row) for row in rows]

    async def claim(
        self, tx: Tx, request_id: int, user_id: int, now: datetime
    ) -> tuple[bool, HelpRequest, list[CardLocation]]:
        """Atomic: exactly one of many concurrent claims changes the row. Whether this one
        did, and the request and its cards as they are after it (one round trip)."""
        return await self._change(
            tx,
            "UPDATE help_requests SET state = 'claimed', claimed_by = ?, claimed_at = ?,"
            " next_escalation_at = NULL"
            " WHERE id = ? AND state = 'open' AND requester_id IS NOT ?",
            (user_id, to_db_time(now), request_id, user_id),
            request_id,
        )

    async def release(
        self, tx: Tx, request_id: int, user_id: int, next_escalation_at: datetime | None
    ) -> tuple[bool, HelpRequest, list[CardLocation]]:
        """Back to open (escalation starts over), only by the person who claimed it. Whether
        it went back, and the request and its cards as they are after it."""
        return await self._change(
            tx,
            "UPDATE help_requests SET state = 'open', claimed_by = NULL, claimed_at = NULL,"
            " escalation_stage = 0, next_escalation_at = ?"
            " WHERE id = ? AND state = 'claimed' AND claimed_by = ?",
            (_opt(next_escalation_at), request_id, user_id),
            request_id,
        )

    async def _change(
        self, tx: Tx, sql: str, params: tuple[object, ...], request_id: int
    ) -> tuple[bool, HelpRequest, list[CardLocation]]:
        written, (rows, cards) = await tx.execute_then(
            sql, params, self.lookup(request_id), (_CARDS, (request_id,))
        )
        assert rows, "a request that was changed exists"
        locations = [CardLocation(row["chat_id"], row["message_id"]) for row in cards]
        return written.rowcount == 1, _request(rows[0]), locations

    async def close(
        self,
        tx: Tx,
        request_id: int,
        state: RequestState,
        outcome: Outcome | None,
        now: datetime,
    ) -> bool:
        """Resolve or withdraw a request that is still open or claimed."""
        written = await tx.execute(
            "UPDATE help_requests SET state = ?, outcome = ?, closed_at = ?,"
            " next_escalation_at = NULL WHERE id = ? AND state IN ('open', 'claimed')",
            (state.value, outcome.value if outcome else None, to_db_time(now), request_id),
        )
        return written.rowcount == 1

    async def expire_due(self, tx: Tx, now: datetime) -> list[int]:
        """Open requests whose day has passed become expired; returns their ids."""
        rows = await tx.returning(
            "UPDATE help_requests SET state = 'expired', closed_at = ?,"
            " next_escalation_at = NULL"
            " WHERE state = 'open' AND needed_by IS NOT NULL AND needed_by <= ?"
            " RETURNING id",
            (to_db_time(now), to_db_time(now)),
        )
        return [row[0] for row in rows]

    async def due_escalations(self, s: Session, now: datetime) -> list[HelpRequest]:
        rows = await s.fetch_all(
            f"{_SELECT} WHERE r.state = 'open' AND r.next_escalation_at IS NOT NULL"
            " AND r.next_escalation_at <= ? ORDER BY r.next_escalation_at",
            (to_db_time(now),),
        )
        return [_request(row) for row in rows]

    async def advance_escalation(
        self, tx: Tx, request_id: int, from_stage: int, next_at: datetime | None
    ) -> bool:
        """Move one step on; False if someone else already did."""
        written = await tx.execute(
            "UPDATE help_requests SET escalation_stage = ?, next_escalation_at = ?"
            " WHERE id = ? AND state = 'open' AND escalation_stage = ?",
            (from_stage + 1, _opt(next_at), request_id, from_stage),
        )
        return written.rowcount == 1

    async def next_due(self, s: Session) -> datetime | None:
        """The earliest moment an open request needs attention (escalation or expiry)."""
        row = await s.fetch_one(
            "SELECT MIN(t) FROM (SELECT MIN(next_escalation_at) AS t FROM help_requests"
            " WHERE state = 'open' UNION ALL SELECT MIN(needed_by) FROM help_requests"
            " WHERE state = 'open')"
        )
        return _time(row[0]) if row and row[0] else None

    async def reopen_claimed_by(
        self,
        tx: Tx,
        constellation_id: int | None,
        user_id: int,
        *,
        urgent_at: datetime,
        other_at: datetime,
    ) -> list[int]:
        """Requests this person was helping with are open again (they left, or were erased;
        ``constellation_id`` None: everywhere), escalating afresh — urgent ones at
        ``urgent_at``, the others at ``other_at``. Returns their ids."""
        rows = await tx.returning(
            "UPDATE help_requests SET state = 'open', claimed_by = NULL, claimed_at = NULL,"
            " escalation_stage = 0,"
            " next_escalation_at = CASE WHEN urgent THEN ? ELSE ? END"
            " WHERE (? IS NULL OR constellation_id = ?) AND claimed_by = ?"
            " AND state = 'claimed' RETURNING id",
            (
                to_db_time(urgent_at),
                to_db_time(other_at),
                constellation_id,
                constellation_id,
                user_id,
            ),
        )
        return [row[0] for row in rows]

    async def active_of(
        self, s: Session, constellation_id: int, requester_id: int
    ) -> list[HelpRequest]:
        rows = await s.fetch_all(
            f"{_SELECT} WHERE r.constellation_id = ? AND r.requester_id = ?"
            " AND r.state IN ('open', 'claimed') ORDER BY r.number",
            (constellation_id, requester_id),
        )
        return [_request(row) for row in rows]

    async def taken_on_for(self, s: Session, requester_id: int) -> list[HelpRequest]:
        """The person's own requests someone is helping with, in every constellation."""
        rows = await s.fetch_all(
            f"{_SELECT} WHERE r.requester_id = ? AND r.state = 'claimed' ORDER BY r.id",
            (requester_id,),
        )
        return [_request(row) for row in rows]

    async def add_card(self, tx: Tx, request_id: int, chat_id: int, message_id: int) -> None:
        """Where a card is (written with the transaction's next statement)."""
        tx.queue(
            "INSERT INTO request_cards (request_id, chat_id, message_id) VALUES (?, ?, ?)"
            " ON CONFLICT (request_id, chat_id) DO UPDATE SET message_id = excluded.message_id",
            (request_id, chat_id, message_id),
        )

    async def cards(self, s: Session, request_id: int) -> list[CardLocation]:
        rows = await s.fetch_all(_CARDS, (request_id,))
        return [CardLocation(row["chat_id"], row["message_id"]) for row in rows]

    async def card_in(self, s: Session, request_id: int, chat_id: int) -> CardLocation | None:
        row = await s.fetch_one(
            "SELECT chat_id, message_id FROM request_cards WHERE request_id = ? AND chat_id = ?",
            (request_id, chat_id),
        )
        return CardLocation(row["chat_id"], row["message_id"]) if row else None
