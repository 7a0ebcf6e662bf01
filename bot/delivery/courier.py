"""The courier: sends what is due in the outbox, one notice at a time, and never twice.

A notice is marked sent (with whatever its sending records, such as where a card now is) in
one transaction right after Telegram accepted it. If that transaction fails (the disk is
full) the courier remembers the notice in memory, stops the round, and the next round first
finishes that marking: it never sends the notice again. Only a process that dies between
Telegram's answer and the marking sends that one notice again after a restart.

Failures: a 429 waits as long as Telegram asks (that notice only: the round goes on, and the
rate limiter does not hold it up); a 5xx, a timeout or a dropped connection is
tried again after a back-off (10 s, doubling, at most an hour); after ``GIVE_UP_AFTER`` the
courier gives up and tells whoever the notice is about (``report_to``). A 403 on a DM unlinks
the person's private chat and uses the group where the notice has a fallback; Telegram
refusing a notice for good (400, or 403 for a group) fails it at once. A storage error stops
the round instead of repeating sends.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)

from bot.context import Services
from bot.delivery.kinds import Audience, Kind, Outgoing, Sent
from bot.delivery.registry import kind_of
from bot.domain import (
    Constellation,
    ConstellationStatus,
    Notice,
    NoticeKind,
    PartlySent,
    PendingNotice,
)
from bot.i18n import Html, normalise_language
from bot.storage.db import Lookup, Tx
from bot.telegram_bot import asked_wait, lean_answers, no_waiting_for_429, unless_unchanged

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=10)
MAX_BACKOFF = timedelta(hours=1)
# 10 s * 2**9 is already past the hour: the exponent stops there (it overflowed at 43 tries).
_MAX_DOUBLINGS = 9
GIVE_UP_AFTER = timedelta(days=2)
# A notice for a paused constellation's group waits; it is released when the bot is added
# back, and looked at again after this long in any case.
PAUSED_HOLD = timedelta(days=1)
BATCH = 100


def backoff(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed tries: 10 s, doubling, at most an hour."""
    doublings: int = min(max(attempts, 0), _MAX_DOUBLINGS)
    return min(MAX_BACKOFF, BACKOFF_BASE * (1 << doublings))


class _Hold(Exception):
    """The group is paused: the notice waits without counting as a try."""


