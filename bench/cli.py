"""The command line every benchmark shares: --size, --runs, --json; printing the figures."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from collections.abc import Coroutine
from datetime import date
from pathlib import Path
from typing import Any, Protocol, TypeVar

SIZE_NAMES = ("tiny", "small", "full")
DEFAULT_RUNS = {"tiny": 1, "small": 3, "full": 3}


class Result(Protocol):
    name: str
    size: str
    problems: list[str]  # the bots' bad exits and logged errors, over all runs

    def lines(self) -> list[str]: ...

    def figures(self) -> dict[str, float]: ...


R = TypeVar("R", bound=Result)


def parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    summary = (doc or "").strip().splitlines()[0]
    result = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=summary)
    result.add_argument(
        "--size",
        choices=SIZE_NAMES,
        default="full",
        help="tiny: seconds, to prove it works (CI); small: a quick look; full: the issue's sizes",
    )
    result.add_argument("--runs", type=int, help="runs to take the median of (tiny 1, else 3)")
    result.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return result


def runs_for(args: argparse.Namespace) -> int:
    if args.runs is None:
        args.runs = DEFAULT_RUNS[args.size]
    return int(args.runs)


def machine() -> str:
    """One line about where the figures come from."""
    cores = len(os.sched_getaffinity(0))
    return f"{platform.python_implementation()} {platform.python_version()}, {cores} cores"


def show(result: Result, seconds: float) -> None:
    print(f"== {result.name} (size {result.size}; took {seconds:.0f} s; {machine()}) ==")
    for line in result.lines():
        print(f"  {line}")
    shown = "; ".join(result.problems[:5]) if result.problems else "none"
    print(f"  bot errors (exit codes, log): {shown}")
    print(flush=True)


def write_json(path: Path, results: list[Result]) -> None:
    """Add the results' figures to ``path`` (a benchmark run again replaces its entry)."""
    data: dict[str, Any] = {"results": {}}
    if path.exists():
        data = json.loads(path.read_text())
    for result in results:
        figures = {name: round(value, 3) for name, value in result.figures().items()}
        data["results"][result.name] = {
            "size": result.size,
            "date": date.today().isoformat(),
            "machine": machine(),
            **figures,
        }
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def run_and_print(work: Coroutine[Any, Any, R], args: argparse.Namespace) -> list[R]:
    """Run one benchmark, print its figures (and write them to --json); the result."""
    started = time.monotonic()
    result = asyncio.run(work)
    show(result, time.monotonic() - started)
    if args.json:
        write_json(args.json, [result])
    return [result]
