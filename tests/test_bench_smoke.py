"""The benchmarks at a tiny size, so they cannot rot; and the simulator's flood limits.

These never assert speed (CI machines are noisy): only what must hold at any speed — one
winner of a claim race, every reminder delivered exactly once, the figures printed.
"""

from __future__ import annotations

import shutil

import pytest

from bench import claims, fanout, growth, reports, scale, throughput
from bot.simulator.limits import Limits, Rate
from bot.simulator.server import FakeTelegram


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_thirty_messages_a_second_then_429_with_retry_after() -> None:
    clock = Clock()
    limits = Limits(clock=clock)
    for chat in range(30):
        assert limits.check("sendMessage", {"chat_id": 1000 + chat}) is None
    refused = limits.check("sendMessage", {"chat_id": 2000})
    assert refused is not None
    assert (refused.error_code, refused.retry_after) == (429, 1)
    assert refused.to_json()["parameters"] == {"retry_after": 1}
    clock.now += 0.04  # a little over 1/30 s: room for one more
    assert limits.check("sendMessage", {"chat_id": "2001"}) is None
    assert limits.check("sendMessage", {"chat_id": 2002}) is not None
    assert limits.refused == {"overall": 2}
    assert limits.accepted == 31


def test_twenty_a_minute_in_a_group_and_one_a_second_in_a_private_chat() -> None:
    clock = Clock()
    limits = Limits(clock=clock)
    for _ in range(20):
        assert limits.check("sendMessage", {"chat_id": -100}) is None
    in_group = limits.check("sendPhoto", {"chat_id": "-100"})
    assert in_group is not None and in_group.retry_after == 3  # one message per 3 s refills
    assert limits.check("sendMessage", {"chat_id": 7}) is None
    in_private = limits.check("copyMessage", {"chat_id": 7})
    assert in_private is not None and in_private.retry_after == 1
    clock.now += 1.0
    assert limits.check("sendMessage", {"chat_id": 7}) is None
    assert limits.refused == {"group": 1, "private": 1}


def test_only_messages_count() -> None:
    limits = Limits(overall=Rate(1, 1.0), clock=Clock())
    assert limits.check("sendMessage", {"chat_id": 1}) is None
    for method in ("editMessageText", "answerCallbackQuery", "sendChatAction", "getUpdates"):
        assert limits.check(method, {"chat_id": 2}) is None
    assert limits.check("forwardMessage", {"chat_id": 3}) is not None


async def test_the_simulator_refuses_beyond_its_limits_and_only_when_asked() -> None:
    assert FakeTelegram().limits is None
    sim = FakeTelegram(limits=Limits(overall=Rate(2, 60.0)))
    anna = sim.start_private(sim.add_user("Anna"))
    answers = [await sim.api("sendMessage", {"chat_id": anna.id, "text": "hoi"}) for _ in range(3)]
    assert [answer["ok"] for answer in answers] == [True, False, False]
    assert answers[1]["error_code"] == 429
    assert answers[1]["parameters"]["retry_after"] == 1  # the private chat's second
    assert len(sim.bot_messages(anna)) == 1  # a refused message has no effect


def test_throughput(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = throughput.main(["--size", "tiny", "--runs", "1"])
    assert result.claimed == [result.updates // 2]  # every request posted was taken on
    assert all(run.calls >= run.updates for runs in result.runs.values() for run in runs)
    assert result.problems == []
    assert "ours / bare" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="counting instructions needs valgrind")
def test_throughput_counts_instructions(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = throughput.main(["--size", "tiny", "--runs", "1", "--instructions"])
    assert result.problems == []
    assert result.claimed == [result.updates // 2]
    counts = [run.instructions for runs in result.runs.values() for run in runs]
    assert all(count and count > 100_000 * result.updates for count in counts)
    assert "instructions per update (valgrind)" in capsys.readouterr().out


def test_fanout_delivers_every_reminder_exactly_once(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = fanout.main(["--size", "tiny", "--runs", "1"])
    for runs in result.scenes.values():
        for run in runs:
            assert (run.lost, run.duplicated, run.pending, run.failed) == (0, 0, 0, 0)
            assert run.delivered == run.expected
    assert result.problems == []
    assert "of 30/s" in capsys.readouterr().out


def test_claim_race_has_exactly_one_winner(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = claims.main(["--size", "tiny", "--runs", "1"])
    assert all(run.exactly_one_winner for run in result.runs)
    assert all(len(run.latencies) == run.presses for run in result.runs)
    assert result.problems == []
    assert "p99" in capsys.readouterr().out


def test_scale(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = scale.main(["--size", "tiny", "--runs", "1"])
    (run,) = result.runs
    assert run.claimed == run.workload.updates // 2
    assert run.startup_s > 0 and run.peak_rss_mb > 0 and run.database_mb > 0
    assert result.problems == []
    assert "peak resident memory" in capsys.readouterr().out


def test_growth(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = growth.main(["--size", "tiny", "--runs", "1"])
    assert list(result.runs) == list(growth.SIZES["tiny"])
    for (run,) in result.runs.values():
        assert run.claimed == run.workload.updates // 2
    assert result.problems == []
    assert "constellations" in capsys.readouterr().out


def test_reports(capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = reports.main(["--size", "tiny", "--runs", "1"])
    (busy,) = result.busy
    assert busy.figures_s > 0 and busy.chart_s > 0 and busy.pdf_s > 0
    assert result.problems == []
    assert "operator, 20 constellations" in capsys.readouterr().out
