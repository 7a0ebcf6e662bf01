"""The calendar file, read as Mozilla's ical.js reads it, and the VTIMEZONE it carries.

ical.js (the parser behind many web calendars) trusts the file's own VTIMEZONE rather than the
zone's name, so it shows what a wrong VTIMEZONE does: every date of a series must come out at
the wall-clock time planned, across both daylight-saving changes. Those tests install ical.js
from tests/calendar_js/package-lock.json (npm ci, once per session) and skip, saying why, where
Node.js or the npm registry is missing. The VTIMEZONE builder is also checked without Node,
against zoneinfo through dateutil's own VTIMEZONE reader.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dateutil_tz
from icalendar import Calendar

from bot.domain import (
    Constellation,
    ConstellationStatus,
    Meetup,
    MeetupKind,
    MeetupView,
    Occurrence,
)
from bot.views.calendar import ics_file
from bot.views.vtimezone import ZonePart, posix_rule, vtimezone, zone_parts
from bot.when import Recurrence

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NODE_PROJECT = Path(__file__).parent / "calendar_js"
FIRST_SATURDAY = Recurrence("monthly_weekday", weekday=5, nth=1)
ON_THE_15TH = Recurrence("monthly_day", day=15)
SECOND_TUESDAY = Recurrence("monthly_weekday", weekday=1, nth=2)
EVERY_SUNDAY = Recurrence("weekly", weekday=6)


# -- building what the file is made from (the view is a pure function) ------------------------


def meetup_view(
    zone: str,
    start_local: datetime,
    recurrence: Recurrence | None = None,
    *,
    length_minutes: int | None = None,
    cancelled: bool = False,
) -> MeetupView:
    constellation = Constellation(
        id=1,
        chat_id=-100,
        name="De Linde",
        language="nl",
        timezone=zone,
        status=ConstellationStatus.ACTIVE,
        link_token="token",
        created_at=NOW,
    )
    meetup = Meetup(
        id=7,
        constellation_id=1,
        number=1,
        kind=MeetupKind.MEETUP,
        title="Koffieavond",
        location="Bij Hanneke",
        ages=None,
        capacity=None,
        recurrence=recurrence.encode() if recurrence else None,
        start_local=start_local,
        timezone=zone,
        created_by=None,
        cancelled=False,
        length_minutes=length_minutes,
    )
    first = Occurrence(
        1, 7, start_local, start_local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC), cancelled
    )
    return MeetupView(constellation, meetup, first, ())


def occurrence(
    number: int, zone: str, slot: datetime, *, moved_to: datetime | None = None, off: bool = False
) -> Occurrence:
    """A stored date of meetup 7: at its slot, or ``moved_to`` (wall clock); ``off``: cancelled."""
    starts = (moved_to or slot).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return Occurrence(number, 7, slot, starts, cancelled=off)


def planned(zone: str, start_local: datetime, recurrence: Recurrence, count: int) -> list[datetime]:
    """The series' dates as the bot plans them (wall clock), as UTC instants by zoneinfo."""
    slots = recurrence.dateutil_rule(start_local).replace(count=count)
    return [slot.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) for slot in slots]


