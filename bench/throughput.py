"""Benchmark 1: update throughput of our bot against a bare python-telegram-bot application.

Both bots get the same workload (bench/workload.py) from a fresh simulator, alternately, in the
same run. Neither uses a rate limiter and the simulator enforces no limits: this measures how
fast updates are handled, not Telegram's limits. ``--profile DIR`` writes a profile of our bot
per run into DIR (``--profiler``: pyinstrument, py-spy or cprofile; see bench/README.md).

    python -m bench.throughput [--size tiny|small|full] [--runs N] [--profile DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import cli
from bench.harness import BenchTelegram, BotKind, BotProcess, Profiler, fresh_database, median
from bench.workload import WorkloadResult, claimed_requests, run_workload
from bench.world import populate, seed_database

# groups, people per group, requests per group
SIZES = {"tiny": (3, 5, 2), "small": (10, 8, 5), "full": (20, 10, 25)}


@dataclass
class ThroughputResult:
    size: str
    groups: int
    updates: int
    runs: dict[BotKind, list[WorkloadResult]] = field(
        default_factory=lambda: {"bare": [], "ours": []}
    )
    claimed: list[int] = field(default_factory=list)  # requests taken on, per run of ours
    problems: list[str] = field(default_factory=list)

    name = "throughput"

    def rate(self, kind: BotKind) -> float:
        return median([run.rate for run in self.runs[kind]])

    @property
    def ratio(self) -> float:
        return self.rate("ours") / self.rate("bare")

    def ratios(self, what: str) -> list[float]:
        """Per run: the bare bot's ``what`` (CPU time, instructions) per update over ours (the
        two ran one after the other, so a busy spell on the machine weighs on both)."""
        return [
            (getattr(b, what) / b.updates) / (getattr(o, what) / o.updates)
            for o, b in zip(self.runs["ours"], self.runs["bare"], strict=True)
        ]

    def ratio_of(self, what: str) -> float:
        """The bare bot's median ``what`` per update over ours."""
        return self.per_update("bare", what) / self.per_update("ours", what)

    @property
    def counted(self) -> bool:
        return all(run.instructions for runs in self.runs.values() for run in runs)

    def per_update(self, kind: BotKind, what: str) -> float:
        return median([getattr(run, what) / run.updates for run in self.runs[kind]])

    def lines(self) -> list[str]:
        rows = [
            f"{self.updates} updates in {self.groups} groups "
            f"(requests posted, then taken on), {len(self.runs['ours'])} runs each",
            f"{'':8} {'updates/s':>10} {'calls/update':>13} {'bot CPU ms/update':>18} "
            f"{'sim CPU ms/update':>18}",
        ]
        for kind in ("bare", "ours"):
            rows.append(
                f"{kind:8} {self.rate(kind):10.1f} {self.per_update(kind, 'calls'):13.2f} "
                f"{1000 * self.per_update(kind, 'bot_cpu_s'):18.2f} "
                f"{1000 * self.per_update(kind, 'sim_cpu_s'):18.2f}"
            )
        runs = ", ".join(
            f"{o.rate / b.rate:.0%}"
            for o, b in zip(self.runs["ours"], self.runs["bare"], strict=True)
        )
        rows.append(f"ours / bare: {self.ratio:.0%} (goal >= 60%; per run: {runs})")
        pairs = ", ".join(f"{ratio:.0%}" for ratio in self.ratios("bot_cpu_s"))
        rows.append(
            f"ours / bare by CPU time per update (less noisy): {self.ratio_of('bot_cpu_s'):.0%}"
            f" (per run: {pairs})"
        )
        bare, ours = (self.per_update(kind, "switches") for kind in ("bare", "ours"))
        rows.append(
            f"context switches per update (all the bot's threads): bare {bare:.1f}, ours {ours:.1f}"
        )
        if self.counted:
            per_run = ", ".join(f"{ratio:.0%}" for ratio in self.ratios("instructions"))
            bare, ours = (self.per_update(kind, "instructions") for kind in ("bare", "ours"))
            rows.append(
                f"instructions per update (valgrind): bare {bare:,.0f}, ours {ours:,.0f};"
                f" ours / bare: {self.ratio_of('instructions'):.0%} (per run: {per_run})"
            )
        rows.append(f"requests taken on per run: {self.claimed} of {self.updates // 2}")
        return rows

    def figures(self) -> dict[str, float]:
        counted = (
            {
                "bare_instructions_per_update": self.per_update("bare", "instructions"),
                "ours_instructions_per_update": self.per_update("ours", "instructions"),
                "instruction_ratio": self.ratio_of("instructions"),
            }
            if self.counted
            else {}
        )
        return counted | {
            "bare_updates_per_s": self.rate("bare"),
            "ours_updates_per_s": self.rate("ours"),
            "ratio": self.ratio,
            "cpu_ratio": self.ratio_of("bot_cpu_s"),
            "bare_cpu_ms_per_update": 1000 * self.per_update("bare", "bot_cpu_s"),
            "ours_cpu_ms_per_update": 1000 * self.per_update("ours", "bot_cpu_s"),
            "bare_switches_per_update": self.per_update("bare", "switches"),
            "ours_switches_per_update": self.per_update("ours", "switches"),
        }


