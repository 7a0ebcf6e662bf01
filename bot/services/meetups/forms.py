"""The one-line meetup form: ``<when> | <title> | <place> | <ages> | max N``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain import DomainError

TITLE_LIMIT = 100
FIELD_LIMIT = 100

_CAPACITY = re.compile(r"(?:max(?:imaal|imum)?|capaciteit|capacity)\s*:?\s*(\d{1,4})", re.I)
_AGES = re.compile(
    r"\d{1,2}\s*(?:[-–]\s*\d{1,2}|\+)(?:\s*(?:jaar|jr|years?|yrs|y))?"
    r"|\d{1,2}\s*(?:jaar|jr|years?|yrs)\b.*|(?:vanaf|from|tot|until|up to)\s+\d{1,2}.*",
    re.I,
)


class FormError(DomainError):
    """The one-line form could not be read; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MeetupForm:
    """``<when> | <title> | <location> | <ages> | max N`` as typed (all but when/title optional)."""

    when: str
    title: str
    location: str | None = None
    ages: str | None = None
    capacity: int | None = None


def parse_form(raw: str, *, require_title: bool = True) -> MeetupForm:
    """Split the one-line form; after the title, parts are recognised by their shape."""
    parts = [part.strip() for part in raw.split("|")]
    if not any(parts):
        raise FormError("empty")
    when, title, rest = parts[0], parts[1] if len(parts) > 1 else "", parts[2:]
    if require_title and not title:
        raise FormError("no_title")
    location = ages = None
    capacity = None
    for part in rest:
        if not part or part == "-":
            continue
        if (match := _CAPACITY.fullmatch(part)) is not None:
            capacity = int(match.group(1))
            if capacity < 1:
                raise FormError("capacity")
        elif ages is None and _AGES.fullmatch(part):
            ages = part
        elif location is None:
            location = part
    if len(title) > TITLE_LIMIT or any(
        len(value) > FIELD_LIMIT for value in (location, ages) if value
    ):
        raise FormError("too_long")
    return MeetupForm(when, title, location, ages, capacity)
