"""The figures of a report: per month per constellation, and for a period, with the rule that
keeps any one family from being seen in them.

Plain data, shared by the reports service (which computes them), the views (text, CSV,
chart, PDF) and the monthly delivery. The definitions are in the README ("Reports").
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date

# A count from 1 to SMALL - 1 that comes from families' own actions is shown as "<3": in a
# small constellation it would point at one family. Zero is shown (it points at nobody).
SMALL = 3

# Counts that come from what families did (and so are hidden when small), by field name.
FAMILY_COUNTS = frozenset(
    {
        "requests",
        "urgent",
        "taken_on",
        "helped",
        "partly",
        "not_needed",
        "expired",
        "withdrawn",
        "escalated_hubhome",
        "escalated_liaison",
        "line_conversations",
        "line_messages",
        "families_coming",
        "children_at_activities",
        "nights_planned",
        "nights_emergency",
        "sleepovers_declined",
        "sleepovers_unanswered",
        "feedback_good",
        "feedback_okay",
        "feedback_hard",
        "families_active",
    }
)


@dataclass(frozen=True, slots=True)
class Figures:
    """One constellation (or all of them) over one month (or a period).

    Durations are minutes; a median or percentile is None when fewer than SMALL values
    went into it (it would describe one family's request).
    """

    constellation_id: int | None  # None: all constellations
    constellation: str
    first: date  # the first day of the first month
    last: date  # the first day of the last month
    # Help requests asked in the period, and what became of them.
    requests: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    urgent: int = 0
    taken_on: int = 0
    take_on_median: float | None = None
    take_on_p90: float | None = None
    helped: int = 0
    partly: int = 0
    not_needed: int = 0
    expired: int = 0
    withdrawn: int = 0
    escalated_hubhome: int = 0
    escalated_liaison: int = 0
    # The private line: counts only.
    line_conversations: int = 0  # members who wrote to the hub home (one per member per month)
    line_messages: int = 0
    # Meetups and children's activities held (not cancelled) in the period.
    meetups_held: int = 0
    activities_held: int = 0
    families_coming: int = 0  # "coming" answers, one per family per date
    children_at_activities: int = 0
    # Sleepovers: nights given (a stay of two nights counts two), by kind.
    nights_planned: int = 0
    nights_emergency: int = 0
    sleepovers_declined: int = 0
    sleepovers_unanswered: int = 0
    emergency_answer_median: float | None = None
    # "Hoe ging het?": the families' answers the morning after a stay, in the month it ended.
    # No total is shown: with one, a kind alone at "<3" could be worked out from it.
    feedback_good: int = 0
    feedback_okay: int = 0
    feedback_hard: int = 0
    # Families (members who are not hub home or liaison) at the end of the period.
    families: int = 0
    families_linked: int = 0
    families_active: int = 0  # did anything in the period (asked, helped, answered, wrote)


def protect(figures: Figures) -> Figures:
    """The figures as they may be shown, so that no family can be seen in them.

    With fewer than SMALL families every count that comes from families is theirs: each
    non-zero one is shown as "<3" (stored as 1, which every format shows so) and the medians
    go. A category alone at "<3" could be worked out from the total and the others: the next
    smallest category is merged with it (shown as "<3" too).
    """
    if figures.families < SMALL:
        hidden_counts = {name: min(getattr(figures, name), 1) for name in FAMILY_COUNTS}
        categories = {kind: min(count, 1) for kind, count in figures.by_category.items()}
        return replace(
            figures,
            **hidden_counts,
            by_category=categories,
            take_on_median=None,
            take_on_p90=None,
            emergency_answer_median=None,
        )
    small = [kind for kind, count in figures.by_category.items() if 0 < count < SMALL]
    others = sorted((count, kind) for kind, count in figures.by_category.items() if count >= SMALL)
    if len(small) == 1 and others:
        categories = dict(figures.by_category)
        categories[others[0][1]] = 1  # merged with the one small category: both "<3"
        return replace(figures, by_category=categories)
    return figures


def add_months(first: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``first``'s month."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    found, current = [], first.replace(day=1)
    while current <= last:
        found.append(current)
        current = add_months(current, 1)
    return found


def month_key(first: date) -> str:
    """ "2026-11" """
    return f"{first.year:04d}-{first.month:02d}"


def month_number(first: date) -> int:
    """202611, as buttons and notices carry a month."""
    return first.year * 100 + first.month


def from_month_number(number: int) -> date:
    return date(number // 100, number % 100, 1)


def counted_fields() -> list[str]:
    """The integer figures, in order (for the CSV's columns and the PDF's table)."""
    return [
        f.name
        for f in fields(Figures)
        if f.type in ("int", int) and f.name not in ("constellation_id",)
    ]


def shown(name: str, value: int) -> str:
    """A count as it may be shown: "<3" for a small family count, else the number."""
    if name in FAMILY_COUNTS and 0 < value < SMALL:
        return f"<{SMALL}"
    return str(value)


def hidden(name: str, value: int) -> bool:
    return name in FAMILY_COUNTS and 0 < value < SMALL


def minutes_shown(value: float | None) -> str:
    """ "1 u 20 m"-free: plain minutes rounded, or "—" when hidden or unknown."""
    return "—" if value is None else str(round(value))


@dataclass(frozen=True, slots=True)
class Report:
    """A report: the period's totals, one row per month (per constellation for operators),
    and for operators one total row per constellation."""

    title: str
    first: date
    last: date
    total: Figures
    months: tuple[Figures, ...]
    constellations: tuple[Figures, ...] = ()  # operators: one row per constellation
    language: str = "nl"

    @property
    def hides_something(self) -> bool:
        """Whether any figure shown is "<3" (then the footnote says why)."""
        rows = (self.total, *self.months, *self.constellations)
        return any(
            hidden(name, getattr(row, name)) for row in rows for name in FAMILY_COUNTS
        ) or any(0 < count < SMALL for row in rows for count in row.by_category.values())
