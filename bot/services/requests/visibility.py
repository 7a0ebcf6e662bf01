"""Who may see a help request: one rule, asked by every path that shows one.

A request for the whole group is for every active member of its constellation. A request for
the hub home only is for the constellation's active hub home carers — nobody else learns what
it says, who asked, or even that it exists. The requester always sees their own.
"""

from __future__ import annotations

from bot.domain import HelpRequest, Role, Visibility


def may_see(request: HelpRequest, user_id: int, role: Role | None) -> bool:
    """``role``: the person's role in the request's constellation, None if not an active
    member."""
    if user_id == request.requester_id:
        return True  # one's own request, also after leaving the group
    if request.visibility is Visibility.HUBHOME:
        return role is Role.HUBHOME
    return role is not None


def shown_in_group(request: HelpRequest) -> bool:
    """Whether the request may appear in the group chat at all."""
    return request.visibility is Visibility.GROUP


def may_claim(request: HelpRequest, user_id: int, role: Role | None, *, members_may: bool) -> bool:
    """Who may take a request on: for the hub home only, a hub home carer; otherwise the hub
    home and the liaison, or every member where the group chose so. Never one's own."""
    if user_id == request.requester_id or role is None:
        return False
    if request.visibility is Visibility.HUBHOME:
        return role is Role.HUBHOME
    return role in (Role.HUBHOME, Role.LIAISON) or members_may


def may_resolve(request: HelpRequest, user_id: int, role: Role | None) -> bool:
    """Who may close a request with an outcome: whoever asked, whoever helps, or the hub
    home (of a hidden one too: only they can see it)."""
    return user_id in (request.requester_id, request.claimed_by) or role is Role.HUBHOME
