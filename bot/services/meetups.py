"""Meetups and children's activities: plan, answer, cancel, move, announce and remind.

A series gets its occurrences one at a time: each is created when it is announced
(``announce_ahead`` before it starts), with its own answers and reminders. Reminders are rows
in the database, due at a moment; when one falls due its notices are queued in the outbox in
the same transaction that marks it done — so a reminder is never queued twice, and the outbox
delivers each notice once, across restarts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import (
    Answer,
    Constellation,
    ConstellationStatus,
    DomainError,
    Meetup,
    MeetupClosed,
    MeetupKind,
    MeetupNotFound,
    MeetupView,
    Member,
    MembershipStatus,
    NotAllowed,
    Notice,
    NotSetUp,
    Occurrence,
    Person,
    Role,
    Rsvp,
)
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, to_db_time
from bot.storage.meetups import MeetupRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository
from bot.when import Recurrence, When, localize, next_occurrences, parse_when

PLANNERS = (Role.HUBHOME, Role.LIAISON)
TITLE_LIMIT = 100
FIELD_LIMIT = 100
MAX_CHILDREN = 10
# Message keys of outbox notices that are meetup messages themselves (rendered at sending).
CARD_NOTICE = "@meetup-card"
REMINDER_NOTICE = "@meetup-reminder"

_CAPACITY = re.compile(r"(?:max(?:imaal|imum)?|capaciteit|capacity)\s*:?\s*(\d{1,4})", re.I)
_AGES = re.compile(
    r"\d{1,2}\s*(?:[-–]\s*\d{1,2}|\+)(?:\s*(?:jaar|jr|years?|yrs|y))?"
    r"|\d{1,2}\s*(?:jaar|jr|years?|yrs)\b.*|(?:vanaf|from|tot|until|up to)\s+\d{1,2}.*",
    re.I,
)


class FormError(DomainError):
    """The one-line form could not be read; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MeetupForm:
    """``<when> | <title> | <location> | <ages> | max N`` as typed (all but when/title optional)."""

    when: str
    title: str
    location: str | None = None
    ages: str | None = None
    capacity: int | None = None


def parse_form(raw: str, *, require_title: bool = True) -> MeetupForm:
    """Split the one-line form; after the title, parts are recognised by their shape."""
    parts = [part.strip() for part in raw.split("|")]
    if not any(parts):
        raise FormError("empty")
    when, title, rest = parts[0], parts[1] if len(parts) > 1 else "", parts[2:]
    if require_title and not title:
        raise FormError("no_title")
    location = ages = None
    capacity = None
    for part in rest:
        if not part or part == "-":
            continue
        if (match := _CAPACITY.fullmatch(part)) is not None:
            capacity = int(match.group(1))
            if capacity < 1:
                raise FormError("capacity")
        elif ages is None and _AGES.fullmatch(part):
            ages = part
        elif location is None:
            location = part
    if len(title) > TITLE_LIMIT or any(
        len(value) > FIELD_LIMIT for value in (location, ages) if value
    ):
        raise FormError("too_long")
    return MeetupForm(when, title, location, ages, capacity)


