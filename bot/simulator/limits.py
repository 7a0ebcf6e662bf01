"""Telegram's flood limits for the simulator: a message beyond them is answered 429.

Telegram publishes its limits only roughly: about 30 messages a second overall, 20 a minute in
one group, and about one a second in one private chat, "short bursts" allowed. Each limit is
modelled here as a token bucket that holds ``count`` messages (or ``burst``) and refills at
``count / period`` — the shape of aiolimiter, which python-telegram-bot's ``AIORateLimiter``
uses. A refused message has no effect and carries ``retry_after``: the whole seconds until the
bucket that refused it holds a message again.

Only calls that post a message count (``send*`` but ``sendChatAction``, copies, forwards);
Telegram's limits on edits and callback answers are unpublished and not modelled.

Off unless a :class:`~bot.simulator.server.FakeTelegram` is given ``limits=Limits()`` (the
benchmarks do), so tests and the demo never see a 429 they did not inject.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.simulator.spec import ApiError

__all__ = ["Limits", "Rate"]

_NOT_MESSAGES = frozenset({"sendchataction"})
_ALSO_MESSAGES = frozenset({"copymessage", "copymessages", "forwardmessage", "forwardmessages"})
_NUMBER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Rate:
    """``count`` messages per ``period`` seconds; up to ``burst`` (default ``count``) at once."""

    count: float
    period: float
    burst: float | None = None


class _Bucket:
    def __init__(self, rate: Rate, now: float) -> None:
        self.capacity = rate.burst if rate.burst is not None else rate.count
        self.refill = rate.count / rate.period  # messages per second
        self.level = self.capacity
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one message fits (0: it fits now)."""
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.refill)
        self.stamp = now
        return 0.0 if self.level >= 1 else (1 - self.level) / self.refill

    def take(self) -> None:
        self.level -= 1


def counts_as_message(method: str) -> bool:
    """Whether a call of ``method`` posts a message (and so counts against the limits)."""
    name = method.lower()
    return name in _ALSO_MESSAGES or (name.startswith("send") and name not in _NOT_MESSAGES)


def _chat_id(params: dict[str, Any]) -> int | str | None:
    value = params.get("chat_id")
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return int(value)
    return value if isinstance(value, (int, str)) else None


@dataclass
class Limits:
    """The three limits (None switches one off), with a record of what they refused."""

    overall: Rate | None = field(default_factory=lambda: Rate(30, 1.0))
    group: Rate | None = field(default_factory=lambda: Rate(20, 60.0))
    private: Rate | None = field(default_factory=lambda: Rate(1, 1.0))
    clock: Callable[[], float] = time.monotonic
    accepted: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # by limit: overall, group, private
    _overall: _Bucket | None = field(default=None, init=False, repr=False)
    _chats: dict[int | str, _Bucket] = field(default_factory=dict, init=False, repr=False)

    @property
    def refused_total(self) -> int:
        """How many 429 answers were given."""
        return sum(self.refused.values())

    def check(self, method: str, params: dict[str, Any]) -> ApiError | None:
        """Count one call; the 429 Telegram would answer if it goes beyond a limit, else None."""
        if not counts_as_message(method):
            return None
        now = self.clock()
        buckets: list[tuple[str, _Bucket]] = []
        chat_id = _chat_id(params)
        # Negative ids and @usernames are groups and channels; positive ids are private chats.
        is_group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        scope, rate = ("group", self.group) if is_group else ("private", self.private)
        if chat_id is not None and rate is not None:
            if chat_id not in self._chats:
                self._chats[chat_id] = _Bucket(rate, now)
            buckets.append((scope, self._chats[chat_id]))
        if self.overall is not None:
            if self._overall is None:
                self._overall = _Bucket(self.overall, now)
            buckets.append(("overall", self._overall))
        for name, bucket in buckets:
            wait = bucket.wait(now)
            if wait > 0:
                self.refused[name] += 1
                retry_after = max(1, math.ceil(wait))
                return ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )
        for _, bucket in buckets:
            bucket.take()
        self.accepted += 1
        return None
