"""What every benchmark shares: the simulator that times each call, and the bot in its own process.

The simulator runs in the benchmark's process, where it also plays the users; the bot under
test (ours, or a bare python-telegram-bot application) runs in a child process started as an
operator would start it, polling the simulator over HTTP on 127.0.0.1. So the bot's start-up,
memory and CPU time are its own, read from ``/proc`` (Linux), and the benchmark sees every call
the bot makes without a control protocol between the two.
"""

from __future__ import annotations

import asyncio
import compileall
import functools
import math
import os
import re
import signal
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

from bot.simulator.limits import Limits
from bot.simulator.server import FakeTelegram
from bot.simulator.world import Signal

ROOT = Path(__file__).resolve().parent.parent
BotKind = Literal["ours", "bare"]
Profiler = Literal["pyinstrument", "py-spy", "cprofile"]
_MODULES: dict[BotKind, list[str]] = {"ours": ["bot", "run"], "bare": ["bench.bare_bot"]}
_ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|^Traceback")


@dataclass(frozen=True, slots=True)
class Arrival:
    """One Bot API call as the simulator saw it: when it came in and how it was answered."""

    at: float  # time.monotonic()
    method: str
    params: dict[str, Any]
    status: int

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")


class BenchTelegram(FakeTelegram):
    """The simulator, noting the arrival time and answer of every call the bot makes."""

    def __init__(self, *, limits: Limits | None = None) -> None:
        super().__init__(limits=limits)
        self.arrivals: list[Arrival] = []
        self.first_poll_at: float | None = None
        self.arrived = Signal()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def _answer(self, method: str, raw: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        at = time.monotonic()
        if method == "getUpdates" and self.first_poll_at is None:
            self.first_poll_at = at
            self.arrived.notify()
        status, body = await super()._answer(method, raw)
        if method != "getUpdates":
            self.arrivals.append(Arrival(at, method, raw, status))
            self.arrived.notify()
        return status, body

    def accepted(self, method: str, since: int = 0) -> list[Arrival]:
        """Successful calls of ``method`` from arrival number ``since`` on."""
        return [a for a in self.arrivals[since:] if a.method == method and a.status == 200]

    async def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Wait until ``condition()`` holds, re-checked on every call the bot makes."""
        if not await self.arrived.wait_until(condition, timeout):
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


class Tally:
    """The accepted calls that match ``wanted``, gathered as they arrive.

    Each call is looked at once, so waiting on a count costs nothing per call already seen (the
    simulator answering the bot shares this process).
    """

    def __init__(self, sim: BenchTelegram, wanted: Callable[[Arrival], bool]) -> None:
        self.sim = sim
        self.wanted = wanted
        self.hits: list[Arrival] = []
        self.chats: set[int | None] = set()  # the chats the hits went to
        self._seen = len(sim.arrivals)

    def count(self) -> int:
        arrivals = self.sim.arrivals
        for index in range(self._seen, len(arrivals)):
            arrival = arrivals[index]
            if arrival.status == 200 and self.wanted(arrival):
                self.hits.append(arrival)
                self.chats.add(arrival.chat_id)
        self._seen = len(arrivals)
        return len(self.hits)

    async def wait(self, count: int, timeout: float, what: str) -> list[Arrival]:  # noqa: ASYNC109
        """Wait for ``count`` hits; the hits (raises TimeoutError)."""
        await self.sim.wait_for(lambda: self.count() >= count, timeout, what)
        return self.hits


@dataclass(frozen=True)
class Usage:
    """The child process's memory (MB) and CPU time (s) so far."""

    peak_rss_mb: float
    rss_mb: float
    cpu_s: float
    # Context switches of all its threads so far (voluntary and not): each hand-over to
    # another thread (aiosqlite's) and each wait for the network is one.
    switches: int = 0


def _switches(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        for line in status.splitlines():
            name, _, value = line.partition(":")
            if name in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                total += int(value)
    return total


def process_usage(pid: int) -> Usage:
    """Peak and current resident memory, CPU time and context switches of a running
    process, from /proc."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            fields[name] = int(value.split()[0]) / 1024  # kB -> MB
    stat = Path(f"/proc/{pid}/stat").read_text()
    ticks = stat.rsplit(")", 1)[1].split()  # fields after the command name, from field 3
    cpu = (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return Usage(fields.get("VmHWM", 0.0), fields.get("VmRSS", 0.0), cpu, _switches(pid))


@functools.cache  # once per benchmark process
def compile_bytecode() -> None:
    """The bot's (and the bare bot's) bytecode, written next to the source as ``pip install``
    writes it for an installed package: a start-up is then timed as an installed bot starts.
    (The libraries' bytecode was written when pip installed them. Without this, a machine with
    PYTHONDONTWRITEBYTECODE set compiled the bot's 120 modules again at every start.)"""
    for package in ("bot", "bench"):
        compileall.compile_dir(ROOT / package, quiet=2)


class BotProcess:
    """A bot polling ``sim`` from a child process; stopped with SIGTERM like a service."""

    def __init__(
        self,
        kind: BotKind,
        sim: BenchTelegram,
        workdir: Path,
        *,
        database: Path | None = None,
        rate_limit: bool = True,
        profile: Path | None = None,
        profiler: Profiler = "pyinstrument",
        count_instructions: bool = False,
        core: int | None = None,
    ) -> None:
        self.kind = kind
        self.count_instructions = count_instructions
        self.core = core  # the one CPU the bot (all its threads) may run on; None: any
        self._counted = 0  # callgrind's dumps read so far
        self.sim = sim
        self.workdir = workdir
        self.database = database
        self.rate_limit = rate_limit
        self.profile = profile
        self.profiler = profiler
        self.log_path = workdir / f"{kind}.log"
        self._process: asyncio.subprocess.Process | None = None
        self._spy: asyncio.subprocess.Process | None = None
        self.started_at = 0.0
        self.problems: list[str] = []  # a bad exit, errors in the log: found by stop()

    def _environment(self) -> dict[str, str]:
        # Nothing of the caller's BOT_ configuration leaks in; no .env is read (cwd is empty).
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update(
            BOT_TOKEN=self.sim.token,
            BOT_API_BASE_URL=self.sim.base_url,
            BOT_RATE_LIMIT=str(self.rate_limit).lower(),
            BOT_LOG_LEVEL="WARNING",
        )
        if self.database is not None:
            env["BOT_DATABASE_PATH"] = str(self.database)
        return env

    async def start(self, timeout: float = 60.0) -> float:  # noqa: ASYNC109
        """Start the bot; returns the seconds until its first getUpdates call."""
        compile_bytecode()
        command = [sys.executable, "-m", *_MODULES[self.kind]]
        if self.profile is not None and self.profiler == "pyinstrument":
            command[1:1] = ["-m", "pyinstrument", "-r", "text", "-o", str(self.profile)]
        elif self.profile is not None and self.profiler == "cprofile":
            command[1:1] = ["-m", "cProfile", "-o", str(self.profile)]
        run_dir = self.workdir / f"run-{self.kind}"
        run_dir.mkdir(exist_ok=True)
        if self.count_instructions:
            # Under valgrind (about 40 times slower), counting nothing until the workload.
            command[0:0] = [
                "valgrind", "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={self._callgrind_file}", "--log-file=/dev/null",
            ]  # fmt: skip
            timeout *= 40
        if self.core is not None:  # from its first instruction: every thread it starts inherits
            command[0:0] = ["taskset", "--cpu-list", str(self.core)]
        self.started_at = time.monotonic()
        with self.log_path.open("wb") as log:
            self._process = await asyncio.create_subprocess_exec(
                *command,
                cwd=run_dir,
                env=self._environment(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        process = self._process

        def polling_or_dead() -> bool:
            return self.sim.first_poll_at is not None or process.returncode is not None

        deadline = time.monotonic() + timeout
        while not polling_or_dead() and time.monotonic() < deadline:
            # The child's exit is no call to the simulator: look every 50 ms as well.
            await self.sim.arrived.wait(0.05)
        if self.sim.first_poll_at is None:
            await self.stop()
            raise RuntimeError(f"the {self.kind} bot did not start polling:\n{self.log_tail()}")
        if self.profile is not None and self.profiler == "py-spy":
            await self._attach_py_spy(self.profile)
        return self.sim.first_poll_at - self.started_at

    async def _attach_py_spy(self, output: Path) -> None:
        """Sample the running bot while it holds the GIL (its Python CPU time) into collapsed
        stacks at ``output``."""
        spy = Path(sys.executable).with_name("py-spy")
        self._spy = await asyncio.create_subprocess_exec(
            str(spy), "record", "--pid", str(self.pid), "--rate", "250", "--format", "raw", "--gil",
            "--output", str(output), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(0.5)  # attached

    @property
    def _callgrind_file(self) -> Path:
        return self.workdir / f"callgrind-{self.kind}.out"

    async def _callgrind(self, *arguments: str) -> None:
        control = await asyncio.create_subprocess_exec(
            "callgrind_control", *arguments, str(self.pid),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        if await control.wait() != 0:
            raise RuntimeError(f"callgrind_control {' '.join(arguments)} failed")

    async def start_counting(self) -> None:
        """From now on, count the instructions the bot's process runs (``count_instructions``)."""
        if self.count_instructions:
            await self._callgrind("--instr=on")
            await self._callgrind("--zero")

    async def instructions(self) -> int | None:
        """The instructions run since ``start_counting`` (all threads: the event loop, SQLite's
        thread, the C libraries), counted by valgrind; None when not counting."""
        if not self.count_instructions:
            return None
        await self._callgrind("--dump")
        await self._callgrind("--instr=off")
        self._counted += 1
        dump = Path(f"{self._callgrind_file}.{self._counted}")
        text = await asyncio.to_thread(dump.read_text)
        found = re.search(r"^totals:\s+(\d+)", text, re.MULTILINE)
        if found is None:
            raise RuntimeError(f"no totals in {dump}")
        return int(found[1])

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def usage(self) -> Usage:
        return process_usage(self.pid)

    async def stop(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109
        """SIGTERM, and wait for a clean exit (SIGKILL after ``timeout``); the exit code."""
        if self._spy is not None:
            self._spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
            await self._spy.wait()
            self._spy = None
        process = self._process
        if process is None:
            return 0
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
        assert process.returncode is not None
        if process.returncode != 0:
            self.problems.append(f"{self.kind} bot exited with code {process.returncode}")
        self.problems += self.log_errors()
        return process.returncode

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def log_errors(self) -> list[str]:
        """Lines of the bot's log at ERROR or above, and tracebacks."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if _ERROR_LINE.search(line)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def fresh_database(path: Path) -> Path:
    """``path`` with no database left there from an earlier run (nor its -wal and -shm)."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return path


def query_one(path: Path, sql: str) -> tuple[Any, ...]:
    """One row from the bot's database, read after the bot has stopped."""
    with closing(sqlite3.connect(path)) as db:
        row = db.execute(sql).fetchone()
    return tuple(row) if row is not None else ()


def query_all(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return [tuple(row) for row in db.execute(sql)]


def database_mb(path: Path) -> float:
    """The database with its write-ahead log, in MB."""
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6
