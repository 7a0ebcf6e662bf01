"""Roles by reply and the members list."""

from __future__ import annotations

from bot.domain import Role
from tests.e2e.conftest import Scene


async def _role(scene: Scene, user_id: int) -> Role | None:
    member = await scene.bot.app.bot_data.services.constellations.member(scene.group.id, user_id)
    return member.role if member else None


async def test_admin_gives_roles_by_reply(scene: Scene) -> None:
    await scene.set_up("De Linde")
    hello = await scene.say(scene.hubhome, scene.group, "Hoi allemaal!")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    assert scene.last(scene.group).plain_text == (
        "🏠 Hanneke de Vries hoort nu bij het kerngezin van deze constellatie."
    )
    assert await _role(scene, scene.hubhome.id) is Role.HUBHOME

    note = await scene.say(scene.liaison, scene.group, "Ik ben Lotte van het bureau")
    await scene.say(scene.admin, scene.group, "/liaison", reply_to=note)
    assert "Lotte is nu contactpersoon" in scene.last(scene.group).plain_text
    assert await _role(scene, scene.liaison.id) is Role.LIAISON

    await scene.say(scene.admin, scene.group, "/lid", reply_to=note)
    assert "Lotte hoort nu bij de pleeggezinnen" in scene.last(scene.group).plain_text
    assert await _role(scene, scene.liaison.id) is Role.MEMBER


async def test_role_command_without_reply_explains(scene: Scene) -> None:
    await scene.set_up()
    await scene.say(scene.admin, scene.group, "/hubhome")
    text = scene.last(scene.group).plain_text
    assert "Beantwoorden" in text
    assert "/kerngezin" in text  # Dutch group: the Dutch spelling is suggested


async def test_non_admin_cannot_give_roles(scene: Scene) -> None:
    await scene.set_up()
    hello = await scene.say(scene.bert, scene.group, "hi")
    await scene.say(scene.anna, scene.group, "/kerngezin", reply_to=hello)
    assert "alleen een beheerder" in scene.last(scene.group).plain_text
    assert await _role(scene, scene.bert.id) is Role.MEMBER  # recorded when he spoke, no role


async def test_bots_get_no_role(scene: Scene) -> None:
    await scene.set_up()
    bot_message = scene.last(scene.group)
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=bot_message)
    assert "Rollen zijn voor mensen" in scene.last(scene.group).plain_text


async def test_roles_before_setup(scene: Scene) -> None:
    await scene.sim.add_bot_to_group(scene.group, by=scene.admin)
    await scene.bot.settle()
    hello = await scene.say(scene.hubhome, scene.group, "hoi")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    assert "nog geen constellatie" in scene.last(scene.group).plain_text


async def test_members_lists_people_by_role(scene: Scene) -> None:
    await scene.set_up("De Linde")
    hello = await scene.say(scene.hubhome, scene.group, "hoi")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    await scene.say(scene.anna, scene.group, "Goedemorgen")
    await scene.say(scene.bert, scene.group, "/leden")
    lines = scene.last(scene.group).plain_text.splitlines()
    assert lines[0] == "Constellatie De Linde"
    assert "🏠 Kerngezin: Hanneke de Vries" in lines
    assert "🤝 Contactpersoon: nog niemand" in lines
    # Members are remembered as they speak (Sandra by /setup, Anna and Bert by writing).
    assert "👪 Pleeggezinnen: Anna, Bert, Sandra Admin" in lines


async def test_privacy_mode_bot_learns_members_from_commands(scene: Scene) -> None:
    """Without admin rights the bot only sees commands; those still record the sender."""
    await scene.set_up("De Linde", bot_is_admin=False)
    await scene.say(scene.anna, scene.group, "Goedemorgen")  # never reaches the bot
    await scene.say(scene.bert, scene.group, "/leden")
    assert "👪 Pleeggezinnen: Bert, Sandra Admin" in scene.last(scene.group).plain_text.splitlines()


async def test_html_in_names_is_shown_literally(scene: Scene) -> None:
    await scene.set_up()
    tricky = scene.sim.add_user("<i>Eve</i>", last_name="&amp; <script>", language_code="nl")
    scene.sim.set_member_status(scene.group, tricky, "member")
    hello = await scene.say(tricky, scene.group, "hi")
    await scene.say(scene.admin, scene.group, "/kerngezin", reply_to=hello)
    confirmation = scene.last(scene.group)
    assert confirmation.plain_text.startswith("🏠 <i>Eve</i> &amp; <script> hoort nu bij")
    await scene.say(scene.admin, scene.group, "/members")
    assert "<i>Eve</i> &amp; <script>" in scene.last(scene.group).plain_text


async def test_other_groups_never_touch_this_constellation(scene: Scene) -> None:
    await scene.set_up("De Linde")
    other = scene.sim.add_group("Buurtapp", members=[scene.anna, scene.bert], admins=[scene.bert])
    await scene.sim.add_bot_to_group(other, by=scene.bert)
    await scene.bot.settle()
    hello = await scene.say(scene.anna, other, "hoi")
    await scene.say(scene.bert, other, "/kerngezin", reply_to=hello)
    assert "nog geen constellatie" in scene.last(other).plain_text
    assert await _role(scene, scene.anna.id) is None  # Anna never spoke in De Linde
    await scene.say(scene.bert, other, "/leden")
    assert "nog geen constellatie" in scene.last(other).plain_text


async def test_members_of_a_big_group_fit_one_message(scene: Scene) -> None:
    """/leden with 80 members with long names failed with "message is too long"."""
    await scene.set_up("De Linde")
    for number in range(80):
        person = scene.sim.add_user(f"Wilhelmina-Alexandra {number:02d}", last_name="v" * 60)
        await scene.sim.user_joins(scene.group, person)
        await scene.sim.send_message(person, scene.group, "Hallo")
    await scene.bot.settle()
    await scene.say(scene.anna, scene.group, "/leden")
    answer = scene.last(scene.group).plain_text
    assert answer.startswith("Constellatie De Linde")
    assert len(answer.encode("utf-16-le")) // 2 <= 4096
    families = next(line for line in answer.splitlines() if line.startswith("👪"))
    names = families.removeprefix("👪 Pleeggezinnen: ").split(", ")
    assert names[0] == "Anna" and names[-1].startswith("en nog ")
    assert len(names) - 1 + int(names[-1].removeprefix("en nog ")) == 80 + 2  # Anna, Sandra
