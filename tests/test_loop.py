"""The bot's event loop: uvloop where it is installed (bot.loop), and the tests on the same."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import pytest

from bot.loop import new_event_loop

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop has no build for this platform")
async def test_the_tests_run_on_the_loop_the_bot_runs_on() -> None:
    assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")


def test_without_uvloop_the_bot_runs_on_asyncios_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    loop = new_event_loop()
    try:
        assert type(loop).__module__.startswith("asyncio")
        assert loop.run_until_complete(asyncio.sleep(0, result="ran")) == "ran"
    finally:
        loop.close()
