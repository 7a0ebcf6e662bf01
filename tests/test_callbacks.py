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


@pytest.mark.parametrize("arg", ["１", "+1", " 1", "1_0", "٣", "²", "1" * 19, "", "-1"])
def test_ids_are_plain_ascii_digits_that_fit_sqlite(arg: str) -> None:
    parsed = callbacks.parse(f"mt:v1:yes:{arg}")
    assert parsed is None or parsed.int_arg(0) is None


def test_a_missing_id_is_none() -> None:
    parsed = callbacks.parse("mt:v1:yes:7")
    assert parsed is not None
    assert (parsed.int_arg(0), parsed.int_arg(1)) == (7, None)
