"""Benchmark 6: how long a report takes — one busy constellation's year, and an operator's.

The database is seeded directly (as the bot would have stored it) with a year of history for
one constellation: ten families, a help request most days (taken on, closed), two meetup or
activity dates a week with answers, private-line counts, a sleepover a week and its "Hoe ging
het?" counts. For the operator, 1,000 constellations with a month of lighter history each.
Timed: computing the figures, the chart (PNG), the PDF and the spreadsheet, as `/rapport` does
them.

    python -m bench.reports [--size tiny|small|full] [--runs N]
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import cli
from bench.harness import median
from bench.world import TIMEZONE, populate, seed_database
from bot.clock import FakeClock
from bot.figures import add_months
from bot.i18n import Translator
from bot.services.reports import ReportService
from bot.simulator.server import FakeTelegram
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, to_db_time
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository
from bot.storage.reports import ReportRepository
from bot.views.report_files import chart_png, csv_file, pdf_file

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SIZES = {"tiny": (2, 20), "small": (1, 200), "full": (1, 1000)}  # (busy, operator's)
PEOPLE = 12  # hub home, liaison, ten families


@dataclass
class Timing:
    figures_s: float
    chart_s: float
    pdf_s: float
    csv_s: float


@dataclass
class ReportsResult:
    size: str
    constellations: int
    busy: list[Timing] = field(default_factory=list)
    operator: list[Timing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    name = "reports"

    def lines(self) -> list[str]:
        lines = []
        for label, runs in (
            ("one constellation, a busy year (12 months)", self.busy),
            (f"operator, {self.constellations:,} constellations (12 months)", self.operator),
        ):
            lines.append(
                f"  {label}: figures {median([r.figures_s for r in runs]) * 1000:.0f} ms,"
                f" chart {median([r.chart_s for r in runs]) * 1000:.0f} ms,"
                f" PDF {median([r.pdf_s for r in runs]) * 1000:.0f} ms,"
                f" spreadsheet {median([r.csv_s for r in runs]) * 1000:.0f} ms"
            )
        return lines

    def figures(self) -> dict[str, float]:
        return {
            "busy_figures_s": median([r.figures_s for r in self.busy]),
            "operator_figures_s": median([r.figures_s for r in self.operator]),
            "busy_total_s": median(
                [r.figures_s + r.chart_s + r.pdf_s + r.csv_s for r in self.busy]
            ),
            "operator_total_s": median(
                [r.figures_s + r.chart_s + r.pdf_s + r.csv_s for r in self.operator]
            ),
        }


def _history(db: sqlite3.Connection, constellation: int, people: list[int], days: int) -> None:
    """A request most days, two dates a week with answers, line counts, a weekly sleepover."""
    rng = random.Random(constellation)  # noqa: S311 (made-up history, not secrets)
    families = people[2:]
    hubhome = people[0]
    requests: list[tuple[object, ...]] = []
    meetups: list[tuple[int, int, str, datetime]] = []
    stays: list[tuple[int, int, int, str, date, int, str, str]] = []
    occurrences: list[int | None] = []
    rsvps: list[tuple[object, ...]] = []
    counts: list[tuple[object, ...]] = []
    feedback: list[tuple[object, ...]] = []
    start = NOW - timedelta(days=days)
    for day in range(days):
        moment = start + timedelta(days=day, hours=rng.randint(7, 20))
        if rng.random() < 0.8:
            claimed = moment + timedelta(minutes=rng.randint(5, 300))
            requests.append(
                (
                    constellation,
                    len(requests) + 1,
                    rng.choice(families),
                    rng.choice(["babysitting", "transport", "advice", "items", "talk"]),
                    int(rng.random() < 0.2),
                    "resolved",
                    hubhome,
                    to_db_time(claimed),
                    to_db_time(claimed + timedelta(hours=3)),
                    rng.choice(["helped", "partly", "not_needed"]),
                    to_db_time(moment),
                    rng.choice([0, 0, 1]),
                )
            )
        if day % 3 == 0:
            meetups.append(
                (constellation, len(meetups) + 1, rng.choice(["meetup", "activity"]), moment)
            )
        if day % 7 == 0:
            first = (moment + timedelta(days=3)).date()
            stays.append(
                (
                    constellation,
                    len(stays) + 1,
                    rng.choice(families),
                    rng.choice(["planned", "planned", "emergency"]),
                    first,
                    rng.randint(1, 2),
                    to_db_time(moment),
                    to_db_time(moment + timedelta(minutes=rng.randint(2, 60))),
                )
            )
    for month in range(13):
        first = add_months(NOW.date().replace(day=1), -month)
        counts += [
            (constellation, f"{first:%Y-%m}", "line_messages", rng.randint(5, 40)),
            (constellation, f"{first:%Y-%m}", "line_conversations", rng.randint(1, 8)),
        ]
        feedback += [
            (constellation, f"{first:%Y-%m}", answer, rng.randint(1, 4))
            for answer in ("good", "okay", "hard")
        ]
    db.executemany(
        "INSERT INTO help_requests (constellation_id, number, requester_id, category, urgent,"
        " state, claimed_by, claimed_at, closed_at, outcome, created_at, escalation_stage)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        requests,
    )
    for cid, number, kind, moment in meetups:
        cursor = db.execute(
            "INSERT INTO meetups (constellation_id, number, kind, title, start_local, timezone,"
            " created_at) VALUES (?, ?, ?, 'Bijeenkomst', ?, ?, ?)",
            (cid, number, kind, moment.replace(tzinfo=None).isoformat(timespec="minutes"),
             TIMEZONE, to_db_time(moment)),
        )  # fmt: skip
        occurrence = db.execute(
            "INSERT INTO occurrences (meetup_id, slot, starts_at) VALUES (?, ?, ?)",
            (cursor.lastrowid, moment.replace(tzinfo=None).isoformat(timespec="minutes"),
             to_db_time(moment)),
        ).lastrowid  # fmt: skip
        occurrences.append(occurrence)
        for family in rng.sample(families, 5):
            rsvps.append(
                (occurrence, family, rng.choice(["yes", "maybe", "no"]), 1, to_db_time(moment))
            )
    db.executemany(
        "INSERT INTO rsvps (occurrence_id, user_id, answer, children, answered_at)"
        " VALUES (?, ?, ?, ?, ?)",
        rsvps,
    )
    db.executemany(
        "INSERT INTO sleepovers (constellation_id, number, family_id, kind, state, first_night,"
        " nights, children, asked_at, answered_at, answered_by)"
        " VALUES (?, ?, ?, ?, 'confirmed', ?, ?, 1, ?, ?, ?)",
        [
            (c, n, f, k, d.isoformat(), nights, a, b, hubhome)
            for c, n, f, k, d, nights, a, b in stays
        ],
    )
    db.executemany(
        "INSERT INTO monthly_counts (constellation_id, month, name, count) VALUES (?, ?, ?, ?)",
        counts,
    )
    db.executemany(
        "INSERT INTO sleepover_feedback (constellation_id, month, answer, count)"
        " VALUES (?, ?, ?, ?)",
        feedback,
    )


async def _seed(path: Path, constellations: int, days: int) -> None:
    sim = FakeTelegram()
    groups = populate(sim, constellations, PEOPLE)
    await seed_database(path, groups, NOW - timedelta(days=days + 1))
    db = sqlite3.connect(path)
    try:
        for group in groups:
            _history(db, group.number, [p.id for p in group.people], days)
        db.commit()
    finally:
        db.close()


async def _time(path: Path, constellations: int) -> Timing:
    db = Database(path)
    await db.open()
    try:
        service = ReportService(
            db,
            ReportRepository(),
            ConstellationRepository(),
            MembershipRepository(),
            OutboxRepository(),
            FakeClock(NOW),
            admin_ids=frozenset(),
        )
        places = await ConstellationRepository().all_active(db.reader)
        texts = Translator("nl")
        last = NOW.date().replace(day=1)
        started = time.perf_counter()
        report = await service.figures_for(
            places, add_months(last, -11), last, "nl", all_of_them=constellations > 1
        )
        figured = time.perf_counter()
        chart_png(report, texts, "nl")
        charted = time.perf_counter()
        pdf_file(report, texts, "nl")
        printed = time.perf_counter()
        csv_file(report, texts, "nl")
        done = time.perf_counter()
    finally:
        await db.close()
    return Timing(figured - started, charted - figured, printed - charted, done - printed)


async def run(size: str, runs: int) -> ReportsResult:
    busy, operator = SIZES[size]
    result = ReportsResult(size, operator)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        busy_db, operator_db = Path(tmp) / "busy.db", Path(tmp) / "operator.db"
        await _seed(busy_db, busy, 365)
        await _seed(operator_db, operator, 30)
        await _time(busy_db, busy)  # matplotlib's first import and font cache: not counted
        for _ in range(runs):
            result.busy.append(await _time(busy_db, busy))
            result.operator.append(await _time(operator_db, operator))
    return result


def main(argv: list[str] | None = None) -> list[ReportsResult]:
    args = cli.parser("reports", __doc__).parse_args(argv)
    return cli.run_and_print(run(args.size, cli.runs_for(args)), args)


if __name__ == "__main__":
    main(sys.argv[1:])
