"""Help requests: post, claim, release, resolve, withdraw, expire and escalate.

Every state change is one guarded UPDATE (see storage); notices to people go through the
outbox in the same breath, so nothing is forgotten and nothing is sent twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import (
    AlreadyClaimed,
    CardCopy,
    Category,
    Constellation,
    ConstellationStatus,
    DomainError,
    HelpRequest,
    HubHomeUnreachable,
    Member,
    NotAllowed,
    NotAMember,
    Notice,
    NotSetUp,
    Outcome,
    OwnRequest,
    Person,
    RequestNotFound,
    RequestState,
    Role,
    Visibility,
    WhenKind,
    WrongState,
)
from bot.durations import DailyWindow
from bot.i18n import normalise_language
from bot.services.request_text import ParsedRequest, parse_request
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository

CLAIM_ROLES = (Role.HUBHOME, Role.LIAISON)
# The message key of an outbox notice that is a request card itself (hub-home-only requests).
CARD_NOTICE = "@request-card"


class EmptyRequest(DomainError):
    """Nothing left to ask once the tags are taken out."""


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    after: timedelta
    urgent_after: timedelta
    quiet_hours: DailyWindow


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """What a request says before it exists: typed in one line, or built step by step."""

    category: Category
    text: str
    when: WhenKind
    day: date | None  # only for WhenKind.DATE
    urgent: bool
    visibility: Visibility

    def deadline(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When the request expires: after the picked day, or as its "when" says."""
        if self.when is WhenKind.DATE and self.day is not None:
            return end_of_day(self.day, zone)
        return needed_by(self.when, now, zone)


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


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight after ``day``: a request for that day expires then."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def needed_by(when: WhenKind, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the day (local) by which help is needed; the request expires after it."""
    today = now.astimezone(zone).date()
    days = {WhenKind.TODAY: 0, WhenKind.TOMORROW: 1}
    if when in days:
        day = today + timedelta(days=days[when])
    elif when is WhenKind.WEEK:
        day = today + timedelta(days=6 - today.weekday())  # through Sunday
    else:
        return None
    return end_of_day(day, zone)


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
        """A request typed in the group (``/request <text>``), shown to the whole group."""
        constellation = await self._constellations.by_chat(chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        parsed = parse_request(raw_text)
        if not parsed.text:
            raise EmptyRequest
        now = self._clock.now()
        await self._people.upsert(person, now)
        await self._memberships.ensure_active(constellation.id, person.user_id, now)
        draft = RequestDraft(
            parsed.category, parsed.text, parsed.when, None, parsed.urgent, Visibility.GROUP
        )
        request = await self._create(constellation, person.user_id, draft, now)
        return Posted(constellation, request, parsed)

    async def post_draft(
        self, constellation_id: int, person: Person, draft: RequestDraft
    ) -> tuple[Constellation, HelpRequest]:
        """A request composed in a private chat; the person must (still) be a member.

        A hub-home-only request goes to every hub home carer whose private chat is linked,
        through the outbox; with nobody to reach it is refused, and nothing is stored.
        """
        constellation = await self._constellations.by_id(constellation_id)
        if constellation is None or constellation.status is not ConstellationStatus.ACTIVE:
            raise NotSetUp(constellation_id)
        if await self._role(constellation, person.user_id) is None:
            raise NotAMember(constellation_id)
        text = parse_request(draft.text).text
        if not text:
            raise EmptyRequest
        carers: list[Member] = []
        if draft.visibility is Visibility.HUBHOME:
            carers = await self._memberships.reachable_with_role(constellation.id, Role.HUBHOME)
            if not carers:
                raise HubHomeUnreachable(constellation_id)
        now = self._clock.now()
        await self._people.upsert(person, now)

        async def send_cards(conn: aiosqlite.Connection, request_id: int) -> None:
            for carer in carers:
                notice = Notice(
                    dedupe_key=f"req:{request_id}:card:{carer.user_id}",
                    message_key=CARD_NOTICE,
                    values={},
                    constellation_id=constellation.id,
                    user_id=carer.user_id,
                    request_id=request_id,
                )
                await self._outbox.add(conn, notice, now)

        request = await self._create(
            constellation, person.user_id, replace(draft, text=text), now, then=send_cards
        )
        return constellation, request

    async def _create(
        self,
        constellation: Constellation,
        requester_id: int,
        draft: RequestDraft,
        now: datetime,
        then: Callable[[aiosqlite.Connection, int], Awaitable[None]] | None = None,
    ) -> HelpRequest:
        zone = ZoneInfo(constellation.timezone)
        return await self._requests.create(
            constellation_id=constellation.id,
            requester_id=requester_id,
            category=draft.category,
            text=draft.text,
            when_kind=draft.when,
            needed_by=draft.deadline(now, zone),
            urgent=draft.urgent,
            visibility=draft.visibility,
            created_at=now,
            next_escalation_at=self._first_escalation(now, draft.urgent, zone),
            then=then,
        )

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

    async def with_constellation(self, request_id: int) -> tuple[Constellation, HelpRequest]:
        request = await self._requests.get(request_id)
        constellation = (
            await self._constellations.by_id(request.constellation_id) if request else None
        )
        if request is None or constellation is None:
            raise RequestNotFound(request_id)
        return constellation, request

    async def constellations_of(self, user_id: int) -> list[Constellation]:
        """Where the person may post a request from their private chat."""
        return await self._constellations.of_member(user_id)

    async def constellation(self, constellation_id: int) -> Constellation | None:
        return await self._constellations.by_id(constellation_id)

    def _first_escalation(self, base: datetime, urgent: bool, zone: ZoneInfo) -> datetime:
        if urgent:
            return base + self._policy.urgent_after
        return self._policy.quiet_hours.defer(base + self._policy.after, zone)

    async def card_posted(self, request_id: int, chat_id: int, message_id: int) -> None:
        await self._requests.add_card(request_id, chat_id, message_id)

    async def cards(self, constellation: Constellation, request_id: int) -> list[CardCopy]:
        """Every copy of a card: the group's in its language, private ones in their reader's."""
        copies = []
        for card in await self._requests.cards(request_id):
            language = constellation.language
            if card.chat_id > 0:  # a private chat: its id is the person's
                person = await self._people.get(card.chat_id)
                code = person.language_code if person else None
                language = normalise_language(code, constellation.language)
            copies.append(CardCopy(card.chat_id, card.message_id, language))
        return copies

    # -- finding ------------------------------------------------------------------------------

    async def by_number(self, chat_id: int, number: int) -> tuple[Constellation, HelpRequest]:
        """A request by its number in the group where the command was typed."""
        constellation = await self._constellations.by_chat(chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        request = await self._requests.by_number(constellation.id, number)
        if request is None:
            raise RequestNotFound(number)
        return constellation, request

    async def for_press(
        self, request_id: int, chat_id: int, user_id: int
    ) -> tuple[Constellation, HelpRequest]:
        """The request behind a button, if the button may act on it from this chat at all.

        A button works in the constellation's own group, or in the presser's private chat
        (hub-home-only cards, escalation notices) if they belong to that constellation.
        """
        request = await self._requests.get(request_id)
        if request is None:
            raise RequestNotFound(request_id)
        constellation = await self._constellations.by_id(request.constellation_id)
        if constellation is None:
            raise RequestNotFound(request_id)
        # The group's card may still live in the group's old chat after an upgrade to a
        # supergroup: a press counts where the bot itself put the card.
        in_group = request.visibility is Visibility.GROUP and (
            chat_id == constellation.chat_id
            or (chat_id < 0 and await self._requests.card_in(request.id, chat_id) is not None)
        )
        in_private = (
            chat_id == user_id
            and (await self._memberships.get(constellation.id, user_id)) is not None
        )
        if not (in_group or in_private):
            raise RequestNotFound(request_id)
        return constellation, request

    async def active(self, chat_id: int) -> tuple[Constellation, list[HelpRequest]]:
        constellation = await self._constellations.by_chat(chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        requests = await self._requests.active(constellation.id)
        return constellation, [r for r in requests if r.visibility is Visibility.GROUP]

    async def _role(self, constellation: Constellation, user_id: int) -> Role | None:
        member = await self._memberships.get(constellation.id, user_id)
        return member.role if member and member.status.value == "active" else None

    async def _reload(self, request_id: int) -> HelpRequest:
        request = await self._requests.get(request_id)
        assert request is not None
        return request

    # -- state changes ------------------------------------------------------------------------

    async def claim(
        self, constellation: Constellation, request: HelpRequest, person: Person
    ) -> HelpRequest:
        if request.requester_id == person.user_id:
            raise OwnRequest(request.id)
        role = await self._role(constellation, person.user_id)
        if role not in CLAIM_ROLES and not (constellation.members_may_claim and role):
            raise NotAllowed("claim")
        now = self._clock.now()
        await self._people.upsert(person, now)
        if not await self._requests.claim(request.id, person.user_id, now):
            current = await self._reload(request.id)
            if current.state is RequestState.CLAIMED:
                raise AlreadyClaimed(current)
            raise WrongState(current)
        claimed = await self._reload(request.id)
        await self._tell_requester(constellation, claimed, "notice.claimed", now)
        return claimed

    async def release(
        self, constellation: Constellation, request: HelpRequest, person: Person
    ) -> HelpRequest:
        if request.state is not RequestState.CLAIMED:
            raise WrongState(request)
        if request.claimed_by != person.user_id:
            raise NotAllowed("release")
        now = self._clock.now()
        zone = ZoneInfo(constellation.timezone)
        if not await self._requests.release(
            request.id, person.user_id, self._first_escalation(now, request.urgent, zone)
        ):
            raise WrongState(await self._reload(request.id))
        released = await self._reload(request.id)
        await self._tell_requester(
            constellation, released, "notice.released", now, helper=request.claimer_name or ""
        )
        return released

    async def resolve(
        self,
        constellation: Constellation,
        request: HelpRequest,
        person: Person,
        outcome: Outcome,
    ) -> HelpRequest:
        role = await self._role(constellation, person.user_id)
        allowed = person.user_id in (request.requester_id, request.claimed_by)
        if not (allowed or role is Role.HUBHOME):
            raise NotAllowed("resolve")
        if not request.state.is_active:
            raise WrongState(request)
        if not await self._requests.close(
            request.id, RequestState.RESOLVED, outcome, self._clock.now()
        ):
            raise WrongState(await self._reload(request.id))
        return await self._reload(request.id)

    async def withdraw(
        self, constellation: Constellation, request: HelpRequest, person: Person
    ) -> HelpRequest:
        if request.requester_id != person.user_id:
            raise NotAllowed("withdraw")
        if not request.state.is_active:
            raise WrongState(request)
        now = self._clock.now()
        if not await self._requests.close(request.id, RequestState.WITHDRAWN, None, now):
            raise WrongState(await self._reload(request.id))
        withdrawn = await self._reload(request.id)
        if request.claimed_by is not None:
            await self._outbox.enqueue(
                [
                    Notice(
                        dedupe_key=f"req:{request.id}:withdrawn",
                        message_key="notice.withdrawn",
                        values=self._values(withdrawn),
                        constellation_id=constellation.id,
                        user_id=request.claimed_by,
                        fallback_chat_id=self._group_fallback(constellation, request),
                        reply_to_message_id=await self._group_card(constellation, request),
                    )
                ],
                now,
            )
        return withdrawn

    # -- notices ------------------------------------------------------------------------------

    @staticmethod
    def _values(request: HelpRequest, **extra: str | int) -> dict[str, str | int]:
        values: dict[str, str | int] = {
            "number": request.number,
            "category": request.category.value,
            "requester": request.requester_name or "",
            "helper": request.claimer_name or "",
        }
        values.update(extra)
        return values

    @staticmethod
    def _group_fallback(constellation: Constellation, request: HelpRequest) -> int | None:
        """Hub-home-only requests never fall back to the group."""
        return constellation.chat_id if request.visibility is Visibility.GROUP else None

    async def _group_card(self, constellation: Constellation, request: HelpRequest) -> int | None:
        card = await self._requests.card_in(request.id, constellation.chat_id)
        return card.message_id if card else None

    async def _tell_requester(
        self,
        constellation: Constellation,
        request: HelpRequest,
        key: str,
        now: datetime,
        **extra: str | int,
    ) -> None:
        if request.requester_id is None:
            return
        notice = Notice(
            dedupe_key=f"req:{request.id}:{key}:{now.timestamp():.0f}",
            message_key=key,
            values=self._values(request, **extra),
            constellation_id=constellation.id,
            user_id=request.requester_id,
            fallback_chat_id=self._group_fallback(constellation, request),
            reply_to_message_id=await self._group_card(constellation, request),
        )
        await self._outbox.enqueue([notice], now)

    # -- people leaving ------------------------------------------------------------------------

    async def member_left(self, chat_id: int, user_id: int) -> MemberLeft | None:
        """Someone left (or was removed from) the group: their role ends, requests they were
        helping with reopen, their own open requests stay, and the hub home is told.
        None if they were not an active member (a leave reported twice counts once)."""
        constellation = await self._constellations.by_chat(chat_id)
        if constellation is None:
            return None
        now = self._clock.now()
        role = await self._memberships.mark_left(constellation.id, user_id, now)
        if role is None:
            return None
        reopened_ids = await self._requests.reopen_claimed_by(constellation.id, user_id, now)
        reopened = [await self._reload(i) for i in reopened_ids]
        own = await self._requests.active_of(constellation.id, user_id)
        person = await self._people.get(user_id)
        values: dict[str, str | int] = {
            "name": person.first_name if person else "?",
            "open": ", ".join(f"#{r.number}" for r in own) or "—",
            "reopened": ", ".join(f"#{r.number}" for r in reopened) or "—",
        }
        key = "notice.member_left_requests" if own or reopened else "notice.member_left"
        told = [
            m
            for m in await self._memberships.with_role(constellation.id, Role.HUBHOME)
            if m.user_id != user_id
        ] or await self._memberships.with_role(constellation.id, Role.LIAISON)
        notices = [
            Notice(
                dedupe_key=f"left:{constellation.id}:{user_id}:{now.timestamp():.0f}:{m.user_id}",
                message_key=key,
                values=values,
                constellation_id=constellation.id,
                user_id=m.user_id,
                fallback_chat_id=constellation.chat_id,
            )
            for m in told
        ]
        await self._outbox.enqueue(notices, now)
        return MemberLeft(constellation, role, reopened)

    # -- time-driven work ---------------------------------------------------------------------

    async def tick(self) -> list[HelpRequest]:
        """Expire what is past its day and escalate what waited too long; returns expired ones."""
        now = self._clock.now()
        expired = [await self._reload(i) for i in await self._requests.expire_due(now)]
        for request in await self._requests.due_escalations(now):
            await self._escalate(request, now)
        return expired

    async def _escalate(self, request: HelpRequest, now: datetime) -> None:
        constellation = await self._constellations.by_id(request.constellation_id)
        if constellation is None or request.next_escalation_at is None:
            return
        stage = request.escalation_stage
        # A hub-home-only request stays with the hub home: the second step reminds them again.
        private = request.visibility is Visibility.HUBHOME
        role = Role.HUBHOME if stage == 0 or private else Role.LIAISON
        next_at = None
        if stage == 0:
            zone = ZoneInfo(constellation.timezone)
            step = self._policy.urgent_after if request.urgent else self._policy.after
            next_at = request.next_escalation_at + step
            if not request.urgent:
                next_at = self._policy.quiet_hours.defer(next_at, zone)
        waited = max(1, round((now - request.created_at).total_seconds() / 60))
        values = self._values(request, waited_minutes=waited)
        base_key = f"req:{request.id}:esc{stage + 1}:{request.next_escalation_at.timestamp():.0f}"
        card = await self._group_card(constellation, request)
        fallback = self._group_fallback(constellation, request)
        people = await self._memberships.with_role(constellation.id, role)
        notices = [
            Notice(
                dedupe_key=f"{base_key}:{member.user_id}",
                message_key=f"notice.escalate_{role.value}",
                values=values,
                constellation_id=constellation.id,
                user_id=member.user_id,
                fallback_chat_id=fallback,
                reply_to_message_id=card,
                request_id=request.id,
            )
            for member in people
        ]
        if not notices and fallback is not None:
            notices.append(
                Notice(
                    dedupe_key=f"{base_key}:group",
                    message_key=f"notice.escalate_{role.value}_missing",
                    values=values,
                    constellation_id=constellation.id,
                    chat_id=fallback,
                    reply_to_message_id=card,
                )
            )
        async with self._db.transaction() as conn:
            if await self._requests.advance_escalation(conn, request.id, stage, next_at):
                for notice in notices:
                    await self._outbox.add(conn, notice, now)

    async def next_due(self) -> datetime | None:
        return await self._requests.next_due()
