"""Sleepovers: the hub home's beds, asked for privately, answered by the hub home."""

from bot.services.sleepovers.service import Asked, Outlook, SleepoverService, SleepoverView

__all__ = ["Asked", "Outlook", "SleepoverService", "SleepoverView"]
