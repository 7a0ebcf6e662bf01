"""The composition root: ``build_application`` wires settings, storage, services and handlers."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults

from bot.clock import Clock, SystemClock
from bot.commands import visible
from bot.context import BotApplication, BotContext, BotData, Services
from bot.delivery import Courier
from bot.handlers import (
    group_members,
    group_settings,
    help_requests,
    line_reply,
    meetup_flow,
    meetups,
    overview,
    privacy,
    private_line,
    reports,
    request_flow,
    roles,
    setup,
    sleepover_flow,
    sleepovers,
    start,
    system,
)
from bot.health import start_health, stop_health
from bot.http import AiohttpRequest
from bot.i18n import LANGUAGES, Translator
from bot.logs import drop_update_dumps
from bot.scheduler import DeliverAfterUpdates, delivered, run_due_work
from bot.services.constellations import ConstellationService
from bot.services.meetups import MeetupService
from bot.services.overview import OverviewService
from bot.services.privacy import PrivacyService, PrivacyStores
from bot.services.private_line import PrivateLineService
from bot.services.reports import ReportService
from bot.services.requests import EscalationPolicy, RequestService
from bot.services.sleepovers import SleepoverService
from bot.services.sleepovers.beds import BedsService
from bot.services.weekly import WeeklyService
from bot.settings import Settings
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database
from bot.storage.help_requests import HelpRequestRepository
from bot.storage.meetups import MeetupRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository
from bot.storage.privacy import PrivacyRepository
from bot.storage.private_line import LineRepository
from bot.storage.reports import ReportRepository
from bot.storage.sleepovers import SleepoverRepository
from bot.storage.weekly import WeeklyRepository
from bot.telegram_bot import ChatRateLimiter, ConstellationBot, stop_if_another_copy

log = logging.getLogger(__name__)


def build_services(settings: Settings, clock: Clock) -> Services:
    db = Database(settings.database_path)
    # Repositories hold no state: every method takes the transaction (or reader) to work on.
    constellation_repo = ConstellationRepository()
    people = PeopleRepository()
    memberships = MembershipRepository()
    outbox = OutboxRepository()
    requests = HelpRequestRepository()
    meetups = MeetupRepository()
    policy = EscalationPolicy(
        settings.escalate_after, settings.escalate_urgent_after, settings.quiet_hours
    )
    request_service = RequestService(
        db, requests, outbox, constellation_repo, people, memberships, clock, policy
    )
    lines = LineRepository()
    line_service = PrivateLineService(
        db, lines, constellation_repo, people, memberships, outbox, clock
    )
    sleepovers = SleepoverRepository()
    return Services(
        settings=settings,
        clock=clock,
        db=db,
        texts=Translator(settings.language),
        constellations=ConstellationService(
            db,
            constellation_repo,
            people,
            memberships,
            outbox,
            clock,
            admin_ids=settings.admin_ids,
            default_language=settings.language,
            default_timezone=settings.timezone,
        ),
        requests=request_service,
        meetups=MeetupService(
            db,
            meetups,
            outbox,
            constellation_repo,
            people,
            memberships,
            clock,
            reminders=settings.reminders,
            announce_ahead=settings.announce_ahead,
        ),
        line=line_service,
        sleepovers=SleepoverService(
            db,
            sleepovers,
            outbox,
            constellation_repo,
            memberships,
            people,
            clock,
            emergency_after=settings.emergency_after,
        ),
        beds=BedsService(db, sleepovers, constellation_repo, memberships, clock),
        reports=ReportService(
            db,
            ReportRepository(),
            constellation_repo,
            memberships,
            outbox,
            clock,
            admin_ids=settings.admin_ids,
        ),
        overview=OverviewService(db, constellation_repo, requests, lines, meetups, clock),
        weekly=WeeklyService(
            db, WeeklyRepository(), constellation_repo, requests, meetups, outbox, clock
        ),
        privacy=PrivacyService(
            db,
            PrivacyStores(
                PrivacyRepository(), constellation_repo, requests, meetups, outbox, sleepovers
            ),
            request_service,
            line_service,
            clock,
            retention_days=settings.retention_days,
            policy=policy,
            zone=settings.zone,
        ),
        outbox=outbox,
    )


def _telegram(settings: Settings, timeout: float, clock: Clock) -> ConstellationBot:
    """The Bot API client: python-telegram-bot's ExtBot with our defaults and timeouts, the
    rate limiter, and updates read one by one (see bot.telegram_bot)."""
    assert settings.token is not None
    drop_update_dumps()
    # Keeps us inside Telegram's limits and retries a 429 after the time Telegram asks (that
    # chat alone waits).
    limiter = ChatRateLimiter(max_retries=3, clock=clock) if settings.rate_limit else None
    return ConstellationBot(
        settings.token.get_secret_value(),
        base_url=settings.api_base_url,
        # aiohttp rather than python-telegram-bot's default httpx: a third of the CPU per call
        # (bench/README.md).
        request=AiohttpRequest(
            connection_pool_size=256,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            media_write_timeout=timeout,
        ),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            tzinfo=settings.zone,
        ),
        rate_limiter=limiter,
        conflict_grace=settings.conflict_grace,
    )


def build_application(settings: Settings, *, clock: Clock | None = None) -> BotApplication:
    """Build the bot; the database opens in ``post_init`` and closes in ``post_shutdown``."""
    if settings.token is None:
        raise ValueError("build_application needs a token")
    services = build_services(settings, clock or SystemClock())
    timeout = settings.request_timeout.total_seconds()
    # Each chat's updates in order, different chats at once; after each update that changed
    # anything, what it queued is delivered.
    processor = DeliverAfterUpdates()
    builder = (
        ApplicationBuilder()
        .bot(_telegram(settings, timeout, services.clock))
        .concurrent_updates(processor)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app: BotApplication = builder.build()  # type: ignore[assignment]  # ConstellationBot is an ExtBot
    app.bot_data.services = services
    app.bot_data.courier = Courier(services, app.bot)
    processor.app = app

    # Handler order matters: PTB runs the first matching handler of each group.
    system.register_first(app)  # -2: edits, channels, bots, anonymous; -1: who we meet
    setup.register(app)  # joining groups, /setup, /language
    group_members.register(app)  # people leaving: roles end, the hub home is told
    group_settings.register(app)  # /settings: who may claim
    roles.register(app)  # /hubhome, /liaison, /member, /members
    start.register(app)  # /start with deep links, /link, /help
    line_reply.register(app)  # the answer after "↩️ Antwoorden": before any flow takes it
    meetup_flow.register(app)  # /meetup, /activity in a private chat: planned step by step
    request_flow.register(app)  # /request in a private chat: the guided flow
    sleepover_flow.register(app)  # /sleepover in a private chat: a family asks the beds
    help_requests.register(app)  # /request, /requests, claim/release/done/withdraw
    meetups.register(app)  # /meetup, /activity, /meetups, cancel, edit, answers
    sleepovers.register(app)  # /beds, /away, other dates, every sleepover button
    reports.register(app)  # /report: figures, chart, spreadsheet, PDF
    overview.register(app)  # /overview for hub home and liaison; /weekly on or off
    privacy.register(app)  # /privacy, /forgetme
    private_line.register(app)  # any other private message: to the hub home and back
    system.register_last(app)  # unknown commands, stale buttons, the error handler
    app.add_error_handler(stop_if_another_copy)  # 409s go on: another copy polls; we stop
    return app


async def _post_init(app: Any) -> None:
    services: Services = app.bot_data.services
    await services.db.open()
    await line_reply.restore(app)  # answers pressed before a restart still go where meant
    await register_commands(app, services)
    # Catch up on whatever fell due while we were down, then keep one wake-up scheduled.
    await run_due_work(app)
    await privacy.run_retention(app)
    privacy.schedule_retention(app)
    await start_health(app)  # /healthz, if BOT_HEALTH_PORT is set
    # What start-up made (the libraries' ~100,000 objects) lives as long as the bot: the
    # garbage collector no longer goes through it on every full collection (each took about
    # 50 ms of CPU while updates waited; bench/README.md, issue 19).
    gc.freeze()
    gc.enable()  # off while starting up (bot.__main__)
    loop = type(asyncio.get_running_loop()).__module__.partition(".")[0]  # uvloop or asyncio
    log.info("bot @%s ready (event loop: %s)", app.bot.username, loop)


async def _post_shutdown(app: Any) -> None:
    services: Services = app.bot_data.services
    await stop_health(app)
    await delivered(app)
    try:
        # What Telegram took but a full disk kept us from writing down: written now if the
        # disk has room again, so a restart does not send it twice.
        await app.bot_data.courier.finish_marking()
    except Exception as exc:
        log.error("sent notices could not be marked before stopping: %s", type(exc).__name__)
    await services.db.close()


async def register_commands(app: BotApplication, services: Services) -> None:
    """Telegram's command menus, per language, separately for private chats, groups and admins.

    The nine calls go at once (one after the other they were nine round trips to Telegram before
    the first update). A menu Telegram refuses now stays as it was: the bot still starts, and
    the next start sets it again."""
    texts = services.texts
    scopes: list[tuple[BotCommandScope, bool, bool]] = [
        (BotCommandScopeAllPrivateChats(), False, False),
        (BotCommandScopeAllGroupChats(), True, False),
        (BotCommandScopeAllChatAdministrators(), True, True),
    ]
    calls = []
    for scope, in_group, admin in scopes:
        for language in (*LANGUAGES, None):
            shown = language or services.settings.language
            commands = [
                BotCommand(command.shown_as(shown), texts.plain(shown, command.description_key))
                for command in visible(in_group=in_group, admin=admin)
            ]
            calls.append(app.bot.set_my_commands(commands, scope=scope, language_code=language))
    for result in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):  # a cancellation: start-up is being stopped
                raise result
            log.warning("a command menu was not set: %s", type(result).__name__)
