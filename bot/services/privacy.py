"""The person's rights (AVG/GDPR): to be forgotten; and keeping data no longer than needed.

Erased means erased on disk: the erasure, the redraw of every card that showed the person,
and what must follow for others (a helper hears the request is withdrawn; a message or card
that was on its way to the person is kept for, or reported to, whoever it was for) are one
transaction. Afterwards the write-ahead log is checkpointed and truncated, so the erased bytes
are neither in the database file (``secure_delete`` overwrote them), nor in its log, nor in
any backup made from then on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import NoticeKind
from bot.services.meetups import notices as meetup_notices
from bot.services.private_line import PrivateLineService
from bot.services.requests import EscalationPolicy, RequestService
from bot.services.sleepovers import notices as sleepover_notices
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, Tx
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.meetups import MeetupRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.privacy import Erased, PrivacyRepository, Retained
from bot.storage.sleepovers import SleepoverRepository


@dataclass(frozen=True, slots=True)
class PrivacyStores:
    """The tables an erasure touches."""

    privacy: PrivacyRepository
    constellations: ConstellationRepository
    requests: HelpRequestRepository
    meetups: MeetupRepository
    outbox: OutboxRepository
    sleepovers: SleepoverRepository


class PrivacyService:
    def __init__(
        self,
        db: Database,
        stores: PrivacyStores,
        requests: RequestService,
        line: PrivateLineService,
        clock: Clock,
        *,
        retention_days: int,
        policy: EscalationPolicy,
        zone: ZoneInfo,
    ) -> None:
        self._db = db
        self._stores = stores
        self._requests = requests
        self._line = line
        self._clock = clock
        self._policy = policy
        self._zone = zone
        self.retention_days = retention_days

    async def forget(self, user_id: int) -> Erased:
        """Erase the person everywhere; cards that showed them are redrawn without them."""
        stores, now = self._stores, self._clock.now()
        # Requests they were helping with reopen and are brought to attention afresh.
        reopened = (
            self._policy.first(now, True, self._zone),
            self._policy.first(now, False, self._zone),
        )
        async with self._db.transaction() as tx:
            helped = await stores.requests.taken_on_for(tx, user_id)
            dropped = await stores.outbox.pending_for(tx, user_id)
            asked = await stores.meetups.questions_of(tx, user_id)
            erased = await stores.privacy.forget(tx, user_id, now, reopened)  # drops them too
            # "Anna: 👧 With how many children…?" goes from the group (and from her own chat).
            for question in asked:
                await stores.outbox.add(tx, meetup_notices.children_erased(question), now)
            # Whoever was helping with one of their requests hears it is withdrawn.
            for request in helped:
                helper = request.claimed_by
                if helper is None or helper == user_id:
                    continue
                constellation = await stores.constellations.by_id(tx, request.constellation_id)
                if constellation is not None:
                    erased_request = replace(request, requester_id=None)
                    await self._requests.tell_helper_withdrawn(
                        tx, constellation, erased_request, helper
                    )
            # A card or message that was on its way to them is not lost for the others.
            for pending in dropped:
                if pending.notice.kind is NoticeKind.REQUEST_CARD:
                    await self._requests.card_undelivered(tx, pending.notice)
                elif pending.notice.kind is NoticeKind.LINE_COPY:
                    await self._line.copy_undelivered(tx, pending.notice)
            await self._redraw(tx, erased, now)
        await self._db.checkpoint()
        return erased

    async def _redraw(self, tx: Tx, erased: Erased, now: datetime) -> None:
        """Every card that showed them, drawn again without them (the copies in their own
        chat are no longer tracked: they keep what they wrote)."""
        stores = self._stores
        for request_id in erased.request_ids:
            request = await stores.requests.get(tx, request_id)
            assert request is not None
            await self._requests.redraw(tx, request, now)
        for occurrence_id in erased.occurrence_ids:
            occurrence = await stores.meetups.occurrence(tx, occurrence_id)
            meetup = await stores.meetups.meetup(tx, occurrence.meetup_id) if occurrence else None
            if meetup is None:
                continue
            for card in await stores.meetups.cards(tx, occurrence_id):
                notice = meetup_notices.card_edit(occurrence_id, meetup.constellation_id, card)
                await stores.outbox.renew(tx, notice, now)
        for sleepover_id in erased.sleepover_ids:
            sleepover = await stores.sleepovers.get(tx, sleepover_id)
            if sleepover is None:
                continue
            for card in await stores.sleepovers.cards(tx, sleepover_id):
                await stores.outbox.renew(tx, sleepover_notices.card_edit(sleepover, card), now)

    async def apply_retention(self) -> Retained:
        cutoff = self._clock.now() - timedelta(days=self.retention_days)
        async with self._db.transaction() as tx:
            retained = await self._stores.privacy.retain(tx, cutoff)
        await self._db.checkpoint()
        return retained
