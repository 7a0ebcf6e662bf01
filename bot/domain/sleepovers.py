"""Sleepovers: the hub home's beds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.core import DomainError


class SleepoverKind(StrEnum):
    PLANNED = "planned"  # respite the family books ahead
    EMERGENCY = "emergency"  # tonight, because something went wrong


class SleepoverState(StrEnum):
    ASKED = "asked"  # waiting for the hub home
    PROPOSED = "proposed"  # the hub home proposed other dates; waiting for the family
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"  # nobody answered before the first night

    @property
    def is_open(self) -> bool:
        return self in (SleepoverState.ASKED, SleepoverState.PROPOSED)

    @property
    def is_active(self) -> bool:
        return self.is_open or self is SleepoverState.CONFIRMED


class Feedback(StrEnum):
    GOOD = "good"
    OKAY = "okay"
    HARD = "hard"


@dataclass(frozen=True, slots=True)
class Sleepover:
    """A family's ask for the hub home's beds; ``family_id`` is None once they are erased."""

    id: int
    constellation_id: int
    number: int
    family_id: int | None
    family_name: str | None
    kind: SleepoverKind
    state: SleepoverState
    first_night: date
    nights: int
    children: int
    nicknames: str | None
    note: str | None
    asked_at: datetime
    seen_by: int | None = None
    answered_at: datetime | None = None
    answered_by: int | None = None
    answerer_name: str | None = None
    reason: str | None = None
    proposed_first: date | None = None
    proposed_nights: int | None = None
    cancelled_by: str | None = None
    escalation_stage: int = 0
    drop_off: str | None = None
    pick_up: str | None = None

    @property
    def departure(self) -> date:
        """The morning the children go home."""
        return self.first_night + timedelta(days=self.nights)

    def dates(self) -> list[date]:
        return [self.first_night + timedelta(days=n) for n in range(self.nights)]

    @property
    def emergency(self) -> bool:
        return self.kind is SleepoverKind.EMERGENCY


@dataclass(frozen=True, slots=True)
class SleepoverSettings:
    constellation_id: int
    beds: int = 2
    bring_along: str | None = None
    soft_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Away:
    """Nights the hub home's beds are closed, and who stands in (if anyone)."""

    id: int
    constellation_id: int
    first_night: date
    last_night: date
    backup_id: int | None
    backup_name: str | None = None

    def covers(self, night: date) -> bool:
        return self.first_night <= night <= self.last_night


class SleepoverNotFound(DomainError):
    """No such sleepover here, or not one this person may see."""


class SleepoverGone(DomainError):
    """The sleepover is no longer in a state that allows this."""

    def __init__(self, sleepover: Sleepover) -> None:
        super().__init__(sleepover.id)
        self.sleepover = sleepover


class NoBedFree(DomainError):
    """Confirming would need more beds than are free on these nights."""

    def __init__(self, nights: list[date]) -> None:
        super().__init__(nights)
        self.nights = nights


class OverSoftLimit(DomainError):
    """The family would pass the quarter's soft limit: asked, never silently refused."""

    def __init__(self, nights_so_far: int, limit: int) -> None:
        super().__init__(nights_so_far, limit)
        self.nights_so_far = nights_so_far
        self.limit = limit
