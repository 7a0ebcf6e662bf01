"""Meetups and children's activities, and the at-a-glance views of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.core import Constellation, DomainError, Role
from bot.domain.line import Unanswered
from bot.domain.requests import CardLocation, HelpRequest


class MeetupKind(StrEnum):
    MEETUP = "meetup"  # a meeting for the carers
    ACTIVITY = "activity"  # an activity for the children


class Answer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"
    WAITING = "waiting"  # said "coming" when it was full


@dataclass(frozen=True, slots=True)
class Meetup:
    """A meetup or activity: one date, or a series (``recurrence`` encoded, see bot.when)."""

    id: int
    constellation_id: int
    number: int
    kind: MeetupKind
    title: str
    location: str | None
    ages: str | None
    capacity: int | None
    recurrence: str | None
    start_local: datetime  # naive wall clock in ``timezone``
    timezone: str
    created_by: int | None
    cancelled: bool
    # From a typed range ("10:00-12:00"): how long each date lasts; None when no end was given.
    length_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    id: int
    meetup_id: int
    slot: datetime  # naive wall clock of the series slot it stands for
    starts_at: datetime  # aware UTC
    cancelled: bool


MAX_CHILDREN = 10  # a family's children at one activity, as the buttons offer them


@dataclass(frozen=True, slots=True)
class Rsvp:
    user_id: int
    name: str
    answer: Answer
    children: int
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class MeetupView:
    """One occurrence with everything its card shows."""

    constellation: Constellation
    meetup: Meetup
    occurrence: Occurrence
    rsvps: tuple[Rsvp, ...]
    # A date of a series that is called off: when the series goes on (None: it does not).
    resumes: datetime | None = None

    def with_answer(self, *answers: Answer) -> list[Rsvp]:
        return [rsvp for rsvp in self.rsvps if rsvp.answer in answers]

    def places(self, rsvp: Rsvp) -> int:
        """A family brings its children to an activity (at least one place); a carer is one."""
        if self.meetup.kind is MeetupKind.ACTIVITY:
            return max(1, rsvp.children)
        return 1

    @property
    def taken(self) -> int:
        return sum(self.places(rsvp) for rsvp in self.with_answer(Answer.YES))

    @property
    def children(self) -> int:
        return sum(rsvp.children for rsvp in self.with_answer(Answer.YES))

    def answer_of(self, user_id: int) -> Rsvp | None:
        return next((rsvp for rsvp in self.rsvps if rsvp.user_id == user_id), None)


class MeetupNotFound(DomainError):
    """No such meetup (number) or occurrence in this constellation."""


class MeetupClosed(DomainError):
    """The occurrence was cancelled or has started: answers are closed."""


@dataclass(frozen=True, slots=True)
class UpcomingDate:
    """A coming date with its counts, for lists (the overview, the weekly look ahead)."""

    meetup: Meetup
    occurrence: Occurrence
    coming: int  # "coming" answers
    children: int  # the children they bring
    mine: Answer | None = None  # the reader's own answer


# -- at a glance: the overview and the weekly look ahead -------------------------------------


@dataclass(frozen=True, slots=True)
class Glance:
    """One constellation as one person sees it at a glance: what they may see only."""

    constellation: Constellation
    role: Role
    requests: tuple[HelpRequest, ...] = ()
    claimable: frozenset[int] = frozenset()  # ids of the requests they may take on now
    conversations: tuple[Unanswered, ...] = ()
    dates: tuple[UpcomingDate, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.requests or self.conversations or self.dates)


@dataclass(frozen=True, slots=True)
class AskedChildren:
    """Where "with how many children?" was asked, about which date of which constellation."""

    occurrence_id: int
    constellation_id: int
    location: CardLocation
