"""The hub home's overview: everything waiting for them, per constellation, on one screen.

For each constellation where the person is hub home or liaison: the open and taken-on help
requests (hub-home-only ones too, for the hub home), the private-line conversations whose
last word is a member's, and the next dates with their counts. Four queries, whatever the
number of constellations. What a person may see is decided by the rules every other path
asks (``requests.visibility``), from the roles the database holds now.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.domain import (
    Constellation,
    Glance,
    HelpRequest,
    NotAllowed,
    RequestState,
    Role,
    Unanswered,
    UpcomingDate,
)
from bot.services.requests.visibility import may_claim, may_see
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.meetups import MeetupRepository
from bot.storage.private_line import LineRepository

VIEWERS = (Role.HUBHOME, Role.LIAISON)
DATES_EACH = 3  # the next dates per constellation
DATES_AHEAD = timedelta(days=366)


def glance(
    constellation: Constellation,
    role: Role,
    user_id: int,
    requests: list[HelpRequest],
    conversations: list[Unanswered],
    dates: list[UpcomingDate],
) -> Glance:
    """One constellation's share of what was read for several, as this person may see it."""
    mine = tuple(
        r for r in requests if r.constellation_id == constellation.id and may_see(r, user_id, role)
    )
    members_may = constellation.members_may_claim
    claimable = frozenset(
        r.id
        for r in mine
        if r.state is RequestState.OPEN and may_claim(r, user_id, role, members_may=members_may)
    )
    return Glance(
        constellation,
        role,
        mine,
        claimable,
        tuple(c for c in conversations if c.constellation_id == constellation.id),
        tuple(d for d in dates if d.meetup.constellation_id == constellation.id),
    )


class OverviewService:
    def __init__(
        self,
        db: Database,
        constellations: ConstellationRepository,
        requests: HelpRequestRepository,
        lines: LineRepository,
        meetups: MeetupRepository,
        clock: Clock,
    ) -> None:
        self._db = db
        self._constellations = constellations
        self._requests = requests
        self._lines = lines
        self._meetups = meetups
        self._clock = clock

    async def overview(self, user_id: int) -> list[Glance]:
        """A glance at every constellation where the person is hub home or liaison, oldest
        first. Raises NotAllowed for anyone who is neither anywhere."""
        s, now = self._db.reader, self._clock.now()
        places = await self._constellations.places(s, user_id, VIEWERS)
        if not places:
            raise NotAllowed("overview")
        ids = [constellation.id for constellation, _ in places]
        requests = await self._requests.active_in(s, ids)
        conversations = await self._lines.unanswered(
            s,
            [c.id for c, role in places if role is Role.HUBHOME],
            [c.id for c, role in places if role is Role.LIAISON],
            user_id,
        )
        dates = await self._meetups.dates(
            s, ids, now, now + DATES_AHEAD, each=DATES_EACH, reader=user_id
        )
        return [
            glance(constellation, role, user_id, requests, conversations, dates)
            for constellation, role in places
        ]
