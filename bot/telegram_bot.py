"""The bot's connection to Telegram: python-telegram-bot's ``ExtBot``, reading updates safely.

One update that python-telegram-bot cannot parse (a field it does not know the shape of, a
broken date) made ``get_updates`` fail for the whole batch: polling retried the same offset
for ever — thousands of calls a second, later updates never handled — and each retry logged
the whole batch, other members' texts and names included. Here each update is read on its
own: one that cannot be read is skipped (its id and the error type logged, nothing else), and
the next call asks Telegram for what comes after it, so it is never fetched again.

It also keeps what the health check asks (``last_contact``: when Telegram last answered a
call), and notices a second copy of the bot polling with the same token: Telegram then answers
getUpdates with 409 Conflict, alternately to each copy. One 409 right after a restart is
normal (the old copy's long poll lingers at Telegram for up to its timeout); 409s that go on for
longer than ``conflict_grace`` mean another copy, and :attr:`another_copy` is set: the error
handler :func:`stop_if_another_copy` stops the bot, and it polls no more on its way out (a last
getUpdates would push the other copy out too).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Conflict, RetryAfter
from telegram.ext import AIORateLimiter, CallbackContext, ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.clock import Clock

log = logging.getLogger(__name__)


def asked_wait(exc: RetryAfter) -> timedelta:
    """How long Telegram asked us to wait (PTB 22 returns seconds, warning that a later
    version returns a timedelta: either is read, without the warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=wait)


class ConstellationBot(ExtBot[None]):
    """``ExtBot`` whose ``get_updates`` skips what it cannot read."""

    __slots__ = (
        "_another_copy",
        "_conflict_grace",
        "_conflicts_since",
        "_last_batch",
        "_last_contact",
        "_last_contact_at",
        "_read_through",
    )

    def __init__(
        self, *args: Any, conflict_grace: timedelta = timedelta(seconds=30), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._last_batch: list[dict[str, Any]] = []
        self._read_through: int | None = None  # the highest update id skipped as unreadable
        self._conflict_grace = conflict_grace.total_seconds()
        self._conflicts_since: float | None = None  # monotonic time of the first 409 in a row
        self._another_copy = False
        # When Telegram last answered a call (monotonic seconds, and the moment for people).
        self._last_contact: float | None = None
        self._last_contact_at: datetime | None = None

    @property
    def another_copy(self) -> bool:
        """getUpdates kept answering 409 Conflict: another copy polls with this token."""
        return self._another_copy

    @property
    def last_contact(self) -> float | None:
        """``time.monotonic()`` when Telegram last answered a call; None: not yet."""
        return self._last_contact

    @property
    def last_contact_at(self) -> datetime | None:
        """The same moment, as a time of day for people."""
        return self._last_contact_at

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if endpoint == "getUpdates" and self.another_copy:
            return []  # stopping: leave the updates to the other copy
        if endpoint == "getUpdates" and data is not None and self._read_through is not None:
            # Past what could not be read: Telegram forgets it, we never see it again.
            offset = data.get("offset")
            if offset is None or offset <= self._read_through:
                data["offset"] = self._read_through + 1
        try:
            result = await super()._post(endpoint, data, **kwargs)
        except Conflict:
            if endpoint == "getUpdates":
                self._conflict()
            raise
        self._last_contact, self._last_contact_at = time.monotonic(), datetime.now(UTC)
        if endpoint == "getUpdates":
            self._conflicts_since = None
            self._last_batch = list(result) if isinstance(result, list) else []
        elif endpoint in _LEAN_ANSWERS and isinstance(result, dict):
            lean = _LEAN.get()
            if lean is not None:
                if endpoint == "sendMessage":
                    lean.message_ids.append(int(result["message_id"]))
                return True
        return result

    def _conflict(self) -> None:
        now = time.monotonic()
        if self._conflicts_since is None:
            self._conflicts_since = now
        if now - self._conflicts_since >= self._conflict_grace:
            self._another_copy = True

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,  # noqa: ASYNC109 (Telegram's long-polling wait, as in the parent)
        allowed_updates: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        try:
            return await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError):
            # The batch held something python-telegram-bot could not read: read them one by
            # one, keep the others.
            return self._readable(self._last_batch)

    def _readable(self, batch: list[dict[str, Any]]) -> tuple[Update, ...]:
        updates: list[Update] = []
        for raw in batch:
            update_id = raw.get("update_id")
            try:
                update = Update.de_json(raw, self)
            except Exception as exc:
                log.warning(
                    "update %s could not be read and was skipped: %s", update_id, type(exc).__name__
                )
                if isinstance(update_id, int):
                    self._read_through = max(self._read_through or update_id, update_id)
                continue
            if update is not None:
                self.insert_callback_data(update)
                updates.append(update)
        return tuple(updates)


