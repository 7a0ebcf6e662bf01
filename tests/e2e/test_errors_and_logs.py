"""When Telegram fails the bot apologises in the chat's language; logs hold no text or names."""

from __future__ import annotations

import logging

import pytest

from bot.logs import configure_logging
from tests.e2e.conftest import Scene


async def test_failed_reply_is_followed_by_an_apology(scene: Scene) -> None:
    await scene.set_up("De Linde")
    scene.sim.inject_fault("sendMessage", error_code=400, description="Bad Request: boom")
    await scene.say(scene.anna, scene.group, "/leden")
    assert "Sorry, er ging iets mis aan mijn kant" in scene.last(scene.group).plain_text
    private = scene.private(scene.bert)
    scene.sim.inject_fault("sendMessage", error_code=400, description="Bad Request: boom")
    await scene.say(scene.bert, private, "/help")
    assert "Sorry, something went wrong on my side" in scene.last(private).plain_text


async def test_logs_hold_no_message_text_or_names(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    saved = {
        name: logging.getLogger(name).level for name in ("bot", "telegram", "aiosqlite", "httpx")
    }
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG, logger="bot")
    try:
        await scene.set_up("Geheime Linde")
        secret = await scene.say(scene.anna, scene.group, "Sem had een nare nacht, vertrouwelijk")
        scene.sim.inject_fault("sendMessage", error_code=400, description="Bad Request: boom")
        await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=secret)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "error while handling update" in logged  # the error was logged, with ids
    for private_text in ("nare nacht", "Geheime Linde", "Anna", "Sandra", scene.sim.token):
        assert private_text not in logged
