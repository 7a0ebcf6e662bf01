"""The health listener: ``/healthz``, and ``/metrics`` when prometheus-client is installed.

Off unless ``BOT_HEALTH_PORT`` is set. It runs in the bot's own event loop (aiohttp), started
at the end of ``post_init`` and stopped first in ``post_shutdown``, so it answers exactly while
the bot runs. ``/healthz`` answers 200 when the database answers a ``SELECT 1`` and Telegram
answered within ``TELEGRAM_SILENCE``, else 503, with the figures as JSON. The figures are ids,
counts, times and notice kinds: never a name, a text or a chat title.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bot.context import BotApplication, Services
from bot.storage.outbox import Backlog
from bot.telegram_bot import ConstellationBot

if TYPE_CHECKING:
    from aiohttp import web

# aiohttp's server and prometheus-client are imported when the listener starts, not by every
# bot: most run without BOT_HEALTH_PORT, and start-up is measured (bench/README.md).


@cache
def metrics_module() -> ModuleType | None:
    """``bot.metrics``, or None without prometheus-client (pip install '...[metrics]')."""
    try:
        from bot import metrics
    except ImportError:  # pragma: no cover - depends on what is installed
        return None
    return metrics


log = logging.getLogger(__name__)

# Polling asks Telegram every few seconds: this long without an answer means it is unreachable
# (or the token was revoked). Before saying so, the check asks Telegram itself (getMe), which
# also covers webhook mode, where a quiet night means no calls at all.
TELEGRAM_SILENCE = timedelta(minutes=5)
DATABASE_WAIT = 2.0  # seconds a SELECT 1 may take before the database counts as unreachable
PROBE_WAIT = 5.0  # seconds the getMe probe may take


class HealthListenerError(Exception):
    """The listener cannot start (the port is taken, the address is not ours); one line."""


@dataclass(frozen=True, slots=True)
class Health:
    """One look at the bot; ``problems`` is empty when it is healthy."""

    now: datetime  # the bot's clock (outbox times are written by it)
    database_problem: str | None
    telegram_last_contact: datetime | None
    telegram_silent_for: float | None  # seconds since Telegram last answered
    backlog: Backlog | None  # None when the database did not answer
    failures: Mapping[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.database_problem is not None:
            found.append(f"database: {self.database_problem}")
        if self.telegram_silent_for is None:
            found.append("telegram: no answer from Telegram since the start")
        elif self.telegram_silent_for > TELEGRAM_SILENCE.total_seconds():
            found.append(f"telegram: no answer for {int(self.telegram_silent_for)} s")
        return found

    @property
    def oldest_waiting(self) -> float | None:
        """Seconds the oldest waiting notice (not held for a paused group) has waited."""
        if self.backlog is None or self.backlog.oldest is None:
            return None
        return max(0.0, (self.now - self.backlog.oldest).total_seconds())

    def as_json(self) -> dict[str, Any]:
        problems = self.problems
        seconds = self.telegram_silent_for
        oldest = self.oldest_waiting
        return {
            "status": "fail" if problems else "ok",
            "problems": problems,
            "database": {"reachable": self.database_problem is None},
            "telegram": {
                "last_contact": (
                    self.telegram_last_contact.isoformat(timespec="seconds")
                    if self.telegram_last_contact
                    else None
                ),
                "seconds_since": None if seconds is None else int(seconds),
                "limit_seconds": int(TELEGRAM_SILENCE.total_seconds()),
            },
            "outbox": {
                "waiting": self.backlog.waiting if self.backlog else None,
                "held_for_paused_groups": self.backlog.held if self.backlog else None,
                "oldest_waiting_seconds": None if oldest is None else int(oldest),
            },
            "delivery_failures": dict(sorted(self.failures.items())),
        }


class HealthCheck:
    """Takes the bot's pulse; one getMe probe at a time, only after a long silence."""

    def __init__(self, app: BotApplication) -> None:
        self._app = app
        self._probing = asyncio.Lock()

    async def __call__(self) -> Health:
        services: Services = self._app.bot_data.services
        database_problem = await _database_problem(services)
        backlog = None
        if database_problem is None:
            try:
                async with asyncio.timeout(DATABASE_WAIT):
                    backlog = await services.outbox.backlog(services.db.reader)
            except Exception as exc:
                database_problem = f"the outbox cannot be read ({type(exc).__name__})"
        bot = self._app.bot
        if (
            isinstance(bot, ConstellationBot)
            and _silent_for(bot) > TELEGRAM_SILENCE.total_seconds()
        ):
            await self._probe(bot)
        last_contact = bot.last_contact_at if isinstance(bot, ConstellationBot) else None
        silent = _silent_for(bot) if isinstance(bot, ConstellationBot) else None
        courier = self._app.bot_data.courier
        return Health(
            now=services.clock.now(),
            database_problem=database_problem,
            telegram_last_contact=last_contact,
            telegram_silent_for=None if silent == float("inf") else silent,
            backlog=backlog,
            failures=dict(courier.failures),
        )

    async def _probe(self, bot: ConstellationBot) -> None:
        if self._probing.locked():
            return  # another check is asking already
        async with self._probing:
            try:
                async with asyncio.timeout(PROBE_WAIT):
                    await bot.get_me()  # an answer sets bot.last_contact
            except Exception as exc:
                log.warning("health: Telegram did not answer getMe: %s", type(exc).__name__)


def _silent_for(bot: ConstellationBot) -> float:
    if bot.last_contact is None:
        return float("inf")
    return time.monotonic() - bot.last_contact


async def _database_problem(services: Services) -> str | None:
    """None when the database answers; else what is wrong, in a few words."""
    if not services.db.path.exists():
        # The open connections would go on answering from a deleted file, and lose it all.
        return f"{services.db.path} is gone"
    try:
        async with asyncio.timeout(DATABASE_WAIT):
            row = await services.db.reader.fetch_one("SELECT 1")
    except Exception as exc:
        return f"no answer ({type(exc).__name__})"
    return None if row is not None and row[0] == 1 else "an unexpected answer"


class HealthListener:
    """The small HTTP server; ``port`` is the one it listens on (BOT_HEALTH_PORT=0: any)."""

    def __init__(self, app: BotApplication, host: str, port: int) -> None:
        self.check = HealthCheck(app)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        from aiohttp import web

        web_app = web.Application()
        web_app.router.add_get("/healthz", self._healthz)
        web_app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(web_app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise HealthListenerError(
                f"BOT_HEALTH_PORT: cannot listen on {self.host}:{self.port} ({exc.strerror})"
            ) from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("health check listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        from aiohttp import web

        health = await self.check()
        return web.json_response(health.as_json(), status=503 if health.problems else 200)

    async def _metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web

        metrics = metrics_module()
        if metrics is None:
            return web.Response(
                status=404,
                text="metrics need prometheus-client: pip install 'constellation-bot[metrics]'\n",
            )
        body, content_type = metrics.exposition(await self.check())
        return web.Response(body=body, headers={"Content-Type": content_type})


async def start_health(app: BotApplication) -> None:
    """Start the listener if BOT_HEALTH_PORT is set (``post_init``)."""
    settings = app.bot_data.services.settings
    if settings.health_port is None:
        return
    listener = HealthListener(app, settings.health_host, settings.health_port)
    await listener.start()
    app.bot_data.health = listener


async def stop_health(app: BotApplication) -> None:
    """Stop the listener, if it runs (``post_shutdown``)."""
    listener = app.bot_data.health
    app.bot_data.health = None
    if listener is not None:
        await listener.stop()
