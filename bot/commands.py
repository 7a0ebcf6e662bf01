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
    CARER = "carer"  # the hub home and the liaison (their beds, overview, report)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    dutch: str | None
    where: Where
    audience: Audience = Audience.EVERYONE
    # Old spellings that keep working (people's habits) but are never shown.
    old: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [self.name, *([self.dutch] if self.dutch else []), *self.old]

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
    Command("privateline", "privelijn", Where.PRIVATE, old=("hubhomeprive",)),
    Command("requests", "hulpvragen", Where.GROUP),
    Command("claim", "ikhelp", Where.GROUP),
    Command("release", "loslaten", Where.GROUP),
    Command("done", "klaar", Where.GROUP),
    Command("withdraw", "intrekken", Where.GROUP),
    Command("meetup", "bijeenkomst", Where.BOTH),
    Command("activity", "activiteit", Where.BOTH),
    Command("meetups", "agenda", Where.BOTH),
    Command("sleepover", "logeren", Where.PRIVATE),
    Command("beds", "bedden", Where.PRIVATE, Audience.CARER),
    Command("away", "weg", Where.PRIVATE, Audience.CARER),
    Command("overview", "overzicht", Where.PRIVATE, Audience.CARER),
    Command("report", "rapport", Where.PRIVATE, Audience.CARER),
    Command("weekly", "weekoverzicht", Where.PRIVATE),
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
# Every spelling that works (names, Dutch aliases, old aliases), lower case.
BY_SPELLING = {spelling: command for command in COMMANDS for spelling in command.names}


def names(name: str) -> list[str]:
    """All spellings of a command, for a CommandHandler."""
    return BY_NAME[name].names


def visible(*, in_group: bool, admin: bool, carer: bool = True) -> list[Command]:
    """The commands for this chat and person; ``carer``: hub home or liaison somewhere (the
    menus, one for every private chat, always show their commands)."""
    allowed = {Audience.EVERYONE}
    if admin:
        allowed.add(Audience.ADMIN)
    if carer:
        allowed.add(Audience.CARER)
    return [
        command
        for command in COMMANDS
        if command.fits(in_group=in_group) and command.audience in allowed
    ]


def known(word: str) -> Command | None:
    """The command a typed word names, in any spelling that works."""
    return BY_SPELLING.get(word.lower())


def nearest(word: str) -> Command | None:
    """The command someone most likely meant by an unknown word: a typo away (one in a short
    word, two in a longer one, never in its first letter) or sharing its first four letters
    (``logeerbed`` -> ``logeren``). None when nothing is that close: then it was probably
    meant for another bot, or for nobody."""
    word = word.lower()
    if len(word) < 3:
        return None
    allowed = 1 if len(word) <= 5 else 2
    best: tuple[tuple[int, int, int], Command] | None = None
    for spelling, command in BY_SPELLING.items():
        shared = _shared_start(word, spelling)
        distance = _typos(word, spelling)
        typo = distance <= allowed and shared >= 1
        if not (typo or shared >= 4):
            continue
        # A typo beats a shared start; then the longer shared start, then the fewer edits.
        rank = (0 if typo else 1, -shared, distance)
        if best is None or rank < best[0]:
            best = (rank, command)
    return best[1] if best is not None else None


def _shared_start(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _typos(a: str, b: str) -> int:
    """Edits from ``a`` to ``b``: a letter added, dropped, changed, or two swapped."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row = row, [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                row[j] = min(row[j], before[j - 2] + 1)
        before = previous
    return row[-1]
