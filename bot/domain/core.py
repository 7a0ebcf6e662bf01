"""People, constellations, their roles, and the errors every feature shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a person may do in one constellation."""

    MEMBER = "member"
    HUBHOME = "hubhome"
    LIAISON = "liaison"


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class ConstellationStatus(StrEnum):
    ACTIVE = "active"
    # The bot was removed from the group: nothing is sent there until it is added back.
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Person:
    """A Telegram user the bot has met; the private-chat flag says whether DMs can reach them."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    private_chat_linked: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True, slots=True)
class Constellation:
    """One hub home with its satellite families, living in one Telegram group."""

    id: int
    chat_id: int
    name: str
    language: str
    timezone: str
    status: ConstellationStatus
    link_token: str
    created_at: datetime
    created_by: int | None = None
    members_may_claim: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    """A person's place in one constellation."""

    constellation_id: int
    person: Person
    role: Role
    status: MembershipStatus
    joined_at: datetime

    @property
    def user_id(self) -> int:
        return self.person.user_id

    @property
    def display_name(self) -> str:
        return self.person.display_name


class DomainError(Exception):
    """A rule of the product said no; handlers turn it into a friendly message."""


class NotAllowed(DomainError):
    """The person may not do this here."""


class NotSetUp(DomainError):
    """The group is not (yet) a constellation."""


class AlreadySetUp(DomainError):
    """The group already is a constellation."""

    def __init__(self, constellation: Constellation) -> None:
        super().__init__(constellation.id)
        self.constellation = constellation


class InvalidLink(DomainError):
    """A deep link that belongs to no constellation (old, mistyped or forged)."""


class NotAMember(DomainError):
    """The person is not in the constellation's group."""


class CannotAssignBot(DomainError):
    """Roles are for people, not for bots."""
