"""Plain domain objects and errors shared by services, storage and handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    """What a person may do in one constellation."""

    MEMBER = "member"
    HUBHOME = "hubhome"
    LIAISON = "liaison"


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class ConstellationStatus(StrEnum):
    ACTIVE = "active"
    # The bot was removed from the group: nothing is sent there until it is added back.
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Person:
    """A Telegram user the bot has met; the private-chat flag says whether DMs can reach them."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    private_chat_linked: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True, slots=True)
class Constellation:
    """One hub home with its satellite families, living in one Telegram group."""

    id: int
    chat_id: int
    name: str
    language: str
    timezone: str
    status: ConstellationStatus
    link_token: str
    created_at: datetime
    created_by: int | None = None
    members_may_claim: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    """A person's place in one constellation."""

    constellation_id: int
    person: Person
    role: Role
    status: MembershipStatus
    joined_at: datetime

    @property
    def user_id(self) -> int:
        return self.person.user_id

    @property
    def display_name(self) -> str:
        return self.person.display_name


class DomainError(Exception):
    """A rule of the product said no; handlers turn it into a friendly message."""


class NotAllowed(DomainError):
    """The person may not do this here."""


class NotSetUp(DomainError):
    """The group is not (yet) a constellation."""


class AlreadySetUp(DomainError):
    """The group already is a constellation."""

    def __init__(self, constellation: Constellation) -> None:
        super().__init__(constellation.id)
        self.constellation = constellation


class InvalidLink(DomainError):
    """A deep link that belongs to no constellation (old, mistyped or forged)."""


class NotAMember(DomainError):
    """The person is not in the constellation's group."""


class CannotAssignBot(DomainError):
    """Roles are for people, not for bots."""


# -- help requests ---------------------------------------------------------------------------


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
class AskedChildren:
    """Where "with how many children?" was asked, about which date of which constellation."""

    occurrence_id: int
    constellation_id: int
    location: CardLocation


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


# -- the private line ------------------------------------------------------------------------


class LineState(StrEnum):
    WAITING = "waiting"  # no hub home reachable yet; delivered once one is
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class LineMessage:
    """A message routed through the private line; where it is, never what it says."""

    id: int
    constellation_id: int
    member_id: int  # whose conversation with the hub home this belongs to
    author_id: int  # the member, or the hub home carer / liaison answering
    origin_chat_id: int
    origin_message_id: int
    state: LineState
    answered_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A member's conversation with the hub home whose last word is the member's: what the
    line's routing table tells (ids and times), never what was written."""

    constellation_id: int
    member_id: int
    member_name: str
    since: datetime  # the first message after the last answer
    messages: int
    last_line_id: int  # the newest one: a carer gets it again to answer it


# -- notices the bot sends on its own initiative ---------------------------------------------


class PartlySent(Exception):
    """A message that goes in two parts (a header, then Telegram's copy under it) got only
    its header out: ``head`` is that header's message id. The cause is ``__cause__``."""

    def __init__(self, head: int) -> None:
        super().__init__(head)
        self.head = head


