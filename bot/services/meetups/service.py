"""Meetups and children's activities: plan, answer, cancel, move, announce and remind.

A series gets its occurrences one at a time: each is created when it is announced
(``announce_ahead`` before it starts), with its own answers and reminders. Reminders are rows
in the database, due at a moment; when one falls due its notices are queued in the outbox in
the same transaction that marks it done — so a reminder is never queued twice, and the outbox
delivers each notice once, across restarts. Every change queues the redraw of the cards it
touches in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import (
    MAX_CHILDREN,
    Answer,
    AskedChildren,
    CardLocation,
    Constellation,
    ConstellationStatus,
    Meetup,
    MeetupClosed,
    MeetupKind,
    MeetupNotFound,
    MeetupView,
    NotAllowed,
    NoticeKind,
    NotSetUp,
    Occurrence,
    Person,
    Role,
    Rsvp,
)
from bot.services.meetups import notices
from bot.services.meetups.forms import FormError, MeetupForm, parse_form
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, Session, Tx, to_db_time
from bot.storage.meetups import MeetupRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository
from bot.when import Recurrence, When, localize, next_occurrences, parse_when

PLANNERS = (Role.HUBHOME, Role.LIAISON)


@dataclass(frozen=True, slots=True)
class Answered:
    view: MeetupView
    # yes, maybe, no, waiting, children, full, too_many, no_children, unchanged
    result: str
    promoted: tuple[int, ...]  # moved up from the waiting list
    asked: bool = False  # "with how many children?" is on its way to them
    remembered: bool = False  # their children counted as at their last activity


def recurrence_of(meetup: Meetup) -> Recurrence | None:
    return Recurrence.decode(meetup.recurrence) if meetup.recurrence else None


class MeetupService:
    def __init__(
        self,
        db: Database,
        meetups: MeetupRepository,
        outbox: OutboxRepository,
        constellations: ConstellationRepository,
        people: PeopleRepository,
        memberships: MembershipRepository,
        clock: Clock,
        *,
        reminders: tuple[timedelta, ...],
        announce_ahead: timedelta,
    ) -> None:
        self._db = db
        self._meetups = meetups
        self._outbox = outbox
        self._constellations = constellations
        self._people = people
        self._memberships = memberships
        self._clock = clock
        self._reminders = reminders
        self._ahead = announce_ahead

    # -- planning ----------------------------------------------------------------------------

    async def constellation(self, chat_id: int) -> Constellation:
        constellation = await self._constellations.by_chat(self._db.reader, chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        return constellation

    async def may_plan(self, constellation: Constellation, user_id: int) -> bool:
        role = await self._memberships.active_role(self._db.reader, constellation.id, user_id)
        return role in PLANNERS

    def read_when(self, constellation: Constellation, text: str, on: date | None = None) -> When:
        """``text`` as a moment (or series) in the constellation's time zone; WhenError if not.

        ``on`` is the day meant when only a time is typed (a move keeps its day)."""
        zone = ZoneInfo(constellation.timezone)
        return parse_when(text, now=self._clock.now(), tz=zone, on=on)

    async def plan(
        self, chat_id: int, person: Person, kind: MeetupKind, raw: str
    ) -> tuple[MeetupView, When]:
        """The one-line form in the group: the new card's view and the date as read.

        Raises NotSetUp, NotAllowed, FormError, WhenError."""
        constellation = await self.constellation(chat_id)
        if not await self.may_plan(constellation, person.user_id):
            raise NotAllowed
        form = parse_form(raw)
        when = self.read_when(constellation, form.when)
        return await self.create(constellation, person.user_id, kind, form, when), when

    async def create(
        self,
        constellation: Constellation,
        creator_id: int,
        kind: MeetupKind,
        form: MeetupForm,
        when: When,
    ) -> MeetupView:
        """Store the meetup and its first occurrence, and queue its card for the group."""
        now = self._clock.now()
        draft = self._draft(constellation, creator_id, kind, form, when, number=0)
        start_local = draft.start_local
        async with self._db.transaction() as tx:
            meetup_id = await self._meetups.insert_meetup(tx, draft, now)
            occurrence_id = await self._meetups.insert_occurrence(
                tx, meetup_id, start_local, when.start
            )
            assert occurrence_id is not None
            await self._set_reminders(tx, occurrence_id, when.start, now)
            await self._plan_next_announcement(tx, draft, meetup_id, start_local)
            view = await self.view(occurrence_id, tx)
            await self._outbox.add(tx, notices.card(view), now)
        return view

    async def preview(
        self,
        constellation: Constellation,
        creator_id: int,
        kind: MeetupKind,
        form: MeetupForm,
        when: When,
    ) -> MeetupView:
        """How the card will look (nothing is stored)."""
        number = await self._meetups.next_number(self._db.reader, constellation.id)
        meetup = self._draft(constellation, creator_id, kind, form, when, number=number)
        occurrence = Occurrence(0, 0, meetup.start_local, when.start, cancelled=False)
        return MeetupView(constellation, meetup, occurrence, ())

    @staticmethod
    def _draft(
        constellation: Constellation,
        creator_id: int,
        kind: MeetupKind,
        form: MeetupForm,
        when: When,
        *,
        number: int,
    ) -> Meetup:
        zone = ZoneInfo(constellation.timezone)
        return Meetup(
            id=0,
            constellation_id=constellation.id,
            number=number,
            kind=kind,
            title=form.title,
            location=form.location,
            ages=form.ages,
            capacity=form.capacity,
            recurrence=when.recurrence.encode() if when.recurrence else None,
            start_local=when.start.astimezone(zone).replace(tzinfo=None),
            timezone=constellation.timezone,
            created_by=creator_id,
            cancelled=False,
            length_minutes=when.length_minutes,
        )

    async def _set_reminders(
        self, tx: Tx, occurrence_id: int, starts_at: datetime, now: datetime
    ) -> None:
        """One reminder per offset that is still ahead (a reminder already late is not made)."""
        due = [
            (int(offset.total_seconds() // 60), starts_at - offset)
            for offset in self._reminders
            if starts_at - offset > now
        ]
        await self._meetups.set_reminders(tx, occurrence_id, due)

    async def _plan_next_announcement(
        self, tx: Tx, meetup: Meetup, meetup_id: int, slot: datetime
    ) -> None:
        """A series: its next occurrence (after ``slot``) is announced ``announce_ahead`` early."""
        recurrence = recurrence_of(meetup)
        at = None
        if recurrence is not None and not meetup.cancelled:
            zone = ZoneInfo(meetup.timezone)
            following = next_occurrences(
                meetup.start_local, recurrence, zone, after=localize(slot, zone), count=1
            )
            at = following[0] - self._ahead if following else None
        await self._meetups.set_next_announce(tx, meetup_id, at)

    # -- reading -----------------------------------------------------------------------------

    async def view(self, occurrence_id: int, s: Session | None = None) -> MeetupView:
        """One occurrence with everything its card shows (read on ``s``, else committed)."""
        s = s or self._db.reader
        occurrence = await self._meetups.occurrence(s, occurrence_id)
        if occurrence is None:
            raise MeetupNotFound(occurrence_id)
        meetup = await self._meetups.meetup(s, occurrence.meetup_id)
        assert meetup is not None
        constellation = await self._constellations.by_id(s, meetup.constellation_id)
        assert constellation is not None
        rsvps = await self._meetups.rsvps(s, occurrence_id)
        resumes = None
        if occurrence.cancelled:  # one date off: when does its series go on?
            resumes = await self._next_date(s, meetup, occurrence.starts_at)
        return MeetupView(constellation, meetup, occurrence, rsvps, resumes)

    async def cards(self, occurrence_id: int) -> list[CardLocation]:
        return await self._meetups.cards(self._db.reader, occurrence_id)

    async def card_went_out(self, tx: Tx, drawn: MeetupView, chat_id: int, message_id: int) -> None:
        """A card went out (delivery records it in the transaction that marks it sent). If
        the occurrence changed while the card was on its way, the card is redrawn."""
        occurrence_id = drawn.occurrence.id
        await self._meetups.add_card(tx, occurrence_id, chat_id, message_id)
        if await self.view(occurrence_id, tx) != drawn:
            location = CardLocation(chat_id, message_id)
            notice = notices.card_edit(occurrence_id, drawn.constellation.id, location)
            await self._outbox.renew(tx, notice, self._clock.now())

    async def children_asked(
        self, tx: Tx, occurrence_id: int, user_id: int, at: CardLocation
    ) -> None:
        """ "With how many children?" went out (recorded in the transaction that marks it
        sent): where it is, so that erasing the person deletes it. Erased while it was on its
        way, it is deleted at once."""
        if await self._people.get(tx, user_id) is not None:
            await self._meetups.add_question(tx, occurrence_id, user_id, at)
            return
        occurrence = await self._meetups.occurrence(tx, occurrence_id)
        meetup = await self._meetups.meetup(tx, occurrence.meetup_id) if occurrence else None
        if meetup is not None:
            asked = AskedChildren(occurrence_id, meetup.constellation_id, at)
            await self._outbox.add(tx, notices.children_erased(asked), self._clock.now())

    async def for_press(self, occurrence_id: int, chat_id: int, user_id: int) -> MeetupView:
        """The occurrence behind a button, if this person may answer it from this chat: an
        active member of the constellation (a press is no proof of that), in its own group or
        in their own private chat (reminders)."""
        view = await self.view(occurrence_id)
        constellation = view.constellation
        role = await self._memberships.active_role(self._db.reader, constellation.id, user_id)
        if role is not None and chat_id in (constellation.chat_id, user_id):
            return view
        raise MeetupNotFound(occurrence_id)

    async def for_calendar(
        self, occurrence_id: int, chat_id: int, user_id: int
    ) -> tuple[MeetupView, list[Occurrence]]:
        """What the calendar file of a pressed occurrence needs, if this person may see it (as
        ``for_press`` decides): the occurrence and every stored date of its meetup."""
        view = await self.for_press(occurrence_id, chat_id, user_id)
        dates = await self._meetups.occurrences_of(self._db.reader, view.meetup.id)
        return view, dates

    async def find(self, chat_id: int, number: int) -> tuple[Constellation, Meetup]:
        constellation = await self.constellation(chat_id)
        meetup = await self._meetups.by_number(self._db.reader, constellation.id, number)
        if meetup is None:
            raise MeetupNotFound(number)
        return constellation, meetup

    async def find_by_id(self, meetup_id: int) -> Meetup:
        meetup = await self._meetups.meetup(self._db.reader, meetup_id)
        if meetup is None:
            raise MeetupNotFound(meetup_id)
        return meetup

    async def upcoming(
        self, constellations: list[Constellation], limit: int = 30
    ) -> list[MeetupView]:
        """What is coming up in these constellations, soonest first, with answers. A series
        whose coming date has no card yet (it is announced later, or the date before it was
        called off) shows that date, as yet without answers (occurrence id 0)."""
        reader, now = self._db.reader, self._clock.now()
        by_id = {c.id: c for c in constellations}
        rows = await self._meetups.upcoming(reader, list(by_id), now, limit)
        views = [
            MeetupView(by_id[m.constellation_id], m, o, await self._meetups.rsvps(reader, o.id))
            for m, o in rows
        ]
        listed = {m.id for m, _ in rows}
        for meetup in await self._meetups.running_series(reader, list(by_id)):
            if meetup.id in listed:
                continue
            start = await self._next_date(reader, meetup, now)
            if start is not None:
                slot = start.astimezone(ZoneInfo(meetup.timezone)).replace(tzinfo=None)
                coming = Occurrence(0, meetup.id, slot, start, cancelled=False)
                views.append(MeetupView(by_id[meetup.constellation_id], meetup, coming, ()))
        views.sort(key=lambda view: (view.occurrence.starts_at, view.meetup.id))
        return views[:limit]

    async def of_member(self, user_id: int) -> list[Constellation]:
        return await self._constellations.of_member(self._db.reader, user_id)

    async def planner_in(self, user_id: int) -> list[Constellation]:
        """The constellations where this person may plan (hub home or liaison)."""
        return await self._constellations.of_member(self._db.reader, user_id, PLANNERS)

    async def next_occurrence(self, meetup: Meetup) -> Occurrence | None:
        """The next planned occurrence still to start (cancelled ones skipped)."""
        upcoming = await self._meetups.occurrences_after(
            self._db.reader, meetup.id, self._clock.now()
        )
        return next((o for o in upcoming if not o.cancelled), None)

    async def _redraw(self, tx: Tx, view: MeetupView, now: datetime) -> None:
        """Queue a redraw of every card of the occurrence, in the change's transaction."""
        for location in await self._meetups.cards(tx, view.occurrence.id):
            notice = notices.card_edit(view.occurrence.id, view.constellation.id, location)
            await self._outbox.renew(tx, notice, now)

    # -- answering ---------------------------------------------------------------------------

    async def answer(
        self, view: MeetupView, person: Person, action: str, count: int | None = None
    ) -> Answered:
        """``yes``/``maybe``/``no``/``more``/``fewer`` (children), or ``children`` (``count``
        of them, the answer to "with how many children?") for one occurrence.

        With a capacity, "coming" when it is full puts the person on the waiting list; a place
        that frees up goes to the first on the list, who is told by DM. A first "coming" to a
        children's activity counts the children as at the person's last activity; with none
        to go by, it asks how many (privately if it can, else in the group, once per date).
        """
        now = self._clock.now()
        async with self._db.transaction() as tx:
            view = await self.view(view.occurrence.id, tx)  # fresh, inside the lock
            if view.occurrence.cancelled or view.meetup.cancelled:
                raise MeetupClosed(view.occurrence.id)
            if view.occurrence.starts_at <= now:
                raise MeetupClosed(view.occurrence.id)
            current = view.answer_of(person.user_id)
            remembered = 0
            first_yes = action == "yes" and not (current and current.children)
            if view.meetup.kind is MeetupKind.ACTIVITY and first_yes:
                remembered = await self._meetups.last_children(
                    tx, view.constellation.id, person.user_id, view.occurrence.id
                )
            chosen = count if action == "children" else remembered
            result, updated = self._decide(view, person, current, action, now, chosen)
            if action == "children" and result != "too_many":
                # Answered on the question itself, which goes (or is made nameless) now.
                await self._meetups.question_answered(tx, view.occurrence.id, person.user_id)
            if updated is None:
                return Answered(view, result, ())
            await self._meetups.set_rsvp(tx, view.occurrence.id, updated)
            view = await self.view(view.occurrence.id, tx)
            promoted = await self._move_up(tx, view, now)
            if promoted:
                view = await self.view(view.occurrence.id, tx)
            await self._redraw(tx, view, now)
            asked = False
            mine = view.answer_of(person.user_id)
            wants_to_come = mine is not None and mine.answer in (Answer.YES, Answer.WAITING)
            activity = view.meetup.kind is MeetupKind.ACTIVITY
            if activity and first_yes and wants_to_come and not remembered:
                # Queued once per date (its dedupe key says so): "the first time".
                question = notices.to_person(
                    NoticeKind.MEETUP_CHILDREN, view, person.user_id, "ask", fallback=True
                )
                asked = await self._outbox.add_once(tx, question, now)
        return Answered(view, result, promoted, asked=asked, remembered=remembered > 0)

    def _decide(
        self,
        view: MeetupView,
        person: Person,
        current: Rsvp | None,
        action: str,
        now: datetime,
        count: int | None = None,
    ) -> tuple[str, Rsvp | None]:
        children = current.children if current else 0
        answer = current.answer if current else None
        if action in ("more", "fewer", "children"):
            if view.meetup.kind is not MeetupKind.ACTIVITY:
                return "unchanged", None
            if action == "fewer" and children == 0:
                return "no_children", None
            if action == "children":
                children = max(1, min(MAX_CHILDREN, count or 1))
            else:
                children = min(MAX_CHILDREN, children + 1) if action == "more" else children - 1
            if answer in (None, Answer.NO):
                answer = Answer.YES  # bringing a child means coming
            result = "children"
        else:
            answer = Answer(action)
            result = action
            if answer is Answer.YES and count:  # as at their last activity
                children = count
        assert answer is not None
        if answer is Answer.YES and current is not None and current.answer is Answer.WAITING:
            answer = Answer.WAITING  # still waiting for a place
            result = "waiting" if result == "yes" else result
        capacity = view.meetup.capacity
        if answer is Answer.YES and capacity is not None:
            mine = Rsvp(person.user_id, person.first_name, Answer.YES, children, now)
            others = view.taken - (
                view.places(current) if current and current.answer is Answer.YES else 0
            )
            if others + view.places(mine) > capacity:
                if current is not None and current.answer is Answer.YES:
                    # More children than places left: nothing changes.
                    return ("too_many" if action == "children" else "full"), None
                answer, result = Answer.WAITING, "waiting"
        if current is not None and current.answer == answer and current.children == children:
            return "unchanged" if result != "waiting" else "waiting", None
        answered_at = now if current is None or current.answer != answer else current.answered_at
        return result, Rsvp(person.user_id, person.first_name, answer, children, answered_at)

    async def _move_up(self, tx: Tx, view: MeetupView, now: datetime) -> tuple[int, ...]:
        """Give freed places to the waiting list, first come first served; tell them."""
        capacity = view.meetup.capacity
        if capacity is None:
            return ()
        free = capacity - view.taken
        promoted: list[int] = []
        for waiting in view.with_answer(Answer.WAITING):
            if view.places(waiting) > free:
                break
            free -= view.places(waiting)
            await self._meetups.set_rsvp(
                tx, view.occurrence.id, replace(waiting, answer=Answer.YES)
            )
            promoted.append(waiting.user_id)
            notice = notices.to_person(
                NoticeKind.MEETUP_MOVED_UP, view, waiting.user_id, to_db_time(now), fallback=True
            )
            await self._outbox.add(tx, notice, now)
        return tuple(promoted)

    # -- cancelling and moving ---------------------------------------------------------------

    async def may_change(self, meetup: Meetup, user_id: int) -> bool:
        """Whoever planned it (while still in the constellation), the hub home and the
        liaison may cancel or change a meetup."""
        reader = self._db.reader
        constellation = await self._constellations.by_id(reader, meetup.constellation_id)
        if constellation is None:
            return False
        role = await self._memberships.active_role(reader, constellation.id, user_id)
        return role in PLANNERS or (role is not None and meetup.created_by == user_id)

    async def cancel(
        self,
        meetup: Meetup,
        user_id: int,
        *,
        series: bool,
        only: tuple[int, datetime] | None = None,
    ) -> list[MeetupView]:
        """Cancel one date (``only``: the occurrence and its start, as the question showed
        them; else the next one), or the whole series; everyone who said coming, maybe or is
        waiting is told. Returns the cancelled occurrences. Raises MeetupClosed when there is
        nothing left to cancel (that date is over, moved or cancelled already, or the whole
        meetup is)."""
        constellation = await self._constellations.by_id(self._db.reader, meetup.constellation_id)
        if constellation is None:
            raise MeetupNotFound(meetup.number)
        if not await self.may_change(meetup, user_id):
            raise NotAllowed
        now = self._clock.now()
        async with self._db.transaction() as tx:
            upcoming = await self._dates_left(tx, meetup, now)  # (a second tap: closed)
            if only is not None and not series:
                wanted, shown = only[0], only[1].timestamp() // 60
                upcoming = [
                    o for o in upcoming if o.id == wanted and o.starts_at.timestamp() // 60 == shown
                ]
                if not upcoming:
                    raise MeetupClosed(meetup.number)  # that date is over, or off already
            if not series:
                upcoming = upcoming[:1]
            if not upcoming and not series:
                occurrence = await self._materialize_next(tx, meetup, now)
                if occurrence is None:
                    raise MeetupClosed(meetup.number)
                upcoming = [occurrence]
            if series or recurrence_of(meetup) is None:
                await self._meetups.cancel_meetup(tx, meetup.id, now)
            cancelled = []
            for occurrence in upcoming:
                await self._meetups.cancel_occurrence(tx, occurrence.id, now)
                view = await self.view(occurrence.id, tx)
                for rsvp in view.with_answer(Answer.YES, Answer.MAYBE, Answer.WAITING):
                    if rsvp.user_id != user_id:
                        notice = notices.to_person(
                            NoticeKind.MEETUP_CANCELLED, view, rsvp.user_id, "x"
                        )
                        await self._outbox.add(tx, notice, now)
                await self._redraw(tx, view, now)
                cancelled.append(view)
        return cancelled

    async def edit(
        self, meetup: Meetup, user_id: int, raw: str
    ) -> tuple[MeetupView, list[MeetupView], When | None]:
        """``<when> | <title> | <location>``; empty parts stay as they were.

        A one-off moves. A series given a new rhythm starts again from its new first date (the
        next occurrence moves there, with its answers); given one date, only its next
        occurrence moves; given only a time, it stays on its day. Returns the changed next
        occurrence, any others cancelled and the date as read; the cards are redrawn (a
        series' next date without a card yet gets one).
        """
        constellation = await self._constellations.by_id(self._db.reader, meetup.constellation_id)
        if constellation is None:
            raise MeetupNotFound(meetup.number)
        if not await self.may_change(meetup, user_id):
            raise NotAllowed
        form = parse_form(raw, require_title=False)
        if not (form.when or form.title or form.location or form.ages or form.capacity):
            raise FormError("empty")
        now = self._clock.now()
        zone = ZoneInfo(meetup.timezone)
        when = None
        if form.when:
            upcoming_date = await self.next_occurrence(meetup)
            day = None if upcoming_date is None else upcoming_date.starts_at.astimezone(zone).date()
            when = self.read_when(constellation, form.when, on=day)
        changed = replace(
            meetup,
            title=form.title or meetup.title,
            location=form.location if form.location is not None else meetup.location,
            ages=form.ages if form.ages is not None else meetup.ages,
            capacity=form.capacity if form.capacity is not None else meetup.capacity,
        )
        rebase = when is not None and (recurrence_of(meetup) is None or when.recurrence is not None)
        if when is not None and rebase:
            changed = replace(
                changed,
                recurrence=when.recurrence.encode() if when.recurrence else None,
                start_local=when.start.astimezone(zone).replace(tzinfo=None),
            )
        if when is not None and when.length is not None:  # a new range; else the length stays
            changed = replace(changed, length_minutes=when.length_minutes)
        dropped: list[MeetupView] = []
        async with self._db.transaction() as tx:
            upcoming = await self._dates_left(tx, meetup, now)
            await self._meetups.update_meetup(tx, changed)
            target = upcoming[0] if upcoming else None
            if target is None:
                target = await self._materialize_next(tx, changed, now)
                if target is None:
                    raise MeetupClosed(meetup.number)
            if when is not None:
                slot = changed.start_local if rebase else target.slot
                await self._meetups.move_occurrence(tx, target.id, when.start, slot)
                await self._set_reminders(tx, target.id, when.start, now)
                if rebase:
                    for other in upcoming[1:]:
                        await self._meetups.cancel_occurrence(tx, other.id, now)
                        dropped.append(await self.view(other.id, tx))
                    await self._plan_next_announcement(tx, changed, meetup.id, slot)
            view = await self.view(target.id, tx)
            # More places (or a new date, with the same answers): the waiting list moves up.
            if await self._move_up(tx, view, now):
                view = await self.view(target.id, tx)
            for rsvp in view.with_answer(Answer.YES, Answer.MAYBE, Answer.WAITING):
                if rsvp.user_id != user_id:
                    notice = notices.to_person(
                        NoticeKind.MEETUP_CHANGED, view, rsvp.user_id, to_db_time(now)
                    )
                    await self._outbox.add(tx, notice, now)
            for cancelled in dropped:
                await self._redraw(tx, cancelled, now)
            if await self._meetups.cards(tx, target.id):
                await self._redraw(tx, view, now)
            else:  # a series' next date that had no card yet
                await self._outbox.add(tx, notices.card(view), now)
        return view, dropped, when

    async def _dates_left(self, tx: Tx, meetup: Meetup, now: datetime) -> list[Occurrence]:
        """The meetup's coming dates not cancelled, as the transaction sees it; MeetupClosed
        if the whole meetup is cancelled (or gone) by now."""
        current = await self._meetups.meetup(tx, meetup.id)
        if current is None or current.cancelled:
            raise MeetupClosed(meetup.number)
        dates = await self._meetups.occurrences_after(tx, meetup.id, now)
        return [o for o in dates if not o.cancelled]

    async def _following(self, s: Session, meetup: Meetup, after: datetime) -> datetime | None:
        """The series' first date after ``after`` and after every date stored (None for a
        one-off, a cancelled series or one that ended)."""
        recurrence = recurrence_of(meetup)
        if recurrence is None or meetup.cancelled:
            return None
        zone = ZoneInfo(meetup.timezone)
        last = await self._meetups.last_slot(s, meetup.id)
        after = max(after, localize(last, zone)) if last else after
        following = next_occurrences(meetup.start_local, recurrence, zone, after=after, count=1)
        return following[0] if following else None

    async def _next_date(self, s: Session, meetup: Meetup, after: datetime) -> datetime | None:
        """When a running series next takes place after ``after``: its first stored date not
        called off, else the date that follows the stored ones."""
        if recurrence_of(meetup) is None or meetup.cancelled:
            return None
        stored = await self._meetups.occurrences_after(s, meetup.id, after)
        ahead = next((o.starts_at for o in stored if not o.cancelled), None)
        return ahead if ahead is not None else await self._following(s, meetup, after)

    async def _materialize_next(self, tx: Tx, meetup: Meetup, now: datetime) -> Occurrence | None:
        """Create the series' next occurrence after what exists (and after now)."""
        start = await self._following(tx, meetup, now)
        if start is None:
            return None
        zone = ZoneInfo(meetup.timezone)
        slot = start.astimezone(zone).replace(tzinfo=None)
        occurrence_id = await self._meetups.insert_occurrence(tx, meetup.id, slot, start)
        if occurrence_id is None:
            return None
        await self._set_reminders(tx, occurrence_id, start, now)
        await self._plan_next_announcement(tx, meetup, meetup.id, slot)
        return await self._meetups.occurrence(tx, occurrence_id)

    # -- time-driven -------------------------------------------------------------------------

    async def tick(self) -> None:
        """Announce the series' next occurrences and queue the reminders that are due."""
        now = self._clock.now()
        for meetup in await self._meetups.series_to_announce(self._db.reader, now):
            async with self._db.transaction() as tx:
                occurrence = await self._materialize_next(tx, meetup, now)
                if occurrence is None:
                    await self._meetups.set_next_announce(tx, meetup.id, None)
                    continue
                await self._outbox.add(tx, notices.card(await self.view(occurrence.id, tx)), now)
        due = await self._meetups.due_reminders(self._db.reader, now)
        # Several due at once (the bot was down): only the nearest one is sent, the rest done.
        nearest: dict[int, int] = {}
        for occurrence_id, minutes in due:
            nearest[occurrence_id] = min(minutes, nearest.get(occurrence_id, minutes))
        for occurrence_id, minutes in due:
            await self._remind(occurrence_id, minutes, now, send=nearest[occurrence_id] == minutes)

    async def _remind(self, occurrence_id: int, minutes: int, now: datetime, *, send: bool) -> None:
        async with self._db.transaction() as tx:
            if not await self._meetups.reminder_done(tx, occurrence_id, minutes, now):
                return
            view = await self.view(occurrence_id, tx)
            started = view.occurrence.starts_at <= now
            closed = view.occurrence.cancelled or view.meetup.cancelled or not send
            live = view.constellation.status is ConstellationStatus.ACTIVE
            if started or closed or not live:
                return  # too late (it began while we were down), or nothing to remind of
            privately, in_group = await self._reminded(tx, view)
            for user_id in privately:
                await self._outbox.add(tx, notices.reminder(view, minutes, user_id), now)
            if in_group or not privately:  # nobody said yes yet: the group is invited once
                await self._outbox.add(tx, notices.reminder(view, minutes, None, in_group), now)

    async def _reminded(self, s: Session, view: MeetupView) -> tuple[list[int], list[int]]:
        """Who is reminded, once each, where they will read it: everyone who said coming or
        maybe (and is still an active member) — privately if they linked their private chat
        with the bot, else in the group. The hub home or liaison is reminded only as someone
        who said coming, like anyone else."""
        members = await self._memberships.active(s, view.constellation.id)
        linked = {m.user_id: m.person.private_chat_linked for m in members}
        said = [r.user_id for r in view.with_answer(Answer.YES, Answer.MAYBE)]
        privately = [user_id for user_id in said if linked.get(user_id)]
        in_group = [user_id for user_id in said if linked.get(user_id) is False]
        return privately, in_group

    async def next_due(self) -> datetime | None:
        return await self._meetups.next_due(self._db.reader)
