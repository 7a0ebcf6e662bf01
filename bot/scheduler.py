"""Time-driven work: the database is the queue, the job queue holds one wake-up.

Only the next due moment (an escalation, an expiry, a notice to retry) is scheduled; when it
fires, everything due is done and the next wake-up is set. At start-up the same run catches up
on whatever fell due while the bot was down — nothing is lost, and the database's state
guards make sure no step repeats.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.context import AnyApplication, BotContext, Services
from bot.delivery import deliver_due
from bot.handlers.private_line import deliver_waiting
from bot.handlers.request_cards import refresh_cards

log = logging.getLogger(__name__)

WAKEUP = "wakeup"


async def run_due_work(app: AnyApplication) -> None:
    """Expire, escalate, deliver; then schedule the next wake-up."""
    services: Services = app.bot_data.services
    for request in await services.requests.tick():
        constellation = await services.constellations.for_id(request.constellation_id)
        if constellation is not None:
            cards = await services.requests.cards(constellation, request.id)
            await refresh_cards(app.bot, services.texts, constellation, request, cards)
    await services.meetups.tick()
    await deliver_due(app)
    await deliver_waiting(app)
    await schedule_next(app)


async def _wakeup(context: BotContext) -> None:
    await run_due_work(context.application)


async def next_wakeup(services: Services) -> datetime | None:
    moments = [
        moment
        for moment in (
            await services.requests.next_due(),
            await services.meetups.next_due(),
            await services.outbox.next_due(),
        )
        if moment is not None
    ]
    return min(moments) if moments else None


async def schedule_next(app: AnyApplication) -> None:
    services: Services = app.bot_data.services
    job_queue = app.job_queue
    if job_queue is None:
        return
    moment = await next_wakeup(services)
    jobs = job_queue.get_jobs_by_name(WAKEUP)
    now = services.clock.now()
    if moment is not None and moment > now and [job.data for job in jobs] == [moment]:
        return  # the wake-up already set is the right one (most updates change nothing)
    for job in jobs:
        job.schedule_removal()
    if moment is None:
        return
    delay = max(0.0, (moment - now).total_seconds())
    job_queue.run_once(_wakeup, when=delay, name=WAKEUP, data=moment)
