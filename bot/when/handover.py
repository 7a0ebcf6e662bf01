"""Drop-off and pick-up times typed with the nights of a stay ("vrijdag 18:00 tot zondag 11u").

Only unmistakable clock times are taken (19:30, 18u, 18 uur, 6pm), never "12.12", which in
a stay is a date. The first is when the children are brought, the second when they go home.
"""

from __future__ import annotations

import re

_TIME = re.compile(
    r"(?:\b(?:om|at|rond|around)\s+)?"
    r"\b(?P<hour>[01]?\d|2[0-3])(?:(?::(?P<minute>[0-5]\d))(?:\s*uur)?"
    r"|\s*(?:u|uur|h)(?P<dutch>[0-5]\d)?|\s*(?P<ampm>[ap])\.?m\.?)(?![\w:.])",
    re.IGNORECASE,
)


def handover_times(text: str) -> tuple[str, str | None, str | None]:
    """``text`` without its clock times, the drop-off and the pick-up time ("18:00")."""
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        hour = int(match["hour"])
        minute = int(match["minute"] or match["dutch"] or 0)
        if match["ampm"]:
            if not 1 <= hour <= 12:
                return match[0]
            hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
        found.append(f"{hour:02d}:{minute:02d}")
        return " "

    rest = " ".join(_TIME.sub(take, text).split())
    return rest, (found[0] if found else None), (found[1] if len(found) > 1 else None)
