"""Time-driven work and delivery: the database is the queue, the job queue holds one wake-up.

Only the next due moment (an escalation, an expiry, a reminder, a notice to retry) is
scheduled; when it fires, everything due is done, delivered, and the next wake-up is set. At
start-up the same run catches up on whatever fell due while the bot was down — nothing is
lost, and the database's state guards make sure no step repeats.

Delivering and re-arming are one call (:func:`deliver`), and handlers make neither: after
every update that changed the database, :class:`DeliverAfterUpdates` starts a delivery round.
It also runs the updates of different chats at the same time, each chat's in order.
So whatever a handler queued goes out at once, and whatever could not go out is retried by a
wake-up that is always set. A round that fails (a storage error) still re-arms, a minute on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.context import AnyApplication, BotContext, BotData, Services
from bot.storage.db import together

log = logging.getLogger(__name__)

WAKEUP = "wakeup"
RETRY_AFTER_ERROR = timedelta(minutes=1)


async def run_due_work(app: AnyApplication) -> None:
    """Expire, escalate, announce and remind; then deliver and re-arm (even if a step failed)."""
    services: Services = app.bot_data.services
    try:
        await services.requests.tick()
        await services.meetups.tick()
        await services.sleepovers.tick()
        await services.reports.tick()
        await services.weekly.tick()
    finally:
        await deliver(app)


async def deliver(app: AnyApplication, *, rearm: bool = True) -> None:
    """Send what is due, then (``rearm``) set the wake-up for whatever is due next."""
    data: BotData = app.bot_data
    data.delivery_failed = False
    db = data.services.db
    try:
        await data.courier.deliver_due()
        if db.checkpoint_owed:  # an erasure's bytes may still be in the log
            await db.checkpoint()
    except Exception as exc:
        data.delivery_failed = True
        log.error("delivery round stopped: %s", type(exc).__name__, exc_info=exc)
    finally:
        if rearm:
            await schedule_next(app, failed=data.delivery_failed)


def kick(app: AnyApplication) -> None:
    """Deliver now, in the background; if a round is running, it goes round once more."""
    data: BotData = app.bot_data
    if data.delivery_task is not None and not data.delivery_task.done():
        data.deliver_again = True
        return
    data.delivery_task = asyncio.get_running_loop().create_task(
        _deliver_until_quiet(app), name="delivery"
    )


async def _deliver_until_quiet(app: AnyApplication) -> None:
    """Rounds until no update asked for another, then the wake-up is set once (working out
    the next due moment takes a query per kind of work: not after every round of a busy
    minute)."""
    data: BotData = app.bot_data
    while True:
        try:
            while True:
                data.deliver_again = False
                await deliver(app, rearm=False)
                if not data.deliver_again:
                    break
        finally:
            await schedule_next(app, failed=data.delivery_failed)
        if not data.deliver_again:  # nobody asked again while the wake-up was being set
            return


async def delivered(app: AnyApplication) -> None:
    """Wait until the background delivery is done (tests, the demo, shutting down)."""
    data: BotData = app.bot_data
    while data.delivery_task is not None and not data.delivery_task.done():
        await asyncio.shield(data.delivery_task)


class DeliverAfterUpdates(BaseUpdateProcessor):
    """Different chats at the same time, each chat's (and each person's) updates in order;
    after each update that changed the database, a delivery round (see :func:`kick`).

    python-telegram-bot handles one update at a time by default, so one chat whose reply
    waited for Telegram (a 429's ``retry_after``, a slow answer) held up every other chat.
    Here an update waits only for the updates before it in its own chat and of its own
    sender: what one person does stays in order (the guided conversations and their
    ``user_data`` included: a person's updates never run at the same time), and nobody
    waits for somebody else's chat. At most ``running`` updates run at once; an update
    waiting for its chat does not count, so one busy chat cannot fill the slots.
    """

    def __init__(self, running: int = 64) -> None:
        # python-telegram-bot's own bound counts waiting updates too: it only caps memory.
        super().__init__(max_concurrent_updates=WAITING_UPDATES)
        self.app: AnyApplication | None = None
        self._running = asyncio.Semaphore(running)
        # One lock per chat and per person with updates waiting or running; dropped when done.
        self._locks: dict[int, _Turn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        app = self.app
        assert app is not None, "attach the application first"
        # Always in the same order (by id): two updates can never each hold what the other
        # waits for. asyncio's lock is first come, first served, so they keep Telegram's order.
        turns: list[tuple[int, _Turn, bool]] = []  # key, its lock and users, whether held
        try:
            for key in sorted(_keys(update)):
                turn = self._locks.get(key)
                if turn is None:
                    turn = self._locks[key] = _Turn()
                turn.users += 1
                turns.append((key, turn, False))
                await turn.lock.acquire()
                turns[-1] = (key, turn, True)
            async with self._running:
                db = app.bot_data.services.db
                before = db.generation
                try:
                    await coroutine
                finally:
                    if db.generation != before:
                        kick(app)
        finally:
            for key, turn, held in reversed(turns):
                if held:
                    turn.lock.release()
                turn.users -= 1
                if not turn.users:
                    del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


WAITING_UPDATES = 4096


class _Turn:
    """One chat's (or person's) turn: its lock, and how many updates wait for it or hold it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


def _keys(update: object) -> set[int]:
    """Whose turn an update waits for: its chat and its sender. Telegram's ids do not
    collide: groups are negative, and a private chat's id is its person's (one key)."""
    if not isinstance(update, Update):
        return {0}  # nothing of ours: one at a time, like the others without a chat
    keys = set()
    if update.effective_chat is not None:
        keys.add(update.effective_chat.id)
    if update.effective_user is not None:
        keys.add(update.effective_user.id)
    return keys or {0}


async def _wakeup(context: BotContext) -> None:
    data = context.bot_data
    data.wakeup_running = True
    data.wakeup_done.clear()
    try:
        await run_due_work(context.application)
    finally:
        data.wakeup_running = False
        data.wakeup_done.set()


async def next_wakeup(services: Services) -> datetime | None:
    """The first moment anything is due. Asked after every delivery round: the lookups go
    to the database together (two round trips instead of nine)."""
    moments = [
        moment
        for moment in await together(
            services.requests.next_due(),
            services.meetups.next_due(),
            services.outbox.next_due(services.db.reader),
            services.line.next_due(),
            services.sleepovers.next_due(),
            services.reports.next_due(),
            services.weekly.next_due(),
        )
        if moment is not None
    ]
    return min(moments) if moments else None


async def schedule_next(app: AnyApplication, *, failed: bool = False) -> None:
    """One wake-up job, at the next due moment; a minute on if something just failed; at
    most a minute on while an erasure's checkpoint is still owed."""
    services: Services = app.bot_data.services
    job_queue = app.job_queue
    if job_queue is None:
        return
    now = services.clock.now()
    moment: datetime | None = None
    try:
        moment = await next_wakeup(services)
    except Exception as exc:
        log.error("next wake-up unknown: %s", type(exc).__name__)
        failed = True
    if failed:
        # What is due waits a minute: no tight loop while the disk is full.
        moment = now + RETRY_AFTER_ERROR
    elif services.db.checkpoint_owed:
        soon = now + RETRY_AFTER_ERROR
        moment = soon if moment is None else min(moment, soon)
    jobs = job_queue.get_jobs_by_name(WAKEUP)
    if moment is not None and moment > now and [job.data for job in jobs] == [moment]:
        return  # the wake-up already set is the right one (most updates change nothing)
    for job in jobs:
        job.schedule_removal()
    if moment is None:
        return
    delay = max(0.0, (moment - now).total_seconds())
    job_queue.run_once(_wakeup, when=delay, name=WAKEUP, data=moment)
