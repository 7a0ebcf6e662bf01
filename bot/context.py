"""The typed callback context every handler receives (``ContextTypes``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.constellations import ConstellationService
from bot.services.help_requests import RequestService
from bot.services.meetups import MeetupService
from bot.services.privacy import PrivacyService
from bot.services.private_line import PrivateLineService
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.outbox import OutboxRepository
from bot.storage.people import PeopleRepository


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
    privacy: PrivacyService
    people: PeopleRepository
    outbox: OutboxRepository


class BotData:
    """``application.bot_data``: holds the services, set right after the application is built."""

    def __init__(self) -> None:
        self._services: Services | None = None
        # One delivery round at a time per application (a lock belongs to one event loop).
        self.delivery_lock = asyncio.Lock()

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
