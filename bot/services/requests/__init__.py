"""Help requests: post, claim, release, resolve, withdraw, expire and escalate."""

from bot.services.requests.drafts import (
    EmptyRequest,
    EscalationPolicy,
    RequestDraft,
    end_of_day,
    needed_by,
)
from bot.services.requests.service import CLAIM_ROLES, MemberLeft, Posted, RequestService

__all__ = [
    "CLAIM_ROLES",
    "EmptyRequest",
    "EscalationPolicy",
    "MemberLeft",
    "Posted",
    "RequestDraft",
    "RequestService",
    "end_of_day",
    "needed_by",
]
