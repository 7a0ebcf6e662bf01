"""The answer to ``/setup`` and the warning when the bot cannot see the group's messages."""

from __future__ import annotations

from bot.i18n import Html, Translator


def blind_warning(texts: Translator, language: str, bot: str, *, operator: bool = False) -> Html:
    """What a group admin changes when the bot sees only commands (``bot``: its @username);
    with ``operator``, also the way out for whoever runs the bot."""
    warning = texts(language, "rights.blind", bot=bot)
    if operator:
        return Html(f"{warning}\n{texts(language, 'rights.blind_operator')}")
    return warning


def setup_answer(
    texts: Translator,
    language: str,
    name: str,
    *,
    trimmed: bool = False,
    blind_as: str | None = None,
    more: bool = False,
) -> Html:
    """Done, and the two next steps; ``blind_as`` (the bot's @username) when it only sees
    commands; with ``more``, how the constellation works (the "More" button's text)."""
    parts = [texts(language, "setup.done", name=name)]
    if trimmed:
        parts.append(texts(language, "setup.trimmed"))
    if blind_as is not None:
        parts.append(blind_warning(texts, language, blind_as, operator=more))
    if more:
        parts.append(texts(language, "setup.more"))
    return Html("\n\n".join(parts))
