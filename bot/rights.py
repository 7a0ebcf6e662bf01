"""What the bot can do in a group: from ``getMe`` (privacy mode) and its own ``getChatMember``.

One reading of Telegram's answers, used by ``doctor`` (in English, for the operator) and by
``/setup`` and ``/members`` (in the group's language, for its admins). With privacy mode on, a
bot that is not an admin gets only commands, replies to itself and service messages: members
who only chat are never seen. Being an admin (any rights, none needed) or privacy mode off
(``/setprivacy`` at @BotFather) lets it see every message. The bot pins and deletes nothing,
so no admin right matters beyond being one.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberOwner, ChatMemberRestricted


@dataclass(frozen=True, slots=True)
class BotRights:
    status: str  # Telegram's: "administrator", "member", "restricted", "left", "kicked"…
    admin: bool
    may_send: bool
    privacy: bool  # privacy mode on (getMe: can_read_all_group_messages is false)

    @property
    def present(self) -> bool:
        return self.status not in ("left", "kicked")

    @property
    def sees_all(self) -> bool:
        """Every message in the group reaches the bot, not only commands and replies."""
        return self.admin or not self.privacy

    @property
    def blind(self) -> bool:
        """In the group and able to speak, but deaf to members who only chat: what a group
        admin can mend (make the bot an admin)."""
        return self.present and self.may_send and not self.sees_all


def read_rights(member: ChatMember, *, privacy: bool) -> BotRights:
    """The bot's ``getChatMember`` answer about itself, and its privacy mode."""
    admin = isinstance(member, ChatMemberAdministrator | ChatMemberOwner)
    status, may_send = str(member.status), True
    if isinstance(member, ChatMemberRestricted):
        status = status if member.is_member else "left"
        may_send = member.can_send_messages
    return BotRights(status, admin, may_send, privacy)
