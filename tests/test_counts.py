"""Counts read right in both languages: "1 komt", "1 nacht", "1 gesprek" — gettext plurals in
the meetup, sleepover and report views, and day words in reminders ("Morgen om 15:00")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import domain
from bot.domain import Answer, MeetupKind, MeetupView, Rsvp
from bot.i18n import Translator, to_plain
from bot.views.meetups import answer_lines, reminder_text, starts_text
from bot.views.reports import counted
from bot.views.sleepovers import children_text, nights_text

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # Sunday 10:00 in Amsterdam
ZONE = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def texts() -> Translator:
    return Translator()


def activity(*rsvps: Rsvp, kind: MeetupKind = MeetupKind.ACTIVITY) -> MeetupView:
    active = domain.ConstellationStatus.ACTIVE
    constellation = domain.Constellation(1, -100, "De Linde", "nl", ZONE, active, "token", NOW)
    start = datetime(2026, 11, 28, 14, 0)
    meetup = domain.Meetup(
        1, 1, 1, kind, "Zwemmen", None, None, None, None, start, ZONE, None, cancelled=False
    )
    occurrence = domain.Occurrence(1, 1, start, datetime(2026, 11, 28, 13, 0, tzinfo=UTC), False)
    return MeetupView(constellation, meetup, occurrence, rsvps)


def rsvp(user_id: int, answer: Answer, children: int = 0) -> Rsvp:
    return Rsvp(user_id, f"Gezin{user_id}", answer, children, NOW)


def test_one_family_with_one_child_and_the_children_in_all(texts: Translator) -> None:
    view = activity(rsvp(1, Answer.YES, 1), rsvp(2, Answer.YES, 2), rsvp(3, Answer.MAYBE, 1))
    assert [to_plain(line) for line in answer_lines(texts, "nl", view)] == [
        "✅ Komen: Gezin1 (+1 kind), Gezin2 (+2 kinderen)",
        "👧 In totaal 3 kinderen",
        "🤔 Misschien: Gezin3 (+1 kind)",
    ]
    assert [to_plain(line) for line in answer_lines(texts, "en", view)][:2] == [
        "✅ Coming: Gezin1 (+1 child), Gezin2 (+2 children)",
        "👧 3 children in all",
    ]
    # One family: its line says it all, no total.
    alone = activity(rsvp(1, Answer.YES, 1))
    assert [to_plain(line) for line in answer_lines(texts, "nl", alone)] == [
        "✅ Komen: Gezin1 (+1 kind)"
    ]


def test_a_big_group_is_counted_in_the_form_that_fits(texts: Translator) -> None:
    many = [rsvp(n, Answer.YES, 1) for n in range(1, 16)]
    view = activity(*many, rsvp(16, Answer.NO), rsvp(17, Answer.WAITING))
    assert [to_plain(line) for line in answer_lines(texts, "nl", view)] == [
        "✅ 15 komen",
        "👧 In totaal 15 kinderen",
        "❌ 1 komt niet",
        "⏳ 1 op de wachtlijst",
    ]


@pytest.mark.parametrize(
    ("now", "length", "dutch", "english"),
    [
        (datetime(2026, 11, 28, 9, 0, tzinfo=UTC), None, "vandaag om 14:00", "today at 14:00"),
        (datetime(2026, 11, 27, 13, 0, tzinfo=UTC), None, "morgen om 14:00", "tomorrow at 14:00"),
        (NOW, 120, "zaterdag van 14:00 tot 16:00", "Saturday from 14:00 to 16:00"),
        (
            datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            None,
            "zaterdag 28 november om 14:00",
            "Saturday 28 November at 14:00",
        ),
    ],
)
def test_when_it_begins_in_words(
    texts: Translator, now: datetime, length: int | None, dutch: str, english: str
) -> None:
    starts = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
    assert starts_text(texts, "nl", starts, ZONE, length, now=now) == dutch
    assert starts_text(texts, "en", starts, ZONE, length, now=now) == english


def test_the_reminder_says_the_day_and_time_not_a_countdown(texts: Translator) -> None:
    view = activity(rsvp(1, Answer.YES, 2))
    day_before = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    assert to_plain(reminder_text(texts, "nl", view, day_before)) == (
        "⏰ Morgen om 14:00: 🎈 Zwemmen\n\n✅ Komen: Gezin1 (+2 kinderen)"
    )
    named = reminder_text(texts, "nl", view, day_before, ["Anna", "Bert & Co"])
    assert to_plain(named).splitlines()[0] == "Anna en Bert & Co: ⏰ Morgen om 14:00: 🎈 Zwemmen"
    assert "Bert &amp; Co" in named  # names are escaped


def test_sleepover_nights_and_children(texts: Translator) -> None:
    saturday = date(2026, 12, 5)
    assert nights_text(texts, "nl", saturday, 1) == "za 5 dec → zo 6 dec · 1 nacht"
    assert nights_text(texts, "en", saturday, 2).endswith("· 2 nights")
    assert children_text(texts, "nl", 1, None) == "1 kind"
    assert children_text(texts, "en", 3, "de tweeling") == "3 children (de tweeling)"


def test_beds_and_limits_in_the_singular(texts: Translator) -> None:
    assert to_plain(texts.plural("nl", "beds.set", 1, name="De Linde")) == (
        "🛏️ De Linde heeft nu 1 logeerbed."
    )
    assert to_plain(texts.plural("nl", "beds.in_use", 1)).startswith(
        "Op een nacht die nog komt slaapt al 1 kind;"
    )
    assert to_plain(texts.plural("nl", "beds.limit", 1)).startswith(
        "Grens per gezin per kwartaal: 1 nacht"
    )
    assert to_plain(texts.plural("nl", "sleepover.over_limit", 1, limit=2)).startswith(
        "⚠️ Dit gezin logeerde dit kwartaal al 1 nacht (jullie grens: 2)."
    )
    step = texts("nl", "sleepover.step_escalated", wait=texts.duration("nl", 60), who="Henk")
    assert to_plain(step) == (
        "⏱ Niemand van het kerngezin reageerde binnen 1 uur. Nu ook gevraagd: Henk."
    )


def test_report_counts_take_the_form_of_what_is_shown(texts: Translator) -> None:
    assert counted(texts, "nl", "report.count_conversations", "line_conversations", 1) == (
        "<3 gesprekken"  # hidden: a family's own count
    )
    assert counted(texts, "nl", "report.count_nights", "nights_planned", 0) == "0 nachten"
    assert counted(texts, "nl", "report.count_families", "families", 1) == "1 gezin"
    assert counted(texts, "en", "report.count_requests", "requests", 12) == "12 requests"
    assert to_plain(texts.plural("nl", "report.more_rows", 1)) == (
        "… en nog 1 constellatie: zie de spreadsheet."
    )


def test_a_meeting_counts_people_not_children(texts: Translator) -> None:
    view = activity(rsvp(1, Answer.YES, 2), kind=MeetupKind.MEETUP)
    assert [to_plain(line) for line in answer_lines(texts, "nl", view)] == ["✅ Komen: Gezin1"]
