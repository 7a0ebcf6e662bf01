"""Telegram misbehaving: 429 storms, 5xx bursts, timeouts, dropped connections.

The bot runs as in production here: python-telegram-bot's ``AIORateLimiter`` on, and a short
request timeout so a slow Telegram is noticed quickly. Every expected message arrives exactly
once; only a send that Telegram carried out but could not confirm (the one in flight) repeats.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.delivery import MAX_BACKOFF
from bot.simulator.server import FakeTelegram
from bot.simulator.world import SimChat
from tests.e2e.conftest import Scene, open_scene
from tests.e2e.test_meetup_reminders import DAY_BEFORE, at, reminders, swimming

TIMEOUT = timedelta(milliseconds=500)
SLOWER_THAN_TIMEOUT = 1.0


@pytest.fixture
async def limited(sim: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    """The scene with the rate limiter on and a half-second request timeout."""
    async with open_scene(
        sim, tmp_path / "bot.db", rate_limit=True, request_timeout=TIMEOUT
    ) as opened:
        yield opened


async def deliver_until_done(scene: Scene) -> int:
    """Let back-off pass and deliver again until the outbox is empty; the rounds it took."""
    clock = scene.bot.clock
    assert isinstance(clock, FakeClock)
    services = scene.bot.app.bot_data.services
    for rounds in range(1, 10):
        if await services.outbox.next_due(services.db.reader) is None:
            return rounds
        clock.advance(MAX_BACKOFF)
        await scene.bot.tick()
    raise AssertionError("notices still pending after nine rounds of back-off")


async def reminder_fan_out(scene: Scene) -> list[SimChat]:
    """An activity whose 24-hour reminder goes to three private chats, and to the group for
    Bert, who never started the bot: all four said they are coming, or maybe."""
    linked = (scene.hubhome, scene.liaison, scene.anna)
    await swimming(scene, linked=linked)
    card = scene.last(scene.group)
    for user, answer in zip(
        (*linked, scene.bert),
        ("🤔 Misschien", "🤔 Misschien", "✅ Ik kom", "✅ Ik kom"),
        strict=True,
    ):
        await scene.press(user, card, answer)
    return [scene.group, *(scene.private(user) for user in linked)]


def counts(scene: Scene, chats: list[SimChat]) -> list[int]:
    return [len(reminders(scene, chat)) for chat in chats]


async def test_the_rate_limiter_retries_a_429_on_a_reply(limited: Scene) -> None:
    await limited.set_up("De Linde")
    limited.sim.inject_fault("sendMessage", error_code=429, retry_after=1, times=2)
    await limited.say(limited.anna, limited.group, "/leden")
    replies = [text for text in limited.bot_texts(limited.group) if "Pleeggezinnen: Anna" in text]
    assert len(replies) == 1
    refused = [call for call in limited.sim.calls if call.error_code == 429]
    assert len(refused) == 2  # Telegram said "too many" twice; the limiter waited and retried


async def first_answer_in(scene: Scene, chat: SimChat, seconds: float) -> float:
    """Wall-clock seconds until the bot says something in ``chat`` (fails after ``seconds``)."""
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        while not scene.sim.bot_messages(chat):  # noqa: ASYNC110 (looking, as a phone does)
            await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_a_429_in_one_chat_holds_up_no_other_chat(limited: Scene) -> None:
    """Telegram tells the bot to wait five seconds before writing in the group again. The
    group's answer waits that long; someone asking for help in their own chat meanwhile is
    answered at once (it used to wait the five seconds too: one update at a time, and the
    rate limiter held all sending)."""
    await limited.set_up("De Linde")
    private = limited.private(limited.bert)
    limited.sim.inject_fault("sendMessage", chat_id=limited.group.id, error_code=429, retry_after=5)
    before = len(limited.sim.bot_messages(limited.group))
    await limited.sim.send_message(limited.anna, limited.group, "/leden")
    await asyncio.sleep(0.2)  # the group's answer has met its 429 and waits
    await limited.sim.send_message(limited.bert, private, "/help")
    waited = await first_answer_in(limited, private, 4.0)
    assert waited < 1.0
    assert len(limited.sim.bot_messages(limited.group)) == before  # still waiting its turn
    await limited.bot.settle()
    group_answers = limited.bot_texts(limited.group)[before:]
    assert len(group_answers) == 1 and "Anna" in group_answers[0]  # once, after the wait
    refused = [call for call in limited.sim.calls if call.error_code == 429]
    assert len(refused) == 1


async def test_a_chat_waiting_out_a_429_keeps_its_own_order(limited: Scene) -> None:
    """While the group waits, its next command waits behind the first: answers in order."""
    await limited.set_up("De Linde")
    limited.sim.inject_fault("sendMessage", chat_id=limited.group.id, error_code=429, retry_after=2)
    before = len(limited.sim.bot_messages(limited.group))
    await limited.sim.send_message(limited.anna, limited.group, "/leden")
    await limited.sim.send_message(limited.bert, limited.group, "/help")
    await limited.bot.settle()
    answers = limited.bot_texts(limited.group)[before:]
    assert len(answers) == 2
    assert "Pleeggezinnen: Anna" in answers[0]  # /leden first, as it was asked first
    assert "Pleeggezinnen: Anna" not in answers[1]


FAULTS: dict[str, list[dict[str, Any]]] = {
    # 429s: the outbox tries each notice again as Telegram asks (the limiter does not wait
    # in a delivery round, so the other chats' notices go on).
    "429 storm": [{"error_code": 429, "retry_after": 1, "times": 5}],
    "5xx burst": [{"error_code": 500, "times": 3}, {"error_code": 502, "times": 2}],
    # Telegram too slow to answer and did nothing: the bot gives up waiting and tries later.
    "timeouts": [{"error_code": 500, "delay": SLOWER_THAN_TIMEOUT, "times": 3}],
    "connection drops": [{"drop": "before", "times": 3}],
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
async def test_every_reminder_arrives_exactly_once_through_faults(
    limited: Scene, fault: str
) -> None:
    chats = await reminder_fan_out(limited)
    for spec in FAULTS[fault]:
        limited.sim.inject_fault("sendMessage", **spec)
    await at(limited, DAY_BEFORE)
    assert sum(counts(limited, chats)) < len(chats)  # the faults held some back

    rounds = await deliver_until_done(limited)
    assert counts(limited, chats) == [1, 1, 1, 1]
    assert rounds > 1
    assert not limited.sim.faults  # every injected fault was met


@pytest.mark.parametrize(
    "spec",
    [{"delay": SLOWER_THAN_TIMEOUT}, {"drop": "after"}],
    ids=["answer slower than the timeout", "connection dropped after sending"],
)
async def test_a_send_telegram_did_but_never_confirmed_repeats_once(
    limited: Scene, spec: dict[str, Any]
) -> None:
    """The single in-flight repeat the README promises at most: nothing else doubles."""
    chats = await reminder_fan_out(limited)
    limited.sim.inject_fault("sendMessage", **spec)
    await at(limited, DAY_BEFORE)
    await deliver_until_done(limited)
    assert sorted(counts(limited, chats)) == [1, 1, 1, 2]


async def test_a_refused_command_menu_does_not_keep_the_bot_from_starting(
    sim: FakeTelegram, tmp_path: Path
) -> None:
    """Telegram answering 500 to some of the start-up's setMyCommands: the bot starts anyway,
    answers, and the menus Telegram took are set."""
    sim.inject_fault("setMyCommands", error_code=500, times=4)
    async with open_scene(sim, tmp_path / "bot.db") as scene:
        await scene.set_up()
        await scene.say(scene.anna, scene.group, "/hulp")
        assert "/hulpvraag" in scene.last(scene.group).plain_text
        taken = [call for call in sim.calls_to("setMyCommands") if call.ok]
        assert len(taken) == 5
