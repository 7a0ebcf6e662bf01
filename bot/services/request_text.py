"""Reading a one-line help request: category tag, urgency, "when" tag and the text itself."""

from __future__ import annotations

import re
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


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    category: Category
    urgent: bool
    when: WhenKind
    text: str
    trimmed: bool


def parse_request(raw: str) -> ParsedRequest:
    """Tags anywhere are understood and removed; the first category tag wins."""
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

    text = _TAG.sub(take, raw)
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        # "!" on its own, or leading the text, marks the request urgent.
        if stripped == "!" or stripped.startswith("! ") or stripped == "!!":
            urgent = True
            stripped = stripped.lstrip("!").strip()
        if stripped:
            lines.append(" ".join(stripped.split()))
    body = "\n".join(lines)
    trimmed = units(body) > TEXT_LIMIT
    return ParsedRequest(category, urgent, when, cut(body, TEXT_LIMIT), trimmed)
