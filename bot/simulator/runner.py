"""Run the real bot ``Application`` against the simulator, in-process (demo and tests)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from pydantic import SecretStr
from telegram import Update

from bot.app import build_application
from bot.clock import Clock
from bot.context import BotApplication
from bot.scheduler import RETRY_AFTER_ERROR, WAKEUP, delivered, next_wakeup
from bot.settings import Settings
from bot.simulator.server import FakeTelegram
from bot.webhook import webhook_arguments

# How long to wait for a wake-up job that was told to fire now (real seconds).
WAKEUP_WAIT = 10.0
# Webhook mode in the simulator: the public address Telegram is told, and its secret.
WEBHOOK_URL = "https://bot.pleegzorg.example/telegram/updates"
WEBHOOK_SECRET = "simulated_webhook-secret_0123456789"  # noqa: S105 (not a secret)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings() -> dict[str, Any]:
    """Settings overrides for webhook mode: the bot listens on a free port of 127.0.0.1."""
    return {
        "webhook_url": WEBHOOK_URL,
        "webhook_listen": "127.0.0.1",
        "webhook_port": free_port(),
        "webhook_secret": SecretStr(WEBHOOK_SECRET),
    }


def simulator_settings(sim: FakeTelegram, database_path: Path, **overrides: Any) -> Settings:
    """Settings that point the bot at the simulator; no .env file is read."""
    values: dict[str, Any] = {
        "token": SecretStr(sim.token),
        "api_base_url": sim.base_url,
        "database_path": database_path,
        # The simulator does not throttle; the limiter would only slow a scripted chat down.
        "rate_limit": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class RunningBot:
    """The bot polling the simulator over real HTTP, started and stopped like ``run_polling``;
    with a webhook URL in its settings, it takes the simulator's posts like ``run_webhook``.

    With ``check_wakeup`` (the tests), every :meth:`settle` also checks that the wake-up job
    is set no later than the earliest work due in the database, so a forgotten re-arm
    cannot hide.
    """

    def __init__(
        self,
        sim: FakeTelegram,
        settings: Settings,
        clock: Clock | None = None,
        *,
        check_wakeup: bool = False,
    ) -> None:
        self.sim = sim
        self.settings = settings
        self.clock = clock
        self.check_wakeup = check_wakeup
        self.app: BotApplication = build_application(settings, clock=clock)

    async def start(self) -> None:
        app = self.app
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        settings = self.settings
        if settings.webhook_url is None:
            await app.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
            )
        else:
            # The simulator is the reverse proxy too: it posts to the address the bot listens on.
            self.sim.webhook_upstream = f"http://{settings.webhook_listen}:{settings.webhook_port}"
            # Returns once the server listens and setWebhook (allowed_updates with it) is done.
            await app.updater.start_webhook(**webhook_arguments(settings))
        await app.start()
        if settings.webhook_url is None:
            # Updates sent before the first getUpdates would miss the allowed_updates it asks for.
            await self.sim.wait_polling()

    async def stop(self) -> None:
        app = self.app
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    async def tick(self) -> int:
        """Let the scheduled wake-up fire if it is due by the bot's clock, through the real
        job queue (the job is told to run now instead of at its real-time moment), until
        none is due. Returns how often it fired."""
        data = self.app.bot_data
        for fired in range(100):
            await self.settle()
            now = data.services.clock.now()
            due = [job for job in self._wakeups() if job.data <= now]
            if not due:
                return fired
            data.wakeup_done.clear()
            for job in due:
                with contextlib.suppress(JobLookupError):
                    job.job.modify(next_run_time=datetime.now(UTC))
            async with asyncio.timeout(WAKEUP_WAIT):
                await data.wakeup_done.wait()
        raise AssertionError("the wake-up keeps falling due")

    def _wakeups(self) -> list[Any]:
        job_queue = self.app.job_queue
        assert job_queue is not None
        return [job for job in job_queue.get_jobs_by_name(WAKEUP) if not job.removed]

    async def restart(self) -> None:
        """Stop and start a fresh Application on the same database, like a process restart."""
        await self.stop()
        self.app = build_application(self.settings, clock=self.clock)
        await self.start()
        await self.settle()

    async def settle(self) -> None:
        """Wait until the bot has fetched (or, by webhook, taken) and fully handled every
        update sent so far, and delivered what that queued."""
        await self.sim.wait_confirmed()
        await self.app.update_queue.join()
        await delivered(self.app)
        if self.check_wakeup:
            await self.assert_wakeup_armed()

    async def assert_wakeup_armed(self) -> None:
        """The invariant: the wake-up is never later than the earliest due work (after a
        round that failed on a storage error: a minute on). A wake-up that is firing right
        now re-arms when it is done, so it is given a moment."""
        data = self.app.bot_data
        for _ in range(50):
            moment = await next_wakeup(data.services)
            soon = data.services.clock.now() + RETRY_AFTER_ERROR
            if moment is not None and data.delivery_failed:
                moment = max(moment, soon)
            if data.services.db.checkpoint_owed:
                moment = soon if moment is None else min(moment, soon)
            armed = [job.data for job in self._wakeups()]
            if moment is None or any(at <= moment for at in armed):
                return
            await asyncio.sleep(0.01)  # a job just taken from the queue has yet to start
            if data.wakeup_running:  # it was cleared when the job started
                async with asyncio.timeout(WAKEUP_WAIT):
                    await data.wakeup_done.wait()
        raise AssertionError(f"work is due at {moment}, but the wake-up is set for {armed}")

    async def __aenter__(self) -> RunningBot:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
