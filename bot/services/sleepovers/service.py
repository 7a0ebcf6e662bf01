"""Sleepovers: a family asks (planned, or an emergency tonight), the hub home answers.

Every use case is one transaction: the change and the notices it causes commit together. A
confirmation reserves one bed per child per night in that transaction; the database refuses
more children on a night than beds (see ``bot.storage.sleepovers``), so two carers confirming
two asks for the last bed cannot both win. Nothing of a sleepover is ever shown in the group.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import (
    Away,
    Constellation,
    Feedback,
    NoBedFree,
    NotAllowed,
    Notice,
    NoticeKind,
    OverSoftLimit,
    Role,
    Sleepover,
    SleepoverGone,
    SleepoverKind,
    SleepoverNotFound,
    SleepoverSettings,
    SleepoverState,
)
from bot.figures import add_months
from bot.services.sleepovers import notices
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, Session, Tx, from_db_time
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository
from bot.storage.sleepovers import SleepoverRepository
from bot.when.nights import Nights

REMINDER_AT = time(10, 0)  # the day before, local time
FEEDBACK_AT = time(11, 0)  # the morning they went home
FEEDBACK_LATEST = timedelta(days=2)  # asked later than this after, it is not asked at all
NICKNAMES_LIMIT = 60
NOTE_LIMIT = 300
REASON_LIMIT = 200
MAX_CHILDREN = 10
NIGHT_ENDS = 6  # an emergency before 06:00 is about the night under way
EMERGENCY_OPEN = timedelta(hours=12)  # an emergency nobody answered lapses after this


@dataclass(frozen=True, slots=True)
class SleepoverView:
    """A sleepover with what its card and notices show."""

    constellation: Constellation
    sleepover: Sleepover
    away: tuple[Away, ...]  # closed periods that cover one of its nights


@dataclass(frozen=True, slots=True)
class Asked:
    """A stored ask and the first names of who got its card (none: nobody could be reached)."""

    view: SleepoverView
    readers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outlook:
    """What a family sees before sending: free beds per night, and closed periods."""

    nights: Nights
    free: tuple[tuple[date, int], ...]
    away: tuple[Away, ...]
    beds: int


def quarter_of(day: date) -> tuple[date, date]:
    """The quarter ``day`` is in: its first day, and the first day after it."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, add_months(first, 3)


