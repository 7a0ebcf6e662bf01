"""End-to-end fixtures: the real Application polling the fake Bot API over HTTP on 127.0.0.1
(or taking its webhook posts: ``webhook_scene``, or ``@both_modes`` on a test using ``scene``)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.simulator.runner import RunningBot, simulator_settings, webhook_settings
from bot.simulator.server import FakeTelegram
from bot.simulator.world import ApiCall, SimChat, SimMessage, SimUser
from bot.storage.db import Connection


def database_values(path: Path) -> list[object]:
    """Every value stored in any table of the database (to look for leaks and traces)."""
    values: list[object] = []
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608
                values += row
    return values


def database_text(path: Path) -> str:
    """Every text value stored anywhere in the database, joined."""
    return "\n".join(value for value in database_values(path) if isinstance(value, str))


def database_numbers(path: Path) -> set[int]:
    """Every whole number stored anywhere in the database (to look for a person's id)."""
    return {value for value in database_values(path) if isinstance(value, int)}


# Questions to Telegram that show nobody anything: asked before an answer, they are no
# answer, edit or message coming first (whether someone is an admin is checked at Telegram).
READS = frozenset({"getUpdates", "getChatMember", "getChat", "getChatAdministrators", "getMe"})


def assert_answered_first(calls: list[ApiCall], query_id: str) -> None:
    """The first thing the bot did for a press is answering it (the spinner stops at once);
    card edits, messages and files come after."""
    visible = [call for call in calls if call.method not in READS]
    assert visible, "the press was not answered"
    first = visible[0]
    assert first.method == "answerCallbackQuery", (
        f"{first.method} came before the press was answered: "
        f"{[call.method for call in visible[:4]]}"
    )
    assert first.params.get("callback_query_id") == query_id


@dataclass
class Scene:
    """A small constellation: an admin, a hub home carer, a liaison, two families."""

    sim: FakeTelegram
    bot: RunningBot
    group: SimChat
    admin: SimUser
    hubhome: SimUser
    liaison: SimUser
    anna: SimUser
    bert: SimUser
    operator: SimUser

    async def say(
        self, user: SimUser, chat: SimChat, text: str, *, reply_to: SimMessage | None = None
    ) -> SimMessage:
        """Send as ``user`` and wait until the bot has fully handled it."""
        message = await self.sim.send_message(user, chat, text, reply_to=reply_to)
        await self.bot.settle()
        return message

    async def press(self, user: SimUser, message: SimMessage, label: str) -> str | None:
        """Press a button and return the popup text the bot answered with (None if none).
        Every press checks that the bot answered it before doing anything else."""
        since = len(self.sim.calls)
        query_id = await self.sim.press_button(user, message, label)
        await self.bot.settle()
        answer = await self.sim.wait_callback_answer(query_id)
        assert_answered_first(self.sim.calls[since:], query_id)
        return answer.text

    async def forge(self, user: SimUser, message: SimMessage, data: str) -> str | None:
        """Press with callback data the message never offered; returns the popup text."""
        since = len(self.sim.calls)
        query_id = await self.sim.press_forged(user, message, data)
        await self.bot.settle()
        answer = await self.sim.wait_callback_answer(query_id)
        assert_answered_first(self.sim.calls[since:], query_id)
        return answer.text

    def last(self, chat: SimChat) -> SimMessage:
        message = self.sim.last_bot_message(chat)
        assert message is not None, f"the bot said nothing in {chat.label}"
        return message

    def refreshed(self, message: SimMessage) -> SimMessage:
        """The message as it is now (after the bot's edits)."""
        current = self.sim.message(message.chat, message.message_id)
        assert current is not None
        return current

    def bot_texts(self, chat: SimChat) -> list[str]:
        return [message.plain_text for message in self.sim.bot_messages(chat)]

    def private(self, user: SimUser) -> SimChat:
        return self.sim.private_chat(user)

    async def set_up(self, name: str = "", *, bot_is_admin: bool = True) -> None:
        """Add the bot (as admin, so privacy mode hides nothing) and run /setup as the admin."""
        await self.sim.add_bot_to_group(self.group, by=self.admin, as_admin=bot_is_admin)
        await self.bot.settle()
        await self.say(self.admin, self.group, f"/setup {name}".strip())

    async def with_roles(self, *, linked: tuple[SimUser, ...] = ()) -> None:
        """De Linde: Hanneke hub home, Lotte liaison; Anna and Bert have said hello; the
        private chats of ``linked`` are started."""
        await self.set_up("De Linde")
        hello = await self.say(self.hubhome, self.group, "hoi")
        await self.say(self.admin, self.group, "/kerngezin", reply_to=hello)
        note = await self.say(self.liaison, self.group, "hallo")
        await self.say(self.admin, self.group, "/contactpersoon", reply_to=note)
        await self.say(self.anna, self.group, "Goedemorgen!")
        await self.say(self.bert, self.group, "Morning!")
        for user in linked:
            await self.say(user, self.private(user), "/start")

    async def another_constellation(self, name: str, members: list[SimUser]) -> SimChat:
        """A second group, set up as constellation ``name`` by the same admin."""
        other = self.sim.add_group(f"Pleeggezinnen {name}", members=members, admins=[self.admin])
        await self.sim.add_bot_to_group(other, by=self.admin, as_admin=True)
        await self.bot.settle()
        await self.say(self.admin, other, f"/setup {name}")
        return other


@pytest.fixture
async def sim() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as simulator:
        yield simulator


@asynccontextmanager
async def open_scene(
    sim: FakeTelegram, database: Path, *, webhook: bool = False, **overrides: Any
) -> AsyncIterator[Scene]:
    """The scene's people and group, with the bot running on ``database`` (settings overridable),
    polling or, with ``webhook``, taking the simulator's webhook posts."""
    admin = sim.add_user("Sandra", last_name="Admin", language_code="nl")
    hubhome = sim.add_user("Hanneke", last_name="de Vries", language_code="nl")
    liaison = sim.add_user("Lotte", language_code="nl")
    anna = sim.add_user("Anna", language_code="nl")
    bert = sim.add_user("Bert", language_code="en")
    operator = sim.add_user("Otto", language_code="nl")  # agency IT, in BOT_ADMIN_IDS
    group = sim.add_group(
        "Pleeggezinnen De Linde",
        members=[hubhome, liaison, anna, bert, operator],
        admins=[admin],
        creator=admin,
    )
    mode = webhook_settings() if webhook else {}
    settings = simulator_settings(
        sim, database, **{"admin_ids": frozenset({operator.id}), **mode, **overrides}
    )
    async with RunningBot(sim, settings, clock=FakeClock(), check_wakeup=True) as running:
        yield Scene(sim, running, group, admin, hubhome, liaison, anna, bert, operator)


@pytest.fixture
async def scene(
    sim: FakeTelegram, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Scene]:
    webhook = getattr(request, "param", "polling") == "webhook"
    async with open_scene(sim, tmp_path / "bot.db", webhook=webhook) as opened:
        yield opened


@pytest.fixture
async def webhook_scene(sim: FakeTelegram, tmp_path: Path) -> AsyncIterator[Scene]:
    """The scene with the bot in webhook mode, as behind an agency's reverse proxy."""
    async with open_scene(sim, tmp_path / "bot.db", webhook=True) as opened:
        yield opened


# The same scenario with updates fetched by long polling and posted to a webhook.
both_modes = pytest.mark.parametrize("scene", ["polling", "webhook"], indirect=True)


FULL = "database or disk is full"


class FullDisk:
    """While ``full``, SQLite fails with SQLITE_FULL whenever a notice is marked sent:
    Telegram took it, the bot cannot write that down. The statement fails where SQLite runs
    it (on the connection's thread, with whatever was sent along with it), as a full disk
    would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = True
        run = Connection._run_batch
        disk = self

        def failing(conn: Connection, steps: Sequence[Any]) -> Any:
            for index, (sql, _, _) in enumerate(steps):
                if disk.full and sql.startswith("UPDATE outbox SET state = 'sent'"):
                    done, failure = run(conn, steps[:index])
                    return done, failure or (index, sqlite3.OperationalError(FULL))
            return run(conn, steps)

        monkeypatch.setattr(Connection, "_run_batch", failing)
