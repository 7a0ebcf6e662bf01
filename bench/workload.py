"""The update workload: members post help requests in many groups, then hub homes take them on.

Phase one: in every group, families post ``/hulpvraag`` (``rounds`` each group); phase two: the
hub home presses "Ik help" on every card. Our bot answers a request with its card and a press
with a card edit, a DM to the requester and the callback answer. The bare bot answers every
update with one sendMessage (a press lands on its "ok" message, carrying the same data).

An update counts as handled when its answer arrives: the card (or "ok") for a post, the
callback answer (or "ok") for a press. python-telegram-bot handles updates one at a time, so
the last answer of a phase marks the end of the phase — except that our bot answers a press
first and then delivers the card edit and the DM from its outbox, so for ours a phase ends
when those have arrived too (the same work is counted for every update).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import BenchTelegram, BotKind, BotProcess, Tally, query_one
from bench.world import Group
from bot.simulator.world import SimMessage

REQUEST = "/hulpvraag Kan iemand zaterdagmiddag oppassen? #oppas"
CLAIM_DATA = "req:v1:claim:"  # the "Ik help" button's callback data, up to the request


@dataclass(frozen=True)
class WorkloadResult:
    updates: int
    seconds: float  # from the first update sent to the last answered, both phases
    calls: int  # Bot API calls the bot made meanwhile
    bot_cpu_s: float  # CPU time of the bot's process
    sim_cpu_s: float  # CPU time of this process: the simulator and the users
    instructions: int | None = None  # the bot's, counted by valgrind (--instructions)
    switches: int = 0  # context switches of the bot's threads

    @property
    def rate(self) -> float:
        """Updates handled per second."""
        return self.updates / self.seconds


def claim_button(message: SimMessage) -> str | None:
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith(CLAIM_DATA):
                return button.callback_data
    return None


async def run_workload(
    sim: BenchTelegram,
    bot: BotProcess,
    groups: list[Group],
    rounds: int,
    *,
    timeout: float = 300,  # noqa: ASYNC109 (per phase; the simulator's waits take seconds)
) -> WorkloadResult:
    """Both phases against a running bot; raises TimeoutError if answers stop coming."""
    kind: BotKind = bot.kind
    await bot.start_counting()
    before, sim_cpu_before = bot.usage(), time.process_time()
    first_call = len(sim.arrivals)
    posts = len(groups) * rounds

    # Phase one: the posts. Every answer is a message in a group.
    already = {g.chat.id: len(sim.bot_messages(g.chat)) for g in groups}
    in_groups = Tally(sim, lambda a: a.method == "sendMessage" and (a.chat_id or 0) < 0)
    started = time.monotonic()
    for number in range(rounds):
        for group in groups:
            family = group.families[number % len(group.families)]
            await sim.send_message(family, group.chat, REQUEST)
    answers = await in_groups.wait(posts, timeout, "answers to the posts")
    posting = answers[posts - 1].at - started

    # Phase two: a press on every card (ours) or on every "ok" (bare).
    cards: list[tuple[Group, SimMessage]] = [
        (g, message) for g in groups for message in sim.bot_messages(g.chat)[already[g.chat.id] :]
    ]
    answer = "answerCallbackQuery" if kind == "ours" else "sendMessage"
    answered = Tally(sim, lambda a: a.method == answer)
    # Ours: each press also redraws its card and tells the requester, after the answer.
    trailing = [
        Tally(sim, lambda a: a.method == "editMessageText"),
        Tally(sim, lambda a: a.method == "sendMessage" and (a.chat_id or 0) > 0),
    ]
    started = time.monotonic()
    for group, card in cards:
        data = claim_button(card)
        if kind == "ours":
            assert data is not None, "a card without an Ik help button"
            await sim.press_button(group.hubhome, card, data)
        else:
            await sim.press_forged(group.hubhome, card, f"{CLAIM_DATA}1")
    answers = await answered.wait(len(cards), timeout, "answers to the presses")
    claiming = answers[len(cards) - 1].at - started
    if kind == "ours":
        for tally, what in zip(trailing, ("card edits", "DMs to the requesters"), strict=True):
            arrived = await tally.wait(len(cards), timeout, what)
            claiming = max(claiming, arrived[len(cards) - 1].at - started)

    after = bot.usage()
    return WorkloadResult(
        updates=posts + len(cards),
        seconds=posting + claiming,
        calls=len(sim.arrivals) - first_call,
        bot_cpu_s=after.cpu_s - before.cpu_s,
        sim_cpu_s=time.process_time() - sim_cpu_before,
        instructions=await bot.instructions(),
        switches=after.switches - before.switches,
    )


def claimed_requests(database: Path) -> int:
    """How many help requests the bot stored as taken on."""
    (count,) = query_one(database, "SELECT COUNT(*) FROM help_requests WHERE state = 'claimed'")
    return int(count)