class SleepoverService:
    def __init__(
        self,
        db: Database,
        repo: SleepoverRepository,
        outbox: OutboxRepository,
        constellations: ConstellationRepository,
        memberships: MembershipRepository,
        people: PeopleRepository,
        clock: Clock,
        *,
        emergency_after: timedelta,
    ) -> None:
        self._db = db
        self._repo = repo
        self._outbox = outbox
        self._constellations = constellations
        self._memberships = memberships
        self._people = people
        self._clock = clock
        self._emergency_after = emergency_after

    def today(self, constellation: Constellation) -> date:
        return self._clock.now().astimezone(ZoneInfo(constellation.timezone)).date()

    def tonight(self, constellation: Constellation) -> date:
        """The night an emergency is about: before six in the morning, the one under way."""
        local = self._clock.now().astimezone(ZoneInfo(constellation.timezone))
        return local.date() - timedelta(days=1) if local.hour < NIGHT_ENDS else local.date()

    # -- who ---------------------------------------------------------------------------------

    async def constellations_with_role(self, user_id: int, *roles: Role) -> list[Constellation]:
        return await self._constellations.of_member(self._db.reader, user_id, roles)

    async def _role(self, s: Session, constellation_id: int, user_id: int) -> Role | None:
        return await self._memberships.active_role(s, constellation_id, user_id)

    async def _carers(self, s: Session, constellation_id: int) -> list[int]:
        members = await self._memberships.reachable_with_role(s, constellation_id, Role.HUBHOME)
        return [m.user_id for m in members]

    async def _liaisons(self, s: Session, constellation_id: int) -> list[int]:
        members = await self._memberships.reachable_with_role(s, constellation_id, Role.LIAISON)
        return [m.user_id for m in members]

    async def _backups(self, s: Session, view: SleepoverView) -> list[int]:
        """Backups named for its nights who are still active members (and not the family)."""
        found = []
        for away in view.away:
            backup = away.backup_id
            if backup is None or backup == view.sleepover.family_id or backup in found:
                continue
            if await self._role(s, view.constellation.id, backup) is not None:
                found.append(backup)
        return found

    # -- reading -----------------------------------------------------------------------------

    async def view(self, sleepover_id: int, s: Session | None = None) -> SleepoverView:
        s = s or self._db.reader
        sleepover = await self._repo.get(s, sleepover_id)
        if sleepover is None:
            raise SleepoverNotFound(sleepover_id)
        constellation = await self._constellations.by_id(s, sleepover.constellation_id)
        if constellation is None:
            raise SleepoverNotFound(sleepover_id)
        away = await self._repo.away(s, constellation.id, sleepover.first_night)
        hits = tuple(a for a in away if any(a.covers(night) for night in sleepover.dates()))
        return SleepoverView(constellation, sleepover, hits)

    async def may_read(self, view: SleepoverView, user_id: int) -> bool:
        """The family, the hub home, the liaison, and a backup of its nights — no one else."""
        s = self._db.reader
        if user_id == view.sleepover.family_id:
            return True
        role = await self._role(s, view.constellation.id, user_id)
        if role in (Role.HUBHOME, Role.LIAISON):
            return True
        return user_id in await self._backups(s, view)

    async def may_answer(self, view: SleepoverView, user_id: int, s: Session | None = None) -> bool:
        """Hub home carers, and a backup of its nights; never the family itself (read in
        ``s``, a use case's transaction, when given)."""
        if user_id == view.sleepover.family_id:
            return False
        s = s or self._db.reader
        if await self._role(s, view.constellation.id, user_id) is Role.HUBHOME:
            return True
        return user_id in await self._backups(s, view)

    async def outlook(self, constellation: Constellation, nights: Nights) -> Outlook:
        s = self._db.reader
        settings = await self._repo.settings(s, constellation.id)
        taken = await self._repo.taken(s, constellation.id, nights.dates())
        away = await self._repo.away(s, constellation.id, nights.first)
        hits = tuple(a for a in away if any(a.covers(night) for night in nights.dates()))
        free = tuple((night, max(0, settings.beds - used)) for night, used in taken)
        return Outlook(nights, free, hits, settings.beds)

    async def outlook_of(self, view: SleepoverView) -> Outlook:
        """Free beds on the sleepover's nights (its own beds, once confirmed, count taken)."""
        sleepover = view.sleepover
        return await self.outlook(
            view.constellation, Nights(sleepover.first_night, sleepover.nights)
        )

    async def settings_of(self, view: SleepoverView) -> SleepoverSettings:
        return await self._repo.settings(self._db.reader, view.constellation.id)

    async def names_with_role(self, view: SleepoverView, role: Role) -> list[str]:
        members = await self._memberships.with_role(self._db.reader, view.constellation.id, role)
        return [m.person.first_name for m in members]

    async def mine(self, user_id: int) -> list[SleepoverView]:
        """The family's sleepovers to come or still open, in every constellation."""
        views = []
        for constellation in await self._constellations.of_member(self._db.reader, user_id):
            today = self.today(constellation)
            for sleepover in await self._repo.of_family(self._db.reader, user_id, today):
                if sleepover.constellation_id == constellation.id:
                    views.append(await self.view(sleepover.id))
        return views

    # -- asking ------------------------------------------------------------------------------

    async def ask(
        self,
        constellation: Constellation,
        family_id: int,
        nights: Nights,
        children: int,
        nicknames: str | None = None,
        note: str | None = None,
        *,
        kind: SleepoverKind = SleepoverKind.PLANNED,
        handover: tuple[str | None, str | None] = (None, None),
    ) -> Asked:
        """Store the ask and send its card to the hub home carers (and the backup of closed
        nights; an emergency in a closed period to the liaison at once too). Raises
        NotAllowed (not a family here) or ValueError (a bad count, a night passed). When no
        carer can be reached the liaison gets it; when nobody can, ``readers`` is empty and
        the ask stays stored (a carer who links their chat later sees it in /bedden)."""
        if not 1 <= children <= MAX_CHILDREN:
            raise ValueError("children")
        now = self._clock.now()
        emergency = kind is SleepoverKind.EMERGENCY
        earliest = self.tonight(constellation) if emergency else self.today(constellation)
        if nights.first < earliest:
            raise ValueError("past")
        async with self._db.transaction() as tx:
            if await self._role(tx, constellation.id, family_id) is not Role.MEMBER:
                raise NotAllowed
            closed = any(
                away.covers(night)
                for away in await self._repo.away(tx, constellation.id, nights.first)
                for night in nights.dates()
            )
            # In a closed period an emergency reaches the backup and the liaison at once:
            # there is nobody further to go to.
            escalate_at = now + self._emergency_after if emergency and not closed else None
            sleepover_id = await self._repo.insert(
                tx,
                constellation.id,
                family_id,
                kind,
                nights.first,
                nights.count,
                children,
                _clean(nicknames, NICKNAMES_LIMIT),
                _clean(note, NOTE_LIMIT),
                now,
                escalate_at,
                handover,
            )
            view = await self.view(sleepover_id, tx)
            readers = await self._carers(tx, constellation.id)
            readers += await self._backups(tx, view)
            if not readers or (emergency and view.away):
                readers += await self._liaisons(tx, constellation.id)
            for reader in dict.fromkeys(readers):
                await self._outbox.add(tx, notices.card(view.sleepover, reader), now)
            names = []
            for reader in dict.fromkeys(readers):
                person = await self._people.get(tx, reader)
                names.append(person.first_name if person else "?")
        return Asked(view, tuple(names))

    async def cancel(self, sleepover_id: int, user_id: int) -> SleepoverView:
        """By the family (any time before it begins) or a hub home carer (a confirmed one):
        the beds free and the other side is told."""
        view = await self.view(sleepover_id)
        sleepover = view.sleepover
        by_family = user_id == sleepover.family_id
        if not by_family and not await self.may_answer(view, user_id):
            raise SleepoverNotFound(sleepover_id)
        if not sleepover.state.is_active or sleepover.departure <= self.today(view.constellation):
            raise SleepoverGone(sleepover)
        if not by_family and sleepover.state is not SleepoverState.CONFIRMED:
            raise SleepoverGone(sleepover)  # an open ask is declined, not cancelled
        confirmed = sleepover.state is SleepoverState.CONFIRMED
        if confirmed and sleepover.first_night < self.today(view.constellation):
            return await self._end_early(view, by_family)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            who = "family" if by_family else "hubhome"
            state = SleepoverState.CANCELLED
            if not await self._repo.set_state(tx, sleepover, state, now, cancelled_by=who):
                raise SleepoverGone(sleepover)
            await self._repo.free(tx, sleepover.id)
            await self._repo.set_times(tx, sleepover.id, None, None)
            changed = await self.view(sleepover.id, tx)
            await self._redraw(tx, changed, now)
            if by_family:
                answered = [sleepover.answered_by] if sleepover.answered_by else []
                for carer in answered or await self._carers(tx, view.constellation.id):
                    kind = NoticeKind.SLEEPOVER_CANCELLED
                    notice = notices.to_carer(kind, sleepover, carer, "cancelled")
                    await self._outbox.add(tx, notice, now)
            else:
                await self._tell_family(
                    tx, NoticeKind.SLEEPOVER_CANCELLED, changed, "cancelled", now
                )
        return changed

    async def _end_early(self, view: SleepoverView, by_family: bool) -> SleepoverView:
        """A stay under way, called off: it ends today. The nights slept stay counted (for
        the fair shares and the reports); the beds from tonight on free; the other side hears."""
        sleepover, now = view.sleepover, self._clock.now()
        today = self.today(view.constellation)
        slept = (today - sleepover.first_night).days
        async with self._db.transaction() as tx:
            if not await self._repo.shorten(tx, sleepover, slept):
                raise SleepoverGone(sleepover)
            await self._repo.free(tx, sleepover.id, since=today)
            changed = await self.view(sleepover.id, tx)
            await self._plan_times(tx, changed, now)
            await self._redraw(tx, changed, now)
            kind = NoticeKind.SLEEPOVER_CANCELLED
            if by_family:
                for carer in await self._answerers(tx, changed):
                    notice = notices.to_carer(kind, changed.sleepover, carer, "ended")
                    await self._outbox.add(tx, notice, now)
            else:
                await self._tell_family(tx, kind, changed, "ended", now)
        return changed

    # -- answering ---------------------------------------------------------------------------

    async def for_answer(self, sleepover_id: int, user_id: int) -> SleepoverView:
        """The sleepover, if this person may answer it; SleepoverNotFound otherwise."""
        view = await self.view(sleepover_id)
        if not await self.may_answer(view, user_id):
            raise SleepoverNotFound(sleepover_id)
        return view

    async def confirm(
        self, sleepover_id: int, user_id: int, *, despite_limit: bool = False
    ) -> SleepoverView:
        """Yes: beds reserved for every night (a backup's own beds are theirs to count).
        Raises NoBedFree, OverSoftLimit (unless ``despite_limit``), SleepoverGone."""
        view = await self.for_answer(sleepover_id, user_id)
        sleepover = view.sleepover
        if sleepover.state is not SleepoverState.ASKED:
            raise SleepoverGone(sleepover)
        carer = await self._role(self._db.reader, view.constellation.id, user_id) is Role.HUBHOME
        if carer and not despite_limit:
            await self._check_soft_limit(view)
        return await self._confirm(view, user_id, reserve=carer)

    async def _confirm(self, view: SleepoverView, user_id: int, *, reserve: bool) -> SleepoverView:
        sleepover, now = view.sleepover, self._clock.now()
        async with self._db.transaction() as tx:
            if not await self._repo.set_state(
                tx, sleepover, SleepoverState.CONFIRMED, now, by=user_id
            ):
                raise SleepoverGone(await self._reload(tx, sleepover.id))
            if reserve:
                current = await self._reload(tx, sleepover.id)
                short = await self._repo.reserve(tx, current)
                if short:
                    raise NoBedFree(short)  # the transaction rolls back: still asked
            changed = await self.view(sleepover.id, tx)
            await self._plan_times(tx, changed, now)
            await self._redraw(tx, changed, now)
            await self._tell_family(tx, NoticeKind.SLEEPOVER_ANSWER, changed, "yes", now)
        return changed

    async def _check_soft_limit(self, view: SleepoverView) -> None:
        sleepover = view.sleepover
        settings = await self._repo.settings(self._db.reader, view.constellation.id)
        if settings.soft_limit is None or sleepover.family_id is None:
            return
        first, last = quarter_of(sleepover.first_night)
        so_far = await self._repo.family_nights(
            self._db.reader, view.constellation.id, sleepover.family_id, first, last
        )
        if so_far + sleepover.nights > settings.soft_limit:
            raise OverSoftLimit(so_far, settings.soft_limit)

    async def decline(self, sleepover_id: int, user_id: int, reason: str | None) -> SleepoverView:
        view = await self.for_answer(sleepover_id, user_id)
        return await self._close(view, SleepoverState.DECLINED, user_id, _clean(reason, 200))

    async def _close(
        self, view: SleepoverView, state: SleepoverState, user_id: int, reason: str | None
    ) -> SleepoverView:
        sleepover, now = view.sleepover, self._clock.now()
        if not sleepover.state.is_open:
            raise SleepoverGone(sleepover)
        async with self._db.transaction() as tx:
            if not await self._repo.set_state(tx, sleepover, state, now, by=user_id, reason=reason):
                raise SleepoverGone(await self._reload(tx, sleepover.id))
            changed = await self.view(sleepover.id, tx)
            await self._redraw(tx, changed, now)
            await self._tell_family(tx, NoticeKind.SLEEPOVER_ANSWER, changed, state.value, now)
        return changed

    async def propose(self, sleepover_id: int, user_id: int, nights: Nights) -> SleepoverView:
        """Other dates: the family says yes (then the beds are reserved) or no."""
        view = await self.for_answer(sleepover_id, user_id)
        sleepover, now = view.sleepover, self._clock.now()
        if not sleepover.state.is_open:  # asked, or proposed before: proposed again
            raise SleepoverGone(sleepover)
        if nights.first < self.today(view.constellation):
            raise ValueError("past")
        async with self._db.transaction() as tx:
            if not await self._repo.propose(
                tx, sleepover, nights.first, nights.count, user_id, now
            ):
                raise SleepoverGone(await self._reload(tx, sleepover.id))
            changed = await self.view(sleepover.id, tx)
            await self._redraw(tx, changed, now)
            tag = f":{nights.first.isoformat()}:{nights.count}"
            await self._tell_family(tx, NoticeKind.SLEEPOVER_ANSWER, changed, "proposed", now, tag)
        return changed

    async def answer_proposal(self, sleepover_id: int, user_id: int, yes: bool) -> SleepoverView:
        """The family takes the dates the hub home proposed, or not. Taken, the beds are
        reserved now (unless a backup, with beds of their own, proposed them); whoever can
        answer for the hub home hears it. Raises NoBedFree when the beds went meanwhile."""
        view = await self.view(sleepover_id)
        sleepover = view.sleepover
        if user_id != sleepover.family_id:
            raise SleepoverNotFound(sleepover_id)
        proposed = sleepover.proposed_first
        if sleepover.state is not SleepoverState.PROPOSED or proposed is None:
            raise SleepoverGone(sleepover)
        if yes and proposed < self.today(view.constellation):
            raise SleepoverGone(sleepover)  # those nights have passed
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if not yes:
                state = SleepoverState.DECLINED
                if not await self._repo.set_state(tx, sleepover, state, now, cancelled_by="family"):
                    raise SleepoverGone(sleepover)
            else:
                await self._repo.take_proposal(tx, sleepover)
                if not await self._repo.set_state(tx, sleepover, SleepoverState.CONFIRMED, now):
                    raise SleepoverGone(sleepover)
                taken = await self.view(sleepover.id, tx)
                if not await self._by_backup(tx, taken, sleepover.answered_by):
                    short = await self._repo.reserve(tx, taken.sleepover)
                    if short:
                        raise NoBedFree(short)  # rolled back: the proposal stands
            changed = await self.view(sleepover.id, tx)
            if yes:
                await self._plan_times(tx, changed, now)
                await self._tell_family(tx, NoticeKind.SLEEPOVER_ANSWER, changed, "yes", now)
            await self._redraw(tx, changed, now)
            step = "taken" if yes else "refused"
            for carer in await self._answerers(tx, changed):
                notice = notices.to_carer(
                    NoticeKind.SLEEPOVER_ANSWER, changed.sleepover, carer, step
                )
                await self._outbox.add(tx, notice, now)
        return changed

    async def proposal_full(self, sleepover_id: int, user_id: int) -> None:
        """The family wanted the proposed nights but the beds went: the hub home hears it."""
        view = await self.view(sleepover_id)
        if user_id != view.sleepover.family_id:
            return
        now = self._clock.now()
        async with self._db.transaction() as tx:
            for carer in await self._answerers(tx, view):
                notice = notices.to_carer(
                    NoticeKind.SLEEPOVER_ANSWER, view.sleepover, carer, "full"
                )
                await self._outbox.add(tx, notice, now)

    async def _by_backup(self, s: Session, view: SleepoverView, answerer: int | None) -> bool:
        """Whether ``answerer`` answered as a backup (their own beds), not as the hub home."""
        if answerer is None or await self._role(s, view.constellation.id, answerer) is Role.HUBHOME:
            return False
        return answerer in await self._backups(s, view)

    async def _answerers(self, s: Session, view: SleepoverView) -> list[int]:
        """Who hears the family's answer: the carer who proposed while they still may answer,
        else every hub home carer."""
        proposer = view.sleepover.answered_by
        if proposer is not None and await self.may_answer(view, proposer, s):
            return [proposer]
        return await self._carers(s, view.constellation.id)

    async def seen(self, sleepover_id: int, user_id: int) -> SleepoverView:
        """An emergency: "seen, I'll call" — the family hears who has it."""
        view = await self.view(sleepover_id)
        s = self._db.reader
        role = await self._role(s, view.constellation.id, user_id)
        allowed = role in (Role.HUBHOME, Role.LIAISON) or user_id in await self._backups(s, view)
        if not allowed or user_id == view.sleepover.family_id:
            raise SleepoverNotFound(sleepover_id)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if not await self._repo.mark_seen(tx, sleepover_id, user_id):
                raise SleepoverGone(await self._reload(tx, sleepover_id))
            changed = await self.view(sleepover_id, tx)
            await self._redraw(tx, changed, now)
            await self._tell_family(tx, NoticeKind.SLEEPOVER_STEP, changed, "seen", now)
        return changed

    async def feedback(self, sleepover_id: int, user_id: int, answer: Feedback) -> bool:
        """The family's "Hoe ging het?": counted once per stay, per month, never per family."""
        view = await self.view(sleepover_id)
        if user_id != view.sleepover.family_id:
            raise SleepoverNotFound(sleepover_id)
        async with self._db.transaction() as tx:
            if not await self._repo.take_feedback_question(tx, sleepover_id):
                return False
            month = view.sleepover.departure.strftime("%Y-%m")
            await self._repo.count_feedback(tx, view.constellation.id, month, answer)
        return True

    # -- what follows ------------------------------------------------------------------------

    async def _reload(self, s: Session, sleepover_id: int) -> Sleepover:
        sleepover = await self._repo.get(s, sleepover_id)
        if sleepover is None:
            raise SleepoverNotFound(sleepover_id)
        return sleepover

    async def _redraw(self, tx: Tx, view: SleepoverView, now: datetime) -> None:
        for location in await self._repo.cards(tx, view.sleepover.id):
            await self._outbox.renew(tx, notices.card_edit(view.sleepover, location), now)

    async def _tell_family(
        self,
        tx: Tx,
        kind: NoticeKind,
        view: SleepoverView,
        step: str,
        now: datetime,
        tag: str = "",
    ) -> None:
        notice = notices.to_family(kind, view.sleepover, step, tag)
        if notice is not None:
            await self._outbox.add(tx, notice, now)

    async def _plan_times(self, tx: Tx, view: SleepoverView, now: datetime) -> None:
        """The reminder the day before (if that is still ahead) and the question after."""
        zone = ZoneInfo(view.constellation.timezone)
        sleepover = view.sleepover
        before = datetime.combine(sleepover.first_night - timedelta(days=1), REMINDER_AT, zone)
        after = datetime.combine(sleepover.departure, FEEDBACK_AT, zone)
        await self._repo.set_times(tx, sleepover.id, before if before > now else None, after)

    async def card_went_out(
        self, tx: Tx, sleepover: Sleepover, chat_id: int, message_id: int
    ) -> None:
        await self._repo.add_card(tx, sleepover.id, chat_id, message_id)

    async def catch_up(self, user_id: int) -> int:
        """A hub home carer who can be reached now (just linked their chat, or opened their
        beds): every open ask of theirs that has no card in their chat, and none on its way,
        gets one. Returns how many."""
        now, sent = self._clock.now(), 0
        for constellation in await self.constellations_with_role(user_id, Role.HUBHOME):
            async with self._db.transaction() as tx:
                person = await self._people.get(tx, user_id)
                if person is None or not person.private_chat_linked:
                    return sent
                for sleepover in await self._repo.open_of(tx, constellation.id):
                    if not sleepover.state.is_open or sleepover.family_id == user_id:
                        continue
                    if await self._repo.card_in(tx, sleepover.id, user_id) is not None:
                        continue
                    if await self._outbox.add_once(
                        tx, notices.card(sleepover, user_id, "late"), now
                    ):
                        sent += 1
        return sent

    async def card_undelivered(self, tx: Tx, notice: Notice) -> None:
        """A card reached nobody (blocked, never started): if the ask, still open, now has no
        card anywhere and none on its way, the liaison gets it and the family hears so."""
        sleepover_id = notice.ref("sleepover")
        sleepover = await self._repo.get(tx, sleepover_id) if sleepover_id else None
        if sleepover is None or not sleepover.state.is_open:
            return
        if await self._repo.cards(tx, sleepover.id):
            return
        waiting = await self._outbox.pending_keys(tx, f"slp:{sleepover.id}:card:%")
        if any(key != notice.dedupe_key for key in waiting):
            return
        now = self._clock.now()
        liaisons = [
            liaison
            for liaison in await self._liaisons(tx, sleepover.constellation_id)
            if liaison != notice.user_id and liaison != sleepover.family_id
        ]
        for liaison in liaisons:
            await self._outbox.add(tx, notices.card(sleepover, liaison, "unreached"), now)
        told = notices.to_family(
            NoticeKind.SLEEPOVER_STEP, sleepover, "unreachable", asked=tuple(liaisons)
        )
        if told is not None:
            await self._outbox.add(tx, told, now)

    async def card_in(self, sleepover_id: int, chat_id: int) -> bool:
        return await self._repo.card_in(self._db.reader, sleepover_id, chat_id) is not None

    # -- time-driven work --------------------------------------------------------------------

    async def tick(self) -> None:
        """Emergencies nobody answered go further; reminders and questions fall due; asks
        whose first night has passed lapse."""
        now = self._clock.now()
        for sleepover in await self._repo.due_escalations(self._db.reader, now):
            await self._escalate(sleepover, now)
        async with self._db.transaction() as tx:
            for sleepover_id in await self._repo.take_due_reminders(tx, now):
                view = await self.view(sleepover_id, tx)
                if self.today(view.constellation) >= view.sleepover.first_night:
                    continue  # missed while the bot was down: "tomorrow" is not true any more
                await self._tell_family(tx, NoticeKind.SLEEPOVER_REMINDER, view, "yes", now)
                carer = view.sleepover.answered_by
                if carer is not None:
                    kind = NoticeKind.SLEEPOVER_REMINDER
                    notice = notices.to_carer(kind, view.sleepover, carer, "yes")
                    await self._outbox.add(tx, notice, now)
            for sleepover_id in await self._repo.take_due_feedback(tx, now):
                view = await self.view(sleepover_id, tx)
                if self.today(view.constellation) > view.sleepover.departure + FEEDBACK_LATEST:
                    continue  # days late (the bot was down): not worth a question any more
                await self._tell_family(tx, NoticeKind.SLEEPOVER_FEEDBACK, view, "yes", now)
        for constellation_id, today in await self._todays():
            async with self._db.transaction() as tx:
                lapsed = await self._repo.lapse_unanswered(
                    tx, constellation_id, today, now - EMERGENCY_OPEN
                )
                for sleepover_id in lapsed:
                    view = await self.view(sleepover_id, tx)
                    await self._redraw(tx, view, now)
                    await self._tell_family(tx, NoticeKind.SLEEPOVER_ANSWER, view, "lapsed", now)

    async def _todays(self) -> list[tuple[int, date]]:
        """Each constellation with open asks, and its local date."""
        rows = await self._db.reader.fetch_all(
            "SELECT DISTINCT s.constellation_id, c.timezone FROM sleepovers s"
            " JOIN constellations c ON c.id = s.constellation_id"
            " WHERE s.state IN ('asked', 'proposed')"
        )
        now = self._clock.now()
        return [(row[0], now.astimezone(ZoneInfo(row[1])).date()) for row in rows]

    async def _escalate(self, sleepover: Sleepover, now: datetime) -> None:
        """Nobody answered the emergency: the backup and the liaison get the card too (those
        the bot can reach); the family hears who was asked, or that nobody could be. Once."""
        async with self._db.transaction() as tx:
            stage = sleepover.escalation_stage
            if not await self._repo.advance_escalation(tx, sleepover.id, stage, None):
                return
            view = await self.view(sleepover.id, tx)
            reachable = await self._reachable(tx, await self._backups(tx, view))
            readers = [
                reader
                for reader in dict.fromkeys(
                    reachable + await self._liaisons(tx, view.constellation.id)
                )
                if reader != sleepover.family_id
            ]
            for reader in readers:
                card = notices.card(view.sleepover, reader, f"esc{stage + 1}")
                await self._outbox.add(tx, card, now)
            step = "escalated" if readers else "nobody"
            told = notices.to_family(
                NoticeKind.SLEEPOVER_STEP, view.sleepover, step, str(stage), tuple(readers)
            )
            if told is not None:
                await self._outbox.add(tx, told, now)

    async def _reachable(self, s: Session, user_ids: list[int]) -> list[int]:
        found = []
        for user_id in user_ids:
            person = await self._people.get(s, user_id)
            if person is not None and person.private_chat_linked:
                found.append(user_id)
        return found

    async def next_due(self) -> datetime | None:
        """The next reminder or escalation; the midnight after the earliest open planned
        ask's first night, in its zone; the moment the earliest open emergency has waited
        ``EMERGENCY_OPEN``. (Three lookups at once: in ``together``, one round trip.)"""
        moments = await asyncio.gather(
            self._repo.next_due(self._db.reader), self._planned_lapse(), self._emergency_lapse()
        )
        found = [moment for moment in moments if moment is not None]
        return min(found) if found else None

    async def _planned_lapse(self) -> datetime | None:
        row = await self._db.reader.fetch_one(
            "SELECT s.first_night, c.timezone FROM sleepovers s"
            " JOIN constellations c ON c.id = s.constellation_id"
            " WHERE s.state IN ('asked', 'proposed') AND s.kind = 'planned'"
            " ORDER BY s.first_night LIMIT 1"
        )
        if row is None:
            return None
        day = date.fromisoformat(row[0]) + timedelta(days=1)
        return datetime.combine(day, time(0, 0), ZoneInfo(row[1]))

    async def _emergency_lapse(self) -> datetime | None:
        row = await self._db.reader.fetch_one(
            "SELECT MIN(asked_at) FROM sleepovers WHERE state IN ('asked', 'proposed')"
            " AND kind = 'emergency'"
        )
        return from_db_time(row[0]) + EMERGENCY_OPEN if row is not None and row[0] else None


def _clean(text: str | None, limit: int) -> str | None:
    """One line, trimmed, cut to ``limit``; None when empty."""
    if text is None:
        return None
    text = " ".join(text.split())[:limit]
    return text or None