class NoticeKind(StrEnum):
    """What a queued notice is; ``bot.delivery.registry`` maps each kind to its renderer."""

    REQUEST_CARD = "request_card"  # a request's card, posted in a group or a carer's chat
    REQUEST_CARD_EDIT = "request_card_edit"  # one copy of a card, redrawn as it is now
    REQUEST_POSTED = "request_posted"  # to the requester: sent from the private chat
    REQUEST_CLAIMED = "request_claimed"  # to the requester
    REQUEST_RELEASED = "request_released"  # to the requester
    REQUEST_WITHDRAWN = "request_withdrawn"  # to the helper
    ESCALATION = "escalation"  # to the hub home or the liaison, with a claim button
    # Nobody with that role can be reached: the other carers hear it privately, once. (The
    # name is kept from when this went to the group; queued rows of that time render so.)
    ESCALATION_GROUP = "escalation_group"
    MEMBER_LEFT = "member_left"  # to the hub home
    MEETUP_CARD = "meetup_card"  # an occurrence's card in the group
    MEETUP_CARD_EDIT = "meetup_card_edit"
    MEETUP_REMINDER = "meetup_reminder"
    MEETUP_MOVED_UP = "meetup_moved_up"  # off the waiting list
    MEETUP_CANCELLED = "meetup_cancelled"
    MEETUP_CHANGED = "meetup_changed"
    MEETUP_CHILDREN = "meetup_children"  # "with how many children?" after a first "coming"
    # That question, asked of someone since erased: deleted (or made nameless) where it is.
    MEETUP_CHILDREN_ERASED = "meetup_children_erased"
    LINE_WAITING = "line_waiting"  # to the group: a private message waits for a hub home
    LINE_COPY = "line_copy"  # a private-line message (or answer), header and copy
    LINE_DELIVERED_LATER = "line_delivered_later"  # to the member: it went out after all
    LINE_ANSWERED = "line_answered"  # to the other carers: who answered
    UNDELIVERED = "undelivered"  # to whoever is concerned: something could not be delivered
    HUBHOME_UNREACHED = "hubhome_unreached"  # to the liaison: a hidden request reached nobody
    SLEEPOVER_CARD = "sleepover_card"  # a sleepover asked, in a carer's (or backup's) chat
    SLEEPOVER_CARD_EDIT = "sleepover_card_edit"  # one copy, redrawn as it is now
    SLEEPOVER_ANSWER = "sleepover_answer"  # to the family: confirmed, declined, other dates
    SLEEPOVER_CANCELLED = "sleepover_cancelled"  # to the other side
    SLEEPOVER_STEP = "sleepover_step"  # to the family: an emergency's progress
    SLEEPOVER_REMINDER = "sleepover_reminder"  # the day before, to both sides
    SLEEPOVER_FEEDBACK = "sleepover_feedback"  # the morning after, to the family
    REPORT_MONTHLY = "report_monthly"  # last month's report, to the hub home and the liaison
    WEEKLY = "weekly"  # Sunday evening: the week ahead, to whoever asked for it


# The only words a notice may carry: enum values. Everything else it refers to is an id, so
# a queued notice never holds a name or a text (it is rendered when sent, from the database).
REF_TOKENS = frozenset(
    {"hubhome", "liaison", "member", "unreachable", "no_hubhome", "request_hubhome", "line_kept"}
    | {"family", "carer", "yes", "declined", "proposed", "lapsed", "taken", "refused"}
    | {"seen", "escalated", "nobody", "cancelled", "full", "ended"}
    | {k.value for k in NoticeKind}
)
# Refs that name a person; erasing the person sets them to 0 ("someone").
PERSON_REFS = ("helper", "requester", "member", "answerer", "recipient")
# Refs that list people (whom a group reminder is for, whom an emergency reached): erased one
# by one.
PERSON_LIST_REFS = ("for", "asked")

RefValue = int | str | tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to deliver: to a person's private chat (``user_id``) or to ``chat_id``.

    If a DM cannot be delivered (never started, blocked) it goes to ``fallback_chat_id``
    instead, as a reply to ``reply_to_message_id`` when that is set. ``report_to`` is told if
    the bot gives up on it. ``refs`` holds ids, numbers and enum words only.
    """

    kind: NoticeKind
    dedupe_key: str
    refs: dict[str, RefValue] = field(default_factory=dict)
    constellation_id: int | None = None
    user_id: int | None = None
    chat_id: int | None = None
    fallback_chat_id: int | None = None
    reply_to_message_id: int | None = None
    report_to: int | None = None

    def __post_init__(self) -> None:
        for name, value in self.refs.items():
            if isinstance(value, str) and value not in REF_TOKENS:
                raise ValueError(f"notice ref {name!r} may hold ids and enum words only")

    def ref(self, name: str) -> int | None:
        value = self.refs.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def numbers(self, name: str) -> tuple[int, ...]:
        value = self.refs.get(name)
        return tuple(v for v in value if isinstance(v, int)) if isinstance(value, tuple) else ()

    def token(self, name: str) -> str | None:
        value = self.refs.get(name)
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class PendingNotice:
    id: int
    notice: Notice
    attempts: int
    created_at: datetime
    version: int = 0  # a renewed notice (a card's redraw) counts up; see OutboxRepository


# -- meetups and children's activities -------------------------------------------------------


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


# -- sleepovers: the hub home's beds ---------------------------------------------------------


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
