"""Sent means delivered: every durable message arrives once, through faults, by the scheduler.

The bot runs as in production here (python-telegram-bot's rate limiter on, a half-second
request timeout). Each case sets a scene, makes the one Bot API call that carries the message
under test fail three times in a row for that chat only (a 500, a 502, an answer slower than
the timeout), then lets the scheduled wake-up do the rest: the message arrives exactly once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.delivery import MAX_BACKOFF, Courier
from bot.delivery.kinds import Audience, Kind, Sent
from bot.domain import NoticeKind, PendingNotice
from bot.scheduler import RETRY_AFTER_ERROR, WAKEUP
from bot.simulator.server import FakeTelegram
from bot.simulator.world import SimChat, SimMessage
from bot.storage.db import to_db_time
from tests.e2e.conftest import FullDisk, Scene, open_scene
from tests.e2e.test_meetup_reminders import DAY_BEFORE, TWO_HOURS_BEFORE

TIMEOUT = timedelta(milliseconds=500)


@pytest.fixture
async def limited(sim: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    async with open_scene(
        sim, tmp_path / "bot.db", rate_limit=True, request_timeout=TIMEOUT
    ) as opened:
        yield opened


def clock_of(scene: Scene) -> FakeClock:
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    return clock


async def deliver_until_done(scene: Scene) -> None:
    """Let back-off pass, one wake-up at a time, until nothing waits in the outbox."""
    services = scene.bot.app.bot_data.services
    for _ in range(12):
        if await services.outbox.next_due(services.db.reader) is None:
            return
        clock_of(scene).advance(MAX_BACKOFF)
        await scene.bot.tick()
    raise AssertionError("notices still pending after twelve hours of back-off")


def starting(scene: Scene, chat: SimChat, prefix: str) -> list[SimMessage]:
    return [m for m in scene.sim.bot_messages(chat) if m.plain_text.startswith(prefix)]


@dataclass
class Case:
    chat: SimChat  # where the message must arrive, once
    method: str  # the call that carries it
    trigger: Callable[[], Awaitable[object]]
    arrived: Callable[[], int]  # how many times it did


Prepare = Callable[[Scene], Awaitable[Case]]


async def _card(scene: Scene) -> SimMessage:
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    return scene.last(scene.group)


async def request_card(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.anna,))
    return Case(
        scene.group,
        "sendMessage",
        lambda: scene.say(scene.anna, scene.group, "/hulpvraag #oppas Zaterdag oppas nodig"),
        lambda: len(starting(scene, scene.group, "🆘 Hulpvraag #1")),
    )


async def _private_request(scene: Scene) -> SimMessage:
    """Anna composes a hub-home-only request up to its preview."""
    private = scene.private(scene.anna)
    await scene.say(scene.anna, private, "/hulpvraag #praten Het contactbezoek ging slecht")
    flow = scene.last(private)
    await scene.press(scene.anna, flow, "Geen datum")
    await scene.press(scene.anna, flow, "🔴 Ja, dringend")
    await scene.press(scene.anna, flow, "🏠 Alleen het kerngezin")
    return scene.refreshed(flow)


async def hub_home_card(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    preview = await _private_request(scene)
    hub = scene.private(scene.hubhome)
    return Case(
        hub,
        "sendMessage",
        lambda: scene.press(scene.anna, preview, "✅ Versturen"),
        lambda: len(starting(scene, hub, "🆘 Hulpvraag #P1")),
    )


async def sent_confirmation(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    preview = await _private_request(scene)
    anna = scene.private(scene.anna)
    return Case(
        anna,
        "sendMessage",
        lambda: scene.press(scene.anna, preview, "✅ Versturen"),
        lambda: len(starting(scene, anna, "✅ Verstuurd!")),
    )


async def card_redraw(scene: Scene) -> Case:
    await scene.with_roles()
    card = await _card(scene)
    return Case(
        scene.group,
        "editMessageText",
        lambda: scene.press(scene.hubhome, card, "🙋 Ik help"),
        lambda: int(scene.refreshed(card).plain_text.endswith("🤝 Hanneke helpt")),
    )


async def claim_notice(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.anna,))
    card = await _card(scene)
    anna = scene.private(scene.anna)
    return Case(
        anna,
        "sendMessage",
        lambda: scene.press(scene.hubhome, card, "🙋 Ik help"),
        lambda: len(starting(scene, anna, "🤝 Goed nieuws: Hanneke helpt je")),
    )


async def withdrawn_notice(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.hubhome,))
    card = await _card(scene)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    hub = scene.private(scene.hubhome)
    return Case(
        hub,
        "sendMessage",
        lambda: scene.say(scene.anna, scene.group, "/intrekken 1"),
        lambda: len(starting(scene, hub, "Anna heeft hulpvraag #1")),
    )


async def escalation(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.hubhome,))
    await _card(scene)
    hub = scene.private(scene.hubhome)

    async def two_hours_later() -> None:
        clock_of(scene).advance(timedelta(hours=2, minutes=1))
        await scene.bot.tick()

    return Case(
        hub, "sendMessage", two_hours_later, lambda: len(starting(scene, hub, "⏰ Hulpvraag #1"))
    )


async def member_left(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.hubhome,))
    hub = scene.private(scene.hubhome)

    async def bert_leaves() -> None:
        await scene.sim.user_leaves(scene.group, scene.bert)
        await scene.bot.settle()

    return Case(hub, "sendMessage", bert_leaves, lambda: len(starting(scene, hub, "👋 Bert")))


async def meetup_card(scene: Scene) -> Case:
    await scene.with_roles()
    return Case(
        scene.group,
        "sendMessage",
        lambda: scene.say(scene.hubhome, scene.group, "/activiteit zaterdag 14:00 | Zwemmen"),
        lambda: len(starting(scene, scene.group, "🎈 Kinderactiviteit #1: Zwemmen")),
    )


async def _activity(scene: Scene, extra: str = "") -> SimMessage:
    await scene.say(scene.hubhome, scene.group, f"/activiteit zaterdag 14:00 | Zwemmen{extra}")
    return scene.last(scene.group)


async def _anna_coming(scene: Scene) -> SimChat:
    """Anna (linked) said she comes to the activity: her private chat."""
    await scene.with_roles(linked=(scene.anna,))
    await scene.press(scene.anna, await _activity(scene), "✅ Ik kom")
    return scene.private(scene.anna)


async def moved_up(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.liaison,))
    card = await _activity(scene, " | max 1")
    await scene.press(scene.anna, card, "✅ Ik kom")
    await scene.press(scene.liaison, card, "✅ Ik kom")  # full: on the waiting list
    lotte = scene.private(scene.liaison)
    return Case(
        lotte,
        "sendMessage",
        lambda: scene.press(scene.anna, card, "❌ Ik kom niet"),
        lambda: len(starting(scene, lotte, "🎉 Er is een plek vrijgekomen")),
    )


async def cancelled(scene: Scene) -> Case:
    anna = await _anna_coming(scene)
    return Case(
        anna,
        "sendMessage",
        lambda: scene.say(scene.hubhome, scene.group, "/afzeggen 1"),
        lambda: len(starting(scene, anna, "❌ Zwemmen op")),
    )


async def changed(scene: Scene) -> Case:
    anna = await _anna_coming(scene)
    return Case(
        anna,
        "sendMessage",
        lambda: scene.say(scene.hubhome, scene.group, "/wijzigen 1 zondag 15:00"),
        lambda: len(starting(scene, anna, "✏️ Zwemmen is gewijzigd")),
    )


async def reminder(scene: Scene) -> Case:
    anna = await _anna_coming(scene)

    async def the_day_before() -> None:
        clock_of(scene).advance(timedelta(days=5, hours=4))  # Friday 14:00
        await scene.bot.tick()

    reminded = "⏰ Morgen om 14:00: 🎈 Zwemmen"
    return Case(anna, "sendMessage", the_day_before, lambda: len(starting(scene, anna, reminded)))


async def line_copy(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    hub = scene.private(scene.hubhome)
    return Case(
        hub,
        "sendMessage",
        lambda: scene.say(scene.anna, scene.private(scene.anna), "Mag ik je vanavond bellen?"),
        lambda: len(starting(scene, hub, "📨 Bericht van Anna")),
    )


async def line_answer(scene: Scene) -> Case:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    await scene.say(scene.anna, anna, "Mag ik je vanavond bellen?")
    copy = scene.last(scene.private(scene.hubhome))
    return Case(
        anna,
        "sendMessage",
        lambda: scene.say(
            scene.hubhome, scene.private(scene.hubhome), "Ja, na het eten", reply_to=copy
        ),
        lambda: len(starting(scene, anna, "🏠 Hanneke (kerngezin)")),
    )


CASES: dict[str, Prepare] = {
    "request card in the group": request_card,
    "hub-home-only card": hub_home_card,
    "'sent' confirmation": sent_confirmation,
    "card redrawn": card_redraw,
    "claim notice": claim_notice,
    "withdrawn notice": withdrawn_notice,
    "escalation": escalation,
    "member left": member_left,
    "meetup card": meetup_card,
    "moved up from the waiting list": moved_up,
    "meetup cancelled": cancelled,
    "meetup changed": changed,
    "reminder": reminder,
    "private line, member to hub home": line_copy,
    "private line, answer to the member": line_answer,
}


@pytest.mark.parametrize("prepare", CASES.values(), ids=list(CASES))
async def test_every_durable_message_arrives_exactly_once_through_faults(
    limited: Scene, prepare: Prepare
) -> None:
    case = await prepare(limited)
    assert case.arrived() == 0
    for fault in ({"error_code": 500}, {"error_code": 502}, {"error_code": 500, "delay": 1.0}):
        limited.sim.inject_fault(case.method, chat_id=case.chat.id, **fault)
    await case.trigger()
    assert case.arrived() == 0  # Telegram refused it: nothing arrived yet
    await deliver_until_done(limited)
    assert case.arrived() == 1
    assert not limited.sim.faults  # every fault was met, none was skipped around


# -- through the scheduler itself ---------------------------------------------------------


async def test_a_refused_card_is_retried_by_the_scheduled_wake_up(scene: Scene) -> None:
    """No test calls the due-work function here: the wake-up job in python-telegram-bot's
    JobQueue fires by itself, in real time, when the retry falls due."""
    await scene.with_roles()
    scene.sim.inject_fault("sendMessage", chat_id=scene.group.id, error_code=429, retry_after=1)
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Wie rijdt dinsdag mee?")
    assert starting(scene, scene.group, "🆘 Hulpvraag #1") == []
    job_queue = scene.bot.app.job_queue
    assert job_queue is not None
    (wakeup,) = job_queue.get_jobs_by_name(WAKEUP)
    assert wakeup.data == clock_of(scene).now() + timedelta(seconds=1)  # as Telegram asked
    clock_of(scene).advance(timedelta(seconds=1))
    done = scene.bot.app.bot_data.wakeup_done
    done.clear()
    async with asyncio.timeout(10):
        await done.wait()  # the job fires by itself, one real second after the refusal
    await scene.bot.settle()
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #1")) == 1


# -- failing for a long time ---------------------------------------------------------------


def stored(scene: Scene, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        return list(db.execute(sql, params))


async def test_hundreds_of_failed_tries_neither_overflow_nor_hold_up_the_rest(
    scene: Scene,
) -> None:
    """10 s * 2**attempts overflowed Python's timedelta after about 43 tries, and the error
    killed the wake-up: every reminder and escalation stopped. Bert's chat fails for ever."""
    await scene.with_roles(linked=(scene.anna, scene.bert))
    card = await _activity(scene)
    for user in (scene.anna, scene.bert, scene.liaison):  # Lotte never started the bot
        await scene.press(user, card, "🤔 Misschien")
    bert = scene.private(scene.bert)
    scene.sim.inject_fault("sendMessage", chat_id=bert.id, error_code=500, times=10**6)
    clock = clock_of(scene)
    clock.set(DAY_BEFORE)
    await scene.bot.tick()
    # As if it had failed for weeks: hundreds of tries behind it.
    stored(scene, "UPDATE outbox SET attempts = 400 WHERE user_id = ?", scene.bert.id)
    clock.advance(MAX_BACKOFF)
    await scene.bot.tick()
    ((attempts, next_at),) = stored(
        scene, "SELECT attempts, next_attempt_at FROM outbox WHERE user_id = ?", scene.bert.id
    )
    assert attempts == 401
    assert next_at == to_db_time(clock.now() + MAX_BACKOFF)  # capped at an hour, no overflow
    clock.set(TWO_HOURS_BEFORE)
    await scene.bot.tick()
    anna = scene.private(scene.anna)
    assert len(starting(scene, scene.group, "Lotte: ⏰")) == 2  # both reminders, on time
    assert len(starting(scene, anna, "⏰")) == 2
    assert starting(scene, bert, "⏰") == []


