"""Where our bot's CPU goes, from a py-spy profile (``--profiler py-spy``, collapsed stacks).

Every sample is put in the first bucket whose test its stack passes, so the shares add up to
100%. The samples are taken only while the bot holds the GIL: its Python CPU time.

    python -m bench.profile_summary PROFILE [--top N]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

OURS = "our handlers, services, storage, texts"
BUCKETS: list[tuple[str, Callable[[str], bool]]] = [
    (
        "Bot API calls (python-telegram-bot, httpx, parsing the answer)",
        lambda s: any(
            f in s
            for f in ("Bot._post", "ExtBot.send_message", "ExtBot.edit_message", "answer_callback")
        ),
    ),
    ("getUpdates and parsing updates", lambda s: "get_updates" in s or "Update.de_json" in s),
    ("database round trips (aiosqlite)", lambda s: "aiosqlite" in s),
    ("scheduler (APScheduler wake-up job)", lambda s: "apscheduler" in s or "schedule_next" in s),
    (OURS, lambda s: "(bot/" in s and "process_update" in s),
    ("python-telegram-bot dispatch", lambda s: "process_update" in s),
    ("event loop and the rest", lambda s: True),
]
_LINE_NUMBER = re.compile(r":\d+\)")


def read(path: Path) -> list[tuple[str, int]]:
    """(stack, samples) pairs; frames joined by ';', line numbers dropped."""
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            stacks.append((_LINE_NUMBER.sub(")", stack), int(count)))
    return stacks


def summary(stacks: list[tuple[str, int]], top: int) -> list[str]:
    total = sum(count for _, count in stacks) or 1
    buckets: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for stack, count in stacks:
        bucket = next(name for name, test in BUCKETS if test(stack))
        buckets[bucket] += count
        if bucket == OURS:
            ours[[frame for frame in stack.split(";") if "(bot/" in frame][-1]] += count
    lines = [f"{total} samples"]
    lines += [f"{count / total:6.1%}  {name}" for name, count in buckets.most_common()]
    lines.append(f"{OURS}, by the innermost of our frames (top {top}):")
    lines += [f"{count / total:6.1%}  {frame}" for frame, count in ours.most_common(top)]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_summary", description=__doc__)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    print("\n".join(summary(read(args.profile), args.top)))


if __name__ == "__main__":
    main()