class Courier:
    """Delivers the outbox; one round at a time."""

    def __init__(self, services: Services, bot: Bot) -> None:
        self._services = services
        self._bot = bot
        self._lock = asyncio.Lock()
        # Sent, but the marking failed (storage error): finished before anything else.
        self._unconfirmed: dict[int, Callable[[], Awaitable[None]]] = {}
        # Notices failed for good since start, per kind (the health check and metrics): a
        # kind is an enum word, never a name or a text.
        self.failures: Counter[str] = Counter()
        # What the next notice's renderer reads first: read in the round trip that records
        # the one before it (Kind.ahead), which saves the next render a trip of its own.
        self._next: Sequence[Lookup] = ()
        # Database.notices_deleted when the notices being delivered were read (see _gone).
        self._read_at = 0

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    async def deliver_due(self) -> int:
        """Send everything that is due; returns how many notices were tried.

        Raises the storage error that stopped the round, if one did.
        """
        # A 429 makes that one notice wait (it is retried as Telegram asks), not the round.
        async with self._lock:
            with no_waiting_for_429():
                await self._finish_unconfirmed()
                await self._services.line.release_kept()
                # A notice renewed while it was being sent (a card that changed again) comes back
                # with a new version and is drawn again in the same round.
                tried: set[tuple[int, int]] = set()
                while True:
                    self._read_at = self._services.db.notices_deleted  # before they are read
                    batch = await self._services.outbox.due(
                        self._services.db.reader, self._services.clock.now(), BATCH
                    )
                    fresh = [p for p in batch if (p.id, p.version) not in tried]
                    if not fresh:
                        return len(tried)
                    for index, pending in enumerate(fresh):
                        tried.add((pending.id, pending.version))
                        following = fresh[index + 1] if index + 1 < len(fresh) else None
                        self._next = self._ahead(following) if following is not None else ()
                        try:
                            await self._deliver(pending)
                        finally:
                            self._next = ()

    def _ahead(self, pending: PendingNotice) -> Sequence[Lookup]:
        ahead = kind_of(pending.notice.kind).ahead
        return ahead(self._services, pending.notice) if ahead is not None else ()

    async def finish_marking(self) -> None:
        """Write down what Telegram took but the disk could not record (before stopping)."""
        async with self._lock:
            await self._finish_unconfirmed()

    async def _finish_unconfirmed(self) -> None:
        for notice_id, finish in list(self._unconfirmed.items()):
            await finish()
            del self._unconfirmed[notice_id]

    # -- one notice -----------------------------------------------------------------------

    async def _deliver(self, pending: PendingNotice) -> None:
        notice = pending.notice
        kind = kind_of(notice.kind)
        try:
            for audience, paused in await self._audiences(notice):
                if paused:
                    raise _Hold
                try:
                    sent = await self._render_and_send(kind, notice, audience)
                except Forbidden:
                    if audience.private:
                        # Never started, or blocked us: stop counting on the private chat and
                        # use the group, where the notice has one.
                        await self._services.constellations.private_chat_lost(audience.chat_id)
                        continue
                    raise
                if sent is None:
                    await self._skip(pending, kind)
                else:
                    await self._sent(pending, kind, audience, sent)
                return
            if kind.unreachable == "skip":
                await self._skip(pending, kind)
            else:
                log.info("notice %s (%s) undeliverable: nobody to reach", pending.id, notice.kind)
                await self._give_up(pending, kind, "unreachable")
        except sqlite3.Error:
            raise  # storage: stop the round, never send anything twice
        except _Hold:
            await self._in_transaction(
                pending,
                lambda tx: self._services.outbox.hold(
                    tx, pending, self._services.clock.now() + PAUSED_HOLD
                ),
            )
        except PartlySent as partly:
            # The header went out, the copy under it did not: next time only the copy.
            cause = partly.__cause__
            if isinstance(cause, BadRequest | Forbidden):
                await self._give_up(pending, kind, type(cause).__name__)
            else:
                wait = (
                    asked_wait(cause)
                    if isinstance(cause, RetryAfter)
                    else backoff(pending.attempts)
                )
                await self._retry(pending, kind, wait, type(cause).__name__, head=partly.head)
        except RetryAfter as exc:
            await self._retry(pending, kind, asked_wait(exc), "429")
        except ChatMigrated as exc:
            # The group became a supergroup before we heard of it: follow it, try again soon.
            old = notice.chat_id if notice.chat_id is not None else notice.fallback_chat_id
            if old is not None:
                await self._services.constellations.migrated(old, exc.new_chat_id)
            await self._retry(pending, kind, timedelta(0), "migrated")
        except (BadRequest, Forbidden) as exc:
            log.warning(
                "notice %s (%s) refused for good: %s", pending.id, notice.kind, type(exc).__name__
            )
            await self._give_up(pending, kind, type(exc).__name__)
        except TelegramError as exc:  # 5xx, timeouts, dropped connections
            await self._retry(pending, kind, backoff(pending.attempts), type(exc).__name__)
        except Exception as exc:
            # A notice that cannot even be drawn must not block the ones behind it.
            log.error(
                "notice %s (%s) could not be delivered: %s",
                pending.id,
                notice.kind,
                type(exc).__name__,
                exc_info=exc,
            )
            await self._give_up(pending, kind, "error")

    async def _render_and_send(self, kind: Kind, notice: Notice, audience: Audience) -> Sent | None:
        outgoing = await kind.render(self._services, notice, audience)
        if outgoing is None:
            return None
        if not audience.private or audience.meant_for is not None:
            # In a group, a reply goes under the card it is about.
            reply_to = outgoing.reply_to or notice.reply_to_message_id
            outgoing = replace(outgoing, reply_to=reply_to)
        if audience.meant_for is not None:
            text = self._services.texts(
                audience.language,
                "notice.in_group",
                name=audience.meant_for.first_name,
                text=Html(outgoing.text),
            )
            outgoing = replace(outgoing, text=text)
        return Sent(outgoing, await self._send(audience.chat_id, outgoing))

    async def _send(self, chat_id: int, out: Outgoing) -> tuple[int, ...]:
        bot = self._bot
        if out.delete is not None:
            try:
                await bot.delete_message(chat_id, out.delete)
                return ()
            except BadRequest:
                # Older than Telegram lets a bot delete, or no right to: made to say nothing
                # of anyone (and without its buttons) instead.
                out = replace(out, edit=out.delete, keyboard=None)
        if out.edit is not None:
            with unless_unchanged(), lean_answers():
                await bot.edit_message_text(
                    out.text, chat_id=chat_id, message_id=out.edit, reply_markup=out.keyboard
                )
            return (out.edit,)
        if out.copy_of is not None and out.head is not None:
            return await self._copy_under(chat_id, out.copy_of, out.head, out.keyboard)
        reply = (
            ReplyParameters(out.reply_to, allow_sending_without_reply=True)
            if out.reply_to
            else None
        )
        with lean_answers() as sent:  # the id is all we keep of the message
            await bot.send_message(
                chat_id,
                out.text,
                reply_markup=out.keyboard if out.copy_of is None else None,
                reply_parameters=reply,
                disable_notification=out.quiet,
            )
        [message_id] = sent.message_ids
        if out.copy_of is None:
            return (message_id,)
        return await self._copy_under(chat_id, out.copy_of, message_id, out.keyboard)

    async def _copy_under(
        self,
        chat_id: int,
        origin: tuple[int, int],
        head: int,
        keyboard: InlineKeyboardMarkup | None,
    ) -> tuple[int, ...]:
        """Telegram's copy of a message (with the keyboard), under its header ``head``
        (already sent)."""
        try:
            copy = await self._bot.copy_message(
                chat_id,
                origin[0],
                origin[1],
                reply_parameters=ReplyParameters(head, allow_sending_without_reply=True),
                reply_markup=keyboard,
            )
        except TelegramError as exc:
            raise PartlySent(head) from exc
        return (head, copy.message_id)

    async def _audiences(self, notice: Notice) -> list[tuple[Audience, bool]]:
        """Where the notice may go, in order, and whether that is a paused group: the
        person's private chat (if linked), then the group it falls back to."""
        constellations = self._services.constellations
        home = (
            await constellations.for_id(notice.constellation_id)
            if notice.constellation_id is not None
            else None
        )
        language = home.language if home else self._services.settings.language
        if notice.user_id is None:
            if notice.chat_id is None:
                return []
            return [await self._group(notice.chat_id, home, language)]
        audiences = []
        person = await constellations.person(notice.user_id)
        if person is not None and person.private_chat_linked:
            own = normalise_language(person.language_code, language)
            audiences.append((Audience(notice.user_id, own), False))
        if notice.fallback_chat_id is not None and person is not None:
            group, paused = await self._group(notice.fallback_chat_id, home, language)
            audiences.append((replace(group, meant_for=person), paused))
        return audiences

    async def _group(
        self, chat_id: int, home: Constellation | None, language: str
    ) -> tuple[Audience, bool]:
        """A group as audience, in its constellation's language; paused if the bot was
        removed from it (nothing is sent there until it is back)."""
        constellation = await self._services.constellations.for_chat(chat_id) or home
        paused = constellation is not None and constellation.status is ConstellationStatus.PAUSED
        return Audience(chat_id, constellation.language if constellation else language), paused

    # -- recording what happened ----------------------------------------------------------

    async def _in_transaction(
        self, pending: PendingNotice, work: Callable[[Tx], Awaitable[object]]
    ) -> None:
        async with self._services.db.transaction() as tx:
            if not await self._gone(tx, pending, self._read_at):
                await work(tx)
            tx.read_after(*self._next)

    async def _gone(self, tx: Tx, pending: PendingNotice, read_at: int) -> bool:
        """Whether the notice was deleted since it was read (its reader, or whoever it is
        about, erased meanwhile): then nothing its sending or failing made is recorded, no
        card's place in an erased person's chat, no "sent!" after "reached nobody". Only
        asked (a round trip) when some transaction deleted notices since."""
        if self._services.db.notices_deleted == read_at:
            return False
        if await self._services.outbox.still_there(tx, pending):
            return False
        log.info("notice %s was deleted while it was on its way: nothing recorded", pending.id)
        return True

    async def _sent(
        self, pending: PendingNotice, kind: Kind, audience: Audience, sent: Sent
    ) -> None:
        services, ahead, read_at = self._services, self._next, self._read_at

        async def finish() -> None:
            async with services.db.transaction() as tx:
                if not await self._gone(tx, pending, read_at):
                    await services.outbox.mark_sent(tx, pending, services.clock.now())
                    if kind.after_sent is not None:
                        await kind.after_sent(services, tx, pending.notice, audience, sent)
                tx.read_after(*ahead)

        try:
            await finish()
        except sqlite3.Error:
            # Telegram has it; we could not write that down. Never send it again: finish the
            # marking first thing next round, and stop this one.
            self._unconfirmed[pending.id] = finish
            log.error("notice %s sent but not marked: storage error; round stopped", pending.id)
            raise

    async def _skip(self, pending: PendingNotice, kind: Kind) -> None:
        """Nothing to say any more (what it was about is gone or over, or the reader may no
        longer read it), or nobody to say it to for a redraw: done, unsent."""
        services, now = self._services, self._services.clock.now()

        async def work(tx: Tx) -> None:
            await services.outbox.mark_skipped(tx, pending, now)
            if kind.on_undelivered is not None:
                await kind.on_undelivered(services, tx, pending.notice)

        await self._in_transaction(pending, work)

    async def _retry(
        self, pending: PendingNotice, kind: Kind, wait: timedelta, error: str, **refs: int
    ) -> None:
        now = self._services.clock.now()
        if now - pending.created_at >= GIVE_UP_AFTER:
            log.warning("notice %s (%s): gave up after %s", pending.id, pending.notice.kind, error)
            await self._give_up(pending, kind, f"gave up: {error}")
            return
        log.info("notice %s will be retried in %s: %s", pending.id, wait, error)
        outbox = self._services.outbox
        await self._in_transaction(
            pending, lambda tx: outbox.retry_later(tx, pending, now + wait, error, **refs)
        )

    async def _give_up(self, pending: PendingNotice, kind: Kind, error: str) -> None:
        """Failed for good; whoever it is about hears it, if the kind says so."""
        services = self._services
        notice = pending.notice
        now = services.clock.now()
        report = undelivered(pending) if kind.reports and notice.report_to is not None else None

        async def work(tx: Tx) -> None:
            await services.outbox.mark_failed(tx, pending, error)
            if report is not None:
                await services.outbox.add(tx, report, now)
            if kind.on_undelivered is not None:
                await kind.on_undelivered(services, tx, notice)

        await self._in_transaction(pending, work)
        self.failures[notice.kind.value] += 1


def undelivered(pending: PendingNotice) -> Notice:
    """The notice that tells ``report_to`` that ``pending`` could not be delivered."""
    notice = pending.notice
    assert notice.report_to is not None
    refs: dict[str, int | str | tuple[int, ...]] = {"about": notice.kind.value}
    for name in ("request", "occurrence", "line"):
        value = notice.ref(name)
        if value is not None:
            refs[name] = value
    if notice.user_id is not None:
        refs["recipient"] = notice.user_id
    return Notice(
        kind=NoticeKind.UNDELIVERED,
        dedupe_key=f"undelivered:{pending.id}",
        refs=refs,
        constellation_id=notice.constellation_id,
        user_id=notice.report_to,
    )
