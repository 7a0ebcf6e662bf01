"""Reports: the figures that keep constellations funded, and the monthly report.

Figures are computed when asked, from what the features keep (ids and times), per month in
the constellation's own time zone. Only the hub home and the liaison of a constellation, and
operators (``BOT_ADMIN_IDS``, every constellation), may see them; nothing in them belongs to
one family (see ``bot.figures``). On the first of each month at 09:00 local time, last
month's report is queued for the hub home and the liaison, once (``report_runs``).
"""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import Constellation, LineMessage, NotAllowed, Notice, NoticeKind, Role
from bot.figures import (
    SMALL,
    Figures,
    Report,
    add_months,
    month_key,
    months_between,
    protect,
)
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, Session, Tx
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository
from bot.storage.reports import (
    Act,
    DateRow,
    FamilyRow,
    ReportRepository,
    RequestRow,
    StayRow,
)

MONTHLY_AT = time(9, 0)
READERS = (Role.HUBHOME, Role.LIAISON)


@dataclass
class _Raw:
    """What one month (or a period) adds up to, before it is shown."""

    counts: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    take_on: list[float] = field(default_factory=list)
    emergency_answer: list[float] = field(default_factory=list)
    active: set[int] = field(default_factory=set)
    families: int = 0
    linked: int = 0

    def add(self, other: _Raw) -> None:
        self.counts.update(other.counts)
        self.categories.update(other.categories)
        self.take_on += other.take_on
        self.emergency_answer += other.emergency_answer
        self.active |= other.active
        self.families, self.linked = other.families, other.linked  # as at the end

    def figures(
        self, constellation: Constellation | None, title: str, first: date, last: date
    ) -> Figures:
        ints = {f.name for f in fields(Figures) if f.type == "int"}
        values = {name: self.counts.get(name, 0) for name in ints}
        values.update(families=self.families, families_linked=self.linked)
        values["families_active"] = len(self.active)
        return protect(
            Figures(
                constellation_id=constellation.id if constellation else None,
                constellation=title,
                first=first,
                last=last,
                by_category=dict(self.categories),
                take_on_median=_median(self.take_on),
                take_on_p90=_percentile(self.take_on, 0.9),
                emergency_answer_median=_median(self.emergency_answer),
                **values,
            )
        )


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if len(values) >= SMALL else None


def _percentile(values: list[float], share: float) -> float | None:
    if len(values) < SMALL:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def count_line_message(
    repo: ReportRepository,
    tx: Tx,
    constellation: Constellation,
    line: LineMessage,
    now: datetime,
) -> None:
    """One more private-line message this month (and, a member's first this month, one more
    conversation): counts the retention run leaves alone. In the message's own transaction."""
    zone = ZoneInfo(constellation.timezone)
    local = now.astimezone(zone).date()
    month = month_key(local)
    await repo.count(tx, constellation.id, month, "line_messages")
    if line.author_id == line.member_id:
        start = datetime.combine(local.replace(day=1), time(0), zone)
        if not await repo.wrote_before(tx, constellation.id, line.member_id, start, line.id):
            await repo.count(tx, constellation.id, month, "line_conversations")


@dataclass(frozen=True)
class _Rows:
    """What the figures of a period are counted from, read in one go."""

    requests: list[RequestRow]
    acts: list[Act]
    dates: list[DateRow]
    kept: list[tuple[int, str, str, int]]  # and the sleepovers' feedback, counted alike
    stays: list[StayRow]
    families: list[FamilyRow]
    now: datetime


def _span(months: list[date]) -> tuple[datetime, datetime]:
    """From a day before the first month to a day after the last (in UTC): every time
    zone's months fall inside."""
    start = datetime.combine(months[0], time(0), UTC) - timedelta(days=1)
    end = datetime.combine(add_months(months[-1], 1), time(0), UTC) + timedelta(days=1)
    return start, end


