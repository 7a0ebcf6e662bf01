"""`/help` and `/start`: short answers for one phone screen, every command behind "More"."""

from __future__ import annotations

from bot.commands import visible
from bot.domain import Constellation, Role
from bot.i18n import MESSAGE_LIMIT, Html, Translator, fit_lines


def short_help(texts: Translator, language: str, *, in_group: bool, admin: bool) -> Html:
    """The commands most people need here; admins get theirs on one more line."""
    text = texts(language, "help.group_short" if in_group else "help.private_short")
    if in_group and admin:
        return Html(f"{text}\n{texts(language, 'help.admin_short')}")
    return text


def full_help(
    texts: Translator, language: str, *, in_group: bool, admin: bool, carer: bool = True
) -> Html:
    """Every command that fits this chat and this person's role, each with what it does."""
    lines = [texts(language, "help.group" if in_group else "help.private"), ""]
    for command in visible(in_group=in_group, admin=admin, carer=carer):
        description = texts(language, command.description_key)
        lines.append(f"/{command.shown_as(language)} — {description}")
    if in_group and not admin:
        lines += ["", texts(language, "help.admin_hint")]
    return Html("\n".join(lines))


def greeting(
    texts: Translator, language: str, name: str, places: list[tuple[Constellation, Role]]
) -> Html:
    """Someone who belongs to a constellation is greeted as known, with what they can do
    there; anyone else hears what the bot is and how to link."""
    if not places:
        return texts(language, "start.plain", name=name)
    lines: list[str] = [
        texts(language, f"start.known_{role.value}", constellation=constellation.name)
        for constellation, role in places
    ]
    # Room for the greeting around them; a liaison may serve many constellations.
    places_text = Html(fit_lines(lines, limit=MESSAGE_LIMIT - 500))
    return texts(language, "start.known", name=name, places=places_text)
