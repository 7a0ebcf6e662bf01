"""Both catalogs are complete, consistent and valid Telegram HTML; user text is escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.commands import COMMANDS
from bot.i18n import LANGUAGES, Html, Translator, normalise_language, placeholders
from bot.simulator.html_check import check_html

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"
KEY_IN_CODE = re.compile(r"""["']((?:[a-z_]+)\.[a-z_.]+)["']""")


@pytest.fixture(scope="module")
def texts() -> Translator:
    return Translator()


def test_every_key_in_both_languages(texts: Translator) -> None:
    nl, en = texts.keys("nl"), texts.keys("en")
    assert nl - en == set(), f"missing in English: {sorted(nl - en)}"
    assert en - nl == set(), f"missing in Dutch: {sorted(en - nl)}"


def test_keys_used_in_code_exist(texts: Translator) -> None:
    """Every literal key the code passes to the translator exists in both catalogs."""
    catalog = texts.keys("nl")
    prefixes = {key.split(".")[0] for key in catalog}
    used: set[str] = set()
    for path in BOT_DIR.rglob("*.py"):
        for key in KEY_IN_CODE.findall(path.read_text(encoding="utf-8")):
            if key.split(".")[0] in prefixes and not key.endswith((".", "_")):
                used.add(key)
    used |= {command.description_key for command in COMMANDS}
    missing = {key for key in used if key not in catalog and not key.endswith(".py")}
    assert missing == set()


def _templates(texts: Translator, language: str, key: str) -> list[str]:
    try:
        return [texts.template(language, key)]
    except KeyError:
        return list(texts.plural_forms(language, key))


def test_same_placeholders_and_valid_html(texts: Translator) -> None:
    for key in texts.keys("nl"):
        templates = {language: _templates(texts, language, key) for language in LANGUAGES}
        names = {frozenset().union(*map(placeholders, forms)) for forms in templates.values()}
        assert len(names) == 1, key
        for language, forms in templates.items():
            for template in forms:
                filled = template.format(**dict.fromkeys(placeholders(template), "x"))
                _, error = check_html(filled)
                assert error is None, f"{language}:{key}: {error}"


def test_plural_forms_follow_the_number(texts: Translator) -> None:
    """gettext plurals: each language's own rule picks the form, and {n} is the number."""
    assert [texts.duration("nl", m) for m in (1, 2, 61)] == [
        "1 minuut",
        "2 minuten",
        "1 uur en 1 minuut",
    ]
    assert texts.duration("en", 3 * 24 * 60 + 120) == "3 days and 2 hours"
    assert texts.plural("nl", "time.day", 1) == "1 dag"
    assert texts.plural("en", "time.minute", 0) == "0 minutes"


# A command as a message names it ("/instellen"), not a closing tag or a path ("</b>", "a/b").
COMMAND_IN_TEXT = re.compile(r"(?<![<\w/.@])/([a-z]+)\b")
OTHER_BOTS_COMMANDS = {"setprivacy"}  # @BotFather's, for whoever runs the bot


def _commands_named(texts: Translator, language: str) -> dict[str, set[str]]:
    """Every /command the catalog's messages name -> the keys naming it."""
    named: dict[str, set[str]] = {}
    for key in texts.keys(language):
        for template in _templates(texts, language, key):
            for word in COMMAND_IN_TEXT.findall(template):
                named.setdefault(word, set()).add(key)
    return named


def test_each_language_names_commands_as_its_menu_shows_them(texts: Translator) -> None:
    """Dutch text never says /setup where people type /instellen (and English text never
    shows a Dutch alias); every command named is one we have (or @BotFather's)."""
    for language in LANGUAGES:
        named = _commands_named(texts, language)
        shown = {command.shown_as(language) for command in COMMANDS}
        spelled = {name for command in COMMANDS for name in command.names}
        wrong = {word: keys for word, keys in named.items() if word in spelled - shown}
        assert wrong == {}, f"{language}: named as the other language's menu shows them"
        unknown = set(named) - spelled - OTHER_BOTS_COMMANDS
        assert unknown == set(), f"{language}: no such command"


def test_values_are_escaped(texts: Translator) -> None:
    rendered = texts("nl", "roles.hubhome", name='<b>Ann</b> & "Bo"')
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Bo&quot;" in rendered
    trusted = texts("en", "members.hubhome", names=Html("<i>x</i>"))
    assert "<i>x</i>" in trusted


def test_language_codes() -> None:
    assert normalise_language("nl-BE", "en") == "nl"
    assert normalise_language("en-GB", "nl") == "en"
    assert normalise_language("de", "nl") == "nl"
    assert normalise_language(None, "en") == "en"
