"""The constellation rules, against a real SQLite file."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.domain import (
    AlreadySetUp,
    CannotAssignBot,
    InvalidLink,
    MembershipStatus,
    NotAllowed,
    NotAMember,
    NotSetUp,
    Person,
    Role,
)
from bot.services.constellations import Actor, ConstellationService, clean_name
from tests.conftest import ADMIN_ID

ANNA = Person(1, "Anna")
BERT = Person(2, "Bert")
GROUP = -100


def admin(person: Person = ANNA) -> Actor:
    return Actor(person, is_group_admin=True)


async def test_setup_by_group_admin(service: ConstellationService, clock: FakeClock) -> None:
    result = await service.setup(GROUP, "Pleeggroep Linde", "", admin())
    assert result.constellation.name == "Pleeggroep Linde"
    assert result.constellation.created_at == clock.now()
    assert result.constellation.language == "nl"
    assert len(result.constellation.link_token) >= 16
    member = await service.member(GROUP, ANNA.user_id)
    assert member is not None and member.role is Role.MEMBER


async def test_setup_refusals(service: ConstellationService) -> None:
    with pytest.raises(NotAllowed):
        await service.setup(GROUP, "T", "", Actor(BERT))
    assert await service.for_chat(GROUP) is None
    await service.setup(GROUP, "T", "Eigen naam", admin())
    with pytest.raises(AlreadySetUp) as again:
        await service.setup(GROUP, "T", "", admin())
    assert again.value.constellation.name == "Eigen naam"


async def test_operator_may_manage_any_group(service: ConstellationService) -> None:
    operator = Actor(Person(ADMIN_ID, "Ops"), is_group_admin=False)
    result = await service.setup(GROUP, "T", "", operator)
    assert result.constellation.created_by == ADMIN_ID


def test_clean_name() -> None:
    assert clean_name("  De   Linde\n") == ("De Linde", False)
    assert clean_name("a\u200bb\x07c") == ("abc", False)
    name, trimmed = clean_name("x" * 100)
    assert trimmed and len(name) == 64 and name.endswith("…")


async def test_roles(service: ConstellationService) -> None:
    await service.setup(GROUP, "T", "", admin())
    with pytest.raises(NotAllowed):
        await service.assign_role(GROUP, BERT, Role.HUBHOME, Actor(BERT), target_is_bot=False)
    member = await service.assign_role(GROUP, BERT, Role.HUBHOME, admin(), target_is_bot=False)
    assert member.role is Role.HUBHOME
    # One role at a time: liaison replaces hub home.
    member = await service.assign_role(GROUP, BERT, Role.LIAISON, admin(), target_is_bot=False)
    assert member.role is Role.LIAISON
    with pytest.raises(CannotAssignBot):
        await service.assign_role(
            GROUP, Person(3, "Bot"), Role.HUBHOME, admin(), target_is_bot=True
        )
    with pytest.raises(NotSetUp):
        await service.assign_role(-999, BERT, Role.HUBHOME, admin(), target_is_bot=False)


async def test_constellations_stay_apart(service: ConstellationService) -> None:
    await service.setup(GROUP, "One", "", admin())
    await service.setup(-200, "Two", "", admin(BERT))
    await service.assign_role(GROUP, BERT, Role.HUBHOME, admin(), target_is_bot=False)
    two = await service.member(-200, BERT.user_id)
    assert two is not None and two.role is Role.MEMBER
    _, first = await service.members(GROUP)
    _, second = await service.members(-200)
    assert {m.user_id for m in first} == {ANNA.user_id, BERT.user_id}
    assert {m.user_id for m in second} == {BERT.user_id}


async def test_record_member_only_in_constellations(service: ConstellationService) -> None:
    assert await service.record_member(GROUP, BERT) is None
    await service.setup(GROUP, "T", "", admin())
    member = await service.record_member(GROUP, BERT)
    assert member is not None and member.status is MembershipStatus.ACTIVE


async def test_link_private_chat(service: ConstellationService) -> None:
    constellation = (await service.setup(GROUP, "T", "", admin())).constellation
    with pytest.raises(InvalidLink):
        await service.constellation_for_link("forged")
    found = await service.constellation_for_link(constellation.link_token)
    with pytest.raises(NotAMember):
        await service.link_private_chat(found, BERT, in_group=False)
    member = await service.link_private_chat(found, BERT, in_group=True)
    assert member.person.private_chat_linked
    await service.private_chat_lost(BERT.user_id)
    again = await service.member(GROUP, BERT.user_id)
    assert again is not None and not again.person.private_chat_linked


async def test_language_and_pause(service: ConstellationService) -> None:
    await service.setup(GROUP, "T", "", admin())
    with pytest.raises(NotAllowed):
        await service.set_language(GROUP, "en", Actor(BERT))
    assert (await service.set_language(GROUP, "en", admin())).language == "en"
    assert await service.bot_removed(GROUP)
    assert not await service.bot_removed(GROUP)  # already paused: nothing changes
    assert await service.bot_added(GROUP)
