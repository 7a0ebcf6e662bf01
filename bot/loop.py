"""The event loop the bot runs on: uvloop's where it is installed, else asyncio's own.

uvloop (libuv, in C) runs the same asyncio programs with far less CPU per callback, socket read
and timer. The event loop was a third of the bot's CPU per update in the throughput benchmark
(bench/README.md, issue 19); on uvloop the whole update costs about a sixth less. Nothing in
the bot depends on which loop it is: python-telegram-bot, aiohttp, aiosqlite and APScheduler
all use only asyncio's public interface, and the tests run on the same loop as the bot.
uvloop has no Windows build, so there the bot (and the tests) use asyncio's loop.
"""

from __future__ import annotations

import asyncio


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # Windows, or an install without it
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
