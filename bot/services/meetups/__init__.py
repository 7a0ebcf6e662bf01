"""Meetups and children's activities: plan, answer, cancel, move, announce and remind."""

from bot.domain import MAX_CHILDREN
from bot.services.meetups.forms import (
    FIELD_LIMIT,
    TITLE_LIMIT,
    FormError,
    MeetupForm,
    parse_form,
)
from bot.services.meetups.service import PLANNERS, Answered, MeetupService, recurrence_of

__all__ = [
    "FIELD_LIMIT",
    "MAX_CHILDREN",
    "PLANNERS",
    "TITLE_LIMIT",
    "Answered",
    "FormError",
    "MeetupForm",
    "MeetupService",
    "parse_form",
    "recurrence_of",
]
