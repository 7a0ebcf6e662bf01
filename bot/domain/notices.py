"""Notices the bot sends on its own initiative: ids and a kind, rendered when sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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
