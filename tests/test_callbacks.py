from __future__ import annotations

import pytest

from bot import callbacks


def test_round_trip() -> None:
    data = callbacks.callback("req", "claim", 42)
    assert data == "req:v1:claim:42"
    parsed = callbacks.parse(data)
    assert parsed is not None
    assert (parsed.feature, parsed.action, parsed.int_arg(0)) == ("req", "claim", 42)


@pytest.mark.parametrize("data", [None, "", "req", "req:v0:claim:1", "req:v1:", "x" * 65, ":v1:a"])
def test_forged_or_stale_data_is_refused(data: str | None) -> None:
    assert callbacks.parse(data) is None


def test_never_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.callback("req", "claim", "é" * 40)
