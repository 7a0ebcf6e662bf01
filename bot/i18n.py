"""Translations from gettext catalogs (``bot/locales/<lang>/LC_MESSAGES/messages.po``).

Message ids are stable keys (``setup.done``); every catalog must hold every key. Values are
HTML for Telegram's HTML parse mode with ``{placeholders}``; whatever is filled in is escaped
unless it is wrapped in :class:`Html` (text this code built and escaped itself).
"""

from __future__ import annotations

import gettext
import html
import re
import string
from collections.abc import Callable
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
    """Singular messages: key -> template."""
    return dict(_read(language)[0])


@cache
def load_plurals(language: str) -> tuple[dict[str, tuple[str, ...]], Callable[[int], int]]:
    """Plural messages (``msgid_plural``): key -> the forms, and the catalog's rule picking one."""
    _, forms, rule = _read(language)
    return dict(forms), rule


@cache
def _read(
    language: str,
) -> tuple[
    tuple[tuple[str, str], ...], tuple[tuple[str, tuple[str, ...]], ...], Callable[[int], int]
]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    singular: list[tuple[str, str]] = []
    plural: list[tuple[str, tuple[str, ...]]] = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, str):
            singular.append((message.id, str(message.string)))
        else:
            plural.append((str(message.id[0]), tuple(str(form) for form in message.string)))
    # The catalog's own Plural-Forms expression, as gettext evaluates it.
    rule = gettext.c2py(catalog.plural_expr)
    return tuple(singular), tuple(plural), rule


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
        self._plurals = {language: load_plurals(language) for language in LANGUAGES}

    def keys(self, language: str) -> set[str]:
        return set(self._catalogs[language]) | set(self._plurals[language][0])

    def plural_forms(self, language: str, key: str) -> tuple[str, ...]:
        return self._plurals[language][0][key]

    def plural_template(self, language: str, key: str, n: int) -> str:
        forms, rule = self._plurals.get(language) or self._plurals[self.default_language]
        if key not in forms:
            forms, rule = self._plurals[self.default_language]
        chosen = forms[key]
        return chosen[min(rule(n), len(chosen) - 1)]

    def plural(self, language: str, key: str, n: int, **values: object) -> Html:
        """A message in the form that fits ``n`` ("1 gezin komt", "3 gezinnen komen"), gettext
        style; ``{n}`` is the number itself."""
        template = self.plural_template(language, key, n)
        filled = {name: escape(value) for name, value in values.items()}
        return Html(template.format(n=n, **filled))

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
        for amount, key in ((days, "time.day"), (hours, "time.hour")):
            if amount:
                parts.append(
                    html.unescape(self.plural_template(language, key, amount)).format(n=amount)
                )
        if rest or not parts:
            parts.append(
                html.unescape(self.plural_template(language, "time.minute", rest)).format(n=rest)
            )
        return self.plain(language, "time.and").join(parts)
