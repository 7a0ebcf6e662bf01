"""The person's rights (AVG/GDPR): to be forgotten; and keeping data no longer than needed.

Erased means erased on disk: the erasure and the redraw of every card that showed the person
are one transaction, and afterwards the write-ahead log is checkpointed and truncated, so the
erased bytes are neither in the database file (``secure_delete`` overwrote them), nor in its
log, nor in any backup made from then on.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.services.meetups import notices as meetup_notices
from bot.services.requests import EscalationPolicy
from bot.services.requests import notices as request_notices
from bot.storage.db import Database
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.meetups import MeetupRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.privacy import Erased, PrivacyRepository, Retained


class PrivacyService:
    def __init__(
        self,
        db: Database,
        repo: PrivacyRepository,
        requests: HelpRequestRepository,
        meetups: MeetupRepository,
        outbox: OutboxRepository,
        clock: Clock,
        retention_days: int,
        *,
        policy: EscalationPolicy,
        zone: ZoneInfo,
    ) -> None:
        self._db = db
        self._policy = policy
        self._zone = zone
        self._repo = repo
        self._requests = requests
        self._meetups = meetups
        self._outbox = outbox
        self._clock = clock
        self.retention_days = retention_days

    async def forget(self, user_id: int) -> Erased:
        """Erase the person everywhere; cards that showed them are redrawn without them."""
        now = self._clock.now()
        # Requests they were helping with reopen and are brought to attention afresh.
        reopened = (
            self._policy.first(now, True, self._zone),
            self._policy.first(now, False, self._zone),
        )
        async with self._db.transaction() as tx:
            erased = await self._repo.forget(tx, user_id, now, reopened)
            for request_id in erased.request_ids:
                request = await self._requests.get(tx, request_id)
                assert request is not None
                for card in await self._requests.cards(tx, request_id):
                    if card.chat_id != user_id:  # their own chat keeps what they wrote
                        await self._outbox.renew(tx, request_notices.card_edit(request, card), now)
            for occurrence_id in erased.occurrence_ids:
                occurrence = await self._meetups.occurrence(tx, occurrence_id)
                meetup = (
                    await self._meetups.meetup(tx, occurrence.meetup_id) if occurrence else None
                )
                if meetup is None:
                    continue
                for card in await self._meetups.cards(tx, occurrence_id):
                    notice = meetup_notices.card_edit(occurrence_id, meetup.constellation_id, card)
                    await self._outbox.renew(tx, notice, now)
        await self._db.checkpoint()
        return erased

    async def apply_retention(self) -> Retained:
        cutoff = self._clock.now() - timedelta(days=self.retention_days)
        async with self._db.transaction() as tx:
            retained = await self._repo.retain(tx, cutoff)
        await self._db.checkpoint()
        return retained