async def measure_once(
    kind: BotKind,
    size: str,
    workdir: Path,
    *,
    profile: Path | None = None,
    profiler: Profiler = "pyinstrument",
    instructions: bool = False,
    core: int | None = None,
) -> tuple[WorkloadResult, int, list[str]]:
    """One bot, one fresh simulator (and database, for ours): the workload's result, the
    requests taken on, and the bot's errors."""
    groups_count, people, rounds = SIZES[size]
    async with BenchTelegram() as sim:
        groups = populate(sim, groups_count, people)
        database = fresh_database(workdir / "ours.db") if kind == "ours" else None
        if database is not None:
            await seed_database(database, groups, datetime.now(UTC))
        bot = BotProcess(
            kind,
            sim,
            workdir,
            database=database,
            rate_limit=False,
            profile=profile,
            profiler=profiler,
            count_instructions=instructions,
            core=core,
        )
        await bot.start()
        try:
            result = await run_workload(sim, bot, groups, rounds)
        finally:
            await bot.stop()
    claimed = claimed_requests(database) if database is not None else 0
    return result, claimed, bot.problems


async def run(
    size: str,
    runs: int,
    *,
    profile: Path | None = None,
    profiler: Profiler = "pyinstrument",
    instructions: bool = False,
    pin: bool = False,
) -> ThroughputResult:
    groups, _, rounds = SIZES[size]
    core = None
    if pin:  # the simulator and the users on the first CPU, the bot under test on the last
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            raise SystemExit("--pin needs two CPUs")
        os.sched_setaffinity(0, {cores[0]})
        core = cores[-1]
    result = ThroughputResult(size, groups, 2 * groups * rounds)
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        for number in range(runs):
            for kind in ("bare", "ours"):
                chosen = profile / f"ours-{number + 1}.txt" if profile and kind == "ours" else None
                workload, claimed, problems = await measure_once(
                    kind, size, Path(tmp), profile=chosen, profiler=profiler,
                    instructions=instructions, core=core,
                )  # fmt: skip
                result.runs[kind].append(workload)
                result.problems += problems
                if kind == "ours":
                    result.claimed.append(claimed)
    return result


def main(argv: list[str] | None = None) -> list[ThroughputResult]:
    parser = cli.parser("throughput", __doc__)
    parser.add_argument("--profile", type=Path, help="write profiles of our bot to this folder")
    parser.add_argument(
        "--profiler",
        choices=("pyinstrument", "py-spy", "cprofile"),
        default="pyinstrument",
        help="(default: %(default)s)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="run both bots under valgrind and count the instructions per update: the same"
        " on a busy machine as on a quiet one (about 40 times slower; try --size small)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the bot under test on one CPU of its own (all its threads), the simulator and"
        " the users on another: as on a one-CPU server, and without the load generator's noise",
    )
    args = parser.parse_args(argv)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    runs = cli.runs_for(args)
    work = run(
        args.size,
        runs,
        profile=args.profile,
        profiler=args.profiler,
        instructions=args.instructions,
        pin=args.pin,
    )
    return cli.run_and_print(work, args)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
