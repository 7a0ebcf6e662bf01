"""Help requests: post, claim, release, resolve, withdraw, expire and escalate.

Every state change is one guarded UPDATE (see storage); notices to people go through the
outbox in the same breath, so nothing is forgotten and nothing is sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import (
    AlreadyClaimed,
    Constellation,
    DomainError,
    HelpRequest,
    NotAllowed,
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
from bot.services.request_text import ParsedRequest, parse_request
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository

CLAIM_ROLES = (Role.HUBHOME, Role.LIAISON)


class EmptyRequest(DomainError):
    """Nothing left to ask once the tags are taken out."""


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    after: timedelta
    urgent_after: timedelta
    quiet_hours: DailyWindow


@dataclass(frozen=True, slots=True)
class Posted:
    constellation: Constellation
    request: HelpRequest
    parsed: ParsedRequest


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
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


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

    async def post(
        self,
        chat_id: int,
        person: Person,
        raw_text: str,
        *,
        visibility: Visibility = Visibility.GROUP,
        when: WhenKind | None = None,
        needed_on: datetime | None = None,
    ) -> Posted:
        """Register a request from the group (or, with ``visibility``, for the hub home only)."""
        constellation = await self._constellations.by_chat(chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        parsed = parse_request(raw_text)
        if not parsed.text:
            raise EmptyRequest
        now = self._clock.now()
        zone = ZoneInfo(constellation.timezone)
        kind = when or parsed.when
        deadline = needed_on if kind is WhenKind.DATE else needed_by(kind, now, zone)
        await self._people.upsert(person, now)
        await self._memberships.ensure_active(constellation.id, person.user_id, now)
        request = await self._requests.create(
            constellation_id=constellation.id,
            requester_id=person.user_id,
            category=parsed.category,
            text=parsed.text,
            when_kind=kind,
            needed_by=deadline,
            urgent=parsed.urgent,
            visibility=visibility,
            created_at=now,
            next_escalation_at=self._first_escalation(now, parsed.urgent, zone),
        )
        return Posted(constellation, request, parsed)

    def _first_escalation(self, base: datetime, urgent: bool, zone: ZoneInfo) -> datetime:
        if urgent:
            return base + self._policy.urgent_after
        return self._policy.quiet_hours.defer(base + self._policy.after, zone)

    async def card_posted(self, request_id: int, chat_id: int, message_id: int) -> None:
        await self._requests.add_card(request_id, chat_id, message_id)

    async def cards(self, request_id: int) -> list[tuple[int, int]]:
        return [(c.chat_id, c.message_id) for c in await self._requests.cards(request_id)]

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
        in_group = chat_id == constellation.chat_id and request.visibility is Visibility.GROUP
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
        role = Role.HUBHOME if stage == 0 else Role.LIAISON
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