def iso(moment: datetime) -> str:
    """As JavaScript's toISOString() writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- ical.js --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ical_js(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/calendar_js/expand.mjs with the locked ical.js installed next to it.

    Installed into a directory of this session, not into the source tree, so that two test
    runs at once do not pull node_modules from under each other.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the ical.js checks need Node.js and npm, and they are not on the PATH")
    where = tmp_path_factory.mktemp("calendar_js")
    for name in ("package.json", "package-lock.json", "expand.mjs"):
        shutil.copy(NODE_PROJECT / name, where / name)
    # A cached copy will do; without a registry, give up after one retry (about ten seconds).
    command = [npm, "ci", "--prefer-offline", "--fetch-retries=1", "--no-audit", "--no-fund"]
    try:
        done = subprocess.run(  # noqa: S603 (a fixed command, no user input)
            command, cwd=where, capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.skip("npm ci took over 5 minutes (no npm registry?): ical.js checks skipped")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[0]
        pytest.skip(f"npm ci could not install ical.js (no npm registry?): {reason}")
    return where / "expand.mjs"


def read_with_ical_js(script: Path, data: bytes, count: int) -> list[tuple[str, str]]:
    """The first ``count`` dates of the file's event as ical.js expands them: (start, end) UTC."""
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(  # noqa: S603 (our own script, our own file)
        [node, str(script), str(count)], input=data, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return [(date["start"], date["end"]) for date in json.loads(done.stdout)]


def expected(starts: Sequence[datetime], length: timedelta) -> list[tuple[str, str]]:
    return [(iso(start), iso(start + length)) for start in sorted(starts)]


@pytest.mark.parametrize(
    ("zone", "recurrence", "start_local"),
    [
        ("Europe/Amsterdam", FIRST_SATURDAY, datetime(2027, 1, 2, 10, 0)),
        ("Europe/Amsterdam", ON_THE_15TH, datetime(2027, 1, 15, 19, 30)),
        ("America/New_York", SECOND_TUESDAY, datetime(2027, 1, 12, 19, 0)),
        ("Australia/Sydney", FIRST_SATURDAY, datetime(2027, 1, 2, 10, 0)),
    ],
    ids=["amsterdam-first-saturday", "amsterdam-15th", "new-york-second-tuesday", "sydney"],
)
def test_every_date_of_a_monthly_series_at_the_time_planned(
    ical_js: Path, zone: str, recurrence: Recurrence, start_local: datetime
) -> None:
    """14 months from a winter start: both changes, the wall clock kept (a summer date an hour
    off is the fault this guards against)."""
    data = ics_file(meetup_view(zone, start_local, recurrence), [], NOW)
    starts = planned(zone, start_local, recurrence, 14)
    assert read_with_ical_js(ical_js, data, 14) == expected(starts, timedelta(hours=2))
    summer = {start.astimezone(ZoneInfo(zone)).dst() != timedelta(0) for start in starts}
    assert summer == {True, False}  # the series does cross the changes


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/London",
        "Europe/Dublin",  # its POSIX rule calls winter the daylight-saving time
        "Asia/Tokyo",
        "UTC",
        "America/Santiago",  # "M9.1.6/24": the Sunday after the first Saturday
        "Asia/Jerusalem",  # "M3.4.4/26": the Friday after the fourth Thursday
        "America/Nuuk",  # "M3.5.0/-1": the Saturday before the last Sunday, 23:00
        "Pacific/Chatham",  # +12:45 and +13:45, changing at 2:45
        "Africa/Cairo",  # "M10.5.4/24" may fall on 1 November: the changes listed
        "Africa/Casablanca",  # changes still listed ahead (Ramadan): the changes listed
    ],
)
def test_every_sunday_of_a_year_in_zones_of_every_kind(ical_js: Path, zone: str) -> None:
    """Weekly, so a change placed a week wrong shows too."""
    start = datetime(2027, 1, 3, 12, 0)
    data = ics_file(meetup_view(zone, start, EVERY_SUNDAY), [], NOW)
    starts = planned(zone, start, EVERY_SUNDAY, 60)
    assert read_with_ical_js(ical_js, data, 60) == expected(starts, timedelta(hours=2))


