"""Run several benchmarks in one go: ``python -m bench [all | name ...] [--size ...]``.

Every benchmark also runs on its own (``python -m bench.throughput`` and so on); see
bench/README.md for what each measures.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bench import claims, cli, fanout, growth, reports, scale, throughput

BENCHMARKS: dict[str, Callable[[str, int], Coroutine[Any, Any, cli.Result]]] = {
    "throughput": throughput.run,
    "fanout": fanout.run,
    "claims": claims.run,
    "scale": scale.run,
    "growth": growth.run,
    "reports": reports.run,
}


def main(argv: list[str] | None = None) -> list[cli.Result]:
    parser = cli.parser("__main__", __doc__)
    parser.prog = "python -m bench"
    parser.add_argument(
        "names", nargs="*", default=["all"], choices=["all", *BENCHMARKS], metavar="NAME",
        help=f"all (default) or some of: {', '.join(BENCHMARKS)}",
    )  # fmt: skip
    parser.add_argument("--plot", type=Path, help="growth: draw the curve into this PNG file")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if "all" in args.names else args.names
    runs = cli.runs_for(args)
    results: list[cli.Result] = []
    for name in names:
        started = time.monotonic()
        result = asyncio.run(BENCHMARKS[name](args.size, runs))
        cli.show(result, time.monotonic() - started)
        results.append(result)
        if isinstance(result, growth.GrowthResult) and args.plot:
            growth.plot(result, args.plot)
            print(f"plot written to {args.plot}\n")
    if args.json:
        cli.write_json(args.json, results)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
