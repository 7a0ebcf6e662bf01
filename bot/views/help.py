"""``/help``: a short answer that fits one phone screen, and every command behind "More"."""

from __future__ import annotations

from bot.commands import visible
from bot.i18n import Html, Translator


def short_help(texts: Translator, language: str, *, in_group: bool, admin: bool) -> Html:
    """The commands most people need here; admins get theirs on one more line."""
    text = texts(language, "help.group_short" if in_group else "help.private_short")
    if in_group and admin:
        return Html(f"{text}\n{texts(language, 'help.admin_short')}")
    return text


def full_help(texts: Translator, language: str, *, in_group: bool, admin: bool) -> Html:
    """Every command that fits this chat and this person's role, each with what it does."""
    lines = [texts(language, "help.group" if in_group else "help.private"), ""]
    for command in visible(in_group=in_group, admin=admin):
        description = texts(language, command.description_key)
        lines.append(f"/{command.shown_as(language)} — {description}")
    if in_group and not admin:
        lines += ["", texts(language, "help.admin_hint")]
    return Html("\n".join(lines))
