"""The person's rights (AVG/GDPR): to be forgotten; and keeping data no longer than needed."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.storage.privacy import Erased, PrivacyRepository, Retained


class PrivacyService:
    def __init__(self, repo: PrivacyRepository, clock: Clock, retention_days: int) -> None:
        self._repo = repo
        self._clock = clock
        self.retention_days = retention_days

    async def forget(self, user_id: int) -> Erased:
        return await self._repo.forget(user_id, self._clock.now())

    async def apply_retention(self) -> Retained:
        return await self._repo.retain(self._clock.now() - timedelta(days=self.retention_days))
