"""Constellation setup, membership, roles and private-chat linking — no Telegram types here."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.domain import (
    AlreadySetUp,
    CannotAssignBot,
    Constellation,
    ConstellationStatus,
    InvalidLink,
    Member,
    MembershipStatus,
    NotAllowed,
    NotAMember,
    NotSetUp,
    Person,
    Role,
)
from bot.storage.constellations import ConstellationRepository
from bot.storage.db import Database, Tx
from bot.storage.outbox import OutboxRepository
from bot.storage.people import MembershipRepository, PeopleRepository, same_names

NAME_LIMIT = 64
LANGUAGES = ("nl", "en")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, and whether Telegram says they administer the group they act in."""

    person: Person
    is_group_admin: bool = False


@dataclass(frozen=True, slots=True)
class SetupResult:
    constellation: Constellation
    name_was_trimmed: bool


def clean_name(raw: str, limit: int = NAME_LIMIT) -> tuple[str, bool]:
    """Collapse whitespace, drop control characters, cut to ``limit``; say if it was cut."""
    text = "".join(ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = " ".join(text.split())
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True


class ConstellationService:
    def __init__(
        self,
        db: Database,
        constellations: ConstellationRepository,
        people: PeopleRepository,
        memberships: MembershipRepository,
        outbox: OutboxRepository,
        clock: Clock,
        *,
        admin_ids: frozenset[int],
        default_language: str,
        default_timezone: str,
    ) -> None:
        self._db = db
        self._constellations = constellations
        self._people = people
        self._memberships = memberships
        self._outbox = outbox
        self._clock = clock
        self._admin_ids = admin_ids
        self._default_language = default_language
        self._default_timezone = default_timezone

    def may_manage(self, actor: Actor) -> bool:
        """Group admins manage their own group; BOT_ADMIN_IDS manage any constellation."""
        return actor.is_group_admin or actor.person.user_id in self._admin_ids

    async def for_chat(self, chat_id: int) -> Constellation | None:
        return await self._constellations.by_chat(self._db.reader, chat_id)

    async def for_id(self, constellation_id: int) -> Constellation | None:
        return await self._constellations.by_id(self._db.reader, constellation_id)

    async def person(self, user_id: int) -> Person | None:
        """Who the bot knows by this id; None for someone never met, or erased."""
        return await self._people.get(self._db.reader, user_id)

    async def active_role(self, constellation_id: int, user_id: int) -> Role | None:
        """The person's role in the constellation; None if they are not an active member."""
        return await self._memberships.active_role(self._db.reader, constellation_id, user_id)

    async def places(self, user_id: int) -> list[tuple[Constellation, Role]]:
        """The active constellations the person actively belongs to, with their role."""
        reader = self._db.reader
        places = []
        for constellation in await self._constellations.of_member(reader, user_id):
            role = await self._memberships.active_role(reader, constellation.id, user_id)
            if role is not None:
                places.append((constellation, role))
        return places

    async def set_members_may_claim(
        self, chat_id: int, allowed: bool, actor: Actor
    ) -> Constellation:
        constellation = await self.require(chat_id)
        if not self.may_manage(actor):
            raise NotAllowed("settings")
        async with self._db.transaction() as tx:
            await self._constellations.set_members_may_claim(tx, constellation.id, allowed)
        return await self.require(chat_id)

    async def require(self, chat_id: int) -> Constellation:
        constellation = await self.for_chat(chat_id)
        if constellation is None:
            raise NotSetUp(chat_id)
        return constellation

    async def setup(
        self, chat_id: int, group_title: str, requested_name: str, actor: Actor
    ) -> SetupResult:
        """Register a group as a constellation; only for those who may manage it.

        "Already set up" comes first: it is the more useful answer for anyone who asks.
        """
        existing = await self.for_chat(chat_id)
        if existing is not None:
            raise AlreadySetUp(existing)
        if not self.may_manage(actor):
            raise NotAllowed("setup")
        name, trimmed = clean_name(requested_name or group_title)
        if not name:
            name, trimmed = clean_name(group_title)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            created = await self._constellations.create(
                tx,
                chat_id=chat_id,
                name=name or "Constellatie",
                language=self._default_language,
                timezone=self._default_timezone,
                link_token=secrets.token_urlsafe(12),
                created_at=now,
                created_by=actor.person.user_id,
            )
            if created is not None:
                await self._join(tx, created.id, actor.person, now)
        if created is None:  # someone else ran /setup in the same instant
            raise AlreadySetUp(await self.require(chat_id))
        return SetupResult(created, trimmed)

    async def record_member(self, chat_id: int, person: Person) -> Member | None:
        """Remember someone who spoke in a constellation's group; None if it is no constellation.
        Nothing is written (no transaction at all) when the bot already knows them so."""
        constellation = await self.for_chat(chat_id)
        if constellation is None:
            return None
        known = await self._memberships.get(self._db.reader, constellation.id, person.user_id)
        active = known is not None and known.status is MembershipStatus.ACTIVE
        if active and known is not None and same_names(known.person, person):
            return known
        async with self._db.transaction() as tx:
            return await self._join(tx, constellation.id, person, self._clock.now())

    async def _join(self, tx: Tx, constellation_id: int, person: Person, now: datetime) -> Member:
        await self._people.upsert(tx, person, now, member_of=constellation_id)
        await self._memberships.ensure_active(tx, constellation_id, person.user_id, now)
        member = await self._memberships.get(tx, constellation_id, person.user_id)
        assert member is not None
        return member

    async def assign_role(
        self, chat_id: int, target: Person, role: Role, actor: Actor, *, target_is_bot: bool
    ) -> Member:
        """Give ``target`` one role in this group's constellation (it replaces any other)."""
        constellation = await self.require(chat_id)
        if not self.may_manage(actor):
            raise NotAllowed("roles")
        if target_is_bot:
            raise CannotAssignBot(target.user_id)
        async with self._db.transaction() as tx:
            member = await self._join(tx, constellation.id, target, self._clock.now())
            if member.role is not role:
                await self._memberships.set_role(tx, constellation.id, target.user_id, role)
            updated = await self._memberships.get(tx, constellation.id, target.user_id)
        assert updated is not None
        return updated

    async def members(self, chat_id: int) -> tuple[Constellation, list[Member]]:
        constellation = await self.require(chat_id)
        return constellation, await self._memberships.active(self._db.reader, constellation.id)

    async def member(self, chat_id: int, user_id: int) -> Member | None:
        constellation = await self.for_chat(chat_id)
        if constellation is None:
            return None
        return await self._memberships.get(self._db.reader, constellation.id, user_id)

    async def set_language(self, chat_id: int, language: str, actor: Actor) -> Constellation:
        constellation = await self.require(chat_id)
        if not self.may_manage(actor):
            raise NotAllowed("language")
        if language not in LANGUAGES:
            raise ValueError(language)
        async with self._db.transaction() as tx:
            await self._constellations.set_language(tx, constellation.id, language)
        return await self.require(chat_id)

    async def private_chat_started(self, person: Person) -> None:
        """The person wrote to the bot privately, so Telegram now lets the bot DM them."""
        known = await self.person(person.user_id)
        if known is not None and known.private_chat_linked and same_names(known, person):
            return  # nothing new: nothing written
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await self._private_chat_open(tx, person, now)

    async def _private_chat_open(self, tx: Tx, person: Person, now: datetime) -> None:
        await self._people.upsert(tx, person, now)
        await self._people.set_private_chat_linked(tx, person.user_id, True, now)

    async def private_chat_lost(self, user_id: int) -> None:
        """Telegram refused a DM (blocked, or never started): stop counting on the private chat."""
        async with self._db.transaction() as tx:
            await self._people.set_private_chat_linked(tx, user_id, False, self._clock.now())

    async def constellation_for_link(self, token: str) -> Constellation:
        constellation = await self._constellations.by_link_token(self._db.reader, token)
        if constellation is None:
            raise InvalidLink(token)
        return constellation

    async def link_private_chat(
        self, constellation: Constellation, person: Person, *, in_group: bool
    ) -> Member:
        """Link the person's private chat to a constellation whose group they are really in."""
        if not in_group:
            raise NotAMember(constellation.id)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await self._private_chat_open(tx, person, now)
            return await self._join(tx, constellation.id, person, now)

    async def migrated(self, old_chat_id: int, new_chat_id: int) -> bool:
        """The group was upgraded to a supergroup (reported up to three ways; moves once):
        the constellation and the notices waiting for the group follow it. Cards stay where
        they are: the old group's messages remain editable."""
        async with self._db.transaction() as tx:
            if not await self._constellations.move_chat(tx, old_chat_id, new_chat_id):
                return False
            await self._outbox.follow_chat(tx, old_chat_id, new_chat_id)
        return True

    async def bot_removed(self, chat_id: int) -> bool:
        async with self._db.transaction() as tx:
            return await self._constellations.set_status(tx, chat_id, ConstellationStatus.PAUSED)

    async def bot_added(self, chat_id: int) -> bool:
        """The bot is back in a paused constellation's group: what was held for it is due now."""
        async with self._db.transaction() as tx:
            resumed = await self._constellations.set_status(tx, chat_id, ConstellationStatus.ACTIVE)
            if resumed:
                await self._outbox.release(tx, chat_id, self._clock.now())
        return resumed
