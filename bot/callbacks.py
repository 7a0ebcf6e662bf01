"""Callback data: small, versioned, parsed in one place (``<feature>:v1:<action>[:<arg>…]``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit for callback_data
# The ids we put in buttons: ASCII digits that fit SQLite's 64-bit integers. int() would also
# take "٣", "+3", " 3" or "3_0", and a 20-digit id overflows in SQLite.
_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class CallbackData:
    feature: str
    action: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((self.feature, VERSION, self.action, *self.args))
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {self.feature}:{self.action}")
        return data

    def int_arg(self, index: int) -> int | None:
        arg = self.args[index] if 0 <= index < len(self.args) else ""
        return int(arg) if _ID.fullmatch(arg) else None


def callback(feature: str, action: str, *args: object) -> str:
    return CallbackData(feature, action, tuple(str(arg) for arg in args)).encode()


def parse(data: str | None) -> CallbackData | None:
    """Decode callback data; None for anything forged, stale-versioned or malformed."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 3 or parts[1] != VERSION or not parts[0] or not parts[2]:
        return None
    return CallbackData(parts[0], parts[2], tuple(parts[3:]))


def pattern(feature: str) -> str:
    """Regex for a CallbackQueryHandler that takes one feature's buttons."""
    return rf"^{feature}:{VERSION}:"


# -- typed buttons -----------------------------------------------------------------------------
# Each feature's buttons as a small typed value with an enum of actions, encoded and parsed
# here and nowhere else (the shape of telegram-report-bot's versioned callback factories).
# They carry what the button is about — a request, an occurrence, a constellation — and never
# a person: who may press is looked up on the server, from the database and the message. The
# one exception is a question put to one person in the group ("with how many children?"): its
# buttons name that person, and are honoured only on the very message that carries them (the
# message is Telegram's, not the presser's), so forged data names nobody.


class Feature(StrEnum):
    REQUEST = "req"
    MEETUP = "mt"
    LINE = "line"
    FORGET = "forget"
    SLEEPOVER = "slp"
    BEDS = "beds"
    REPORT = "rep"
    MORE = "more"  # "More": the longer explanation behind a short message
    OVERVIEW = "ov"
    WEEKLY = "week"


class RequestAction(StrEnum):
    CLAIM = "claim"
    RELEASE = "rel"
    DONE = "done"  # show the outcome choice on the card
    OUTCOME = "out"
    WITHDRAW = "wd"
    BACK = "back"  # take the outcome choice back


class Outcome(StrEnum):
    """The outcome as a button carries it (a letter: callback data is short)."""

    HELPED = "h"
    PARTLY = "p"
    NOT_NEEDED = "n"


