"""Run the real bot ``Application`` against the simulator, in-process (demo and tests)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import SecretStr
from telegram import Update

from bot.app import build_application
from bot.clock import Clock
from bot.context import BotApplication
from bot.scheduler import run_due_work
from bot.settings import Settings
from bot.simulator.server import FakeTelegram


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
    """The bot polling the simulator over real HTTP, started and stopped like ``run_polling``."""

    def __init__(self, sim: FakeTelegram, settings: Settings, clock: Clock | None = None) -> None:
        self.sim = sim
        self.settings = settings
        self.clock = clock
        self.app: BotApplication = build_application(settings, clock=clock)

    async def start(self) -> None:
        app = self.app
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        await app.start()
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

    async def tick(self) -> None:
        """Do the time-driven work now (what the wake-up job does when it fires)."""
        await run_due_work(self.app)
        await self.settle()

    async def restart(self) -> None:
        """Stop and start a fresh Application on the same database, like a process restart."""
        await self.stop()
        self.app = build_application(self.settings, clock=self.clock)
        await self.start()
        await self.settle()

    async def settle(self) -> None:
        """Wait until the bot has fetched and fully handled every update sent so far."""
        await self.sim.wait_confirmed()
        await self.app.update_queue.join()

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
