"""The bot's connection to Telegram: python-telegram-bot's ``ExtBot``, reading updates safely.

One update that python-telegram-bot cannot parse (a field it does not know the shape of, a
broken date) made ``get_updates`` fail for the whole batch: polling retried the same offset
for ever — thousands of calls a second, later updates never handled — and each retry logged
the whole batch, other members' texts and names included. Here each update is read on its
own: one that cannot be read is skipped (its id and the error type logged, nothing else), and
the next call asks Telegram for what comes after it, so it is never fetched again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


class ConstellationBot(ExtBot[None]):
    """``ExtBot`` whose ``get_updates`` skips what it cannot read."""

    __slots__ = ("_last_batch", "_read_through")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_batch: list[dict[str, Any]] = []
        self._read_through: int | None = None  # the highest update id skipped as unreadable

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if endpoint == "getUpdates" and data is not None and self._read_through is not None:
            # Past what could not be read: Telegram forgets it, we never see it again.
            offset = data.get("offset")
            if offset is None or offset <= self._read_through:
                data["offset"] = self._read_through + 1
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates":
            self._last_batch = list(result) if isinstance(result, list) else []
        return result

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,  # noqa: ASYNC109 (Telegram's long-polling wait, as in the parent)
        allowed_updates: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        try:
            return await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError):
            # The batch held something python-telegram-bot could not read: read them one by
            # one, keep the others.
            return self._readable(self._last_batch)

    def _readable(self, batch: list[dict[str, Any]]) -> tuple[Update, ...]:
        updates: list[Update] = []
        for raw in batch:
            update_id = raw.get("update_id")
            try:
                update = Update.de_json(raw, self)
            except Exception as exc:
                log.warning(
                    "update %s could not be read and was skipped: %s", update_id, type(exc).__name__
                )
                if isinstance(update_id, int):
                    self._read_through = max(self._read_through or update_id, update_id)
                continue
            if update is not None:
                self.insert_callback_data(update)
                updates.append(update)
        return tuple(updates)


@contextmanager
def unless_unchanged() -> Iterator[None]:
    """Around an edit: when the message already says it (a double tap, two people pressing,
    a redraw of what did not change), Telegram's "message is not modified" is no failure."""
    try:
        yield
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
