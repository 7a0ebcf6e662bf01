"""Callback data: small, versioned, parsed in one place (``<feature>:v1:<action>[:<arg>…]``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit for callback_data
# The ids we put in buttons: ASCII digits that fit SQLite's 64-bit integers. int() would also
# take "٣", "+3", " 3" or "3_0", and a 20-digit id overflows in SQLite.
_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class CallbackData:
    feature: str
    action: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join((self.feature, VERSION, self.action, *self.args))
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {self.feature}:{self.action}")
        return data

    def int_arg(self, index: int) -> int | None:
        arg = self.args[index] if 0 <= index < len(self.args) else ""
        return int(arg) if _ID.fullmatch(arg) else None


def callback(feature: str, action: str, *args: object) -> str:
    return CallbackData(feature, action, tuple(str(arg) for arg in args)).encode()


def parse(data: str | None) -> CallbackData | None:
    """Decode callback data; None for anything forged, stale-versioned or malformed."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 3 or parts[1] != VERSION or not parts[0] or not parts[2]:
        return None
    return CallbackData(parts[0], parts[2], tuple(parts[3:]))


def pattern(feature: str) -> str:
    """Regex for a CallbackQueryHandler that takes one feature's buttons."""
    return rf"^{feature}:{VERSION}:"