# -- answers delivery only needs the message id of ---------------------------------------------


class SentIds:
    """The ids of the messages sent under :func:`lean_answers`, in order."""

    def __init__(self) -> None:
        self.message_ids: list[int] = []


_LEAN: ContextVar[SentIds | None] = ContextVar("lean_answers", default=None)
_LEAN_ANSWERS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})


@contextmanager
def lean_answers() -> Iterator[SentIds]:
    """Messages sent (or edited) in here are answered with True, and the id of each message
    sent is kept in the :class:`SentIds` this yields: python-telegram-bot otherwise builds a
    whole ``Message`` from every answer (its text, entities and keyboard, object by object),
    which cost more CPU than anything of ours in delivering a notice (bench/README.md,
    issue 19). The courier keeps only the ids.
    """
    sent = SentIds()
    token = _LEAN.set(sent)
    try:
        yield sent
    finally:
        _LEAN.reset(token)


ANOTHER_COPY = (
    "Another copy of the bot is running with this token: stop it first (only one copy may"
    " poll Telegram; see README, Health, metrics and doctor)"
)


async def stop_if_another_copy(
    update: object, context: CallbackContext[Any, Any, Any, Any]
) -> None:
    """Error handler: a second copy polls with our token; stop rather than fight it."""
    bot = context.bot
    conflict = isinstance(context.error, Conflict)
    if conflict and isinstance(bot, ConstellationBot) and bot.another_copy:
        log.error("getUpdates keeps answering 409 Conflict: another copy is running")
        context.application.stop_running()


@contextmanager
def unless_unchanged() -> Iterator[None]:
    """Around an edit: when the message already says it (a double tap, two people pressing,
    a redraw of what did not change), Telegram's "message is not modified" is no failure."""
    try:
        yield
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


# -- Telegram's rate limits, per chat ---------------------------------------------------------

_RETRIES_HERE: ContextVar[bool] = ContextVar("retries_here", default=True)


@contextmanager
def no_waiting_for_429() -> Iterator[None]:
    """Calls made in here are not retried by the rate limiter: a 429 (or a chat still
    waiting out an earlier one) is raised at once. The courier retries a notice itself, later,
    so one chat's wait does not hold up a delivery round for every other chat."""
    token = _RETRIES_HERE.set(False)
    try:
        yield
    finally:
        _RETRIES_HERE.reset(token)


JSON = bool | dict[str, Any] | list[dict[str, Any]]


class ChatRateLimiter(AIORateLimiter):
    """python-telegram-bot's ``AIORateLimiter`` (30 messages a second overall, 20 a minute per
    group), except after a 429: Telegram's ``retry_after`` then holds back only the chat
    the 429 was for, not every chat (``AIORateLimiter`` stops all sending meanwhile, so one
    group over its limit delayed the answers in every other chat by seconds).

    A reply made from a handler waits out the chat's ``retry_after`` and is tried again
    (``max_retries`` times); a call made under :func:`no_waiting_for_429` is not.
    """

    def __init__(self, *, max_retries: int, clock: Clock) -> None:
        super().__init__(max_retries=max_retries)
        self._clock = clock  # the bot's clock, as the outbox's retries use it
        # Per chat (None: calls without one): until when Telegram asked us to wait.
        self._held: dict[str | None, datetime] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        chat = None if chat_id is None else str(chat_id)
        waits = _RETRIES_HERE.get()
        retries = (rate_limit_args or self._max_retries) if waits else 0
        for attempt in range(retries + 1):
            left = self._left(chat)
            if left > 0:
                if not waits:  # Telegram would refuse it: say so without asking
                    raise RetryAfter(math.ceil(left))
                await asyncio.sleep(left)
            try:
                return await self._run_request(
                    chat=chat is not None,
                    group=_group(chat_id),
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as exc:
                # The same 0.1 s margin as AIORateLimiter's.
                wait = asked_wait(exc).total_seconds() + 0.1
                until = self._clock.now() + timedelta(seconds=max(self._left(chat), wait))
                self._held[chat] = until
                if attempt == retries:
                    raise
                log.info("429 in one chat: it waits %.1f s, the others go on", wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _left(self, chat: str | None) -> float:
        """Seconds this chat still has to wait after a 429 (0: none)."""
        until = self._held.get(chat)
        if until is None:
            return 0.0
        left = (until - self._clock.now()).total_seconds()
        if left <= 0:
            del self._held[chat]
            return 0.0
        return left


def _group(chat_id: object) -> str | int | bool:
    """What AIORateLimiter limits per group: a negative (group) id or a @username."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id
    return chat_id if isinstance(chat_id, int) and chat_id < 0 else False