def test_a_cancelled_date_is_left_out_and_a_moved_date_is_where_it_went(ical_js: Path) -> None:
    zone, start = "Europe/Amsterdam", datetime(2027, 1, 2, 10, 0)
    view = meetup_view(zone, start, FIRST_SATURDAY, length_minutes=90)
    dates = [
        occurrence(1, zone, start),
        occurrence(2, zone, datetime(2027, 3, 6, 10, 0), off=True),
        # Moved from Saturday 3 April to Sunday 4 April 15:00 (summer time by then).
        occurrence(3, zone, datetime(2027, 4, 3, 10, 0), moved_to=datetime(2027, 4, 4, 15, 0)),
        occurrence(4, zone, datetime(2027, 5, 1, 10, 0)),
        # From before the series was given its rhythm: no date of this RRULE, so not in it.
        occurrence(5, zone, datetime(2026, 12, 8, 19, 30), off=True),
    ]
    data = ics_file(view, dates, NOW)

    slots = planned(zone, start, FIRST_SATURDAY, 14)
    march, april = slots[2], slots[3]
    moved = datetime(2027, 4, 4, 15, 0, tzinfo=ZoneInfo(zone))
    starts = [s for s in slots if s not in (march, april)] + [moved]
    assert read_with_ical_js(ical_js, data, 13) == expected(starts, timedelta(minutes=90))

    events = Calendar.from_ical(data).walk("VEVENT")
    assert [event.get("RECURRENCE-ID") is None for event in events] == [True, False]
    master, override = events
    assert master["UID"] == override["UID"]
    assert data.count(b"EXDATE") == 1
    assert b"EXDATE;TZID=Europe/Amsterdam:20270306T100000" in data
    assert b"RECURRENCE-ID;TZID=Europe/Amsterdam:20270403T100000" in data
    assert b"DTSTART;TZID=Europe/Amsterdam:20270404T150000" in data
    assert b"DTEND;TZID=Europe/Amsterdam:20270404T163000" in data


def test_the_series_starts_at_its_first_date_whichever_date_was_pressed(ical_js: Path) -> None:
    """The button is on one date's card; the file is the whole series from its first slot, so
    its EXDATEs and RECURRENCE-IDs match dates its RRULE makes."""
    zone, start = "Europe/Amsterdam", datetime(2027, 1, 2, 10, 0)
    pressed = occurrence(3, zone, datetime(2027, 4, 3, 10, 0), moved_to=datetime(2027, 4, 4, 15, 0))
    view = meetup_view(zone, start, FIRST_SATURDAY)
    data = ics_file(MeetupView(view.constellation, view.meetup, pressed, ()), [pressed], NOW)
    assert b"DTSTART;TZID=Europe/Amsterdam:20270102T100000" in data
    assert read_with_ical_js(ical_js, data, 4)[3][0] == iso(
        datetime(2027, 4, 4, 15, 0, tzinfo=ZoneInfo(zone))
    )


@pytest.mark.parametrize(
    ("zone", "start_local", "length_minutes", "start_utc", "end_utc"),
    [
        ("Europe/Amsterdam", datetime(2027, 7, 10, 14, 0), None, "12:00", "14:00"),
        ("Europe/Amsterdam", datetime(2027, 7, 10, 14, 0), 150, "12:00", "14:30"),
        ("America/New_York", datetime(2027, 7, 10, 14, 0), 60, "18:00", "19:00"),
        ("America/New_York", datetime(2027, 1, 9, 14, 0), None, "19:00", "21:00"),
    ],
)
def test_a_single_date_with_its_end(
    ical_js: Path,
    zone: str,
    start_local: datetime,
    length_minutes: int | None,
    start_utc: str,
    end_utc: str,
) -> None:
    data = ics_file(meetup_view(zone, start_local, length_minutes=length_minutes), [], NOW)
    day = start_local.date().isoformat()
    assert read_with_ical_js(ical_js, data, 5) == [
        (f"{day}T{start_utc}:00.000Z", f"{day}T{end_utc}:00.000Z")
    ]
    assert b"RRULE:FREQ=YEARLY" in data


def test_ical_js_misreads_icalendars_own_rdate_form(ical_js: Path) -> None:
    """The fault this module fixes: icalendar's add_missing_timezones() lists the changes in
    one RDATE; ical.js reads its first value only, and every summer date comes an hour late."""
    zone, start = "Europe/Amsterdam", datetime(2027, 1, 2, 10, 0)
    ours = Calendar.from_ical(ics_file(meetup_view(zone, start, FIRST_SATURDAY), [], NOW))
    old = Calendar()
    for key in ("PRODID", "VERSION"):
        old.add(key, ours[key])
    old.add_component(ours.walk("VEVENT")[0])
    old.add_missing_timezones()
    data = old.to_ical()
    assert b"RRULE:FREQ=YEARLY" not in data and b"RDATE:" in data

    starts = planned(zone, start, FIRST_SATURDAY, 14)
    read = [
        datetime.fromisoformat(got.replace("Z", "+00:00"))
        for got, _ in read_with_ical_js(ical_js, data, 14)
    ]
    late = [got - meant for got, meant in zip(read, starts, strict=True)]
    in_summer = [meant.astimezone(ZoneInfo(zone)).dst() != timedelta(0) for meant in starts]
    assert late == [timedelta(hours=1) if summer else timedelta(0) for summer in in_summer]