def _count_request(raw: _Raw, request: RequestRow) -> None:
    count = raw.counts
    count["requests"] += 1
    raw.categories[request.category] += 1
    count["urgent"] += request.urgent
    if request.claimed_at is not None:
        count["taken_on"] += 1
        raw.take_on.append((request.claimed_at - request.created_at).total_seconds() / 60)
    if request.outcome in ("helped", "partly", "not_needed"):
        count[request.outcome] += 1
    if request.state in ("expired", "withdrawn"):
        count[request.state] += 1
    if request.escalation_stage >= 1:
        count["escalated_hubhome"] += 1
    if request.escalation_stage >= 2 and request.visibility == "group":
        count["escalated_liaison"] += 1
    if request.requester_id is not None:
        raw.active.add(request.requester_id)


class ReportService:
    def __init__(
        self,
        db: Database,
        repo: ReportRepository,
        constellations: ConstellationRepository,
        memberships: MembershipRepository,
        outbox: OutboxRepository,
        clock: Clock,
        *,
        admin_ids: frozenset[int],
    ) -> None:
        self._db = db
        self._repo = repo
        self._constellations = constellations
        self._memberships = memberships
        self._outbox = outbox
        self._clock = clock
        self._admins = admin_ids

    # -- who ---------------------------------------------------------------------------------

    def is_operator(self, user_id: int) -> bool:
        return user_id in self._admins

    async def places(self, user_id: int) -> list[Constellation]:
        """The constellations whose report the person may see: where they are hub home or
        liaison; every active one for an operator."""
        s = self._db.reader
        if self.is_operator(user_id):
            return await self._constellations.all_active(s)
        return await self._constellations.of_member(s, user_id, READERS)

    def this_month(self, constellation: Constellation | None = None) -> date:
        zone = ZoneInfo(constellation.timezone) if constellation else ZoneInfo("Europe/Amsterdam")
        return self._clock.now().astimezone(zone).date().replace(day=1)

    # -- the figures -------------------------------------------------------------------------

    async def report(
        self, user_id: int, constellation_id: int | None, first: date, last: date, language: str
    ) -> Report:
        """The report for one constellation, or (``None``, operators) for all of them.
        Raises NotAllowed for anyone else."""
        places = await self.places(user_id)
        if constellation_id is None:
            if not self.is_operator(user_id):
                raise NotAllowed
            chosen = places
        else:
            chosen = [c for c in places if c.id == constellation_id]
            if not chosen:
                raise NotAllowed
        first, last = first.replace(day=1), last.replace(day=1)
        if last < first:
            first, last = last, first
        return await self.figures_for(
            chosen, first, last, language, all_of_them=constellation_id is None
        )

    async def figures_for(
        self,
        constellations: list[Constellation],
        first: date,
        last: date,
        language: str,
        *,
        all_of_them: bool = False,
    ) -> Report:
        """The report over ``constellations``: one query per table for the whole period,
        each row put in its constellation's month (in that constellation's time zone).

        The rows are read on the database's thread and counted in a worker thread: for an
        operator's thousand constellations that takes seconds, and other chats go on."""
        months = months_between(first, last)
        rows = await self._read(constellations, months, all_of_them=all_of_them)
        return await asyncio.to_thread(
            self._figures, constellations, months, rows, language, all_of_them=all_of_them
        )

    def _figures(
        self,
        constellations: list[Constellation],
        months: list[date],
        read: _Rows,
        language: str,
        *,
        all_of_them: bool,
    ) -> Report:
        first, last = months[0], months[-1]
        raws = self._collect(constellations, months, read)
        total, month_rows, rows = _Raw(), [], []
        for constellation in constellations:
            whole = _Raw()
            for month in months:
                raw = raws.get((constellation.id, month), _Raw())
                month_rows.append(raw.figures(constellation, constellation.name, month, month))
                whole.add(raw)
            rows.append(whole.figures(constellation, constellation.name, first, last))
            families, linked = total.families + whole.families, total.linked + whole.linked
            total.add(whole)
            total.families, total.linked = families, linked
        title = "" if all_of_them or not constellations else constellations[0].name
        alone = None if all_of_them or not constellations else constellations[0]
        return Report(
            title=title,
            first=first,
            last=last,
            total=total.figures(alone, title, first, last),
            months=tuple(month_rows),
            constellations=tuple(rows) if all_of_them else (),
            language=language,
        )

    async def _read(
        self, constellations: list[Constellation], months: list[date], *, all_of_them: bool
    ) -> _Rows:
        """Every row the figures of these months need, one query per table."""
        s = self._db.reader
        ids = None if all_of_them else [c.id for c in constellations]
        # A day either side: every zone's month falls inside; rows outside are dropped later.
        start, end = _span(months)
        last_day = add_months(months[-1], 1) - timedelta(days=1)
        keys = [month_key(m) for m in months]
        return _Rows(
            requests=await self._repo.requests(s, ids, start, end),
            acts=await self._repo.acts(s, ids, start, end),
            dates=await self._repo.dates(s, ids, start, end),
            kept=[
                *await self._repo.kept(s, ids, keys),
                *await self._repo.feedback(s, ids, keys),
            ],
            stays=await self._repo.stays(s, ids, months[0], last_day, start),
            families=await self._repo.families(s, ids),
            now=self._clock.now(),
        )

    def _collect(
        self, constellations: list[Constellation], months: list[date], read: _Rows
    ) -> dict[tuple[int, date], _Raw]:
        now = read.now
        by_id = {c.id: c for c in constellations}
        raws: dict[tuple[int, date], _Raw] = {}
        wanted = set(months)

        def raw_at(constellation_id: int, moment: datetime) -> _Raw | None:
            constellation = by_id.get(constellation_id)
            if constellation is None:
                return None
            local = moment.astimezone(ZoneInfo(constellation.timezone)).date().replace(day=1)
            if local not in wanted:
                return None
            return raws.setdefault((constellation_id, local), _Raw())

        for request in read.requests:
            raw = raw_at(request.constellation_id, request.created_at)
            if raw is not None:
                _count_request(raw, request)
        for act in read.acts:
            raw = raw_at(act.constellation_id, act.at)
            if raw is not None:
                raw.active.add(act.user_id)
        for held in read.dates:
            raw = raw_at(held.constellation_id, held.starts_at)
            if raw is None or held.starts_at > now:
                continue  # another month, or still to come: not held yet
            raw.counts["meetups_held" if held.kind == "meetup" else "activities_held"] += 1
            raw.counts["families_coming"] += held.coming
            if held.kind == "activity":
                raw.counts["children_at_activities"] += held.children
        for cid, month_text, name, count in read.kept:
            month = date.fromisoformat(f"{month_text}-01")
            if cid in by_id and month in wanted:
                raws.setdefault((cid, month), _Raw()).counts[name] += count
        for stay in read.stays:
            self._count_stay(raws, raw_at, stay, wanted)
        self._count_families(raws, by_id, read.families, months, now)
        return raws

    @staticmethod
    def _count_stay(
        raws: dict[tuple[int, date], _Raw],
        raw_at: Callable[[int, datetime], _Raw | None],
        stay: StayRow,
        wanted: set[date],
    ) -> None:
        if stay.state == "confirmed":
            kind = "nights_emergency" if stay.kind == "emergency" else "nights_planned"
            for n in range(stay.nights):
                night = stay.first_night + timedelta(days=n)
                if night.replace(day=1) in wanted:
                    raw = raws.setdefault((stay.constellation_id, night.replace(day=1)), _Raw())
                    raw.counts[kind] += 1
        asked = raw_at(stay.constellation_id, stay.asked_at)
        if asked is None:
            return
        if stay.state == "declined":
            asked.counts["sleepovers_declined"] += 1
        if stay.state == "unanswered":
            asked.counts["sleepovers_unanswered"] += 1
        if stay.kind == "emergency" and stay.answered_at is not None:
            asked.emergency_answer.append((stay.answered_at - stay.asked_at).total_seconds() / 60)
        if stay.family_id is not None:
            asked.active.add(stay.family_id)

    @staticmethod
    def _count_families(
        raws: dict[tuple[int, date], _Raw],
        by_id: dict[int, Constellation],
        families: list[FamilyRow],
        months: list[date],
        now: datetime,
    ) -> None:
        """Families at the end of each month (or now), and only theirs count as active."""
        members: dict[int, list[FamilyRow]] = {}
        for family in families:
            members.setdefault(family.constellation_id, []).append(family)
        for cid, constellation in by_id.items():
            zone = ZoneInfo(constellation.timezone)
            for month in months:
                end = min(datetime.combine(add_months(month, 1), time(0), zone), now)
                present = [
                    f
                    for f in members.get(cid, [])
                    if f.joined_at < end and (f.left_at is None or f.left_at >= end)
                ]
                raw = raws.setdefault((cid, month), _Raw())
                raw.families = len(present)
                raw.linked = sum(1 for f in present if f.linked)
                raw.active &= {f.user_id for f in present}

    # -- the monthly report ------------------------------------------------------------------

    async def monthly(self, user_id: int, on: bool) -> None:
        async with self._db.transaction() as tx:
            await self._repo.set_opt_out(tx, user_id, not on)

    async def monthly_off(self, user_id: int) -> bool:
        return await self._repo.opted_out(self._db.reader, user_id)

    async def tick(self) -> None:
        """On the first of the month from 09:00 local: last month's report for every
        constellation whose report has not gone out, to its hub home and liaison."""
        now = self._clock.now()
        for timezone in await self._repo.timezones(self._db.reader):
            zone = ZoneInfo(timezone)
            due = datetime.combine(now.astimezone(zone).date().replace(day=1), MONTHLY_AT, zone)
            if now < due:
                continue
            covered = add_months(due.date(), -1)
            month = month_key(covered)
            month_start = datetime.combine(due.date(), time(0), zone)
            for constellation_id in await self._repo.without_run(
                self._db.reader, timezone, month, month_start
            ):
                async with self._db.transaction() as tx:
                    if not await self._repo.mark_run(tx, constellation_id, month):
                        continue
                    for reader in await self._readers(tx, constellation_id):
                        await self._outbox.add(
                            tx,
                            Notice(
                                kind=NoticeKind.REPORT_MONTHLY,
                                dedupe_key=f"report:{constellation_id}:{month}:{reader}",
                                refs={
                                    "constellation": constellation_id,
                                    "month": covered.year * 100 + covered.month,
                                },
                                constellation_id=constellation_id,
                                user_id=reader,
                            ),
                            now,
                        )

    async def _readers(self, s: Session, constellation_id: int) -> list[int]:
        readers = []
        for role in READERS:
            for member in await self._memberships.with_role(s, constellation_id, role):
                if not await self._repo.opted_out(s, member.user_id):
                    readers.append(member.user_id)
        return readers

    async def next_due(self) -> datetime | None:
        now = self._clock.now()
        moments = []
        for timezone in await self._repo.timezones(self._db.reader):
            zone = ZoneInfo(timezone)
            first = now.astimezone(zone).date().replace(day=1)
            due = datetime.combine(first, MONTHLY_AT, zone)
            month = month_key(add_months(first, -1))
            pending = await self._repo.without_run(
                self._db.reader, timezone, month, datetime.combine(first, time(0), zone)
            )
            if now >= due and not pending:  # this month's went out: the next one
                due = datetime.combine(add_months(first, 1), MONTHLY_AT, zone)
            moments.append(due)
        return min(moments) if moments else None

    async def may_read_monthly(self, constellation_id: int, user_id: int) -> bool:
        role = await self._memberships.active_role(self._db.reader, constellation_id, user_id)
        return role in READERS

    async def constellation(self, constellation_id: int) -> Constellation | None:
        return await self._constellations.by_id(self._db.reader, constellation_id)
