"""Configuration: defaults, parsing, and the one-line exit-2 error for bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings

GOOD_TOKEN = "123456789:AAHk-very_long_token_value_0123456789"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("BOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.token is None
    assert settings.api_base_url == "https://api.telegram.org/bot"
    assert settings.database_path == Path("data/constellation.db")
    assert (tmp_path / "data").is_dir()  # the database directory is created
    assert settings.timezone == "Europe/Amsterdam"
    assert settings.language == "nl"
    assert settings.admin_ids == frozenset()


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={GOOD_TOKEN}\nBOT_LANGUAGE=en\n")
    monkeypatch.setenv("BOT_ADMIN_IDS", "12, 34,56")
    monkeypatch.setenv("BOT_TIMEZONE", "Europe/Brussels")
    settings = load_settings()
    assert settings.token is not None
    assert settings.token.get_secret_value() == GOOD_TOKEN
    assert GOOD_TOKEN not in repr(settings)  # the secret stays hidden
    assert settings.language == "en"
    assert settings.admin_ids == frozenset({12, 34, 56})
    assert settings.timezone == "Europe/Brussels"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN"),
        ("BOT_TIMEZONE", "Mars/Olympus", "BOT_TIMEZONE"),
        ("BOT_LANGUAGE", "fr", "BOT_LANGUAGE"),
        ("BOT_ADMIN_IDS", "12,abc", "BOT_ADMIN_IDS"),
        ("BOT_API_BASE_URL", "ftp://example", "BOT_API_BASE_URL"),
        ("BOT_RETENTION_DAYS", "0", "BOT_RETENTION_DAYS"),
        ("BOT_RETENTION_DAYS", "forever", "BOT_RETENTION_DAYS"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(named + ":")
    assert "\n" not in message


def test_unwritable_database_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("BOT_DATABASE_PATH", str(blocker / "sub" / "db.sqlite"))
    with pytest.raises(ConfigError, match=r"^BOT_DATABASE_PATH:"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BOT_TOKEN", "12:short"), ("BOT_TIMEZONE", "Nowhere/Atall")],
)
def test_cli_exits_2_with_one_line(tmp_path: Path, variable: str, value: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env[variable] = value
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


def test_durations_and_quiet_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ESCALATE_AFTER", "1h30m")
    monkeypatch.setenv("BOT_ESCALATE_URGENT_AFTER", "20m")
    monkeypatch.setenv("BOT_QUIET_HOURS", "23:00-06:30")
    settings = load_settings()
    assert settings.escalate_after == timedelta(hours=1, minutes=30)
    assert settings.escalate_urgent_after == timedelta(minutes=20)
    assert str(settings.quiet_hours) == "23:00-06:30"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_ESCALATE_AFTER", "soon"),
        ("BOT_QUIET_HOURS", "late"),
        ("BOT_QUIET_HOURS", "25:00-7:00"),
    ],
)
def test_bad_durations_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=f"^{variable}:"):
        load_settings()


def test_meetup_reminders_and_announcement(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().reminders == (timedelta(hours=24), timedelta(hours=2))
    assert load_settings().announce_ahead == timedelta(days=7)
    monkeypatch.setenv("BOT_REMINDERS", "30m, 2d,2h")
    monkeypatch.setenv("BOT_ANNOUNCE_AHEAD", "14d")
    settings = load_settings()
    assert settings.reminders == (timedelta(days=2), timedelta(hours=2), timedelta(minutes=30))
    assert settings.announce_ahead == timedelta(days=14)
    monkeypatch.setenv("BOT_REMINDERS", "24h,soon")
    with pytest.raises(ConfigError, match="BOT_REMINDERS"):
        load_settings()


@pytest.mark.parametrize(
    ("values", "named", "why"),
    [
        ({"BOT_WEBHOOK_URL": "https://bot.example.org/tg"}, "BOT_WEBHOOK_SECRET", "required"),
        ({"BOT_WEBHOOK_URL": "http://bot.example.org/tg"}, "BOT_WEBHOOK_URL", "https://"),
        ({"BOT_WEBHOOK_URL": "https:///tg"}, "BOT_WEBHOOK_URL", "https://"),
        ({"BOT_WEBHOOK_URL": "https://bot.example.org:8080/tg"}, "BOT_WEBHOOK_URL", "8443"),
        ({"BOT_WEBHOOK_PORT": "70000"}, "BOT_WEBHOOK_PORT", ""),
        ({"BOT_WEBHOOK_SECRET": "has space"}, "BOT_WEBHOOK_SECRET", "A-Z a-z 0-9 _ -"),
        ({"BOT_WEBHOOK_SECRET": "ümlaut"}, "BOT_WEBHOOK_SECRET", "A-Z a-z 0-9 _ -"),
        ({"BOT_WEBHOOK_SECRET": "x" * 257}, "BOT_WEBHOOK_SECRET", "1-256"),
    ],
)
def test_webhook_settings_are_checked(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], named: str, why: str
) -> None:
    for variable, value in values.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(named + ":")
    assert why in message
    assert "has space" not in message  # a secret is never repeated


def test_webhook_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().webhook_url is None  # long polling by default
    monkeypatch.setenv("BOT_WEBHOOK_URL", "https://bot.example.org/telegram/abc")
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", "A-z_09" * 40)
    monkeypatch.setenv("BOT_WEBHOOK_LISTEN", "0.0.0.0")  # noqa: S104 (in a container)
    monkeypatch.setenv("BOT_WEBHOOK_PORT", "8080")
    settings = load_settings()
    assert settings.webhook_path == "/telegram/abc"
    assert settings.webhook_secret is not None
    assert len(settings.webhook_secret.get_secret_value()) == 240
    assert "A-z_09" not in repr(settings)
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8080)  # noqa: S104


def test_the_health_and_webhook_ports_must_differ(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must differ"):
        load_settings(
            database_path=tmp_path / "bot.db",
            webhook_url="https://bot.example.org/telegram",
            webhook_secret="s3cret",
            webhook_port=8443,
            health_port=8443,
        )
