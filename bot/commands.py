"""The command list: one place for names, Dutch aliases, where they work and who may use them.

``/help`` and Telegram's command menus (``setMyCommands``) are both built from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Where(StrEnum):
    GROUP = "group"
    PRIVATE = "private"
    BOTH = "both"


class Audience(StrEnum):
    EVERYONE = "everyone"
    ADMIN = "admin"  # Telegram group admins and BOT_ADMIN_IDS


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    dutch: str | None
    where: Where
    audience: Audience = Audience.EVERYONE

    @property
    def names(self) -> list[str]:
        return [self.name, self.dutch] if self.dutch else [self.name]

    def shown_as(self, language: str) -> str:
        """Dutch speakers see the Dutch alias in menus and help; both always work."""
        return self.dutch if language == "nl" and self.dutch else self.name

    @property
    def description_key(self) -> str:
        return f"cmd.{self.name}"

    def fits(self, *, in_group: bool) -> bool:
        return self.where is Where.BOTH or (self.where is Where.GROUP) == in_group


COMMANDS: tuple[Command, ...] = (
    Command("start", None, Where.PRIVATE),
    Command("help", "hulp", Where.BOTH),
    Command("request", "hulpvraag", Where.BOTH),
    Command("cancel", "annuleren", Where.PRIVATE),
    Command("privateline", "hubhomeprive", Where.PRIVATE),
    Command("requests", "hulpvragen", Where.GROUP),
    Command("claim", "ikhelp", Where.GROUP),
    Command("release", "loslaten", Where.GROUP),
    Command("done", "klaar", Where.GROUP),
    Command("withdraw", "intrekken", Where.GROUP),
    Command("meetup", "bijeenkomst", Where.BOTH),
    Command("activity", "activiteit", Where.BOTH),
    Command("meetups", "agenda", Where.BOTH),
    Command("sleepover", "logeren", Where.PRIVATE),
    Command("beds", "bedden", Where.PRIVATE),
    Command("away", "weg", Where.PRIVATE),
    Command("report", "rapport", Where.PRIVATE),
    Command("cancelmeetup", "afzeggen", Where.GROUP),
    Command("editmeetup", "wijzigen", Where.GROUP),
    Command("members", "leden", Where.GROUP),
    Command("link", "koppel", Where.GROUP),
    Command("setup", "instellen", Where.GROUP, Audience.ADMIN),
    Command("hubhome", "kerngezin", Where.GROUP, Audience.ADMIN),
    Command("liaison", "contactpersoon", Where.GROUP, Audience.ADMIN),
    Command("member", "lid", Where.GROUP, Audience.ADMIN),
    Command("language", "taal", Where.GROUP, Audience.ADMIN),
    Command("settings", "instellingen", Where.GROUP, Audience.ADMIN),
    Command("privacy", None, Where.BOTH),
    Command("forgetme", "vergeetmij", Where.PRIVATE),
)

BY_NAME = {command.name: command for command in COMMANDS}


def names(name: str) -> list[str]:
    """All spellings of a command, for a CommandHandler."""
    return BY_NAME[name].names


def visible(*, in_group: bool, admin: bool) -> list[Command]:
    return [
        command
        for command in COMMANDS
        if command.fits(in_group=in_group) and (admin or command.audience is Audience.EVERYONE)
    ]
