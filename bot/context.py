"""The typed callback context every handler receives (``ContextTypes``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.constellations import ConstellationService
from bot.services.meetups import MeetupService
from bot.services.overview import OverviewService
from bot.services.privacy import PrivacyService
from bot.services.private_line import PrivateLineService
from bot.services.reports import ReportService
from bot.services.requests import RequestService
from bot.services.sleepovers import SleepoverService
from bot.services.sleepovers.beds import BedsService
from bot.services.weekly import WeeklyService
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.outbox import OutboxRepository

if TYPE_CHECKING:
    from bot.delivery import Courier
    from bot.health import HealthListener


@dataclass(slots=True)
class Services:
    """Everything handlers may call; built once in ``bot.app.build_application``."""

    settings: Settings
    clock: Clock
    db: Database
    texts: Translator
    constellations: ConstellationService
    requests: RequestService
    meetups: MeetupService
    line: PrivateLineService
    sleepovers: SleepoverService
    beds: BedsService
    reports: ReportService
    overview: OverviewService
    weekly: WeeklyService
    privacy: PrivacyService
    outbox: OutboxRepository


class BotData:
    """``application.bot_data``: the services and the courier, set right after the
    application is built, and the state of delivery (see ``bot.scheduler``)."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._courier: Courier | None = None
        self.delivery_task: asyncio.Task[None] | None = None
        self.deliver_again = False
        self.delivery_failed = False  # the last round stopped on an error: retried a minute on
        self.wakeup_running = False
        self.wakeup_done = asyncio.Event()  # set each time the wake-up job ran (tests wait)
        self.retention_done = asyncio.Event()  # and the nightly retention job
        self.health: HealthListener | None = None  # /healthz, while it listens (bot.health)

    @property
    def courier(self) -> Courier:
        if self._courier is None:
            raise RuntimeError("the courier is not attached yet")
        return self._courier

    @courier.setter
    def courier(self, value: Courier) -> None:
        self._courier = value

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not attached yet")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """CallbackContext with typed access to our services."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


# What a running handler sees as ``context.application`` (its context type is generic there).
AnyApplication = Application[Any, Any, Any, Any, BotData, Any]

BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]
