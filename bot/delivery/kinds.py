"""What a notice kind is to delivery: a renderer, what to record once sent, what if not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardMarkup

from bot.context import Services
from bot.domain import Notice, Person
from bot.storage.db import Lookup, Tx


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
    # delete this message; where Telegram refuses (too old, no right), it is edited to ``text``
    delete: int | None = None
    reply_to: int | None = None
    # ``text`` is a header; this message follows it (with ``keyboard``, if any)
    copy_of: tuple[int, int] | None = None
    head: int | None = None  # the header already went out (an earlier try): only the copy
    quiet: bool = False  # no notification sound
    drawn: object = None  # the state it shows, to tell later whether it is still current


@dataclass(frozen=True, slots=True)
class Sent:
    outgoing: Outgoing
    message_ids: tuple[int, ...]


Render = Callable[[Services, Notice, Audience], Awaitable[Outgoing | None]]
AfterSent = Callable[[Services, Tx, Notice, Audience, Sent], Awaitable[None]]
OnUndelivered = Callable[[Services, Tx, Notice], Awaitable[None]]
Ahead = Callable[[Services, Notice], Sequence[Lookup]]


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of notice is delivered.

    ``render`` draws it for its reader; None means there is nothing to say any more, or the
    reader may no longer read it (the notice is skipped). ``after_sent`` records what sending
    it made (in the transaction that marks it sent); ``on_undelivered`` says what follows when
    it was skipped or failed for good (in that transaction). When nobody can be reached at all
    it fails ("fail": then, with ``reports``, ``Notice.report_to`` is told) or is quietly
    dropped ("skip"). ``ahead`` names what ``render`` will read first, so that the courier
    can have it read in the round trip that records the notice before it (``Tx.read_after``):
    one round trip to the database less per notice, and never staler than a read of its own
    (``bot.storage.db.Lookahead``)."""

    render: Render
    after_sent: AfterSent | None = None
    on_undelivered: OnUndelivered | None = None
    reports: bool = False
    unreachable: Literal["fail", "skip"] = "fail"
    ahead: Ahead | None = None
