"""The hub home's beds: how many, the month at a glance, closed periods, fair shares.

Only the hub home changes them; the liaison may look. Who sleeps over on a night is for the
hub home only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import (
    Away,
    Constellation,
    DomainError,
    NotAllowed,
    Role,
    Sleepover,
    SleepoverSettings,
)
from bot.figures import add_months
from bot.services.sleepovers.service import quarter_of
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.people import MembershipRepository
from bot.storage.sleepovers import SleepoverRepository
from bot.when.nights import Nights

MAX_BEDS = 10
BRING_ALONG_LIMIT = 200


class BedsInUse(DomainError):
    """Fewer beds than children already booked on a night to come."""

    def __init__(self, taken: int) -> None:
        super().__init__(taken)
        self.taken = taken


@dataclass(frozen=True, slots=True)
class Share:
    """Nights one family's children slept over (or will) in a period."""

    family_id: int | None
    name: str | None
    nights: int


@dataclass(frozen=True, slots=True)
class BedsOverview:
    constellation: Constellation
    settings: SleepoverSettings
    away: tuple[Away, ...]
    quarter: tuple[Share, ...]
    year: tuple[Share, ...]
    waiting: int  # asks waiting for an answer


@dataclass(frozen=True, slots=True)
class Month:
    constellation: Constellation
    first: date  # the first of the month
    taken: dict[date, int]
    beds: int
    today: date


class BedsService:
    def __init__(
        self,
        db: Database,
        repo: SleepoverRepository,
        constellations: ConstellationRepository,
        memberships: MembershipRepository,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._constellations = constellations
        self._memberships = memberships
        self._clock = clock

    def _today(self, constellation: Constellation) -> date:
        return self._clock.now().astimezone(ZoneInfo(constellation.timezone)).date()

    async def _role(self, constellation: Constellation, user_id: int) -> Role | None:
        return await self._memberships.active_role(self._db.reader, constellation.id, user_id)

    async def _require(self, constellation: Constellation, user_id: int, *roles: Role) -> None:
        if await self._role(constellation, user_id) not in roles:
            raise NotAllowed

    async def places(self, user_id: int) -> list[Constellation]:
        """Where the person is hub home or liaison: whose beds they may see."""
        roles = (Role.HUBHOME, Role.LIAISON)
        return await self._constellations.of_member(self._db.reader, user_id, roles)

    async def may_change(self, constellation: Constellation, user_id: int) -> bool:
        return await self._role(constellation, user_id) is Role.HUBHOME

    async def constellation(self, constellation_id: int) -> Constellation | None:
        return await self._constellations.by_id(self._db.reader, constellation_id)

    async def overview(self, constellation: Constellation, user_id: int) -> BedsOverview:
        await self._require(constellation, user_id, Role.HUBHOME, Role.LIAISON)
        s, today = self._db.reader, self._today(constellation)
        first, last = quarter_of(today)
        year = (date(today.year, 1, 1), date(today.year + 1, 1, 1))

        async def shares(since: date, until: date) -> tuple[Share, ...]:
            rows = await self._repo.nights_per_family(s, constellation.id, since, until)
            return tuple(Share(*row) for row in rows)

        waiting = [
            sleepover
            for sleepover in await self._repo.open_of(s, constellation.id)
            if sleepover.state.is_open
        ]
        return BedsOverview(
            constellation,
            await self._repo.settings(s, constellation.id),
            tuple(await self._repo.away(s, constellation.id, today)),
            await shares(first, last),
            await shares(*year),
            len(waiting),
        )

    async def set_beds(self, constellation: Constellation, user_id: int, beds: int) -> int:
        """Change the number of beds; never below what is booked on a night to come."""
        await self._require(constellation, user_id, Role.HUBHOME)
        beds = max(0, min(MAX_BEDS, beds))
        async with self._db.transaction() as tx:
            taken = await self._repo.most_taken_from(
                tx, constellation.id, self._today(constellation)
            )
            if beds < taken:
                raise BedsInUse(taken)
            settings = await self._repo.settings(tx, constellation.id)
            await self._repo.save_settings(tx, replace(settings, beds=beds))
        return beds

    async def set_soft_limit(
        self, constellation: Constellation, user_id: int, limit: int | None
    ) -> None:
        await self._require(constellation, user_id, Role.HUBHOME)
        async with self._db.transaction() as tx:
            settings = await self._repo.settings(tx, constellation.id)
            value = limit if limit and limit > 0 else None
            await self._repo.save_settings(tx, replace(settings, soft_limit=value))

    async def set_bring_along(
        self, constellation: Constellation, user_id: int, text: str | None
    ) -> None:
        await self._require(constellation, user_id, Role.HUBHOME)
        cleaned = " ".join((text or "").split())[:BRING_ALONG_LIMIT] or None
        async with self._db.transaction() as tx:
            settings = await self._repo.settings(tx, constellation.id)
            await self._repo.save_settings(tx, replace(settings, bring_along=cleaned))

    async def month(
        self, constellation: Constellation, user_id: int, year: int, month: int
    ) -> Month:
        await self._require(constellation, user_id, Role.HUBHOME, Role.LIAISON)
        first = date(year, month, 1)
        last = add_months(first, 1) - timedelta(days=1)
        s = self._db.reader
        settings = await self._repo.settings(s, constellation.id)
        taken = await self._repo.month(s, constellation.id, first, last)
        return Month(constellation, first, taken, settings.beds, self._today(constellation))

    async def night(
        self, constellation: Constellation, user_id: int, night: date
    ) -> list[tuple[Sleepover, int]]:
        """Who sleeps over on ``night``: for the hub home only."""
        await self._require(constellation, user_id, Role.HUBHOME)
        return await self._repo.families_on(self._db.reader, constellation.id, night)

    async def add_away(
        self, constellation: Constellation, user_id: int, nights: Nights, backup_id: int | None
    ) -> Away:
        """Beds closed on these nights; ``backup_id`` (an active member, not the hub home
        itself) gets the asks for them."""
        await self._require(constellation, user_id, Role.HUBHOME)
        if backup_id is not None:
            role = await self._role(constellation, backup_id)
            if role is None or role is Role.HUBHOME:
                raise NotAllowed
        now = self._clock.now()
        async with self._db.transaction() as tx:
            away_id = await self._repo.add_away(
                tx, constellation.id, nights.first, nights.last, backup_id, user_id, now
            )
        for away in await self._repo.away(self._db.reader, constellation.id, nights.first):
            if away.id == away_id:
                return away
        raise AssertionError("the closed period just stored is gone")

    async def remove_away(self, constellation: Constellation, user_id: int, away_id: int) -> bool:
        await self._require(constellation, user_id, Role.HUBHOME)
        async with self._db.transaction() as tx:
            return await self._repo.remove_away(tx, constellation.id, away_id)

    async def members(self, constellation: Constellation) -> list[tuple[int, str, Role]]:
        """Who could stand in as a backup: active members other than the hub home."""
        members = await self._memberships.active(self._db.reader, constellation.id)
        return [(m.user_id, m.display_name, m.role) for m in members if m.role is not Role.HUBHOME]
