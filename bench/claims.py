"""Benchmark 3: many people press "Ik help" on one card at the same moment.

One constellation where every member may take requests on (``/settings``); a family posts a
request through the bot, then the other members all press "Ik help" on its card at once.
Exactly one must win: the database names one helper, one press is answered as taken on and
every other as "already taken", and the requester hears it once. Timed: from each press to the
bot's answer to it, in the race and, before it, for presses one at a time (the hub home takes
on other families' requests, a moment apart).

    python -m bench.claims [--size tiny|small|full] [--runs N]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import cli
from bench.harness import (
    BenchTelegram,
    BotProcess,
    Tally,
    fresh_database,
    median,
    percentile,
    query_all,
)
from bench.workload import REQUEST, claim_button
from bench.world import populate, seed_database
from bot.simulator.limits import Limits
from bot.simulator.world import SimMessage, SimUser

PRESSES = {"tiny": 20, "small": 100, "full": 200}
# Presses one at a time (each on its own card: a group gets 20 messages a minute).
ALONE = {"tiny": 3, "small": 5, "full": 10}
PAUSE = 0.3  # seconds between them


@dataclass(frozen=True)
class ClaimRun:
    presses: int
    answered: int
    winners: int  # presses answered as "taken on" (no alert)
    helpers_stored: int  # 1 if the database names a helper among the pressers
    requester_told: int  # DMs to the requester
    latencies: list[float]  # seconds from each press to its answer
    problems: list[str]
    alone: list[float] = field(default_factory=list)  # the same, one press at a time

    @property
    def exactly_one_winner(self) -> bool:
        return (
            self.answered == self.presses
            and self.winners == 1
            and self.helpers_stored == 1
            and self.requester_told == 1
        )


@dataclass
class ClaimResult:
    size: str
    runs: list[ClaimRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    name = "claims"

    def lines(self) -> list[str]:
        p50 = median([percentile(r.latencies, 0.50) for r in self.runs])
        p99 = median([percentile(r.latencies, 0.99) for r in self.runs])
        presses = self.runs[0].presses
        pace = median([max(r.latencies) / r.presses for r in self.runs])
        winners = [r.winners for r in self.runs]
        verdict = "yes" if all(r.exactly_one_winner for r in self.runs) else "NO"
        alone50 = median([percentile(r.alone, 0.50) for r in self.runs])
        alone99 = median([percentile(r.alone, 0.99) for r in self.runs])
        return [
            f"{presses} presses of Ik help on one card, {len(self.runs)} runs",
            f"exactly one winner in every run: {verdict} (winners per run: {winners})",
            f"press to answer, one press at a time ({len(self.runs[0].alone)} presses): "
            f"p50 {1000 * alone50:.1f} ms, p99 {1000 * alone99:.1f} ms",
            f"press to answer in the race: p50 {1000 * p50:.0f} ms, p99 {1000 * p99:.0f} ms "
            "(medians over runs)",
            f"one card's presses are handled in order, one every {1000 * pace:.1f} ms",
        ]

    def figures(self) -> dict[str, float]:
        return {
            "p50_ms": 1000 * median([percentile(r.latencies, 0.5) for r in self.runs]),
            "p99_ms": 1000 * median([percentile(r.latencies, 0.99) for r in self.runs]),
            "alone_p50_ms": 1000 * median([percentile(r.alone, 0.5) for r in self.runs]),
            "alone_p99_ms": 1000 * median([percentile(r.alone, 0.99) for r in self.runs]),
            "runs_with_exactly_one_winner": sum(r.exactly_one_winner for r in self.runs),
        }


async def one_at_a_time(
    sim: BenchTelegram, presser: SimUser, cards: list[SimMessage]
) -> list[float]:
    """Seconds from each press to its answer, each pressed a moment after the last answer
    (when that press's card edit and DM are on their way)."""
    latencies = []
    for card in cards:
        data = claim_button(card)
        assert data is not None, "the card has no Ik help button"
        answer = Tally(sim, lambda a: a.method == "answerCallbackQuery")
        pressed_at = time.monotonic()
        await sim.press_forged(presser, card, data)
        (answered,) = await answer.wait(1, 30, "the answer")
        latencies.append(answered.at - pressed_at)
        await asyncio.sleep(PAUSE)
    return latencies


async def measure_once(presses: int, workdir: Path, alone: int = 0) -> ClaimRun:
    async with BenchTelegram(limits=Limits()) as sim:
        # The requester, and everyone else presses: the hub home, the liaison and families;
        # and ``alone`` more families, whose requests the hub home takes on one at a time.
        (group,) = populate(sim, 1, presses + 1 + alone, members_may_claim=True)
        requester = group.people[presses]
        pressers = group.people[:presses]
        asking = group.people[presses + 1 :]
        database = fresh_database(workdir / "claims.db")
        await seed_database(database, [group], datetime.now(UTC))
        bot = BotProcess("ours", sim, workdir, database=database, rate_limit=True)
        await bot.start()
        try:
            await sim.send_message(requester, group.chat, REQUEST)
            await sim.wait_for(lambda: bool(sim.bot_messages(group.chat)), 30, "the card")
            card = sim.bot_messages(group.chat)[0]
            for family in asking:
                await sim.send_message(family, group.chat, REQUEST)
            await sim.wait_for(
                lambda: len(sim.bot_messages(group.chat)) > len(asking), 60, "the other cards"
            )
            single = await one_at_a_time(sim, group.hubhome, sim.bot_messages(group.chat)[1:])
            data = claim_button(card)
            assert data is not None, "the card has no Ik help button"
            answers = Tally(sim, lambda a: a.method == "answerCallbackQuery")
            pressed: dict[str, float] = {}
            # Pressed with the card as everyone saw it, before the first answer changed it.
            for person in pressers:
                pressed[await sim.press_forged(person, card, data)] = time.monotonic()
            await answers.wait(presses, 120, "the answers")
            told = [a for a in sim.accepted("sendMessage") if a.chat_id == requester.id]
        finally:
            await bot.stop()
    answered = {str(a.params.get("callback_query_id")): a.at for a in answers.hits}
    winners = sum(
        1 for q in pressed if q in sim.callback_answers and not sim.callback_answers[q].show_alert
    )
    helpers = query_all(
        database,
        "SELECT claimed_by FROM help_requests WHERE state = 'claimed'"  # noqa: S608 (an int)
        f" AND requester_id = {int(requester.id)}",  # the race's request
    )
    ids = {p.id for p in pressers}
    return ClaimRun(
        presses=presses,
        answered=sum(1 for q in pressed if q in answered),
        winners=winners,
        helpers_stored=sum(1 for (helper,) in helpers if helper in ids),
        requester_told=len(told),
        latencies=[answered[q] - at for q, at in pressed.items() if q in answered],
        problems=bot.problems,
        alone=single,
    )


async def run(size: str, runs: int) -> ClaimResult:
    result = ClaimResult(size)
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as tmp:
        for _ in range(runs):
            race = await measure_once(PRESSES[size], Path(tmp), ALONE[size])
            result.runs.append(race)
            result.problems += race.problems
    return result


def main(argv: list[str] | None = None) -> list[ClaimResult]:
    args = cli.parser("claims", __doc__).parse_args(argv)
    return cli.run_and_print(run(args.size, cli.runs_for(args)), args)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
