"""The shape that makes the promises hold by construction, checked rather than hoped for.

Arrows point down: handlers -> services -> storage -> domain; handlers and delivery -> views.
Delivery and the scheduler never reach into handlers; services, storage and views send
nothing; every notice kind has exactly one renderer; a notice cannot carry a name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.delivery.registry import REGISTRY
from bot.domain import Notice, NoticeKind

BOT = Path(__file__).resolve().parents[1] / "bot"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def modules(*parts: str) -> list[Path]:
    paths: list[Path] = []
    for part in parts:
        target = BOT / part
        paths += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return paths


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (("delivery", "scheduler.py"), ("bot.handlers",)),
        (("services", "storage", "domain"), ("bot.handlers", "bot.delivery", "telegram")),
        (("views",), ("bot.handlers", "bot.delivery", "bot.services", "bot.storage")),
    ],
    ids=["delivery and scheduler", "services and storage", "views"],
)
def test_arrows_point_down(layer: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    wrong = [
        (path.relative_to(BOT).as_posix(), name)
        for path in modules(*layer)
        for name in imports_of(path)
        if any(name == f or name.startswith(f"{f}.") for f in forbidden)
    ]
    assert wrong == []


def test_no_handler_delivers_or_re_arms_by_itself() -> None:
    """After a change, delivery and the wake-up are the update processor's job, together."""
    wrong = [
        path.name
        for path in modules("handlers")
        for name in imports_of(path)
        if name in ("bot.scheduler", "bot.delivery") or name.startswith("bot.delivery.")
    ]
    assert wrong == []


def test_every_notice_kind_has_exactly_one_renderer() -> None:
    assert set(REGISTRY) == set(NoticeKind)


@pytest.mark.parametrize("value", ["Wilhelmina", "anna", "Hulp bij verhuizen"])
def test_a_notice_cannot_carry_a_name_or_a_text(value: str) -> None:
    with pytest.raises(ValueError, match="ids and enum words only"):
        Notice(NoticeKind.MEMBER_LEFT, "key", refs={"member": value})


def test_a_notice_carries_ids_numbers_and_enum_words() -> None:
    notice = Notice(
        NoticeKind.ESCALATION, "key", refs={"request": 3, "role": "hubhome", "open": (1, 2)}
    )
    assert notice.ref("request") == 3
    assert notice.token("role") == "hubhome"
    assert notice.numbers("open") == (1, 2)
