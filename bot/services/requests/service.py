"""Help requests: post, claim, release, resolve, withdraw, expire and escalate.

Every use case is one transaction: the guarded UPDATE that changes the request, the notices
it causes (to the requester, the helper, the hub home) and the redraw of every copy of its
card are committed together, or not at all. Delivery happens after the commit, from the
outbox, so nothing is forgotten and nothing is sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import (
    AlreadyClaimed,
    CardLocation,
    Constellation,
    ConstellationStatus,
    HelpRequest,
    HubHomeUnreachable,
    NotAllowed,
    NotAMember,
    Notice,
    NoticeKind,
    NotSetUp,
    Outcome,
    OwnRequest,
    Person,
    RequestNotFound,
    RequestState,
    Role,
    Visibility,
    WrongState,
)
from bot.services.request_text import ParsedRequest, parse_request
from bot.services.requests import notices
from bot.services.requests.drafts import EmptyRequest, EscalationPolicy, RequestDraft
from bot.services.requests.visibility import may_claim, may_resolve, may_see, shown_in_group
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, Lookup, Session, Statement, Tx
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository

CLAIM_ROLES = (Role.HUBHOME, Role.LIAISON)


@dataclass(frozen=True, slots=True)
class Posted:
    constellation: Constellation
    request: HelpRequest
    parsed: ParsedRequest


@dataclass(frozen=True, slots=True)
class MemberLeft:
    constellation: Constellation
    former_role: Role
    reopened: list[HelpRequest]  # requests they were helping with, open again


class RequestService:
    def __init__(
        self,
        db: Database,
        requests: HelpRequestRepository,
        outbox: OutboxRepository,
        constellations: ConstellationRepository,
        people: PeopleRepository,
        memberships: MembershipRepository,
        clock: Clock,
        policy: EscalationPolicy,
    ) -> None:
        self._db = db
        self._requests = requests
        self._outbox = outbox
        self._constellations = constellations
        self._people = people
        self._memberships = memberships
        self._clock = clock
        self._policy = policy

    # -- posting -----------------------------------------------------------------------------

    async def post(self, chat_id: int, person: Person, raw_text: str) -> Posted:
        """A request typed in the group (``/request <text>``): stored, and its card queued."""
        constellation = await self._constellations.by_chat(self._db.reader, chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        parsed = parse_request(raw_text)
        if not parsed.text:
            raise EmptyRequest
        now = self._clock.now()
        draft = RequestDraft(
            parsed.category, parsed.text, parsed.when, None, parsed.urgent, Visibility.GROUP
        )
        outbox = self._outbox

        def card(request: HelpRequest) -> list[Statement]:
            # On the database's thread, with the COMMIT (Tx.queue_then): the card's notice
            # holds the new request's id.
            return [outbox.adding(notices.group_card(constellation, request), now)]

        async with self._db.transaction() as tx:
            await self._people.upsert(tx, person, now, member_of=constellation.id)
            await self._memberships.ensure_active(tx, constellation.id, person.user_id, now)
            fields = self._fields(constellation, person.user_id, draft, now)
            created = self._requests.create_then(tx, card, **fields)
        request = self._requests.from_row(created.rows[0])
        return Posted(constellation, request, parsed)

    async def post_draft(
        self,
        constellation_id: int,
        person: Person,
        draft: RequestDraft,
        preview: CardLocation | None = None,
    ) -> tuple[Constellation, HelpRequest]:
        """A request composed in a private chat; the person must (still) be a member.

        Its card goes to the group, or (hub home only) to every hub home carer whose private
        chat is linked; with nobody to reach it is refused, and nothing is stored. The
        ``preview`` message becomes the requester's own copy of the card, and they are told
        where it went — all queued in the transaction that stores the request.
        """
        text = parse_request(draft.text).text
        if not text:
            raise EmptyRequest
        now = self._clock.now()
        async with self._db.transaction() as tx:
            constellation = await self._constellations.by_id(tx, constellation_id)
            if constellation is None or constellation.status is not ConstellationStatus.ACTIVE:
                raise NotSetUp(constellation_id)
            if await self._memberships.active_role(tx, constellation.id, person.user_id) is None:
                raise NotAMember(constellation_id)
            carers: list[int] = []
            if draft.visibility is Visibility.HUBHOME:
                reachable = await self._memberships.reachable_with_role(
                    tx, constellation.id, Role.HUBHOME
                )
                carers = [m.user_id for m in reachable]
                if not carers:
                    raise HubHomeUnreachable(constellation_id)
            await self._people.upsert(tx, person, now)
            request = await self._create(
                tx, constellation, person.user_id, replace(draft, text=text), now
            )
            # The requester hears "sent" once a card is out, never before (card_went_out).
            if request.visibility is Visibility.GROUP:
                notice = notices.group_card(constellation, request, confirm=True)
                await self._outbox.add(tx, notice, now)
            for carer in carers:
                notice = notices.carer_card(constellation, request, carer, confirm=True)
                await self._outbox.add(tx, notice, now)
            if preview is not None:
                await self._requests.add_card(tx, request.id, preview.chat_id, preview.message_id)
                await self._outbox.renew(tx, notices.card_edit(request, preview), now)
        return constellation, request

    async def _create(
        self,
        tx: Tx,
        constellation: Constellation,
        requester_id: int,
        draft: RequestDraft,
        now: datetime,
    ) -> HelpRequest:
        fields = self._fields(constellation, requester_id, draft, now)
        return await self._requests.create(tx, **fields)

    def _fields(
        self, constellation: Constellation, requester_id: int, draft: RequestDraft, now: datetime
    ) -> dict[str, object]:
        """What a new request is stored with (``HelpRequestRepository._insert``)."""
        zone = ZoneInfo(constellation.timezone)
        return {
            "constellation_id": constellation.id,
            "requester_id": requester_id,
            "category": draft.category,
            "text": draft.text,
            "when_kind": draft.when,
            "needed_by": draft.deadline(now, zone),
            "urgent": draft.urgent,
            "visibility": draft.visibility,
            "created_at": now,
            "next_escalation_at": self._policy.first(now, draft.urgent, zone),
        }

    def preview(
        self, constellation: Constellation, requester_name: str, draft: RequestDraft
    ) -> HelpRequest:
        """How the request will look once sent: no number, no state changes yet."""
        now = self._clock.now()
        return HelpRequest(
            id=0,
            constellation_id=constellation.id,
            number=0,
            requester_id=None,
            requester_name=requester_name,
            category=draft.category,
            text=draft.text,
            when_kind=draft.when,
            needed_by=draft.deadline(now, ZoneInfo(constellation.timezone)),
            urgent=draft.urgent,
            visibility=draft.visibility,
            state=RequestState.OPEN,
            claimed_by=None,
            claimer_name=None,
            claimed_at=None,
            closed_at=None,
            outcome=None,
            created_at=now,
            escalation_stage=0,
            next_escalation_at=None,
        )

    # -- finding ------------------------------------------------------------------------------

    async def get(self, request_id: int) -> HelpRequest | None:
        return await self._requests.get(self._db.reader, request_id)

    def lookups(self, request_id: int) -> list[Lookup]:
        """What :meth:`get` reads, to be read ahead (``Tx.read_after``)."""
        return [self._requests.lookup(request_id)]

    async def may_resolve(
        self, constellation: Constellation, request: HelpRequest, user_id: int
    ) -> bool:
        """Whether this person may close the request now (see ``visibility.may_resolve``)."""
        return may_resolve(
            request,
            user_id,
            await self._memberships.active_role(self._db.reader, constellation.id, user_id),
        )

    async def by_number_in(
        self, constellation_id: int, number: int, visibility: Visibility = Visibility.GROUP
    ) -> HelpRequest | None:
        return await self._requests.by_number(self._db.reader, constellation_id, number, visibility)

    async def sees(self, request: HelpRequest, user_id: int) -> bool:
        """Whether this person may see the request now (see ``visibility.may_see``)."""
        role = await self._memberships.active_role(
            self._db.reader, request.constellation_id, user_id
        )
        return may_see(request, user_id, role)

    async def constellations_of(self, user_id: int) -> list[Constellation]:
        """Where the person may post a request from their private chat."""
        return await self._constellations.of_member(self._db.reader, user_id)

    async def cards(self, request_id: int) -> list[CardLocation]:
        """Every copy of a card: in the group, and in private chats."""
        return await self._requests.cards(self._db.reader, request_id)

    async def card_in(self, request_id: int, chat_id: int) -> CardLocation | None:
        return await self._requests.card_in(self._db.reader, request_id, chat_id)

    async def card_went_out(
        self, tx: Tx, drawn: HelpRequest, chat_id: int, message_id: int, *, confirm: bool
    ) -> None:
        """A card went out (delivery records it in the transaction that marks it sent). If
        the request changed while the card was on its way, the card is redrawn; with
        ``confirm``, the first card out tells the requester where the request went."""
        now = self._clock.now()
        card = CardLocation(chat_id, message_id)
        await self._requests.add_card(tx, drawn.id, chat_id, message_id)
        constellation = (
            await self._constellations.by_id(tx, drawn.constellation_id) if confirm else None
        )
        outbox, requests = self._outbox, self._requests
        redraw = outbox.renewing(notices.card_edit(drawn, card), now)

        def follow(rows: list[aiosqlite.Row]) -> list[Statement]:
            # On the database's thread, in the transaction (Tx.queue_then): the request as
            # it is now, compared with the card that went out, without a round trip.
            if not rows:
                return []  # gone (requests are never deleted today): nothing to redraw
            current = requests.from_row(rows[0])
            writes = [redraw] if current != drawn else []
            if constellation is not None and current.requester_id is not None:
                writes.append(outbox.adding(notices.posted(constellation, current), now))
            return writes

        tx.queue_then(requests.lookup(drawn.id), follow)

    async def card_undelivered(self, tx: Tx, notice: Notice) -> None:
        """A card could not be delivered (failed for good, or its reader may no longer see
        it). If the request, still open, now reached nobody at all, the requester is told
        plainly — and for a hub-home-only request, the liaison too, without a word of it."""
        request_id = notice.ref("request")
        request = await self._requests.get(tx, request_id) if request_id is not None else None
        if request is None or not request.state.is_active:
            return
        now = self._clock.now()
        if notice.chat_id is not None:  # the group's card
            told = notices.not_delivered(request, "request_card")
            if told is not None:
                await self._outbox.add(tx, told, now)
            return
        if await self._reached_a_carer(tx, request):
            return
        told = notices.not_delivered(request, "request_hubhome")
        if told is not None:
            await self._outbox.add(tx, told, now)
        for liaison in await self._memberships.with_role(
            tx, request.constellation_id, Role.LIAISON
        ):
            await self._outbox.add(tx, notices.hubhome_unreached(request, liaison.user_id), now)

    async def _reached_a_carer(self, tx: Tx, request: HelpRequest) -> bool:
        """Whether an active hub home carer has the card, or may still get it."""
        carers = {
            m.user_id
            for m in await self._memberships.with_role(tx, request.constellation_id, Role.HUBHOME)
        }
        if any(card.chat_id in carers for card in await self._requests.cards(tx, request.id)):
            return True
        pending = await self._outbox.pending_keys(tx, f"req:{request.id}:card:%")
        return any(key.rsplit(":", 1)[1] in {str(c) for c in carers} for key in pending)

    async def by_number(self, chat_id: int, number: int) -> tuple[Constellation, HelpRequest]:
        """A request by its number in the group where the command was typed."""
        constellation = await self._constellations.by_chat(self._db.reader, chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        # In the group a hidden request does not exist: only the group's own numbers count.
        request = await self._requests.by_number(
            self._db.reader, constellation.id, number, Visibility.GROUP
        )
        if request is None:
            raise RequestNotFound(number)
        return constellation, request

    async def for_press(
        self, target: int | tuple[int, Visibility, int], chat_id: int, user_id: int
    ) -> tuple[Constellation, HelpRequest]:
        """The request behind a button, if the button may act on it from this chat at all.

        ``target`` is the request as its card shows it (constellation, visibility, number),
        or the global id an older card carries. A button works in the constellation's own
        group, or in the presser's private chat (hub-home-only cards, escalation notices) if
        they belong to that constellation.
        """
        reader = self._db.reader
        if isinstance(target, int):
            request_id, request = target, await self._requests.get(reader, target)
        else:
            constellation_id, visibility, number = target
            request_id = number
            request = await self._requests.by_number(reader, constellation_id, number, visibility)
        if request is None:
            raise RequestNotFound(request_id)
        constellation = await self._constellations.by_id(reader, request.constellation_id)
        if constellation is None:
            raise RequestNotFound(request_id)
        # The group's card may still live in the group's old chat after an upgrade to a
        # supergroup: a press counts where the bot itself put the card.
        in_group = shown_in_group(request) and (
            chat_id == constellation.chat_id
            or (chat_id < 0 and await self._requests.card_in(reader, request.id, chat_id))
        )
        # In a private chat: only one's own, and only a request one may see (a hidden one
        # does not exist for anyone else, whatever the button says).
        in_private = chat_id == user_id and may_see(
            request, user_id, await self._memberships.active_role(reader, constellation.id, user_id)
        )
        if not (in_group or in_private):
            raise RequestNotFound(request_id)
        return constellation, request

    async def active(self, chat_id: int) -> tuple[Constellation, list[HelpRequest]]:
        constellation = await self._constellations.by_chat(self._db.reader, chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        requests = await self._requests.active(self._db.reader, constellation.id)
        return constellation, [r for r in requests if r.visibility is Visibility.GROUP]

    async def _reload(self, s: Session, request_id: int) -> HelpRequest:
        request = await self._requests.get(s, request_id)
        assert request is not None
        return request

    async def redraw(
        self,
        tx: Tx,
        request: HelpRequest,
        now: datetime,
        cards: list[CardLocation] | None = None,
    ) -> None:
        """Queue a redraw of every copy of the request's card (``cards``, if already read),
        in the change's transaction."""
        if cards is None:
            cards = await self._requests.cards(tx, request.id)
        for card in cards:
            await self._outbox.renew(tx, notices.card_edit(request, card), now)

    async def tell_helper_withdrawn(
        self, tx: Tx, constellation: Constellation, request: HelpRequest, helper_id: int
    ) -> None:
        """Whoever was helping hears the request was withdrawn (under the group's card)."""
        card_id = await self._group_card_id(tx, constellation, request)
        notice = notices.withdrawn(constellation, request, helper_id, card_id)
        await self._outbox.add(tx, notice, self._clock.now())

    async def _group_card_id(
        self, s: Session, constellation: Constellation, request: HelpRequest
    ) -> int | None:
        card = await self._requests.card_in(s, request.id, constellation.chat_id)
        return card.message_id if card else None

    async def _changed_helper(
        self,
        tx: Tx,
        kind: NoticeKind,
        constellation: Constellation,
        request: HelpRequest,
        cards: list[CardLocation],
        helper_id: int,
        now: datetime,
    ) -> HelpRequest:
        """Claimed or released: the requester hears who, and every card (``cards``) is
        redrawn. The request, as it is now."""
        card_id = next((c.message_id for c in cards if c.chat_id == constellation.chat_id), None)
        notice = notices.to_requester(kind, constellation, request, helper_id, card_id, now)
        if notice is not None:
            await self._outbox.add(tx, notice, now)
        await self.redraw(tx, request, now, cards)
        return request

    # -- state changes ------------------------------------------------------------------------

    async def claim(
        self, constellation: Constellation, request: HelpRequest, person: Person
    ) -> HelpRequest:
        if request.requester_id == person.user_id:
            raise OwnRequest(request.id)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            role = await self._memberships.active_role(tx, constellation.id, person.user_id)
            members_may = constellation.members_may_claim
            if not may_claim(request, person.user_id, role, members_may=members_may):
                raise NotAllowed("claim")
            await self._people.upsert(tx, person, now, member_of=constellation.id)
            claimed, current, cards = await self._requests.claim(
                tx, request.id, person.user_id, now
            )
            if not claimed:
                if current.state is RequestState.CLAIMED:
                    raise AlreadyClaimed(current)
                raise WrongState(current)
            return await self._changed_helper(
                tx, NoticeKind.REQUEST_CLAIMED, constellation, current, cards, person.user_id, now
            )

    async def release(
        self, constellation: Constellation, request: HelpRequest, person: Person
    ) -> HelpRequest:
        if request.state is not RequestState.CLAIMED:
            raise WrongState(request)
        if request.claimed_by != person.user_id:
            raise NotAllowed("release")
        now = self._clock.now()
        zone = ZoneInfo(constellation.timezone)
        async with self._db.transaction() as tx:
            again = self._policy.first(now, request.urgent, zone)
            released, current, cards = await self._requests.release(
                tx, request.id, person.user_id, again
            )
            if not released:
                raise WrongState(current)
            return await self._changed_helper(
                tx, NoticeKind.REQUEST_RELEASED, constellation, current, cards, person.user_id, now
            )

    async def resolve(
        self,
        constellation: Constellation,
        request: HelpRequest,
        person: Person,
        outcome: Outcome,
    ) -> HelpRequest:
        now = self._clock.now()
        async with self._db.transaction() as tx:
            role = await self._memberships.active_role(tx, constellation.id, person.user_id)
            if not may_resolve(request, person.user_id, role):
                raise NotAllowed("resolve")
            if not request.state.is_active:
                raise WrongState(request)
            if not await self._requests.close(tx, request.id, RequestState.RESOLVED, outcome, now):
                raise WrongState(await self._reload(tx, request.id))
            resolved = await self._reload(tx, request.id)
            await self.redraw(tx, resolved, now)
        return resolved

    async def withdraw(
        self, constellation: Constellation, request: HelpRequest, person: Person
    ) -> HelpRequest:
        if request.requester_id != person.user_id:
            raise NotAllowed("withdraw")
        if not request.state.is_active:
            raise WrongState(request)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            before = await self._reload(tx, request.id)
            if not await self._requests.close(tx, request.id, RequestState.WITHDRAWN, None, now):
                raise WrongState(before)
            withdrawn = await self._reload(tx, request.id)
            if before.claimed_by is not None:
                await self.tell_helper_withdrawn(tx, constellation, withdrawn, before.claimed_by)
            await self.redraw(tx, withdrawn, now)
        return withdrawn

    # -- people leaving ------------------------------------------------------------------------

    async def member_left(self, chat_id: int, user_id: int) -> MemberLeft | None:
        """Someone left (or was removed from) the group: their role ends, requests they were
        helping with reopen, their own open requests stay, and the hub home is told — in one
        transaction. None if they were not an active member (a leave reported twice counts
        once)."""
        constellation = await self._constellations.by_chat(self._db.reader, chat_id)
        if constellation is None:
            return None
        now = self._clock.now()
        async with self._db.transaction() as tx:
            role = await self._memberships.mark_left(tx, constellation.id, user_id, now)
            if role is None:
                return None
            zone = ZoneInfo(constellation.timezone)
            reopened_ids = await self._requests.reopen_claimed_by(
                tx,
                constellation.id,
                user_id,
                urgent_at=self._policy.first(now, True, zone),
                other_at=self._policy.first(now, False, zone),
            )
            reopened = [await self._reload(tx, i) for i in reopened_ids]
            for request in reopened:
                await self.redraw(tx, request, now)
            own = await self._requests.active_of(tx, constellation.id, user_id)
            hubhome = await self._memberships.with_role(tx, constellation.id, Role.HUBHOME)
            told = [m.user_id for m in hubhome if m.user_id != user_id] or [
                m.user_id
                for m in await self._memberships.with_role(tx, constellation.id, Role.LIAISON)
            ]
            for notice in notices.member_left(constellation, user_id, own, reopened, told):
                await self._outbox.add(tx, notice, now)
        return MemberLeft(constellation, role, reopened)

    # -- time-driven work ---------------------------------------------------------------------

    async def tick(self) -> None:
        """Expire what is past its day and escalate what waited too long."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            for request_id in await self._requests.expire_due(tx, now):
                await self.redraw(tx, await self._reload(tx, request_id), now)
        for request in await self._requests.due_escalations(self._db.reader, now):
            await self._escalate(request, now)

    async def _escalate(self, request: HelpRequest, now: datetime) -> None:
        if request.next_escalation_at is None:
            return
        async with self._db.transaction() as tx:
            constellation = await self._constellations.by_id(tx, request.constellation_id)
            if constellation is None:
                return
            stage = request.escalation_stage
            # A hub-home-only request stays with the hub home: the second step reminds them.
            private = request.visibility is Visibility.HUBHOME
            role = Role.HUBHOME if stage == 0 or private else Role.LIAISON
            zone = ZoneInfo(constellation.timezone)
            next_at = (
                self._policy.second(request.next_escalation_at, request.urgent, zone)
                if stage == 0
                else None
            )
            if not await self._requests.advance_escalation(tx, request.id, stage, next_at):
                return  # someone else got there first
            people = [
                m.user_id
                for m in await self._memberships.reachable_with_role(tx, constellation.id, role)
                if m.user_id != request.requester_id  # a carer asking is not asked to help
            ]
            step = f"esc{stage + 1}:{request.next_escalation_at.timestamp():.0f}"
            for notice in notices.escalations(constellation, request, role, people, step):
                await self._outbox.add(tx, notice, now)
            if not people:  # nobody to reach: the other carers hear it privately, once
                other = Role.LIAISON if role is Role.HUBHOME else Role.HUBHOME
                told = [
                    m.user_id
                    for m in await self._memberships.reachable_with_role(
                        tx, constellation.id, other
                    )
                ]
                for notice in notices.unreachable(constellation, role, told):
                    await self._outbox.add(tx, notice, now)

    async def next_due(self) -> datetime | None:
        return await self._requests.next_due(self._db.reader)