@dataclass(frozen=True, slots=True)
class Answered:
    view: MeetupView
    result: str  # yes, maybe, no, waiting, children, full, no_children, unchanged
    promoted: tuple[int, ...]  # moved up from the waiting list


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
        constellation = await self._constellations.by_chat(chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        return constellation

    async def _active_member(self, constellation: Constellation, user_id: int) -> Member | None:
        member = await self._memberships.get(constellation.id, user_id)
        return member if member is not None and member.status is MembershipStatus.ACTIVE else None

    async def may_plan(self, constellation: Constellation, user_id: int) -> bool:
        member = await self._active_member(constellation, user_id)
        return member is not None and member.role in PLANNERS

    def read_when(self, constellation: Constellation, text: str) -> When:
        """``text`` as a moment (or series) in the constellation's time zone; WhenError if not."""
        return parse_when(text, now=self._clock.now(), tz=ZoneInfo(constellation.timezone))

    async def plan(self, chat_id: int, person: Person, kind: MeetupKind, raw: str) -> MeetupView:
        """The one-line form in the group. Raises NotSetUp, NotAllowed, FormError, WhenError."""
        constellation = await self.constellation(chat_id)
        if not await self.may_plan(constellation, person.user_id):
            raise NotAllowed
        form = parse_form(raw)
        when = self.read_when(constellation, form.when)
        return await self.create(constellation, person.user_id, kind, form, when)

    async def create(
        self,
        constellation: Constellation,
        creator_id: int,
        kind: MeetupKind,
        form: MeetupForm,
        when: When,
    ) -> MeetupView:
        """Store the meetup and its first occurrence (whose card the caller posts)."""
        now = self._clock.now()
        draft = self._draft(constellation, creator_id, kind, form, when, number=0)
        start_local = draft.start_local
        async with self._db.transaction() as conn:
            meetup_id = await self._meetups.insert_meetup(conn, draft, now)
            occurrence_id = await self._meetups.insert_occurrence(
                conn, meetup_id, start_local, when.start
            )
            assert occurrence_id is not None
            await self._set_reminders(conn, occurrence_id, when.start, now)
            await self._plan_next_announcement(conn, draft, meetup_id, start_local)
        return await self.view(occurrence_id)

    async def preview(
        self,
        constellation: Constellation,
        creator_id: int,
        kind: MeetupKind,
        form: MeetupForm,
        when: When,
    ) -> MeetupView:
        """How the card will look (nothing is stored)."""
        number = await self._meetups.next_number(constellation.id)
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
        )

    async def _set_reminders(
        self, conn: aiosqlite.Connection, occurrence_id: int, starts_at: datetime, now: datetime
    ) -> None:
        """One reminder per offset that is still ahead (a reminder already late is not made)."""
        due = [
            (int(offset.total_seconds() // 60), starts_at - offset)
            for offset in self._reminders
            if starts_at - offset > now
        ]
        await self._meetups.set_reminders(conn, occurrence_id, due)

    async def _plan_next_announcement(
        self, conn: aiosqlite.Connection, meetup: Meetup, meetup_id: int, slot: datetime
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
        await self._meetups.set_next_announce(conn, meetup_id, at)

    # -- reading -----------------------------------------------------------------------------

    async def view(self, occurrence_id: int) -> MeetupView:
        occurrence = await self._meetups.occurrence(occurrence_id)
        if occurrence is None:
            raise MeetupNotFound(occurrence_id)
        meetup = await self._meetups.meetup(occurrence.meetup_id)
        assert meetup is not None
        constellation = await self._constellations.by_id(meetup.constellation_id)
        assert constellation is not None
        rsvps = await self._meetups.rsvps(occurrence_id)
        return MeetupView(constellation, meetup, occurrence, rsvps)

    async def cards(self, occurrence_id: int) -> list[tuple[int, int]]:
        return [(c.chat_id, c.message_id) for c in await self._meetups.cards(occurrence_id)]

    async def card_posted(self, occurrence_id: int, chat_id: int, message_id: int) -> None:
        await self._meetups.add_card(occurrence_id, chat_id, message_id)

    async def for_press(self, occurrence_id: int, chat_id: int, user_id: int) -> MeetupView:
        """The occurrence behind a button, if this person may answer it from this chat.

        In the group: the constellation's own group. In a private chat (reminders): the
        presser's own chat, and they must be an active member of the constellation.
        """
        view = await self.view(occurrence_id)
        if chat_id == view.constellation.chat_id:
            return view
        if chat_id == user_id and await self._active_member(view.constellation, user_id):
            return view
        raise MeetupNotFound(occurrence_id)

    async def find(self, chat_id: int, number: int) -> tuple[Constellation, Meetup]:
        constellation = await self.constellation(chat_id)
        meetup = await self._meetups.by_number(constellation.id, number)
        if meetup is None:
            raise MeetupNotFound(number)
        return constellation, meetup

    async def find_by_id(self, meetup_id: int) -> Meetup:
        meetup = await self._meetups.meetup(meetup_id)
        if meetup is None:
            raise MeetupNotFound(meetup_id)
        return meetup

    async def upcoming(self, constellations: list[Constellation]) -> list[MeetupView]:
        """What is coming up in these constellations, soonest first, with answers."""
        by_id = {c.id: c for c in constellations}
        rows = await self._meetups.upcoming(list(by_id), self._clock.now())
        return [
            MeetupView(by_id[m.constellation_id], m, o, await self._meetups.rsvps(o.id))
            for m, o in rows
        ]

    async def of_member(self, user_id: int) -> list[Constellation]:
        return await self._constellations.of_member(user_id)

    async def planner_in(self, user_id: int) -> list[Constellation]:
        """The constellations where this person may plan (hub home or liaison)."""
        return [c for c in await self.of_member(user_id) if await self.may_plan(c, user_id)]

    async def next_occurrence(self, meetup: Meetup) -> Occurrence | None:
        """The next planned occurrence still to start (cancelled ones skipped)."""
        upcoming = await self._meetups.occurrences_after(meetup.id, self._clock.now())
        return next((o for o in upcoming if not o.cancelled), None)

    # -- answering ---------------------------------------------------------------------------

    async def answer(self, view: MeetupView, person: Person, action: str) -> Answered:
        """``yes``/``maybe``/``no``/``more``/``fewer`` (children) for one occurrence.

        With a capacity, "coming" when it is full puts the person on the waiting list; a place
        that frees up goes to the first on the list, who is told by DM.
        """
        now = self._clock.now()
        async with self._db.transaction() as conn:
            view = await self.view(view.occurrence.id)  # fresh, inside the lock
            if view.occurrence.cancelled or view.meetup.cancelled:
                raise MeetupClosed(view.occurrence.id)
            if view.occurrence.starts_at <= now:
                raise MeetupClosed(view.occurrence.id)
            current = view.answer_of(person.user_id)
            result, updated = self._decide(view, person, current, action, now)
            if updated is None:
                return Answered(view, result, ())
            await self._meetups.set_rsvp(conn, view.occurrence.id, updated)
            view = await self.view(view.occurrence.id)
            promoted = await self._move_up(conn, view, now)
        if promoted:
            view = await self.view(view.occurrence.id)
        return Answered(view, result, promoted)

    def _decide(
        self,
        view: MeetupView,
        person: Person,
        current: Rsvp | None,
        action: str,
        now: datetime,
    ) -> tuple[str, Rsvp | None]:
        children = current.children if current else 0
        answer = current.answer if current else None
        if action in ("more", "fewer"):
            if view.meetup.kind is not MeetupKind.ACTIVITY:
                return "unchanged", None
            if action == "fewer" and children == 0:
                return "no_children", None
            children = min(MAX_CHILDREN, children + 1) if action == "more" else children - 1
            if answer in (None, Answer.NO):
                answer = Answer.YES  # bringing a child means coming
            result = "children"
        else:
            answer = Answer(action)
            result = action
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
                    return "full", None  # more children than places left: nothing changes
                answer, result = Answer.WAITING, "waiting"
        if current is not None and current.answer == answer and current.children == children:
            return "unchanged" if result != "waiting" else "waiting", None
        answered_at = now if current is None or current.answer != answer else current.answered_at
        return result, Rsvp(person.user_id, person.first_name, answer, children, answered_at)

    async def _move_up(
        self, conn: aiosqlite.Connection, view: MeetupView, now: datetime
    ) -> tuple[int, ...]:
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
                conn, view.occurrence.id, replace(waiting, answer=Answer.YES)
            )
            promoted.append(waiting.user_id)
            await self._outbox.add(
                conn,
                self._notice(
                    view, "meetup.moved_up", waiting.user_id, f"{to_db_time(now)}", fallback=True
                ),
                now,
            )
        return tuple(promoted)

    def _notice(
        self, view: MeetupView, key: str, user_id: int, tag: str, *, fallback: bool = False
    ) -> Notice:
        return Notice(
            dedupe_key=f"{key}:{view.occurrence.id}:{user_id}:{tag}",
            message_key=key,
            values={
                "title": view.meetup.title,
                "number": view.meetup.number,
                "starts_at": to_db_time(view.occurrence.starts_at),
                "timezone": view.meetup.timezone,
                "constellation": view.constellation.name,
            },
            constellation_id=view.constellation.id,
            user_id=user_id,
            fallback_chat_id=view.constellation.chat_id if fallback else None,
        )

    # -- cancelling and moving ---------------------------------------------------------------

    async def may_change(self, meetup: Meetup, user_id: int) -> bool:
        """Whoever planned it, the hub home and the liaison may cancel or change a meetup."""
        constellation = await self._constellations.by_id(meetup.constellation_id)
        if constellation is None:
            return False
        return meetup.created_by == user_id or await self.may_plan(constellation, user_id)

    async def cancel(self, meetup: Meetup, user_id: int, *, series: bool) -> list[MeetupView]:
        """Cancel the next occurrence, or the whole series; everyone who said coming, maybe or
        is waiting is told. Returns the cancelled occurrences (to redraw their cards)."""
        constellation = await self._constellations.by_id(meetup.constellation_id)
        if constellation is None:
            raise MeetupNotFound(meetup.number)
        if not await self.may_change(meetup, user_id):
            raise NotAllowed
        now = self._clock.now()
        upcoming = [
            o for o in await self._meetups.occurrences_after(meetup.id, now) if not o.cancelled
        ]
        if not series:
            upcoming = upcoming[:1]
        async with self._db.transaction() as conn:
            if not upcoming and not series:
                occurrence = await self._materialize_next(conn, meetup, now)
                if occurrence is None:
                    raise MeetupClosed(meetup.number)
                upcoming = [occurrence]
            for occurrence in upcoming:
                await self._meetups.cancel_occurrence(conn, occurrence.id, now)
                view = MeetupView(
                    constellation, meetup, occurrence, await self._meetups.rsvps(occurrence.id)
                )
                for rsvp in view.with_answer(Answer.YES, Answer.MAYBE, Answer.WAITING):
                    if rsvp.user_id != user_id:
                        notice = self._notice(view, "meetup.cancelled_dm", rsvp.user_id, "x")
                        await self._outbox.add(conn, notice, now)
            if series or recurrence_of(meetup) is None:
                await self._meetups.cancel_meetup(conn, meetup.id, now)
        return [await self.view(o.id) for o in upcoming]

    async def edit(
        self, meetup: Meetup, user_id: int, raw: str
    ) -> tuple[MeetupView, list[MeetupView]]:
        """``<when> | <title> | <location>``; empty parts stay as they were.

        A one-off moves. A series given a new rhythm starts again from its new first date (the
        next occurrence moves there, with its answers); given one date, only its next
        occurrence moves. Returns the changed next occurrence and any others cancelled.
        """
        constellation = await self._constellations.by_id(meetup.constellation_id)
        if constellation is None:
            raise MeetupNotFound(meetup.number)
        if not await self.may_change(meetup, user_id):
            raise NotAllowed
        form = parse_form(raw, require_title=False)
        if not (form.when or form.title or form.location or form.ages or form.capacity):
            raise FormError("empty")
        when = self.read_when(constellation, form.when) if form.when else None
        now = self._clock.now()
        zone = ZoneInfo(meetup.timezone)
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
        dropped: list[Occurrence] = []
        async with self._db.transaction() as conn:
            if meetup.cancelled:
                raise MeetupClosed(meetup.number)
            await self._meetups.update_meetup(conn, changed)
            upcoming = [
                o for o in await self._meetups.occurrences_after(meetup.id, now) if not o.cancelled
            ]
            target = upcoming[0] if upcoming else None
            if target is None:
                target = await self._materialize_next(conn, changed, now)
                if target is None:
                    raise MeetupClosed(meetup.number)
            if when is not None:
                slot = changed.start_local if rebase else target.slot
                await self._meetups.move_occurrence(conn, target.id, when.start, slot)
                await self._set_reminders(conn, target.id, when.start, now)
                if rebase:
                    dropped = upcoming[1:]
                    for other in dropped:
                        await self._meetups.cancel_occurrence(conn, other.id, now)
                    await self._plan_next_announcement(conn, changed, meetup.id, slot)
            view = await self.view(target.id)
            for rsvp in view.with_answer(Answer.YES, Answer.MAYBE, Answer.WAITING):
                if rsvp.user_id != user_id:
                    tag = to_db_time(now)
                    await self._outbox.add(
                        conn, self._notice(view, "meetup.changed_dm", rsvp.user_id, tag), now
                    )
        return await self.view(target.id), [await self.view(o.id) for o in dropped]

    async def _materialize_next(
        self, conn: aiosqlite.Connection, meetup: Meetup, now: datetime
    ) -> Occurrence | None:
        """Create the series' next occurrence after what exists (and after now)."""
        recurrence = recurrence_of(meetup)
        if recurrence is None or meetup.cancelled:
            return None
        zone = ZoneInfo(meetup.timezone)
        last = await self._meetups.last_slot(meetup.id)
        after = max(now, localize(last, zone)) if last else now
        following = next_occurrences(meetup.start_local, recurrence, zone, after=after, count=1)
        if not following:
            return None
        start = following[0]
        slot = start.astimezone(zone).replace(tzinfo=None)
        occurrence_id = await self._meetups.insert_occurrence(conn, meetup.id, slot, start)
        if occurrence_id is None:
            return None
        await self._set_reminders(conn, occurrence_id, start, now)
        await self._plan_next_announcement(conn, meetup, meetup.id, slot)
        return await self._meetups.occurrence(occurrence_id)

    # -- time-driven -------------------------------------------------------------------------

    async def tick(self) -> None:
        """Announce the series' next occurrences and queue the reminders that are due."""
        now = self._clock.now()
        for meetup in await self._meetups.series_to_announce(now):
            constellation = await self._constellations.by_id(meetup.constellation_id)
            async with self._db.transaction() as conn:
                occurrence = await self._materialize_next(conn, meetup, now)
                if occurrence is None:
                    await self._meetups.set_next_announce(conn, meetup.id, None)
                    continue
                if constellation is not None:
                    await self._outbox.add(
                        conn,
                        Notice(
                            dedupe_key=f"{CARD_NOTICE}:{occurrence.id}",
                            message_key=CARD_NOTICE,
                            values={"occurrence": occurrence.id},
                            constellation_id=constellation.id,
                            chat_id=constellation.chat_id,
                        ),
                        now,
                    )
        due = await self._meetups.due_reminders(now)
        # Several due at once (the bot was down): only the nearest one is sent, the rest done.
        nearest: dict[int, int] = {}
        for occurrence_id, minutes in due:
            nearest[occurrence_id] = min(minutes, nearest.get(occurrence_id, minutes))
        for occurrence_id, minutes in due:
            await self._remind(occurrence_id, minutes, now, send=nearest[occurrence_id] == minutes)

    async def _remind(self, occurrence_id: int, minutes: int, now: datetime, *, send: bool) -> None:
        view = await self.view(occurrence_id)
        started = view.occurrence.starts_at <= now
        closed = view.occurrence.cancelled or view.meetup.cancelled or not send
        live = view.constellation.status is ConstellationStatus.ACTIVE
        recipients = [] if started or closed else await self._reminded(view)
        async with self._db.transaction() as conn:
            if not await self._meetups.reminder_done(conn, occurrence_id, minutes, now):
                return
            if started or closed or not live:
                return  # too late (it began while we were down), or nothing to remind of
            tag = f"{minutes}:{to_db_time(view.occurrence.starts_at)}"
            targets: list[tuple[str, int | None, int | None]] = [
                ("group", view.constellation.chat_id, None),
                *((str(user_id), None, user_id) for user_id in recipients),
            ]
            for name, chat_id, user_id in targets:
                notice = Notice(
                    dedupe_key=f"{REMINDER_NOTICE}:{occurrence_id}:{tag}:{name}",
                    message_key=REMINDER_NOTICE,
                    values={"occurrence": occurrence_id},
                    constellation_id=view.constellation.id,
                    chat_id=chat_id,
                    user_id=user_id,
                )
                await self._outbox.add(conn, notice, now)

    async def _reminded(self, view: MeetupView) -> list[int]:
        """Meetings: who said coming or maybe. Children's activities: every member with a
        linked private chat who did not say "not coming" (or is still waiting for a place)."""
        if view.meetup.kind is MeetupKind.MEETUP:
            people = [r.user_id for r in view.with_answer(Answer.YES, Answer.MAYBE)]
            linked = []
            for user_id in people:
                person = await self._people.get(user_id)
                if person is not None and person.private_chat_linked:
                    linked.append(user_id)
            return linked
        skip = {r.user_id for r in view.with_answer(Answer.NO, Answer.WAITING)}
        members = await self._memberships.active(view.constellation.id)
        return [
            m.user_id for m in members if m.person.private_chat_linked and m.user_id not in skip
        ]

    async def next_due(self) -> datetime | None:
        return await self._meetups.next_due()
