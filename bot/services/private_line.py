"""The private line: a member writes to the bot, the hub home gets it, their reply goes back.

The service decides where a message goes and remembers the copies (message ids only — what
a message says stays with Telegram); the handler does the copying.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import (
    Constellation,
    DomainError,
    LineMessage,
    LineState,
    Member,
    NotAllowed,
    NotAMember,
    Notice,
    Person,
    Role,
)
from bot.storage.constellations import ConstellationRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository
from bot.storage.private_line import LineRepository

ANSWERING_ROLES = (Role.HUBHOME, Role.LIAISON)


class NoConstellation(DomainError):
    """The person belongs to no constellation the bot knows."""


class NeedsChoice(DomainError):
    """The person belongs to several constellations and has not said which one yet."""

    def __init__(self, options: list[Constellation]) -> None:
        super().__init__(len(options))
        self.options = options


class NotALineReply(DomainError):
    """A reply to something that is not a routed message, or by someone who may not answer."""


@dataclass(frozen=True, slots=True)
class Incoming:
    constellation: Constellation
    line: LineMessage
    recipients: list[Member]  # hub home carers who can be reached privately
    # why nobody can be reached: "no_hubhome" (none assigned) or "unreachable" (none linked)
    reason: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    constellation: Constellation
    original: LineMessage  # the routed message being answered
    line: LineMessage  # the answer itself
    role: Role  # hub home or liaison
    member: Person | None


@dataclass(frozen=True, slots=True)
class Waiting:
    constellation: Constellation
    lines: list[LineMessage]
    recipients: list[Member]


class PrivateLineService:
    def __init__(
        self,
        lines: LineRepository,
        constellations: ConstellationRepository,
        people: PeopleRepository,
        memberships: MembershipRepository,
        outbox: OutboxRepository,
        clock: Clock,
    ) -> None:
        self._lines = lines
        self._constellations = constellations
        self._people = people
        self._memberships = memberships
        self._outbox = outbox
        self._clock = clock

    # -- which constellation ------------------------------------------------------------------

    async def options(self, user_id: int) -> list[Constellation]:
        return await self._constellations.of_member(user_id)

    async def constellation_for(self, user_id: int) -> Constellation:
        """Where the person's private messages go: their only constellation, or their choice."""
        options = await self.options(user_id)
        if not options:
            raise NoConstellation(user_id)
        if len(options) == 1:
            return options[0]
        chosen = await self._lines.choice(user_id)
        for constellation in options:
            if constellation.id == chosen:
                return constellation
        raise NeedsChoice(options)

    async def choose(self, user_id: int, constellation_id: int) -> Constellation:
        for constellation in await self.options(user_id):
            if constellation.id == constellation_id:
                await self._lines.set_choice(user_id, constellation_id)
                return constellation
        raise NotAMember(constellation_id)

    async def role(self, constellation: Constellation, user_id: int) -> Role | None:
        member = await self._memberships.get(constellation.id, user_id)
        return member.role if member and member.status.value == "active" else None

    async def _reachable(self, constellation_id: int, role: Role, *, besides: int) -> list[Member]:
        people = await self._memberships.reachable_with_role(constellation_id, role)
        return [p for p in people if p.user_id != besides]

    async def reachable_liaisons(self, constellation_id: int, *, besides: int) -> list[Member]:
        return await self._reachable(constellation_id, Role.LIAISON, besides=besides)

    # -- member → hub home --------------------------------------------------------------------

    async def incoming(
        self, constellation: Constellation, person: Person, message_id: int
    ) -> Incoming:
        """Record a member's message (as waiting until copies exist) and who should get it."""
        now = self._clock.now()
        await self._people.upsert(person, now)
        line = await self._lines.add(
            constellation_id=constellation.id,
            member_id=person.user_id,
            author_id=person.user_id,
            origin_chat_id=person.user_id,
            origin_message_id=message_id,
            state=LineState.WAITING,
            now=now,
        )
        recipients = await self._reachable(constellation.id, Role.HUBHOME, besides=person.user_id)
        reason = None
        if not recipients:
            assigned = await self._memberships.with_role(constellation.id, Role.HUBHOME)
            reason = "unreachable" if assigned else "no_hubhome"
        return Incoming(constellation, line, recipients, reason)

    async def delivered(self, line: LineMessage, copies: list[tuple[int, int]]) -> None:
        await self._lines.add_copies(line.id, copies)

    async def keep_waiting(self, constellation: Constellation, reason: str) -> None:
        """Nobody could be reached: the message waits; the group hears it (once a day)."""
        now = self._clock.now()
        day = now.astimezone(ZoneInfo(constellation.timezone)).date().isoformat()
        notice = Notice(
            dedupe_key=f"line:waiting:{constellation.id}:{day}",
            message_key=f"line.group_{reason}",
            values={},
            constellation_id=constellation.id,
            chat_id=constellation.chat_id,
        )
        await self._outbox.enqueue([notice], now)

    async def unreachable(self, user_id: int) -> None:
        """Telegram refused a copy (blocked, never started): stop counting on that chat."""
        await self._people.set_private_chat_linked(user_id, False, self._clock.now())

    async def waiting(self) -> list[Waiting]:
        """Messages kept for constellations whose hub home can now be reached."""
        ready = []
        for constellation_id in await self._lines.constellations_waiting():
            constellation = await self._constellations.by_id(constellation_id)
            if constellation is None:
                continue
            lines = await self._lines.waiting(constellation_id)
            recipients = [
                carer
                for carer in await self._reachable(constellation_id, Role.HUBHOME, besides=0)
                if all(carer.user_id != line.member_id for line in lines)
            ]
            if recipients:
                ready.append(Waiting(constellation, lines, recipients))
        return ready

    async def share_with_liaison(
        self, line_id: int, user_id: int
    ) -> tuple[Constellation, LineMessage, list[Member]]:
        """The member asks for the liaison to read along with one message."""
        line = await self._lines.get(line_id)
        if line is None or line.author_id != user_id or line.member_id != user_id:
            raise NotAllowed("share")
        constellation = await self._constellations.by_id(line.constellation_id)
        if constellation is None or await self.role(constellation, user_id) is None:
            raise NotAllowed("share")
        liaisons = await self.reachable_liaisons(constellation.id, besides=user_id)
        shared = {chat_id for chat_id, _ in await self._lines.copies(line.id)}
        return constellation, line, [x for x in liaisons if x.user_id not in shared]

    async def person(self, user_id: int) -> Person | None:
        return await self._people.get(user_id)

    # -- hub home (or liaison) → member -------------------------------------------------------

    async def answer(
        self, chat_id: int, reply_to_message_id: int, replier: Person, message_id: int
    ) -> Answer:
        """A reply to a routed message: who it goes back to, checked against today's roles."""
        original = await self._lines.by_copy(chat_id, reply_to_message_id)
        if original is None or original.author_id != original.member_id:
            raise NotALineReply(reply_to_message_id)
        constellation = await self._constellations.by_id(original.constellation_id)
        if constellation is None:
            raise NotALineReply(reply_to_message_id)
        role = await self.role(constellation, replier.user_id)
        if role not in ANSWERING_ROLES:
            raise NotALineReply(reply_to_message_id)
        assert role is not None
        line = await self._lines.add(
            constellation_id=constellation.id,
            member_id=original.member_id,
            author_id=replier.user_id,
            origin_chat_id=chat_id,
            origin_message_id=message_id,
            state=LineState.WAITING,
            now=self._clock.now(),
        )
        member = await self._people.get(original.member_id)
        return Answer(constellation, original, line, role, member)

    async def answered(
        self, answer: Answer, copies: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """The answer reached the member. The first answer to a message returns the other
        carers' copies of it, so they can be told who answered."""
        await self._lines.add_copies(answer.line.id, copies)
        if not await self._lines.mark_answered(answer.original.id, answer.line.author_id):
            return []
        skip = {answer.line.author_id, answer.original.member_id}
        return [(c, m) for c, m in await self._lines.copies(answer.original.id) if c not in skip]

    async def answer_failed(self, answer: Answer) -> None:
        await self._lines.delete(answer.line.id)
