"""Benchmark 4: one instance with many constellations — start-up, memory, database size.

The database is seeded with constellations of ten people each (hub home, liaison, families)
and five upcoming dates per constellation, each with its 24-hour and 2-hour reminders. Then
our bot starts as deployed: timed from starting the process to its first getUpdates, after
which it handles a short burst of updates (the throughput workload in 20 of the groups) so the
memory figure is that of a working bot. Peak resident memory is the process's high-water mark
(VmHWM). A bare python-telegram-bot application's start-up is timed alongside, as the floor.

    python -m bench.scale [--size tiny|small|full] [--runs N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import cli
from bench.harness import BenchTelegram, BotProcess, database_mb, fresh_database, median
from bench.workload import WorkloadResult, claimed_requests, run_workload
from bench.world import Group, Meetups, populate, seed_database

PEOPLE = 10  # per constellation
DATES = 5  # upcoming dates per constellation, each with two reminders
WORKLOAD_GROUPS, WORKLOAD_ROUNDS = 20, 5
SIZES = {"tiny": 20, "small": 500, "full": 2000}  # constellations


@dataclass(frozen=True)
class InstanceRun:
    startup_s: float  # process start to first getUpdates
    peak_rss_mb: float
    database_mb: float
    workload: WorkloadResult
    claimed: int  # requests the bot stored as taken on during the workload
    problems: list[str]


@dataclass(frozen=True)
class Shape:
    constellations: int

    @property
    def members(self) -> int:
        return self.constellations * PEOPLE

    @property
    def dates(self) -> int:
        return self.constellations * DATES


def spread(groups: list[Group], count: int) -> list[Group]:
    """``count`` groups spread over the whole database, so lookups are not all near its start."""
    step = max(1, len(groups) // count)
    return groups[::step][:count]


class Template:
    """A seeded database made once per shape and copied for every run (the bot changes it)."""

    def __init__(self, workdir: Path, shape: Shape) -> None:
        self.path = workdir / f"template-{shape.constellations}.db"
        self.shape = shape

    async def copy_to(self, target: Path, groups: list[Group]) -> None:
        if not self.path.exists():
            now = datetime.now(UTC)
            # Every date comfortably ahead, so no reminder falls due during a run.
            plan = Meetups(count=DATES, first=now + timedelta(days=3))
            await seed_database(self.path, groups, now, plan)
        shutil.copyfile(self.path, fresh_database(target))


async def measure_instance(
    template: Template,
    workdir: Path,
    *,
    busy_groups: int = WORKLOAD_GROUPS,
    rounds: int = WORKLOAD_ROUNDS,
) -> InstanceRun:
    """Start our bot on a copy of the template, run the workload (``rounds`` requests in each
    of ``busy_groups`` groups, then taken on), stop it."""
    async with BenchTelegram() as sim:
        groups = populate(sim, template.shape.constellations, PEOPLE)
        database = workdir / "instance.db"
        await template.copy_to(database, groups)
        bot = BotProcess("ours", sim, workdir, database=database, rate_limit=False)
        startup = await bot.start()
        try:
            busy = spread(groups, busy_groups)
            workload = await run_workload(sim, bot, busy, rounds)
            peak = bot.usage().peak_rss_mb
        finally:
            await bot.stop()
    return InstanceRun(
        startup, peak, database_mb(database), workload, claimed_requests(database), bot.problems
    )


async def bare_startup(workdir: Path, problems: list[str]) -> float:
    async with BenchTelegram() as sim:
        bot = BotProcess("bare", sim, workdir, rate_limit=False)
        try:
            return await bot.start()
        finally:
            await bot.stop()
            problems += bot.problems


@dataclass
class ScaleResult:
    size: str
    shape: Shape
    runs: list[InstanceRun] = field(default_factory=list)
    bare_startups: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    name = "scale"

    def lines(self) -> list[str]:
        shape = self.shape
        startup = median([r.startup_s for r in self.runs])
        peak = median([r.peak_rss_mb for r in self.runs])
        return [
            f"{shape.constellations} constellations, {shape.members} members, {shape.dates} "
            f"upcoming dates with {2 * shape.dates} reminders; {len(self.runs)} runs",
            f"start-up to first getUpdates: {startup:.2f} s (goal < 3 s; bare "
            f"python-telegram-bot: {median(self.bare_startups):.2f} s)",
            f"peak resident memory: {peak:.0f} MB (goal < 150 MB), after "
            f"{self.runs[0].workload.updates} updates",
            f"database: {median([r.database_mb for r in self.runs]):.1f} MB",
        ]

    def figures(self) -> dict[str, float]:
        return {
            "startup_s": median([r.startup_s for r in self.runs]),
            "bare_startup_s": median(self.bare_startups),
            "peak_rss_mb": median([r.peak_rss_mb for r in self.runs]),
            "database_mb": median([r.database_mb for r in self.runs]),
        }


async def run(size: str, runs: int) -> ScaleResult:
    result = ScaleResult(size, Shape(SIZES[size]))
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        template = Template(Path(tmp), result.shape)
        for _ in range(runs):
            instance = await measure_instance(template, Path(tmp))
            result.runs.append(instance)
            result.problems += instance.problems
            result.bare_startups.append(await bare_startup(Path(tmp), result.problems))
    return result


def main(argv: list[str] | None = None) -> list[ScaleResult]:
    args = cli.parser("scale", __doc__).parse_args(argv)
    return cli.run_and_print(run(args.size, cli.runs_for(args)), args)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
