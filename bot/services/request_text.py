"""Reading a one-line help request: category tag, urgency, "when" tag and the text itself."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain import Category, WhenKind
from bot.i18n import cut, units

# Kept of a request, counted as Telegram counts (an emoji is two): a card always fits
# Telegram's 4096 with room to spare, also with long names and every tag.
TEXT_LIMIT = 2000

CATEGORY_TAGS: dict[str, Category] = {
    "oppas": Category.BABYSITTING,
    "babysitting": Category.BABYSITTING,
    "logeren": Category.SLEEPOVER,
    "sleepover": Category.SLEEPOVER,
    "vervoer": Category.TRANSPORT,
    "transport": Category.TRANSPORT,
    "advies": Category.ADVICE,
    "advice": Category.ADVICE,
    "praten": Category.TALK,
    "talk": Category.TALK,
    "spullen": Category.ITEMS,
    "items": Category.ITEMS,
}
URGENT_TAGS = {"urgent", "dringend"}
WHEN_TAGS: dict[str, WhenKind] = {
    "vandaag": WhenKind.TODAY,
    "today": WhenKind.TODAY,
    "morgen": WhenKind.TOMORROW,
    "tomorrow": WhenKind.TOMORROW,
    "dezeweek": WhenKind.WEEK,
    "thisweek": WhenKind.WEEK,
}
_TAG = re.compile(r"(?<!\w)#(\w+)")
# The urgency tag typed with "!" ("!dringend", "!!urgent"): understood and removed like "#".
_BANG_TAG = re.compile(r"(?<![\w!])!+(?:dringend|urgent)(?!\w)[:.,]?", re.IGNORECASE)
# "!" leading the text, with or without a space ("!Kan iemand", "! Kan iemand", "!!"): urgent.
_LEADING_BANG = re.compile(r"!+\s*")


def _readable(text: str) -> bool:
    """Whether there is anything to read: a letter, a digit or an emoji, not only marks."""
    return any(char.isalnum() or unicodedata.category(char) == "So" for char in text)


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    category: Category
    urgent: bool
    when: WhenKind
    text: str
    trimmed: bool


def parse_request(raw: str) -> ParsedRequest:
    """Tags anywhere are understood and removed; the first category tag wins. A "!" leading
    the text marks the request urgent; text with nothing to read is no request."""
    category = Category.OTHER
    when = WhenKind.NONE
    urgent = False

    def take(match: re.Match[str]) -> str:
        nonlocal category, when, urgent
        tag = match.group(1).lower()
        if tag in CATEGORY_TAGS and category is Category.OTHER:
            category = CATEGORY_TAGS[tag]
        elif tag in URGENT_TAGS:
            urgent = True
        elif tag in WHEN_TAGS and when is WhenKind.NONE:
            when = WHEN_TAGS[tag]
        else:
            return match.group(0)  # not ours: keep it as the person wrote it
        return ""

    text, bangs = _BANG_TAG.subn("", raw)
    urgent = bangs > 0
    text = _TAG.sub(take, text)
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        leading = _LEADING_BANG.match(stripped)
        # Marks leading the text, or a line of marks alone; only the marks go, never the
        # first word. ("!Let op" further down is just how someone writes.)
        if leading and (not lines or leading.end() == len(stripped)):
            urgent = True
            stripped = stripped[leading.end() :]
        if stripped:
            lines.append(" ".join(stripped.split()))
    body = "\n".join(lines)
    if not _readable(body):
        body = ""  # "?!", "...": nothing anyone could help with
    trimmed = units(body) > TEXT_LIMIT
    return ParsedRequest(category, urgent, when, cut(body, TEXT_LIMIT), trimmed)
