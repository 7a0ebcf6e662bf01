"""Webhook mode: Telegram posts the updates, with the secret token, to the address behind the
agency's reverse proxy; a post without the right secret changes nothing. The scenarios that
run in both modes are marked ``@both_modes`` in their own files."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.logs import configure_logging
from bot.simulator.runner import WEBHOOK_SECRET, WEBHOOK_URL, free_port
from bot.simulator.server import SECRET_HEADER, FakeTelegram
from bot.simulator.world import SimUser
from tests.e2e.conftest import Scene, database_numbers, database_values


def _start_update(user: SimUser, update_id: int) -> dict[str, Any]:
    """A /start from ``user`` in their private chat, as Telegram would post it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.to_api(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def _post(scene: Scene, payload: dict[str, Any], headers: dict[str, str]) -> int:
    """POST straight to the bot's webhook listener, past the proxy (as an attacker would)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(scene.sim.webhook_target(), json=payload, headers=headers) as answer,
    ):
        return answer.status


async def test_the_bot_sets_its_webhook_at_start_and_takes_updates_through_it(
    webhook_scene: Scene,
) -> None:
    scene, sim = webhook_scene, webhook_scene.sim
    [call] = sim.calls_to("setWebhook")
    assert call.ok
    assert call.params["url"] == WEBHOOK_URL
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert "chat_member" in call.params["allowed_updates"]  # opt-in: asked for explicitly
    assert call.params["max_connections"] == 1  # one at a time: updates arrive in order
    assert not sim.calls_to("getUpdates")
    info = await sim.api("getWebhookInfo")
    assert info["result"]["url"] == WEBHOOK_URL

    await scene.set_up("De Linde")
    assert "Deze groep is nu constellatie De Linde" in scene.last(scene.group).plain_text
    port = scene.bot.settings.webhook_port
    posted = {post.url for post in sim.webhook_posts}
    assert posted == {f"http://127.0.0.1:{port}/telegram/updates"}
    assert [post.status for post in sim.webhook_posts] == [200] * len(sim.webhook_posts)
    assert len(sim.webhook_posts) >= 3  # my_chat_member, new_chat_members, /setup
    # While a webhook is set, Telegram refuses getUpdates.
    refused = await sim.api("getUpdates")
    assert refused["error_code"] == 409


async def test_a_post_without_the_right_secret_changes_nothing(webhook_scene: Scene) -> None:
    scene, sim = webhook_scene, webhook_scene.sim
    await scene.set_up("De Linde")
    eve = sim.add_user("Eve", language_code="nl")
    sim.start_private(eve)  # the bot could answer her, if it took the post
    database = scene.bot.settings.database_path
    stored = database_values(database)
    sent = len(sim.calls)
    forged = _start_update(eve, 990000001)
    for headers in (
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "wrong"},
        {SECRET_HEADER: WEBHOOK_SECRET.upper()},
        {SECRET_HEADER: WEBHOOK_SECRET + "x"},
        {"X-Telegram-Bot-Api-Secret": WEBHOOK_SECRET},  # the right value, the wrong header
    ):
        assert await _post(scene, forged, headers) == 403
    await scene.bot.settle()
    assert database_values(database) == stored
    assert eve.id not in database_numbers(database)
    assert sim.calls[sent:] == []  # no reply, no call to Telegram at all
    assert sim.messages(scene.private(eve)) == []

    # The same post with the secret is taken: what was refused would have had an effect.
    assert await _post(scene, forged, {SECRET_HEADER: WEBHOOK_SECRET}) == 200
    await scene.bot.settle()
    assert scene.bot_texts(scene.private(eve))


@pytest.fixture
def production_logging(webhook_scene: Scene, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Logging as ``constellation-bot run`` sets it up, at DEBUG, put back afterwards."""
    names = ("bot", "telegram", "aiosqlite", "httpx", "httpcore", "apscheduler")
    saved = {name: logging.getLogger(name).level for name in names}
    factory = logging.getLogRecordFactory()
    configure_logging("DEBUG", secrets=(webhook_scene.sim.token, WEBHOOK_SECRET))
    caplog.set_level(logging.DEBUG, logger="bot")
    yield
    logging.setLogRecordFactory(factory)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("production_logging")
async def test_an_unreadable_update_is_logged_by_id_only_and_does_not_jam(
    webhook_scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    """python-telegram-bot's webhook server logs an update it cannot read whole, at CRITICAL
    (texts and names); the bot keeps the id only. Telegram gives it up after some refusals and
    the next updates come through."""
    scene = webhook_scene
    await scene.set_up("De Linde")
    message = (await scene.say(scene.anna, scene.group, "Goedemorgen")).to_api()
    broken = {**message, "date": "gisteren", "text": "Noor is vannacht weggelopen"}
    broken["from"] = {**message["from"], "first_name": "Wilhelmina"}
    bad_id = await scene.sim.send_raw_update("message", broken)
    await scene.say(scene.bert, scene.group, "/leden")  # after it: still handled
    assert scene.last(scene.group).plain_text.startswith("Constellatie De Linde")
    refused = {post.status for post in scene.sim.webhook_posts if post.update_id == bad_id}
    assert refused == {400}
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert f"update {bad_id} could not be read and was refused" in text
    for secret in ("Noor is vannacht", "Wilhelmina", "gisteren", WEBHOOK_SECRET):
        assert secret not in text


async def test_back_to_long_polling_the_bot_deletes_the_webhook(webhook_scene: Scene) -> None:
    scene = webhook_scene
    await scene.set_up("De Linde")
    settings = scene.bot.settings
    scene.bot.settings = settings.model_copy(update={"webhook_url": None})
    await scene.bot.restart()
    assert scene.sim.webhook_url == ""
    assert scene.sim.calls_to("deleteWebhook")
    await scene.say(scene.anna, scene.group, "/leden")
    assert scene.last(scene.group).plain_text.startswith("Constellatie De Linde")
    assert scene.sim.calls_to("getUpdates")


async def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Wait for something another process does (checked every 50 ms)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds}s")


async def test_constellation_bot_run_serves_the_webhook(sim: FakeTelegram, tmp_path: Path) -> None:
    """``constellation-bot run`` with BOT_WEBHOOK_URL: setWebhook at start, then updates
    posted through the proxy are answered; SIGTERM stops it cleanly."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("BOT_")}
    env |= {
        "PYTHONPATH": str(Path(__file__).parents[2]),
        "BOT_TOKEN": sim.token,
        "BOT_API_BASE_URL": sim.base_url,
        "BOT_DATABASE_PATH": str(tmp_path / "bot.db"),
        "BOT_RATE_LIMIT": "false",
        "BOT_WEBHOOK_URL": WEBHOOK_URL,
        "BOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "BOT_WEBHOOK_PORT": str(port),
    }
    sim.webhook_upstream = f"http://127.0.0.1:{port}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _until(lambda: bool(sim.calls_to("setWebhook")) or process.returncode is not None)
        assert sim.webhook_url == WEBHOOK_URL
        anna = sim.add_user("Anna", language_code="nl")
        chat = sim.private_chat(anna)
        await sim.send_message(anna, chat, "/start")
        await _until(lambda: bool(sim.bot_messages(chat)))
    finally:
        if process.returncode is None:
            process.terminate()
        _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert {post.status for post in sim.webhook_posts} == {200}