class MeetupAction(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"
    MORE = "more"  # one more child
    FEWER = "fewer"
    CALENDAR = "ics"
    CANCEL = "cx"  # the answer to "which dates?" when cancelling a series
    KIDS = "kids"  # the answer to "with how many children?" (args: the count, the person asked)
    KIDS_MORE = "kids4"  # "4+": show 4 to 10 (arg: the person asked)
    SHOW = "show"  # the card, sent to the presser's private chat (from an overview)


class CancelScope(StrEnum):
    ONE = "date"  # names the date the question showed (older questions said "one": stale)
    ALL = "all"
    KEEP = "keep"


class LineAction(StrEnum):
    PICK = "pick"  # where this message goes (names it)
    USE = "use"  # where messages go from now on
    LIAISON = "liaison"  # let the liaison read along with one message
    REPLY = "reply"  # a carer answers this routed message with their next message
    STOP = "stop"  # that answer is off after all
    MORE = "more"  # the rest of the private line's explanation
    SHOW = "show"  # a carer gets a waiting message again, to answer it (from an overview)


class SleepoverAction(StrEnum):
    CONFIRM = "ok"
    ANYWAY = "ok2"  # confirm past the soft limit, after the warning
    DECLINE = "no"  # shows the reasons
    REASON = "why"  # arg: which reason (an index into DECLINE_REASONS)
    PROPOSE = "alt"  # other dates (typed next)
    SEEN = "seen"  # an emergency: "seen, I'll call"
    BACK = "back"  # from the reasons back to the answers
    CANCEL = "cx"  # ask "really?" (family or hub home)
    CANCEL_YES = "cxy"
    TAKE = "take"  # the family takes the proposed dates
    REFUSE = "refuse"  # the family does not
    FEEDBACK = "fb"  # arg: good, okay, hard
    CALENDAR = "ics"


DECLINE_REASONS = ("full", "away", "cannot", "none")


class BedsAction(StrEnum):
    MORE = "more"  # one bed more
    FEWER = "fewer"
    MONTH = "month"  # args: year, month
    NIGHT = "night"  # args: year, month, day
    UNAWAY = "unaway"  # arg: the closed period
    LIMIT = "limit"  # arg: the soft limit (0: none)


class ReportAction(StrEnum):
    SHOW = "show"  # the summary (and chart) for a constellation and a period
    PICK = "pick"  # which constellation
    CSV = "csv"
    PDF = "pdf"


class OverviewAction(StrEnum):
    REFRESH = "refresh"  # draw the overview again, in the message pressed
    OPEN = "open"  # send the overview as a new message (from the weekly look ahead)


class WeeklyAction(StrEnum):
    ON = "on"
    OFF = "off"


class ForgetAction(StrEnum):
    YES = "yes"
    NO = "no"


class MoreTopic(StrEnum):
    """What a "More" button explains: the message it sits on says where and for whom."""

    HELP = "help"  # every command (the short /help lists the main ones)
    SETUP = "setup"  # how the constellation works, after /setup


def _enum(kind: type[StrEnum], value: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RequestRef:
    """A request as its card shows it: its constellation and its number there ("#5", or
    "P3" for a hub-home-only one). Not the global id, whose gaps would tell the group that
    hidden requests exist (group and hidden requests share it)."""

    constellation_id: int
    hidden: bool
    number: int

    def args(self) -> tuple[str, str]:
        return str(self.constellation_id), f"p{self.number}" if self.hidden else str(self.number)

    @classmethod
    def parse(cls, constellation: str, shown: str) -> RequestRef | None:
        hidden = shown.startswith("p")
        digits = shown[1:] if hidden else shown
        if not (_ID.fullmatch(constellation) and _ID.fullmatch(digits)):
            return None
        return cls(int(constellation), hidden, int(digits))


@dataclass(frozen=True, slots=True)
class RequestButton:
    action: RequestAction
    request: RequestRef | int  # an int: the global id older cards carry (still honoured)
    outcome: Outcome | None = None  # with OUTCOME only

    def data(self) -> str:
        target = self.request.args() if isinstance(self.request, RequestRef) else (self.request,)
        extra = (self.outcome.value,) if self.outcome is not None else ()
        return callback(Feature.REQUEST.value, self.action.value, *target, *extra)

    @classmethod
    def parse(cls, data: str | None) -> RequestButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.REQUEST.value:
            return None
        action: RequestAction | None = _enum(RequestAction, parsed.action)
        if action is None:
            return None
        args = parsed.args
        outcome: Outcome | None = None
        if action is RequestAction.OUTCOME:
            outcome = _enum(Outcome, args[-1]) if args else None
            if outcome is None:
                return None
            args = args[:-1]
        request: RequestRef | int | None = None
        if len(args) == 2:
            request = RequestRef.parse(*args)
        elif len(args) == 1:  # an older card's global id
            request = parsed.int_arg(0)
        return cls(action, request, outcome) if request is not None else None


@dataclass(frozen=True, slots=True)
class ShownDate:
    """The date a button showed: which occurrence, and when it was then (in whole minutes
    since 1970, UTC), so a tap after it moved or passed cancels nothing else."""

    occurrence: int
    minute: int

    @classmethod
    def of(cls, occurrence: int, starts_at: datetime) -> ShownDate:
        return cls(occurrence, int(starts_at.timestamp()) // 60)

    @property
    def starts_at(self) -> datetime:
        return datetime.fromtimestamp(self.minute * 60, UTC)


KIDS_LIMIT = 20  # the most children a button may carry (the service allows fewer)


@dataclass(frozen=True, slots=True)
class MeetupButton:
    action: MeetupAction
    target: int  # the occurrence; for CANCEL, the meetup
    scope: CancelScope | None = None  # with CANCEL only
    shown: ShownDate | None = None  # with CANCEL ONE: the date the button shows
    count: int | None = None  # with KIDS: how many children
    person: int | None = None  # with KIDS and KIDS_MORE: who was asked

    def data(self) -> str:
        extra: tuple[object, ...] = (self.scope.value,) if self.scope is not None else ()
        if self.shown is not None:
            extra += (self.shown.occurrence, self.shown.minute)
        if self.count is not None:
            extra += (self.count,)
        if self.person is not None:
            extra += (self.person,)
        return callback(Feature.MEETUP.value, self.action.value, self.target, *extra)

    @classmethod
    def parse(cls, data: str | None) -> MeetupButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.MEETUP.value:
            return None
        action: MeetupAction | None = _enum(MeetupAction, parsed.action)
        target = parsed.int_arg(0)
        if action is None or target is None:
            return None
        if action is MeetupAction.CANCEL:
            scope = _enum(CancelScope, parsed.args[1]) if len(parsed.args) >= 2 else None
            if scope is CancelScope.ONE:
                # "Only the next date" names the date it showed, so a late tap cannot cancel
                # another one.
                occurrence, minute = parsed.int_arg(2), parsed.int_arg(3)
                if occurrence is None or minute is None or len(parsed.args) != 4:
                    return None
                return cls(action, target, scope, ShownDate(occurrence, minute))
            # Older questions carried the asker's id too: it is ignored, never trusted.
            return (
                cls(action, target, scope) if scope is not None and len(parsed.args) <= 3 else None
            )
        if action is MeetupAction.KIDS:
            count, person = parsed.int_arg(1), parsed.int_arg(2)
            if count is None or person is None or len(parsed.args) != 3:
                return None
            if not 1 <= count <= KIDS_LIMIT:
                return None
            return cls(action, target, count=count, person=person)
        if action is MeetupAction.KIDS_MORE:
            person = parsed.int_arg(1)
            ok = person is not None and len(parsed.args) == 2
            return cls(action, target, person=person) if ok else None
        return cls(action, target) if len(parsed.args) == 1 else None


@dataclass(frozen=True, slots=True)
class LineButton:
    action: LineAction
    target: int  # a constellation (PICK, USE), a routed message (LIAISON, REPLY, STOP); MORE: 0
    message_id: int | None = None  # with PICK: the message in the person's chat to pass on

    def data(self) -> str:
        extra = (self.message_id,) if self.message_id is not None else ()
        return callback(Feature.LINE.value, self.action.value, self.target, *extra)

    @classmethod
    def parse(cls, data: str | None) -> LineButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.LINE.value:
            return None
        action: LineAction | None = _enum(LineAction, parsed.action)
        target = parsed.int_arg(0)
        if action is None or target is None:
            return None
        if action is LineAction.PICK:
            message_id = parsed.int_arg(1)
            ok = len(parsed.args) == 2 and message_id is not None
            return cls(action, target, message_id) if ok else None
        return cls(action, target) if len(parsed.args) == 1 else None


@dataclass(frozen=True, slots=True)
class ForgetButton:
    action: ForgetAction

    def data(self) -> str:
        return callback(Feature.FORGET.value, self.action.value)

    @classmethod
    def parse(cls, data: str | None) -> ForgetButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.FORGET.value or parsed.args:
            return None
        action: ForgetAction | None = _enum(ForgetAction, parsed.action)
        return cls(action) if action is not None else None


@dataclass(frozen=True, slots=True)
class MoreButton:
    topic: MoreTopic

    def data(self) -> str:
        return callback(Feature.MORE.value, self.topic.value)

    @classmethod
    def parse(cls, data: str | None) -> MoreButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.MORE.value or parsed.args:
            return None
        topic: MoreTopic | None = _enum(MoreTopic, parsed.action)
        return cls(topic) if topic is not None else None


@dataclass(frozen=True, slots=True)
class OverviewButton:
    """The hub home's overview: whose it is comes from who presses, never from the data."""

    action: OverviewAction

    def data(self) -> str:
        return callback(Feature.OVERVIEW.value, self.action.value)

    @classmethod
    def parse(cls, data: str | None) -> OverviewButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.OVERVIEW.value or parsed.args:
            return None
        action: OverviewAction | None = _enum(OverviewAction, parsed.action)
        return cls(action) if action is not None else None


@dataclass(frozen=True, slots=True)
class WeeklyButton:
    """Turn the presser's own weekly look ahead on or off."""

    action: WeeklyAction

    def data(self) -> str:
        return callback(Feature.WEEKLY.value, self.action.value)

    @classmethod
    def parse(cls, data: str | None) -> WeeklyButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.WEEKLY.value or parsed.args:
            return None
        action: WeeklyAction | None = _enum(WeeklyAction, parsed.action)
        return cls(action) if action is not None else None


@dataclass(frozen=True, slots=True)
class SleepoverButton:
    """A press on a sleepover's card or message; ``target`` is the sleepover's global id.
    Sleepovers never show in a group, so the id tells nobody there anything."""

    action: SleepoverAction
    target: int
    arg: str | None = None

    def data(self) -> str:
        extra = (self.arg,) if self.arg is not None else ()
        return callback(Feature.SLEEPOVER.value, self.action.value, self.target, *extra)

    @classmethod
    def parse(cls, data: str | None) -> SleepoverButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.SLEEPOVER.value:
            return None
        action: SleepoverAction | None = _enum(SleepoverAction, parsed.action)
        target = parsed.int_arg(0)
        if action is None or target is None:
            return None
        if action is SleepoverAction.REASON:
            ok = len(parsed.args) == 2 and parsed.args[1] in DECLINE_REASONS
            return cls(action, target, parsed.args[1]) if ok else None
        if action is SleepoverAction.FEEDBACK:
            ok = len(parsed.args) == 2 and parsed.args[1] in ("good", "okay", "hard")
            return cls(action, target, parsed.args[1]) if ok else None
        return cls(action, target) if len(parsed.args) == 1 else None


@dataclass(frozen=True, slots=True)
class BedsButton:
    """The hub home's beds of one constellation: count, month, night, closed periods."""

    action: BedsAction
    constellation: int
    numbers: tuple[int, ...] = ()

    def data(self) -> str:
        return callback(Feature.BEDS.value, self.action.value, self.constellation, *self.numbers)

    @classmethod
    def parse(cls, data: str | None) -> BedsButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.BEDS.value:
            return None
        action: BedsAction | None = _enum(BedsAction, parsed.action)
        constellation = parsed.int_arg(0)
        if action is None or constellation is None:
            return None
        numbers = tuple(parsed.int_arg(i) for i in range(1, len(parsed.args)))
        if any(number is None for number in numbers):
            return None
        wanted = {
            BedsAction.MONTH: 2,
            BedsAction.NIGHT: 3,
            BedsAction.UNAWAY: 1,
            BedsAction.LIMIT: 1,
        }.get(action, 0)
        if len(numbers) != wanted:
            return None
        return cls(action, constellation, tuple(n for n in numbers if n is not None))


@dataclass(frozen=True, slots=True)
class ReportButton:
    """A report's constellation (0: all of them, for operators) and months (YYYYMM)."""

    action: ReportAction
    constellation: int
    first: int
    last: int

    def data(self) -> str:
        return callback(
            Feature.REPORT.value, self.action.value, self.constellation, self.first, self.last
        )

    @classmethod
    def parse(cls, data: str | None) -> ReportButton | None:
        parsed = parse(data)
        if parsed is None or parsed.feature != Feature.REPORT.value or len(parsed.args) != 3:
            return None
        action: ReportAction | None = _enum(ReportAction, parsed.action)
        numbers = [parsed.int_arg(i) for i in range(3)]
        if action is None or any(n is None for n in numbers):
            return None
        constellation, first, last = (n for n in numbers if n is not None)
        if not all(190001 <= m <= 999912 and 1 <= m % 100 <= 12 for m in (first, last)):
            return None
        return cls(action, constellation, first, last)
