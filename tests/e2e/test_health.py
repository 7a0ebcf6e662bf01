"""/healthz and /metrics: the figures an operator watches, 503 when the bot cannot work.

The listener runs in the bot's own event loop (BOT_HEALTH_PORT; 0 here: any free port), and
answers from the real database and the real Bot API client, against the simulator.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.domain import Notice, NoticeKind
from bot.health import HealthListener
from bot.simulator.server import FakeTelegram
from bot.telegram_bot import ConstellationBot
from tests.e2e.conftest import Scene, open_scene


@pytest.fixture
async def watched(sim: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    async with open_scene(sim, tmp_path / "bot.db", health_port=0) as opened:
        yield opened


def listener(scene: Scene) -> HealthListener:
    running = scene.bot.app.bot_data.health
    assert running is not None, "BOT_HEALTH_PORT is set: the listener runs"
    return running


async def get(scene: Scene, path: str) -> tuple[int, str, Any]:
    url = f"http://127.0.0.1:{listener(scene).port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        text = await response.text()
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, text, body


async def test_healthy_bot_says_so_with_its_figures(watched: Scene) -> None:
    await watched.with_roles()
    status, _, body = await get(watched, "/healthz")
    assert status == 200
    assert body["status"] == "ok" and body["problems"] == []
    assert body["database"] == {"reachable": True}
    assert body["telegram"]["seconds_since"] <= 5
    assert body["telegram"]["last_contact"] is not None
    assert body["outbox"] == {
        "waiting": 0,
        "held_for_paused_groups": 0,
        "oldest_waiting_seconds": None,
    }
    assert body["delivery_failures"] == {}


async def test_no_port_no_listener(scene: Scene) -> None:
    assert scene.bot.app.bot_data.health is None


async def test_a_waiting_notice_shows_its_age(watched: Scene) -> None:
    services = watched.bot.app.bot_data.services
    hour_ago = services.clock.now() - timedelta(hours=1)
    async with services.db.transaction() as tx:
        notice = Notice(NoticeKind.MEMBER_LEFT, "health:test", chat_id=-1)
        await services.outbox.add(tx, notice, hour_ago)
    status, _, body = await get(watched, "/healthz")
    assert status == 200  # a backlog is a figure to watch, not a dead bot
    assert body["outbox"]["waiting"] == 1
    assert body["outbox"]["oldest_waiting_seconds"] == 3600


async def test_a_database_that_is_gone_answers_503(watched: Scene, tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    moved = tmp_path / "elsewhere.db"
    database.rename(moved)  # a volume unmounted under the running bot
    try:
        status, _, body = await get(watched, "/healthz")
        assert status == 503
        assert body["status"] == "fail"
        assert body["database"] == {"reachable": False}
        assert body["problems"][0].startswith("database: ")
    finally:
        moved.rename(database)
    status, _, _ = await get(watched, "/healthz")
    assert status == 200


async def test_a_closed_database_answers_503(watched: Scene) -> None:
    services = watched.bot.app.bot_data.services
    await services.db.close()
    status, _, body = await get(watched, "/healthz")
    assert status == 503 and body["database"] == {"reachable": False}
    assert body["outbox"]["waiting"] is None
    await services.db.open()  # for a clean stop


async def test_telegram_silent_too_long_answers_503(watched: Scene) -> None:
    bot = watched.bot.app.bot
    watched.sim.inject_fault("getUpdates", error_code=502, times=10_000)
    watched.sim.inject_fault("getMe", error_code=502, times=10_000)
    # Ten minutes without an answer (the clock of the health check is the real one).
    assert isinstance(bot, ConstellationBot)
    bot._last_contact = time.monotonic() - 600
    status, _, body = await get(watched, "/healthz")
    assert status == 503
    assert body["telegram"]["seconds_since"] >= 600
    assert body["problems"] == [f"telegram: no answer for {body['telegram']['seconds_since']} s"]
    # Telegram is back: the check asks it (getMe) before it calls the bot cut off.
    watched.sim.faults.clear()
    status, _, body = await get(watched, "/healthz")
    assert status == 200
    assert body["telegram"]["seconds_since"] <= 5


async def test_metrics_carry_the_figures_and_failures_per_kind(watched: Scene) -> None:
    pytest.importorskip("prometheus_client")
    await watched.with_roles(linked=(watched.anna,))  # Anna hears that her card failed
    watched.sim.inject_fault(
        "sendMessage", chat_id=watched.group.id, error_code=400, description="Bad Request"
    )
    await watched.say(watched.anna, watched.group, "/hulpvraag #oppas Wie kan zaterdag oppassen?")
    status, text, _ = await get(watched, "/metrics")
    assert status == 200
    lines = text.splitlines()
    assert "constellation_bot_up 1.0" in lines
    assert "constellation_bot_database_up 1.0" in lines
    assert "constellation_bot_outbox_waiting 0.0" in lines
    assert 'constellation_bot_delivery_failures_total{kind="request_card"} 1.0' in lines
    assert 'constellation_bot_delivery_failures_total{kind="escalation"} 0.0' in lines
    assert any(
        line.startswith("constellation_bot_telegram_last_contact_timestamp_seconds ")
        for line in lines
    )
    # Labels are notice kinds only: no name, no text, no group title.
    for word in ("Anna", "oppassen", "De Linde", "Pleeggezinnen"):
        assert word not in text
    _, _, body = await get(watched, "/healthz")
    assert body["delivery_failures"] == {"request_card": 1}


async def test_without_prometheus_client_metrics_say_how_to_get_them(
    watched: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.health.metrics_module", lambda: None)
    status, text, _ = await get(watched, "/metrics")
    assert status == 404
    assert "constellation-bot[metrics]" in text
