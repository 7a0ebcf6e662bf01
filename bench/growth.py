"""Benchmark 5: how throughput, memory and start-up grow with the number of constellations.

The scale benchmark's instance (bench/scale.py) at three sizes: the same short workload in 20
groups spread over the database, so only the database around it grows. ``--plot FILE`` draws
the curve with matplotlib (``pip install -e '.[bench]'``).

    python -m bench.growth [--size tiny|small|full] [--runs N] [--plot bench/growth.png]
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench import cli
from bench.harness import median
from bench.scale import InstanceRun, Shape, Template, measure_instance

SIZES = {"tiny": (5, 10, 20), "small": (100, 300, 1000), "full": (100, 1000, 10000)}
# The workload: requests in this many groups (or all, if fewer), this many in each.
BUSY_GROUPS, ROUNDS = 20, 10


@dataclass
class GrowthResult:
    size: str
    runs: dict[int, list[InstanceRun]] = field(default_factory=dict)  # by constellations
    problems: list[str] = field(default_factory=list)

    name = "growth"

    def table(self) -> list[tuple[int, float, float, float, float, float]]:
        """Per size: constellations, updates/s, CPU ms per update, peak MB, start-up s, database
        MB (medians)."""
        return [
            (
                size,
                median([r.workload.rate for r in runs]),
                median([1000 * r.workload.bot_cpu_s / r.workload.updates for r in runs]),
                median([r.peak_rss_mb for r in runs]),
                median([r.startup_s for r in runs]),
                median([r.database_mb for r in runs]),
            )
            for size, runs in self.runs.items()
        ]

    def lines(self) -> list[str]:
        first = next(iter(self.runs.values()))
        rows = [
            f"{'constellations':>14} {'members':>8} {'dates':>7} {'updates/s':>10} "
            f"{'CPU ms/update':>14} {'peak MB':>8} {'start-up s':>11} {'db MB':>7}"
        ]
        for size, rate, cpu, peak, startup, db in self.table():
            shape = Shape(size)
            rows.append(
                f"{size:14} {shape.members:8} {shape.dates:7} {rate:10.1f} {cpu:14.2f} "
                f"{peak:8.0f} {startup:11.2f} {db:7.1f}"
            )
        rows.append(
            f"medians of {len(first)} runs; the same {first[0].workload.updates}-update "
            "workload at every size"
        )
        return rows

    def figures(self) -> dict[str, float]:
        result: dict[str, float] = {}
        for size, rate, cpu, peak, startup, db in self.table():
            result |= {
                f"{size}_updates_per_s": rate,
                f"{size}_cpu_ms_per_update": cpu,
                f"{size}_peak_rss_mb": peak,
                f"{size}_startup_s": startup,
                f"{size}_database_mb": db,
            }
        return result


def plot(result: GrowthResult, path: Path) -> None:
    """Two small panels, throughput and peak memory against constellations (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table()
    sizes = [row[0] for row in table]
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3), dpi=100)
    left.plot(sizes, [row[1] for row in table], marker="o")
    left.set(xscale="log", xlabel="constellations", ylabel="updates / s", ylim=(0, None))
    left.set_title("throughput")
    right.plot(sizes, [row[3] for row in table], marker="o", color="tab:orange")
    right.axhline(150, color="grey", linestyle="--", linewidth=1)
    right.set(xscale="log", xlabel="constellations", ylabel="MB", ylim=(0, None))
    right.set_title("peak resident memory (goal 150 MB)")
    for axes in (left, right):
        axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
        axes.minorticks_off()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


async def run(size: str, runs: int) -> GrowthResult:
    result = GrowthResult(size)
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        templates = [Template(Path(tmp), Shape(constellations)) for constellations in SIZES[size]]
        busy = min(BUSY_GROUPS, *SIZES[size])
        # Round by round through the sizes, so a busier spell of the machine is spread over all.
        for _ in range(runs):
            for template in templates:
                instance = await measure_instance(
                    template, Path(tmp), busy_groups=busy, rounds=ROUNDS
                )
                result.runs.setdefault(template.shape.constellations, []).append(instance)
                result.problems += instance.problems
    return result


def main(argv: list[str] | None = None) -> list[GrowthResult]:
    parser = cli.parser("growth", __doc__)
    parser.add_argument("--plot", type=Path, help="draw the curve into this PNG file")
    args = parser.parse_args(argv)
    results = cli.run_and_print(run(args.size, cli.runs_for(args)), args)
    if args.plot:
        plot(results[0], args.plot)
        print(f"plot written to {args.plot}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
