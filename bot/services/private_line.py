"""The private line: a member writes to the bot, the hub home gets it, their reply goes back.

The service decides where a message goes and remembers the copies (message ids only — what
a message says stays with Telegram). The handler copies a message at once; whatever it could
not copy, and messages kept until a hub home can be reached, go through the outbox as
``line_copy`` notices (header and ``copyMessage``, from the ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
    NoticeKind,
    Person,
    RefValue,
    Role,
)
from bot.services.reports import count_line_message
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, Session, Tx
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository
from bot.storage.private_line import LineRepository
from bot.storage.reports import ReportRepository

ANSWERING_ROLES = (Role.HUBHOME, Role.LIAISON)
# How long the handler may take to pass a message on itself before the courier takes over.
HANDLING = timedelta(minutes=2)


class NoConstellation(DomainError):
    """The person belongs to no constellation the bot can reach; ``gone``: the one their
    messages went to before, if that is why."""

    def __init__(self, user_id: int, gone: Constellation | None = None) -> None:
        super().__init__(user_id)
        self.gone = gone


class NeedsChoice(DomainError):
    """Where the message goes is for the person to say: they belong to several
    constellations and have not chosen, or what they chose no longer holds (``gone``)."""

    def __init__(self, options: list[Constellation], gone: Constellation | None = None) -> None:
        super().__init__(len(options))
        self.options = options
        self.gone = gone


class StillWaiting(DomainError):
    """The message is still on its way to the hub home (kept, or being passed on)."""


class NotALineReply(DomainError):
    """A reply to something that is not a routed message."""


class AnswerRefused(DomainError):
    """A reply to a routed message that may not go back: the replier no longer has the role
    they got the message in (``given_as``, None if not recorded), its writer has left
    (``left``, with their name), or whose it was is no longer known (``constellation`` None:
    the writer was erased, or the message is past retention)."""

    def __init__(
        self,
        constellation: Constellation | None,
        *,
        given_as: Role | None = None,
        left: str = "",
    ) -> None:
        super().__init__(constellation.id if constellation is not None else None)
        self.constellation = constellation
        self.given_as = given_as
        self.left = left


@dataclass(frozen=True, slots=True)
class Incoming:
    constellation: Constellation
    line: LineMessage
    recipients: list[Member]  # hub home carers who can be reached privately
    # why nobody can be reached: "no_hubhome" (none assigned) or "unreachable" (none linked)
    reason: str | None


@dataclass(frozen=True, slots=True)
class Answerable:
    """A routed message its reader may answer now, and as whom."""

    constellation: Constellation
    original: LineMessage
    role: Role  # hub home or liaison
    member: Person | None  # its writer; None once erased


@dataclass(frozen=True, slots=True)
class Answer:
    constellation: Constellation
    original: LineMessage  # the routed message being answered
    line: LineMessage  # the answer itself
    role: Role  # hub home or liaison
    member: Person | None


def copy_notice(
    line: LineMessage,
    recipient: int,
    to: Role,
    *,
    later: bool = False,
    original: int | None = None,
    head: int | None = None,
) -> Notice:
    """Deliver a routed message (header + copy) to ``recipient``, who reads it as ``to``
    (hub home, liaison, or the member an answer is for), through the outbox.

    ``later``: the member was told it waits, and hears when it went out. ``original``: this
    is an answer to that routed message (the other carers hear who answered). ``head``: its
    header is already out (only the copy follows it).
    """
    refs: dict[str, RefValue] = {"line": line.id, "to": to.value}
    if head is not None:
        refs["head"] = head
    if later:
        refs["later"] = 1
    if original is not None:
        refs["original"] = original
    return Notice(
        kind=NoticeKind.LINE_COPY,
        dedupe_key=f"line:{line.id}:copy:{recipient}",
        refs=refs,
        constellation_id=line.constellation_id,
        user_id=recipient,
        report_to=line.author_id,
    )


class PrivateLineService:
    def __init__(
        self,
        db: Database,
        lines: LineRepository,
        constellations: ConstellationRepository,
        people: PeopleRepository,
        memberships: MembershipRepository,
        outbox: OutboxRepository,
        clock: Clock,
        counts: ReportRepository | None = None,
    ) -> None:
        self._db = db
        self._lines = lines
        self._counts = counts or ReportRepository()
        self._constellations = constellations
        self._people = people
        self._memberships = memberships
        self._outbox = outbox
        self._clock = clock
        # Messages a handler of this process is passing on right now (whatever the clock
        # says); the lease in the database covers a process that died meanwhile.
        self._handling: set[int] = set()

    # -- an answer waiting after "↩️ Antwoorden" (kept across a restart) ---------------------

    async def await_answer(
        self, user_id: int, line_id: int, copy_id: int, prompt_id: int, until: datetime
    ) -> None:
        async with self._db.transaction() as tx:
            await self._lines.await_answer(tx, user_id, line_id, copy_id, prompt_id, until)

    async def answer_done(self, user_id: int) -> None:
        async with self._db.transaction() as tx:
            await self._lines.answer_done(tx, user_id)

    async def answers_waiting(self) -> list[tuple[int, int, int, int, datetime]]:
        return await self._lines.answers_waiting(self._db.reader, self._clock.now())

    # -- which constellation ------------------------------------------------------------------

    async def options(self, user_id: int) -> list[Constellation]:
        return await self._constellations.of_member(self._db.reader, user_id)

    async def constellation_for(self, user_id: int) -> Constellation:
        """Where the person's private messages go, decided afresh for every message from the
        constellations they actively belong to now: their choice, or their only one.

        A choice that no longer holds (the bot was removed from that group, they left it) is
        never replaced by a guess: the person is asked. The only constellation someone writes
        to is remembered, so that they are asked once they belong to several, and when it
        stops holding.
        """
        reader = self._db.reader
        options = await self.options(user_id)
        stored = await self._lines.choice(reader, user_id)
        chosen_id, explicit = stored if stored is not None else (None, False)
        chosen = next((c for c in options if c.id == chosen_id), None)
        if chosen is not None and (explicit or len(options) == 1):
            return chosen
        if chosen is not None:
            raise NeedsChoice(options)  # several now: the person says which
        gone = (
            await self._constellations.by_id(reader, chosen_id) if chosen_id is not None else None
        )
        if not options:
            raise NoConstellation(user_id, gone)
        if chosen_id is None and len(options) == 1:
            async with self._db.transaction() as tx:
                await self._lines.set_choice(tx, user_id, options[0].id, explicit=False)
            return options[0]
        raise NeedsChoice(options, gone)

    async def choose(self, user_id: int, constellation_id: int) -> Constellation:
        for constellation in await self.options(user_id):
            if constellation.id == constellation_id:
                async with self._db.transaction() as tx:
                    await self._lines.set_choice(tx, user_id, constellation_id)
                return constellation
        raise NotAMember(constellation_id)

    async def role(self, constellation: Constellation, user_id: int) -> Role | None:
        return await self._memberships.active_role(self._db.reader, constellation.id, user_id)

    async def _reachable(
        self, s: Session, constellation_id: int, role: Role, *, besides: int
    ) -> list[Member]:
        people = await self._memberships.reachable_with_role(s, constellation_id, role)
        return [p for p in people if p.user_id != besides]

    async def reachable_liaisons(self, constellation_id: int, *, besides: int) -> list[Member]:
        return await self._reachable(
            self._db.reader, constellation_id, Role.LIAISON, besides=besides
        )

    async def person(self, user_id: int) -> Person | None:
        return await self._people.get(self._db.reader, user_id)

    async def passed_on_before(self, user_id: int, message_id: int) -> bool:
        """Whether this message of the person's was taken up by the private line already."""
        return await self._lines.by_origin(self._db.reader, user_id, message_id) is not None

    async def line(self, line_id: int) -> LineMessage | None:
        return await self._lines.get(self._db.reader, line_id)

    async def copies(self, line_id: int) -> list[tuple[int, int]]:
        return await self._lines.copies(self._db.reader, line_id)

    # -- member → hub home --------------------------------------------------------------------

    async def incoming(
        self, constellation: Constellation, person: Person, message_id: int
    ) -> Incoming:
        """Record a member's message (waiting until it is passed on) and who should get it.

        With nobody to pass it to, it is kept, and the group hears (once a day) that a
        message waits — in the same transaction.
        """
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await self._people.upsert(tx, person, now)
            recipients = await self._reachable(
                tx, constellation.id, Role.HUBHOME, besides=person.user_id
            )
            # Waiting until copies exist; while the handler copies it, it is the handler's
            # (if the process dies meanwhile, the courier passes it on after HANDLING).
            line = await self._lines.add(
                tx,
                constellation_id=constellation.id,
                member_id=person.user_id,
                author_id=person.user_id,
                origin_chat_id=person.user_id,
                origin_message_id=message_id,
                state=LineState.WAITING,
                now=now,
                handled_until=now + HANDLING if recipients else None,
            )
            await count_line_message(self._counts, tx, constellation, line, now)
            reason = None
            if recipients:
                self._handling.add(line.id)
            else:
                assigned = await self._memberships.with_role(tx, constellation.id, Role.HUBHOME)
                reason = "unreachable" if assigned else "no_hubhome"
                await self._outbox.add(tx, self._waiting_notice(constellation, reason, now), now)
        return Incoming(constellation, line, recipients, reason)

    @staticmethod
    def _waiting_notice(constellation: Constellation, reason: str, now: datetime) -> Notice:
        day = now.astimezone(ZoneInfo(constellation.timezone)).date().isoformat()
        return Notice(
            kind=NoticeKind.LINE_WAITING,
            dedupe_key=f"line:waiting:{constellation.id}:{day}",
            refs={"reason": reason},
            constellation_id=constellation.id,
            chat_id=constellation.chat_id,
        )

    async def passed_on(
        self,
        line: LineMessage,
        copies: list[tuple[int, int]],
        pending: dict[int, int | None],
        *,
        tell_later: bool,
        to: Role = Role.HUBHOME,
    ) -> None:
        """The copies made at once, and the recipients Telegram could not take it for right
        now: they get it through the outbox (``tell_later``: the member hears when it went
        out)."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await self._lines.add_copies(tx, line.id, copies, to)
            self._handling.discard(line.id)
            for recipient, head in pending.items():
                notice = copy_notice(line, recipient, to, later=tell_later, head=head)
                await self._outbox.add(tx, notice, now)

    async def keep_waiting(
        self, constellation: Constellation, line: LineMessage, reason: str
    ) -> None:
        """Nobody could take the message: it is kept; the group hears it (once a day)."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await self._lines.keep(tx, line.id)
            self._handling.discard(line.id)
            await self._outbox.add(tx, self._waiting_notice(constellation, reason, now), now)

    def let_go(self, line: LineMessage) -> None:
        """The handler stopped passing it on (it failed): the courier may, once the lease is
        over."""
        self._handling.discard(line.id)

    async def unreachable(self, user_id: int) -> None:
        """Telegram refused a copy (blocked, never started): stop counting on that chat."""
        async with self._db.transaction() as tx:
            await self._people.set_private_chat_linked(tx, user_id, False, self._clock.now())

    async def release_kept(self) -> int:
        """Messages kept because no hub home could be reached, for constellations where one
        can be now: handed to the outbox, one transaction per constellation. How many."""
        released = 0
        now = self._clock.now()
        waiting = await self._lines.constellations_waiting(self._db.reader, now)
        for constellation_id in waiting:
            async with self._db.transaction() as tx:
                carers = await self._reachable(tx, constellation_id, Role.HUBHOME, besides=0)
                for line in await self._lines.waiting(tx, constellation_id, now):
                    if line.id in self._handling:
                        continue  # a handler is copying it right now
                    if (
                        await self._memberships.active_role(tx, constellation_id, line.member_id)
                        is None
                    ):
                        continue  # its writer is no longer in the constellation
                    # A carer who wrote it (before becoming one) is not sent their own words.
                    to = [c.user_id for c in carers if c.user_id != line.member_id]
                    if not to:
                        continue
                    await self._lines.add_copies(tx, line.id, [])  # handed over: not kept now
                    for carer in to:
                        notice = copy_notice(line, carer, Role.HUBHOME, later=True)
                        await self._outbox.add(tx, notice, now)
                    released += 1
        return released

    async def share_with_liaison(
        self, line_id: int, user_id: int
    ) -> tuple[Constellation, LineMessage, list[Member]]:
        """The member asks for the liaison to read along with one message."""
        line = await self.line(line_id)
        if line is None or line.author_id != user_id or line.member_id != user_id:
            raise NotAllowed("share")
        constellation = await self._constellations.by_id(self._db.reader, line.constellation_id)
        if constellation is None or await self.role(constellation, user_id) is None:
            raise NotAllowed("share")
        liaisons = await self.reachable_liaisons(constellation.id, besides=user_id)
        shared = {chat_id for chat_id, _ in await self.copies(line.id)}
        return constellation, line, [x for x in liaisons if x.user_id not in shared]

    # -- hub home (or liaison) → member -------------------------------------------------------

    async def to_answer(
        self, line_id: int, user_id: int
    ) -> tuple[Constellation, LineMessage, Role, Person]:
        """A member's message a carer asks for again (from the overview), to answer it by
        replying: only for whoever may answer it now — a hub home carer, or the liaison it
        was shared with — while its writer is still in the constellation. Raises NotAllowed
        otherwise, the same for a message that does not exist (a forged button learns
        nothing), and StillWaiting while it is on its way anyway."""
        reader = self._db.reader
        line = await self._lines.get(reader, line_id)
        if line is None or line.author_id != line.member_id or line.member_id == user_id:
            raise NotAllowed("line")
        constellation = await self._constellations.by_id(reader, line.constellation_id)
        if constellation is None:
            raise NotAllowed("line")
        role = await self.role(constellation, user_id)
        shared = role is Role.LIAISON and await self._lines.shared_with_liaison(reader, line.id)
        if role is not Role.HUBHOME and not shared:
            raise NotAllowed("line")
        member = await self.person(line.member_id)
        if member is None or await self.role(constellation, member.user_id) is None:
            raise NotAllowed("line")  # its writer left: words about a child stay where they are
        if line.state is LineState.WAITING:
            raise StillWaiting(line.id)
        assert role is not None
        return constellation, line, role, member

    async def shown_again(
        self, line: LineMessage, copies: list[tuple[int, int]], role: Role
    ) -> None:
        """A carer got the message again: a reply to this copy goes back to the member."""
        async with self._db.transaction() as tx:
            await self._lines.add_copies(tx, line.id, copies, role)

    async def answerable(self, chat_id: int, copy_message_id: int, replier_id: int) -> Answerable:
        """Whether an answer to this copy (in the replier's own chat) may go back, and to whom:
        checked against today's roles, every time (a reply, a press on its button, and the
        message that follows the press)."""
        reader = self._db.reader
        copy = await self._lines.by_copy(reader, chat_id, copy_message_id)
        if copy is None and await self._lines.copy_ended(reader, chat_id, copy_message_id):
            raise AnswerRefused(None)  # never a new message: it was meant for that member
        if copy is None or copy[0].author_id != copy[0].member_id:
            raise NotALineReply(copy_message_id)
        original, given_as = copy
        constellation = await self._constellations.by_id(reader, original.constellation_id)
        if constellation is None:
            raise NotALineReply(copy_message_id)
        role = await self.role(constellation, replier_id)
        # Only in the role the copy was given in (a former hub home carer who is now the
        # liaison may not answer what the member sent the hub home).
        if role not in ANSWERING_ROLES or (given_as is not None and given_as != role):
            raise AnswerRefused(constellation, given_as=given_as)
        assert role is not None
        member = await self.person(original.member_id)
        if member is not None and await self.role(constellation, member.user_id) is None:
            # Its writer left (or was removed): words about a foster child stay here.
            raise AnswerRefused(constellation, left=member.first_name)
        return Answerable(constellation, original, role, member)

    async def answer(
        self, chat_id: int, reply_to_message_id: int, replier: Person, message_id: int
    ) -> Answer:
        """An answer to a routed message (``reply_to_message_id``: the replier's copy of it):
        who it goes back to, checked against today's roles."""
        able = await self.answerable(chat_id, reply_to_message_id, replier.user_id)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            line = await self._lines.add(
                tx,
                constellation_id=able.constellation.id,
                member_id=able.original.member_id,
                author_id=replier.user_id,
                origin_chat_id=chat_id,
                origin_message_id=message_id,
                state=LineState.WAITING,
                now=now,
            )
            await count_line_message(self._counts, tx, able.constellation, line, now)
        return Answer(able.constellation, able.original, line, able.role, able.member)

    async def answered(self, answer: Answer, copies: list[tuple[int, int]]) -> None:
        """The answer reached the member (or is queued for them, ``copies`` empty)."""
        async with self._db.transaction() as tx:
            await self.answer_delivered(tx, answer.original.id, answer.line, copies)

    async def answer_queued(self, answer: Answer, head: int | None = None) -> None:
        """Telegram could not take the answer right now: the outbox delivers it (``head``:
        its header already went out)."""
        async with self._db.transaction() as tx:
            await self._lines.add_copies(tx, answer.line.id, [])
            member, original = answer.line.member_id, answer.original.id
            notice = copy_notice(answer.line, member, Role.MEMBER, original=original, head=head)
            await self._outbox.add(tx, notice, self._clock.now())

    async def answer_delivered(
        self, tx: Tx, original_id: int, line: LineMessage, copies: list[tuple[int, int]]
    ) -> None:
        """Remember the answer's copies; the first answer to a message tells the other
        carers (under their copy of it) who answered."""
        now = self._clock.now()
        await self._lines.add_copies(tx, line.id, copies, Role.MEMBER)
        if not await self._lines.mark_answered(tx, original_id, line.author_id):
            return
        # Once per person, under the first of their copies (a header and Telegram's copy of
        # the message are two copies of one message).
        under: dict[int, int] = {}
        for chat_id, copy_id in await self._lines.copies(tx, original_id):
            if chat_id not in (line.author_id, line.member_id):
                under.setdefault(chat_id, copy_id)
        for chat_id, copy_id in under.items():
            notice = Notice(
                kind=NoticeKind.LINE_ANSWERED,
                dedupe_key=f"line:{original_id}:answered:{chat_id}",
                refs={"answerer": line.author_id},
                constellation_id=line.constellation_id,
                user_id=chat_id,
                reply_to_message_id=copy_id,
            )
            await self._outbox.add(tx, notice, now)

    async def copied(
        self, tx: Tx, line: LineMessage, copies: list[tuple[int, int]], to: Role
    ) -> None:
        """A queued copy went out (delivery, in the transaction that marks it sent)."""
        await self._lines.add_copies(tx, line.id, copies, to)

    async def copy_undelivered(self, tx: Tx, notice: Notice) -> None:
        """A copy could not be delivered (failed for good, its reader may no longer read it,
        or they were erased). A member's message nobody has, or will get, is kept for the
        next reachable hub home and the member is told; anything else, the writer is told."""
        line_id = notice.ref("line")
        line = await self._lines.get(tx, line_id) if line_id is not None else None
        if line is None or notice.user_id is None:
            return
        now = self._clock.now()
        to_carer = notice.token("to") == Role.HUBHOME.value and notice.ref("original") is None
        if to_carer:
            others = await self._outbox.pending_keys(tx, f"line:{line.id}:copy:%")
            if await self._lines.copies(tx, line.id) or others:
                return  # another carer has it, or will
            await self._lines.keep(tx, line.id)
            about: dict[str, RefValue] = {"about": "line_kept", "line": line.id}
        else:
            about = {"about": NoticeKind.LINE_COPY.value, "recipient": notice.user_id}
        await self._outbox.add(
            tx,
            Notice(
                kind=NoticeKind.UNDELIVERED,
                dedupe_key=f"line:{line.id}:undelivered:{notice.user_id}",
                refs=about,
                constellation_id=line.constellation_id,
                user_id=line.author_id,
            ),
            now,
        )

    async def next_due(self) -> datetime | None:
        """When a message a handler was passing on becomes the courier's, if it died."""
        return await self._lines.next_handover(self._db.reader, self._clock.now())

    async def told_later(self, tx: Tx, line: LineMessage) -> None:
        """The member, who was told their message waits, hears that it went out (once)."""
        notice = Notice(
            kind=NoticeKind.LINE_DELIVERED_LATER,
            dedupe_key=f"line:{line.id}:later",
            refs={"line": line.id},
            constellation_id=line.constellation_id,
            user_id=line.member_id,
            reply_to_message_id=line.origin_message_id,
        )
        await self._outbox.add(tx, notice, self._clock.now())

    async def answer_failed(self, answer: Answer) -> None:
        async with self._db.transaction() as tx:
            await self._lines.delete(tx, answer.line.id)
