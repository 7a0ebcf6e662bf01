from __future__ import annotations

from datetime import UTC, datetime

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


# -- the typed buttons: one parser per feature, refusing whatever a button never carried ------

ROUND_TRIPS = [
    callbacks.RequestButton(callbacks.RequestAction.CLAIM, callbacks.RequestRef(3, False, 42)),
    callbacks.RequestButton(callbacks.RequestAction.CLAIM, callbacks.RequestRef(3, True, 2)),
    callbacks.RequestButton(
        callbacks.RequestAction.OUTCOME, callbacks.RequestRef(3, True, 2), callbacks.Outcome.PARTLY
    ),
    callbacks.RequestButton(callbacks.RequestAction.CLAIM, 42),  # an older card's global id
    callbacks.RequestButton(callbacks.RequestAction.OUTCOME, 42, callbacks.Outcome.PARTLY),
    callbacks.MeetupButton(callbacks.MeetupAction.MORE, 7),
    callbacks.MeetupButton(callbacks.MeetupAction.CANCEL, 3, callbacks.CancelScope.ALL),
    callbacks.LineButton(callbacks.LineAction.PICK, 2, 1234),
    callbacks.LineButton(callbacks.LineAction.LIAISON, 9),
    callbacks.LineButton(callbacks.LineAction.REPLY, 9),
    callbacks.LineButton(callbacks.LineAction.STOP, 9),
    callbacks.LineButton(callbacks.LineAction.MORE, 0),
    callbacks.ForgetButton(callbacks.ForgetAction.YES),
    callbacks.MoreButton(callbacks.MoreTopic.HELP),
    callbacks.MoreButton(callbacks.MoreTopic.SETUP),
]


@pytest.mark.parametrize("button", ROUND_TRIPS, ids=lambda b: b.data())
def test_typed_buttons_round_trip(
    button: callbacks.RequestButton
    | callbacks.MeetupButton
    | callbacks.LineButton
    | callbacks.ForgetButton
    | callbacks.MoreButton,
) -> None:
    assert type(button).parse(button.data()) == button
    assert len(button.data().encode()) <= callbacks.MAX_BYTES


@pytest.mark.parametrize(
    "data",
    [
        "req:v1:claim",  # no request
        "req:v1:claim:4:5:6",  # more than a claim carries
        "req:v1:claim:4:q5",  # a number is plain, or P and plain
        "req:v1:claim:4:p",
        "req:v1:claim:4:pp5",
        "req:v1:claim:x:5",
        "req:v1:grab:4",  # no such action
        "req:v1:out:4",  # an outcome without the outcome
        "req:v1:out:4:x",  # an outcome that does not exist
        "mt:v1:claim:4",  # another feature's action
        "line:v1:pick:2",  # a pick names the message it passes on
        "forget:v1:yes:1001",  # a confirmation carries nobody
        "forget:v1:maybe",
        "mt:v1:cx:3:everything",
        "more:v1:help:1001",  # "More" carries nobody and nothing
        "more:v1:secrets",
    ],
)
def test_typed_buttons_refuse_what_was_never_offered(data: str) -> None:
    parsed = [
        button.parse(data)
        for button in (
            callbacks.RequestButton,
            callbacks.MeetupButton,
            callbacks.LineButton,
            callbacks.ForgetButton,
            callbacks.MoreButton,
        )
    ]
    assert parsed == [None, None, None, None, None]


def test_an_old_cancel_question_ignores_its_asker_and_an_undated_one_is_stale() -> None:
    cancel, scope = callbacks.MeetupAction.CANCEL, callbacks.CancelScope
    # "The whole series" from an older question carried the asker's id: ignored, not trusted.
    assert callbacks.MeetupButton.parse("mt:v1:cx:3:all:1001") == callbacks.MeetupButton(
        cancel, 3, scope.ALL
    )
    # "Only the next date" did not say which date: it could cancel a later one, so it is stale.
    assert callbacks.MeetupButton.parse("mt:v1:cx:3:one:1001") is None
    assert callbacks.MeetupButton.parse("mt:v1:cx:3:one") is None
    assert callbacks.MeetupButton.parse("mt:v1:cx:3:date") is None
    assert callbacks.MeetupButton.parse("mt:v1:cx:3:date:17") is None  # which date, not when
    when = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
    dated = callbacks.MeetupButton(cancel, 3, scope.ONE, callbacks.ShownDate.of(17, when))
    assert callbacks.MeetupButton.parse(dated.data()) == dated
    assert dated.shown is not None and dated.shown.starts_at == when
    assert len(dated.data().encode()) <= callbacks.MAX_BYTES


def test_a_request_button_says_what_its_card_shows_not_the_global_id() -> None:
    hidden = callbacks.RequestRef(constellation_id=3, hidden=True, number=2)
    assert callbacks.RequestButton(callbacks.RequestAction.CLAIM, hidden).data() == (
        "req:v1:claim:3:p2"
    )
    group = callbacks.RequestRef(constellation_id=3, hidden=False, number=5)
    assert callbacks.RequestButton(callbacks.RequestAction.DONE, group).data() == "req:v1:done:3:5"
