"""What a notice kind is to delivery: a renderer, what to record once sent, what if not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardMarkup

from bot.context import Services
from bot.domain import Notice, Person
from bot.storage.db import Tx


@dataclass(frozen=True, slots=True)
class Audience:
    """Who reads the notice, where, and in which language."""

    chat_id: int
    language: str
    # A DM that went to the group instead: the person it is meant for (named in the group).
    meant_for: Person | None = None

    @property
    def private(self) -> bool:
        return self.chat_id > 0  # a private chat's id is the person's


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send (or to edit), as drawn for its audience."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    edit: int | None = None  # edit this message instead of sending a new one
    reply_to: int | None = None
    copy_of: tuple[int, int] | None = None  # ``text`` is a header; this message follows it
    quiet: bool = False  # no notification sound
    drawn: object = None  # the state it shows, to tell later whether it is still current


@dataclass(frozen=True, slots=True)
class Sent:
    outgoing: Outgoing
    message_ids: tuple[int, ...]


Render = Callable[[Services, Notice, Audience], Awaitable[Outgoing | None]]
AfterSent = Callable[[Services, Tx, Notice, Audience, Sent], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Kind:
    """A renderer (None from it: nothing to say any more, the notice is skipped); what to
    record in the transaction that marks it sent; and what happens when nobody can be
    reached: "fail" (and, with ``reports``, tell ``Notice.report_to``) or "skip"."""

    render: Render
    after_sent: AfterSent | None = None
    reports: bool = False
    unreachable: Literal["fail", "skip"] = "fail"
