"""Translations from gettext catalogs (``bot/locales/<lang>/LC_MESSAGES/messages.po``).

Message ids are stable keys (``setup.done``); every catalog must hold every key. Values are
HTML for Telegram's HTML parse mode with ``{placeholders}``; whatever is filled in is escaped
unless it is wrapped in :class:`Html` (text this code built and escaped itself).
"""

from __future__ import annotations

import html
import re
import string
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("nl", "en")
MESSAGE_LIMIT = 4096  # Telegram's limit for a message's text, in units (see units())
_FORMATTER = string.Formatter()


class Html(str):
    """A piece of markup that is already safe; ``t()`` inserts it unescaped."""

    __slots__ = ()


def escape(value: object) -> Html:
    """Escape user text for Telegram's HTML mode (quotes too, for attribute values)."""
    return value if isinstance(value, Html) else Html(html.escape(str(value), quote=True))


def to_plain(markup: str) -> str:
    """Telegram HTML to plain text (for pop-ups, which take no markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def units(text: str) -> int:
    """Length as Telegram counts it for its limits: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` units (see :func:`units`), ending in "…" when it was cut."""
    if units(text) <= limit:
        return text
    kept: list[str] = []
    used = 1  # room for the "…"
    for char in text:
        used += units(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def fit_lines(lines: list[str], limit: int = MESSAGE_LIMIT) -> str:
    """Lines of Telegram HTML joined by newlines, as many as fit in one message (counting the
    text people see); a last "…" says that more were left out."""
    kept: list[str] = []
    used = units("\n…")
    for line in lines:
        used += units(to_plain(line)) + 1
        if used > limit:
            return "\n".join([*kept, "…"])
        kept.append(line)
    return "\n".join(kept)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


@cache
def load_catalog(language: str) -> dict[str, str]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string
    }


def normalise_language(code: str | None, fallback: str) -> str:
    """Telegram's language_code ("nl", "nl-BE", "en-GB"…) to one of ours, else the fallback."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return fallback


class Translator:
    """Renders catalog messages; falls back to the other language rather than crash a reply."""

    def __init__(self, default_language: str = "nl") -> None:
        self.default_language = default_language
        self._catalogs = {language: load_catalog(language) for language in LANGUAGES}

    def keys(self, language: str) -> set[str]:
        return set(self._catalogs[language])

    def template(self, language: str, key: str) -> str:
        catalog = self._catalogs.get(language) or self._catalogs[self.default_language]
        template = catalog.get(key)
        if template is None:
            for other in self._catalogs.values():
                if key in other:
                    return other[key]
            raise KeyError(f"missing message key {key!r}")
        return template

    def __call__(self, language: str, key: str, **values: object) -> Html:
        template = self.template(language, key)
        return Html(template.format(**{name: escape(value) for name, value in values.items()}))

    def plain(self, language: str, key: str) -> str:
        """A message without markup or placeholders, e.g. a button label or command description."""
        return html.unescape(self.template(language, key))

    def duration(self, language: str, minutes: int) -> str:
        """ "2 uur", "1 uur en 20 minuten", "3 dagen" (days only from two days on)."""
        days, rest = divmod(minutes, 24 * 60) if minutes >= 2 * 24 * 60 else (0, minutes)
        hours, rest = divmod(rest, 60)
        parts = []
        for amount, one, many in (
            (days, "time.day", "time.days"),
            (hours, "time.hour", "time.hours"),
        ):
            if amount:
                parts.append(self.plain(language, one if amount == 1 else many).format(n=amount))
        if rest or not parts:
            key = "time.minute" if rest == 1 else "time.minutes"
            parts.append(self.plain(language, key).format(n=rest))
        return self.plain(language, "time.and").join(parts)
