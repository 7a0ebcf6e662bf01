"""The calendar file (.ics) of a meetup, read the same by every calendar.

A single date is one event. A series is one event repeating from its first date, with its
cancelled dates left out (EXDATE) and each moved date as its own event with the series' UID and
a RECURRENCE-ID. The embedded time zone is written by ``bot.views.vtimezone``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain import MeetupView, Occurrence
from bot.when import Recurrence

if TYPE_CHECKING:
    from icalendar import Event

# icalendar (and bot.views.vtimezone, which uses it) is imported when a file is made, not at
# start-up: it took 25 ms of every start (bench/README.md).

DEFAULT_LENGTH = timedelta(hours=2)  # a meetup planned without an end


def ics_file(view: MeetupView, occurrences: Sequence[Occurrence], now: datetime) -> bytes:
    """An RFC 5545 calendar: the date, or the whole series (``occurrences`` are its stored
    dates) without its cancelled dates and with its moved ones where they went."""
    from icalendar import Calendar

    from bot.views.vtimezone import vtimezone

    meetup = view.meetup
    zone = ZoneInfo(meetup.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//constellation-bot//NL")
    calendar.add("version", "2.0")
    calendar.add_component(vtimezone(meetup.timezone, now.year))
    if meetup.recurrence is None:
        occurrence = view.occurrence
        start = occurrence.starts_at.astimezone(zone)
        cancelled = occurrence.cancelled or meetup.cancelled
        calendar.add_component(_event(view, _uid(view, occurrence.id), start, now, cancelled))
    else:
        for event in _series(view, occurrences, zone, now):
            calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _series(
    view: MeetupView, occurrences: Sequence[Occurrence], zone: ZoneInfo, now: datetime
) -> list[Event]:
    from icalendar import vRecur

    meetup = view.meetup
    assert meetup.recurrence is not None
    recurrence = Recurrence.decode(meetup.recurrence)
    uid = _uid(view, None)
    # Wall-clock times with the zone, not through UTC: a slot in the spring gap stays 02:30,
    # as the RRULE makes it, and the reader moves it on as the series does.
    master = _event(view, uid, meetup.start_local.replace(tzinfo=zone), now, meetup.cancelled)
    master.add("rrule", vRecur(recurrence.rrule()))
    events = [master]
    # Only a date the RRULE makes from DTSTART can be left out or moved (not one of an
    # earlier rhythm, before the series was given a new one).
    slots = recurrence.dateutil_rule(meetup.start_local)
    for occurrence in sorted(occurrences, key=lambda o: o.slot):
        if occurrence.slot not in slots:
            continue
        slot = occurrence.slot.replace(tzinfo=zone)
        if occurrence.cancelled:
            master.add("exdate", slot)
        elif slot.astimezone(UTC) != occurrence.starts_at.astimezone(UTC):
            start = occurrence.starts_at.astimezone(zone)
            moved = _event(view, uid, start, now, meetup.cancelled)
            moved.add("recurrence-id", slot)
            events.append(moved)
    return events


def _uid(view: MeetupView, occurrence_id: int | None) -> str:
    """Stable per date (or per series): importing the file again updates, not duplicates."""
    meetup = view.meetup
    name = f"{meetup.constellation_id}-{meetup.id}"
    if occurrence_id is not None:
        name += f"-{occurrence_id}"
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, name)}@constellation-bot"


def _event(view: MeetupView, uid: str, start: datetime, now: datetime, cancelled: bool) -> Event:
    """An event from the wall-clock ``start`` (aware, in the meetup's zone)."""
    from icalendar import Event

    meetup = view.meetup
    length = timedelta(minutes=meetup.length_minutes) if meetup.length_minutes else DEFAULT_LENGTH
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + length)
    event.add("summary", meetup.title)
    if meetup.location:
        event.add("location", meetup.location)
    description = [view.constellation.name]
    if meetup.ages:
        description.append(meetup.ages)
    event.add("description", " · ".join(description))
    if cancelled:
        event.add("status", "CANCELLED")
    return event


def ics_name(view: MeetupView) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in view.meetup.title.lower()).strip("-")
    return f"{safe[:40] or 'meetup'}.ics"
