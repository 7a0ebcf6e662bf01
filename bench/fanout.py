"""Benchmark 2: a children's-activity reminder fanned out at Telegram's limits.

Two scenes, each with the simulator enforcing Telegram's limits (bot/simulator/limits.py) and
our bot running as deployed (BOT_RATE_LIMIT on, real clock): one constellation whose members
have all linked their private chat and said they are coming (so each gets the reminder
privately), and many constellations whose reminders fall due at the same moment. The activity
is seeded in the database with its 24-hour reminder due a few seconds after the bot starts;
the bot's wake-up job queues the reminder's notices and the outbox delivers them over HTTP.
Counted in the simulator: every reminder that arrived, per chat (lost: none arrived;
duplicated: more than one), the 429s it answered, and the rate from the first reminder to the
last as a fraction of 30 messages a second.

    python -m bench.fanout [--size tiny|small|full] [--runs N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import cli
from bench.harness import BenchTelegram, BotProcess, Tally, fresh_database, median, query_all
from bench.world import Meetups, populate, seed_database
from bot.simulator.limits import Limits

OVERALL_LIMIT = 30.0  # messages a second
# Seconds from seeding to the reminder falling due: the bot is polling by then. (Were it not,
# it would send the reminder at start-up instead, as after any downtime: the same delivery.)
LEAD = {"tiny": 1.0, "small": 3.0, "full": 3.0}
REMINDER = "⏰"
# scene -> (constellations, people in each), per size
SCENES = {
    "tiny": {"members": (1, 20), "groups": (5, 3)},
    "small": {"members": (1, 200), "groups": (10, 10)},
    "full": {"members": (1, 1000), "groups": (50, 10)},
}


def is_reminder(text: str) -> bool:
    """A reminder (in a group it is headed with the names of those it is for)."""
    return REMINDER in text.split("\n", 1)[0]


@dataclass(frozen=True)
class FanoutRun:
    expected: int  # chats that should get the reminder: members' private chats (and groups)
    delivered: int  # reminders the simulator accepted
    lost: int
    duplicated: int
    refused: int  # 429 answers
    seconds: float  # first reminder sent (accepted or not) to the last accepted
    pending: int  # notices still waiting in the outbox afterwards
    failed: int  # notices the bot gave up on
    problems: list[str]

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else float("nan")


@dataclass
class FanoutResult:
    size: str
    scenes: dict[str, list[FanoutRun]] = field(default_factory=dict)
    shapes: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    name = "fanout"

    def lines(self) -> list[str]:
        rows = [
            f"{'scene':32} {'messages':>8} {'msgs/s':>7} {'of 30/s':>8} {'429s':>5} "
            f"{'lost':>5} {'dup':>4}"
        ]
        for scene, runs in self.scenes.items():
            groups, people = self.shapes[scene]
            label = (
                f"{people} linked members, 1 group"
                if groups == 1
                else f"{groups} groups x {people} linked members"
            )
            rate = median([r.rate for r in runs])
            rows.append(
                f"{label:32} {runs[0].expected:8} {rate:7.1f} {rate / OVERALL_LIMIT:8.0%} "
                f"{median([r.refused for r in runs]):5.0f} {sum(r.lost for r in runs):5} "
                f"{sum(r.duplicated for r in runs):4}"
            )
        rows.append(
            f"medians of {len(next(iter(self.scenes.values())))} runs; lost and dup are totals "
            "over all runs; goal >= 90% of 30/s, 0 lost, 0 dup"
        )
        return rows

    def figures(self) -> dict[str, float]:
        result: dict[str, float] = {}
        for scene, runs in self.scenes.items():
            result[f"{scene}_fraction_of_limit"] = median([r.rate for r in runs]) / OVERALL_LIMIT
            result[f"{scene}_429s"] = median([r.refused for r in runs])
            result[f"{scene}_lost"] = sum(r.lost for r in runs)
            result[f"{scene}_duplicated"] = sum(r.duplicated for r in runs)
        return result


def _outbox_states(database: Path) -> Counter[str]:
    rows = query_all(database, "SELECT state, COUNT(*) FROM outbox GROUP BY state")
    return Counter({str(state): int(count) for state, count in rows})


async def measure_once(
    constellations: int, people: int, workdir: Path, *, lead: float = 3.0
) -> FanoutRun:
    """One scene: seed, start the bot, let the reminder fall due ``lead`` s later, count."""
    async with BenchTelegram(limits=Limits()) as sim:
        groups = populate(sim, constellations, people)
        database = fresh_database(workdir / "fanout.db")
        now = datetime.now(UTC)
        due = now + timedelta(seconds=lead)
        plan = Meetups(
            count=1, first=due + timedelta(hours=24), all_activities=True, everyone_coming=True
        )
        await seed_database(database, groups, now, plan)
        # One reminder per person: privately if linked, else in the group (once, naming them).
        expected = {p for g in groups for p in g.linked} | {
            g.chat.id for g in groups if any(p.id not in g.linked for p in g.people)
        }
        reminders = Tally(
            sim,
            lambda a: a.method == "sendMessage" and a.chat_id in expected and is_reminder(a.text),
        )
        bot = BotProcess("ours", sim, workdir, database=database, rate_limit=True)
        await bot.start()

        def everyone_reached() -> bool:
            reminders.count()
            return len(reminders.chats) == len(expected)

        # Generous: the whole fan-out at a third of the limit, plus a back-off or two.
        timeout = lead + 3 * len(expected) / OVERALL_LIMIT + 30
        try:
            with suppress(TimeoutError):  # what did not arrive is counted as lost below
                await sim.wait_for(everyone_reached, timeout, "the reminders")
            settle_until = time.monotonic() + 1.5  # a duplicate would arrive right after
            while time.monotonic() < settle_until:
                await sim.arrived.wait(settle_until - time.monotonic())
        finally:
            await bot.stop()
    reminders.count()
    first_try = next(
        (a for a in sim.arrivals if a.method == "sendMessage" and is_reminder(a.text)),
        None,
    )
    states = _outbox_states(database)
    return FanoutRun(
        expected=len(expected),
        delivered=len(reminders.hits),
        lost=len(expected) - len(reminders.chats),
        duplicated=len(reminders.hits) - len(reminders.chats),
        refused=sim.limits.refused_total if sim.limits else 0,
        seconds=reminders.hits[-1].at - first_try.at if first_try and reminders.hits else 0.0,
        pending=states["pending"],
        failed=states["failed"],
        problems=bot.problems,
    )


async def run(size: str, runs: int) -> FanoutResult:
    result = FanoutResult(size)
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        for scene, (constellations, people) in SCENES[size].items():
            result.shapes[scene] = (constellations, people)
            result.scenes[scene] = [
                await measure_once(constellations, people, Path(tmp), lead=LEAD[size])
                for _ in range(runs)
            ]
            result.problems += [p for run in result.scenes[scene] for p in run.problems]
    return result


def main(argv: list[str] | None = None) -> list[FanoutResult]:
    args = cli.parser("fanout", __doc__).parse_args(argv)
    return cli.run_and_print(run(args.size, cli.runs_for(args)), args)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