# -- the file without Node --------------------------------------------------------------------


def test_a_cancelled_single_date_says_so() -> None:
    view = meetup_view("Europe/Amsterdam", datetime(2027, 7, 10, 14, 0), cancelled=True)
    event = Calendar.from_ical(ics_file(view, [], NOW)).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert "RRULE" not in event


def test_the_file_embeds_its_zone_once_in_the_yearly_form() -> None:
    view = meetup_view("Europe/Amsterdam", datetime(2027, 1, 2, 10, 0), FIRST_SATURDAY)
    calendar = Calendar.from_ical(ics_file(view, [], NOW))
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Amsterdam"
    assert [sub.name for sub in zone.subcomponents] == ["DAYLIGHT", "STANDARD"]
    assert "RDATE" not in zone.to_ical().decode()


# -- the VTIMEZONE builder --------------------------------------------------------------------


def part(
    daylight: bool, name: str, before: float, after: float, first: str, rrule: str | None
) -> ZonePart:
    return ZonePart(
        daylight,
        name,
        timedelta(hours=before),
        timedelta(hours=after),
        datetime.fromisoformat(first),
        rrule,
    )


@pytest.mark.parametrize(
    ("posix", "parts"),
    [
        (
            "CET-1CEST,M3.5.0,M10.5.0/3",  # Europe/Amsterdam
            [
                part(True, "CEST", 1, 2, "1970-03-29T02:00", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
                part(False, "CET", 2, 1, "1970-10-25T03:00", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
            ],
        ),
        (
            "GMT0BST,M3.5.0/1,M10.5.0",  # Europe/London
            [
                part(True, "BST", 0, 1, "1970-03-29T01:00", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
                part(False, "GMT", 1, 0, "1970-10-25T02:00", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
            ],
        ),
        (
            "EST5EDT,M3.2.0,M11.1.0",  # America/New_York
            [
                part(True, "EDT", -5, -4, "1970-03-08T02:00", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
                part(False, "EST", -4, -5, "1970-11-01T02:00", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
            ],
        ),
        (
            "AEST-10AEDT,M10.1.0,M4.1.0/3",  # Australia/Sydney: summer spans the new year
            [
                part(True, "AEDT", 10, 11, "1970-10-04T02:00", "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"),
                part(False, "AEST", 11, 10, "1970-04-05T03:00", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"),
            ],
        ),
        ("JST-9", [part(False, "JST", 9, 9, "1970-01-01T00:00", None)]),  # Asia/Tokyo
        ("UTC0", [part(False, "UTC", 0, 0, "1970-01-01T00:00", None)]),
        ("<-03>3", [part(False, "-03", -3, -3, "1970-01-01T00:00", None)]),  # America/Sao_Paulo
        (
            "IST-1GMT0,M10.5.0,M3.5.0/1",  # Europe/Dublin: "DST" is its winter
            [
                part(False, "GMT", 1, 0, "1970-10-25T02:00", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
                part(True, "IST", 0, 1, "1970-03-29T01:00", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
            ],
        ),
        (
            "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",  # America/Nuuk: a time below zero
            [
                part(
                    True,
                    "-01",
                    -2,
                    -1,
                    "1970-03-28T23:00",
                    "FREQ=YEARLY;BYMONTH=3;BYDAY=SA;BYMONTHDAY=24,25,26,27,28,29,30",
                ),
                part(False, "-02", -1, -2, "1970-10-25T00:00", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
            ],
        ),
        (
            "IST-2IDT,M3.4.4/26,M10.5.0",  # Asia/Jerusalem: a time past 24 hours
            [
                part(
                    True,
                    "IDT",
                    2,
                    3,
                    "1970-03-27T02:00",
                    "FREQ=YEARLY;BYMONTH=3;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29",
                ),
                part(False, "IST", 3, 2, "1970-10-25T02:00", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
            ],
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_zone_parts_from_a_posix_rule(posix: str, parts: list[ZonePart]) -> None:
    assert zone_parts(posix) == parts


@pytest.mark.parametrize(
    "posix",
    [
        "",
        "nonsense",
        "EST5EDT",  # summer time without its rule
        "<+0330>-3:30<+0430>,J79/24,J263/24",  # days of the year (Tehran until 2022)
        "XXX3YYY,0/0,J365/25",  # summer all year, written as days of the year
        "CET-1CEST,M2.4.0/49,M10.5.0/3",  # the fourth Sunday of February + 49 h: into March
        "CET-1CEST,M2.5.0/-1,M10.5.0/3",  # February's last week moves with leap years
        "CET-1CEST,M3.1.0/-1,M10.5.0/3",  # the Saturday before the first Sunday: in February
        "CET-1CEST,M13.1.0,M10.5.0/3",  # no 13th month
    ],
)
def test_a_rule_the_parts_cannot_say_gives_none(posix: str) -> None:
    assert zone_parts(posix) is None


def test_the_vtimezone_the_big_calendar_services_write() -> None:
    lines = vtimezone("Europe/Amsterdam", 2026).to_ical().decode().splitlines()
    assert lines == [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Amsterdam",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "TZNAME:CET",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_the_rule_is_read_from_the_zone_file_as_zoneinfo_finds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert posix_rule("Europe/Amsterdam") == "CET-1CEST,M3.5.0,M10.5.0/3"
    assert posix_rule("Asia/Tokyo") == "JST-9"
    monkeypatch.setattr(zoneinfo, "TZPATH", ())  # only the tzdata package is left
    assert posix_rule("America/New_York") == "EST5EDT,M3.2.0,M11.1.0"
    assert posix_rule("../../etc/passwd") is None
    assert posix_rule("Nowhere/Atlantis") is None


@pytest.mark.parametrize(
    "zone",
    [
        # Morocco leaves summer time for Ramadan each year: its TZif rule holds only after
        # the last listed change, so the yearly form would be wrong.
        "Africa/Casablanca",
        # Summer time ends on the Friday after the last Thursday of October: 1 November in
        # some years, which a yearly rule within one month cannot say.
        "Africa/Cairo",
    ],
)
def test_a_zone_the_yearly_form_cannot_say_gets_its_changes_listed(zone: str) -> None:
    """One value a line (ical.js reads only the first value of an RDATE), and every change,
    the short ones too (icalendar's own list misses a Ramadan between its 64-day steps)."""
    text = vtimezone(zone, 2026).to_ical().decode()
    assert "RRULE" not in text
    rdates = [line for line in text.splitlines() if line.startswith("RDATE")]
    assert rdates and all("," not in line for line in rdates)
    read = dateutil_tz.tzical(io.StringIO(text)).get(zone)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment.year < 2030:
        assert moment.astimezone(read).utcoffset() == moment.astimezone(ZoneInfo(zone)).utcoffset()
        moment += timedelta(hours=12)


ZONES = [
    "Europe/Amsterdam",
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
    "America/Santiago",
    "America/Nuuk",
    "Australia/Sydney",
    "Pacific/Chatham",
    "Asia/Jerusalem",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "UTC",
]


@pytest.mark.parametrize("zone", ZONES)
def test_the_vtimezone_agrees_with_zoneinfo_for_years_ahead(zone: str) -> None:
    """Read back by dateutil's VTIMEZONE reader: twice a day for eight years, zoneinfo's
    offset (the yearly form has no end, unlike the 1970-2038 list)."""
    text = vtimezone(zone, 2026).to_ical().decode()
    assert "RDATE" not in text
    read = dateutil_tz.tzical(io.StringIO(text)).get(zone)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    wrong = []
    while moment.year < 2034:
        if moment.astimezone(read).utcoffset() != moment.astimezone(ZoneInfo(zone)).utcoffset():
            wrong.append(moment)
        moment += timedelta(hours=12)
    assert wrong == []