async def test_a_card_telegram_never_takes_is_given_up_and_the_requester_told(
    scene: Scene,
) -> None:
    await scene.with_roles(linked=(scene.anna,))
    scene.sim.inject_fault("sendMessage", chat_id=scene.group.id, error_code=502, times=10**6)
    await scene.say(scene.anna, scene.group, "/hulpvraag #vervoer Wie rijdt dinsdag mee?")
    clock = clock_of(scene)
    for _ in range(2 * 24 + 2):  # two days of hourly tries, and a little more
        clock.advance(timedelta(hours=1))
        await scene.bot.tick()
    assert starting(scene, scene.group, "🆘 Hulpvraag #1") == []
    told = starting(scene, scene.private(scene.anna), "⚠️ Je hulpvraag #1")
    assert [m.plain_text for m in told] == [
        "⚠️ Je hulpvraag #1 is niet in de groep verschenen: het lukte me niet om hem daar te "
        "plaatsen. Vraag het kerngezin rechtstreeks, of plaats hem later opnieuw."
    ]
    with sqlite3.connect(scene.bot.settings.database_path) as db:
        states = list(
            db.execute("SELECT state, last_error FROM outbox WHERE kind = 'request_card'")
        )
    assert states == [("failed", "gave up: NetworkError")]


async def test_disk_full_while_marking_sent_sends_nothing_twice(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram took the card; SQLite could not write that down (SQLITE_FULL). It is never
    sent again, neither while the disk stays full nor after it is freed."""
    await scene.with_roles()
    disk = FullDisk(monkeypatch)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    cards = starting(scene, scene.group, "🆘 Hulpvraag #1")
    assert len(cards) == 1
    clock = clock_of(scene)
    job_queue = scene.bot.app.job_queue
    assert job_queue is not None
    (wakeup,) = job_queue.get_jobs_by_name(WAKEUP)
    assert wakeup.data == clock.now() + RETRY_AFTER_ERROR  # the failed round re-armed itself
    for _ in range(3):  # still full: every round stops before sending anything
        clock.advance(RETRY_AFTER_ERROR)
        await scene.bot.tick()
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #1")) == 1
    disk.full = False
    clock.advance(RETRY_AFTER_ERROR)
    await scene.bot.tick()
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #1")) == 1
    assert stored(scene, "SELECT id FROM outbox WHERE state = 'pending'") == []
    # Where the card is was written down after all: pressing it edits that very card.
    await scene.press(scene.hubhome, cards[0], "🙋 Ik help")
    assert scene.refreshed(cards[0]).plain_text.endswith("🤝 Hanneke helpt")
    assert len(starting(scene, scene.group, "🆘 Hulpvraag #1")) == 1


async def test_a_card_is_drawn_as_things_are_when_it_finally_goes_out(scene: Scene) -> None:
    await scene.with_roles()
    scene.sim.inject_fault("sendMessage", chat_id=scene.group.id, error_code=502)
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    await scene.say(scene.hubhome, scene.group, "/ikhelp 1")  # taken on before its card is out
    await deliver_until_done(scene)
    (card,) = starting(scene, scene.group, "🆘 Hulpvraag #1")
    assert card.plain_text.endswith("🤝 Hanneke helpt")
    assert "🔓 Toch niet" in [label for row in card.button_texts for label in row]


async def test_a_card_telegram_refuses_for_good_is_reported_at_once(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.anna,))
    scene.sim.inject_fault(
        "sendMessage",
        chat_id=scene.group.id,
        error_code=400,
        description="Bad Request: not enough rights to send text messages to the chat",
    )
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    assert starting(scene, scene.group, "🆘 Hulpvraag #1") == []
    assert len(starting(scene, scene.private(scene.anna), "⚠️ Je hulpvraag #1")) == 1
    states = stored(scene, "SELECT state, last_error FROM outbox WHERE kind = 'request_card'")
    assert states == [("failed", "BadRequest")]


async def test_the_private_line_says_when_telegram_is_slow_and_when_it_went(scene: Scene) -> None:
    await scene.with_roles(linked=(scene.hubhome, scene.anna))
    anna = scene.private(scene.anna)
    hub = scene.private(scene.hubhome)
    scene.sim.inject_fault("sendMessage", chat_id=hub.id, error_code=500, times=2)
    await scene.say(scene.anna, anna, "Mag ik je vanavond bellen?")
    assert scene.last(anna).plain_text.startswith("📤 Telegram is even traag.")
    await deliver_until_done(scene)
    assert len(starting(scene, hub, "📨 Bericht van Anna")) == 1
    assert scene.last(anna).plain_text == "✅ Je bewaarde bericht is nu bij het kerngezin."
    # The hub home's answer, when Telegram is slow for Anna: the same, the other way.
    copy = starting(scene, hub, "📨 Bericht van Anna")[0]
    scene.sim.inject_fault("sendMessage", chat_id=anna.id, error_code=502)
    await scene.say(scene.hubhome, hub, "Ja, na het eten", reply_to=copy)
    assert (
        scene.last(hub).plain_text
        == "📤 Telegram is even traag. Je antwoord gaat zo vanzelf naar Anna."
    )
    await deliver_until_done(scene)
    assert len(starting(scene, anna, "🏠 Hanneke (kerngezin)")) == 1


# -- the next notice's request, read in the trip that marks the one before it sent ---------


async def test_the_next_notice_is_drawn_from_what_was_read_as_the_one_before_was_marked(
    scene: Scene,
) -> None:
    """A press queues the DM to the requester and then the card's redraw. The request the
    redraw shows was read in the round trip that marked the DM sent: drawn right all the
    same."""
    await scene.with_roles(linked=(scene.anna,))
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    card = scene.last(scene.group)
    lookahead = scene.bot.app.bot_data.services.db.lookahead
    before = lookahead.hits
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert lookahead.hits > before
    assert scene.refreshed(card).plain_text.endswith("🤝 Hanneke helpt")
    told = scene.last(scene.private(scene.anna))
    assert told.plain_text.startswith("🤝 Goed nieuws: Hanneke helpt je met hulpvraag #1")


async def test_an_erasure_between_two_notices_is_seen_by_the_second(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hanneke erases herself right after the DM saying she helps was marked sent, before
    the card's redraw is drawn: what was read with that marking is not used, and no call to
    Telegram after her erasure carries her name."""
    await scene.with_roles(linked=(scene.anna,))
    await scene.say(scene.anna, scene.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    card = scene.last(scene.group)
    services = scene.bot.app.bot_data.services
    marked = Courier._sent
    erased_at: list[int] = []

    async def marked_then_erased(
        courier: Courier, pending: PendingNotice, kind: Kind, audience: Audience, sent: Sent
    ) -> None:
        await marked(courier, pending, kind, audience, sent)
        if pending.notice.kind is NoticeKind.REQUEST_CLAIMED and not erased_at:
            erased_at.append(len(scene.sim.calls))
            await services.privacy.forget(scene.hubhome.id)

    monkeypatch.setattr(Courier, "_sent", marked_then_erased)
    await scene.press(scene.hubhome, card, "🙋 Ik help")
    assert erased_at, "the DM to the requester was never sent"
    after = scene.sim.calls[erased_at[0] :]
    assert [call for call in after if call.method == "editMessageText"]  # the card's redraw
    assert not [call for call in after if "Hanneke" in str(call.params)]
    assert "Hanneke" not in scene.refreshed(card).plain_text
