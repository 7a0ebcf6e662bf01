"""The private line to the hub home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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
