"""The weekly look ahead: one short message on Sunday evening, for whoever asked for it.

Sunday at 19:00 in the constellation's own time zone (for someone in constellations in
several zones: the earliest of their Sunday evenings), one message with every constellation
they are in: the week's meetups and activities, and for the hub home and the liaison also
the open requests. It is queued once per person per week (``weekly_runs``, in the
transaction that queues it), so a restart or a clock set back never sends it twice; a bot
that was down sends it late until Monday 12:00, and after that the week has begun and it is
skipped. It is drawn when it is sent: with nothing to say (or the person turned it off, or
left), nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import Glance, Notice, NoticeKind, RequestState
from bot.services.overview import VIEWERS, glance
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.meetups import MeetupRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.weekly import WeeklyRepository

WEEKLY_AT = time(19, 0)  # on Sunday, local time
LATE_UNTIL = timedelta(hours=17)  # Monday 12:00: later, the week has begun and it is skipped
QUIET_AFTER = timedelta(hours=3)  # sent late, after 22:00: without a notification sound
KEEP_WEEKS = 5  # which weeks went out is kept this long
DATES_EACH = 8  # at most this many dates per constellation in one week


def last_due(now: datetime, zone: ZoneInfo) -> tuple[date, datetime]:
    """The latest Sunday 19:00 in ``zone`` that is not after ``now``: its day and moment."""
    local = now.astimezone(zone)
    sunday = local.date() - timedelta(days=(local.weekday() + 1) % 7)
    due = datetime.combine(sunday, WEEKLY_AT, zone)
    if due > now:
        sunday -= timedelta(days=7)
        due = datetime.combine(sunday, WEEKLY_AT, zone)
    return sunday, due


def week_number(sunday: date) -> int:
    """The Sunday a look ahead is for, as a notice carries it (20261122)."""
    return sunday.year * 10000 + sunday.month * 100 + sunday.day


@dataclass(frozen=True, slots=True)
class WeekAhead:
    """What one person's look ahead says: per constellation, the week from ``sunday``."""

    sunday: date
    glances: tuple[Glance, ...]
    quiet: bool  # sent late, in the evening or night: without a sound


class WeeklyService:
    def __init__(
        self,
        db: Database,
        repo: WeeklyRepository,
        constellations: ConstellationRepository,
        requests: HelpRequestRepository,
        meetups: MeetupRepository,
        outbox: OutboxRepository,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._constellations = constellations
        self._requests = requests
        self._meetups = meetups
        self._outbox = outbox
        self._clock = clock

    # -- asking for it -----------------------------------------------------------------------

    async def member_anywhere(self, user_id: int) -> bool:
        return bool(await self._constellations.of_member(self._db.reader, user_id))

    async def is_on(self, user_id: int) -> bool:
        return await self._repo.is_on(self._db.reader, user_id)

    async def turn(self, user_id: int, on: bool) -> None:
        async with self._db.transaction() as tx:
            if on:
                await self._repo.turn_on(tx, user_id, self._clock.now())
            else:
                await self._repo.turn_off(tx, user_id)

    # -- Sunday evening ----------------------------------------------------------------------

    async def tick(self) -> None:
        """From Sunday 19:00 (until Monday 12:00): queue this week's look ahead for everyone
        who asked for it before then and has not had it, once."""
        now = self._clock.now()
        for timezone in await self._repo.timezones(self._db.reader):
            sunday, due = last_due(now, ZoneInfo(timezone))
            if now >= due + LATE_UNTIL:
                continue
            week = sunday.isoformat()
            forget = (sunday - timedelta(weeks=KEEP_WEEKS)).isoformat()
            for user_id in await self._repo.due(self._db.reader, timezone, week, due):
                async with self._db.transaction() as tx:
                    if not await self._repo.mark_run(tx, user_id, week, forget):
                        continue
                    notice = Notice(
                        kind=NoticeKind.WEEKLY,
                        dedupe_key=f"weekly:{user_id}:{week}",
                        refs={"week": week_number(sunday)},
                        user_id=user_id,
                    )
                    await self._outbox.add(tx, notice, now)

    async def next_due(self) -> datetime | None:
        """This week's moment while someone still waits for theirs, else next Sunday's (the
        one after, if next week's went out already: a clock set back)."""
        now, reader = self._clock.now(), self._db.reader
        moments = []
        for timezone in await self._repo.timezones(reader):
            zone = ZoneInfo(timezone)
            sunday, due = last_due(now, zone)
            if now < due + LATE_UNTIL and await self._repo.any_due(
                reader, timezone, sunday.isoformat(), due
            ):
                moments.append(due)
                continue
            sunday += timedelta(days=7)
            due = datetime.combine(sunday, WEEKLY_AT, zone)
            if not await self._repo.any_due(reader, timezone, sunday.isoformat(), due):
                due = datetime.combine(sunday + timedelta(days=7), WEEKLY_AT, zone)
            moments.append(due)
        return min(moments) if moments else None

    # -- what it says (drawn when it is sent) ------------------------------------------------

    async def look_ahead(self, user_id: int, sunday: date) -> WeekAhead | None:
        """The week from ``sunday`` for this person, as things are now; None when there is
        nothing to say, they turned it off or belong nowhere, or the week has begun."""
        s, now = self._db.reader, self._clock.now()
        if not await self._repo.is_on(s, user_id):
            return None
        places = await self._constellations.places(s, user_id)
        if not places:
            return None
        zones = {c.id: ZoneInfo(c.timezone) for c, _ in places}
        due = min(datetime.combine(sunday, WEEKLY_AT, zone) for zone in zones.values())
        if now >= due + LATE_UNTIL:
            return None
        ends = {
            cid: datetime.combine(sunday + timedelta(days=8), time(0), zone)
            for cid, zone in zones.items()
        }
        carers = [c.id for c, role in places if role in VIEWERS]
        requests = [
            r for r in await self._requests.active_in(s, carers) if r.state is RequestState.OPEN
        ]
        dates = [
            d
            for d in await self._meetups.dates(
                s, list(zones), now, max(ends.values()), each=DATES_EACH, reader=user_id
            )
            if d.occurrence.starts_at < ends[d.meetup.constellation_id]
        ]
        glances = tuple(
            seen
            for seen in (glance(c, role, user_id, requests, [], dates) for c, role in places)
            if not seen.empty
        )
        if not glances:
            return None
        return WeekAhead(sunday, glances, quiet=now >= due + QUIET_AFTER)
