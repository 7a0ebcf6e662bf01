"""Help requests: what a member asks, who helps, where its cards are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.core import DomainError


class Category(StrEnum):
    BABYSITTING = "babysitting"
    SLEEPOVER = "sleepover"
    TRANSPORT = "transport"
    ADVICE = "advice"
    TALK = "talk"
    ITEMS = "items"
    OTHER = "other"


class RequestState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def is_active(self) -> bool:
        return self in (RequestState.OPEN, RequestState.CLAIMED)


class Outcome(StrEnum):
    HELPED = "helped"
    PARTLY = "partly"
    NOT_NEEDED = "not_needed"


class Visibility(StrEnum):
    GROUP = "group"
    HUBHOME = "hubhome"  # only the hub home sees it, in their private chat


class WhenKind(StrEnum):
    NONE = "none"
    TODAY = "today"
    TOMORROW = "tomorrow"
    WEEK = "week"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class HelpRequest:
    """A need posted to the constellation; ``text`` is None once erased."""

    id: int
    constellation_id: int
    number: int
    requester_id: int | None
    requester_name: str | None
    category: Category
    text: str | None
    when_kind: WhenKind
    needed_by: datetime | None
    urgent: bool
    visibility: Visibility
    state: RequestState
    claimed_by: int | None
    claimer_name: str | None
    claimed_at: datetime | None
    closed_at: datetime | None
    outcome: Outcome | None
    created_at: datetime
    escalation_stage: int
    next_escalation_at: datetime | None

    @property
    def shown_number(self) -> str:
        """How people see its number: hub-home-only requests count on their own, as P1, P2…
        (so the group's own numbers have no gaps that would give them away)."""
        return f"P{self.number}" if self.visibility is Visibility.HUBHOME else str(self.number)


@dataclass(frozen=True, slots=True)
class CardLocation:
    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class CardCopy:
    """One copy of a request card, and the language its reader reads."""

    chat_id: int
    message_id: int
    language: str


class RequestNotFound(DomainError):
    """No request with that number here (or it belongs to another constellation)."""


class WrongState(DomainError):
    """The request is no longer in a state that allows this (claimed, closed…)."""

    def __init__(self, request: HelpRequest) -> None:
        super().__init__(request.id)
        self.request = request


class AlreadyClaimed(WrongState):
    """Somebody else was first."""


class OwnRequest(DomainError):
    """The requester cannot claim their own request."""


class HubHomeUnreachable(DomainError):
    """No hub home carer can be reached privately, so a hub-home-only request cannot go out."""
