"""One wake-up job for all timed work, set to the next due moment and kept while it is right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from telegram.ext import Job

from bot.scheduler import WAKEUP, next_wakeup
from bot.storage.db import CACHED_TABLES, Connection
from tests.e2e.conftest import Scene
from tests.e2e.test_meetup_reminders import DAY_BEFORE, at, swimming


def wakeups(scene: Scene) -> list[Job[Any]]:
    job_queue = scene.bot.app.job_queue
    assert job_queue is not None
    return list(job_queue.get_jobs_by_name(WAKEUP))


async def test_the_wake_up_follows_the_next_due_moment(scene: Scene) -> None:
    await swimming(scene, linked=(scene.anna,))
    services = scene.bot.app.bot_data.services
    (job,) = wakeups(scene)
    assert job.data == await next_wakeup(services) == DAY_BEFORE
    # A later activity leaves the next moment as it was: the same job, not a new one.
    await scene.say(scene.hubhome, scene.group, "/activiteit 2026-12-05 14:00 | Tekenen")
    assert "Tekenen" in scene.last(scene.group).plain_text
    assert wakeups(scene) == [job]
    await at(scene, DAY_BEFORE)
    (later,) = wakeups(scene)
    assert later is not job
    moment = await next_wakeup(services)
    assert moment is not None and moment > DAY_BEFORE
    assert later.data == moment


async def test_the_next_due_moment_is_looked_up_in_two_round_trips(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked after every delivery round: all nine lookups (requests, meetups, the outbox,
    the private line, sleepovers, reports, weekly overviews) go to the database together."""
    await swimming(scene, linked=(scene.anna,))
    services = scene.bot.app.bot_data.services
    services.db.cache.changed(CACHED_TABLES)  # nothing from the cache: every lookup is made
    batches: list[int] = []
    run_batch = Connection.run_batch

    async def counted(conn: Connection, steps: Sequence[Any]) -> Any:
        batches.append(len(steps))
        return await run_batch(conn, steps)

    monkeypatch.setattr(Connection, "run_batch", counted)
    assert await next_wakeup(services) == DAY_BEFORE
    # The nine first lookups at once; then the one a report's month needs (it waits for
    # the time zones to be known).
    assert batches == [9, 1]
