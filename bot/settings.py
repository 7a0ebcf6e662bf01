"""Configuration from the environment (prefix ``BOT_``) and an optional ``.env`` file."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from bot.durations import DailyWindow, parse_duration
from bot.storage.checks import ensure_private_directory

# BotFather tokens look like "123456789:AAH..." (bot id, colon, at least 30 url-safe characters).
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")

Language = Literal["nl", "en"]


class ConfigError(Exception):
    """Configuration that cannot work; the message names the variable in one line."""


class Settings(BaseSettings):
    """Everything an operator configures; see config/example.env for the documented list."""

    model_config = SettingsConfigDict(
        env_prefix="BOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        arbitrary_types_allowed=True,
    )

    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    database_path: Path = Path("data/constellation.db")
    timezone: str = "Europe/Amsterdam"
    language: Language = "nl"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # Unclaimed help requests go to the hub home after this long (urgent ones sooner), and to
    # the liaison after twice that. Durations like 2h, 30m, 1h30m.
    escalate_after: timedelta = timedelta(hours=2)
    escalate_urgent_after: timedelta = timedelta(minutes=30)
    # Non-urgent escalations wait for the end of this window (constellation's local time).
    quiet_hours: Annotated[DailyWindow, NoDecode] = DailyWindow.parse("22:00-07:00")
    # Texts of closed help requests and the private line's routing ids are removed after this.
    retention_days: int = Field(default=90, ge=1, le=3650)
    # Meetups: reminders this long before each occurrence ("24h,2h"), and the next occurrence
    # of a series is announced this long before it.
    reminders: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(hours=24),
        timedelta(hours=2),
    )
    announce_ahead: timedelta = timedelta(days=7)
    # An emergency sleepover no hub home carer answered goes to the backup and the liaison
    # after this long (at any hour: quiet hours do not apply).
    emergency_after: timedelta = timedelta(minutes=15)
    # One call to Telegram that takes longer counts as failed (a notice is then retried).
    request_timeout: timedelta = timedelta(seconds=10)
    # Off only in the simulator's tests: Telegram's 20-messages-a-minute group limit would
    # otherwise make a scripted conversation crawl.
    rate_limit: bool = True
    log_level: str = "INFO"

    @field_validator("token", mode="before")
    @classmethod
    def _token_format(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not TOKEN_PATTERN.match(text.strip()):
            raise ValueError(
                "this does not look like a bot token from @BotFather (expected 123456789:ABC...)"
            )
        return text.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (try Europe/Amsterdam)") from exc
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(part) for part in parts if part)
            except ValueError as exc:
                raise ValueError("use comma-separated numeric Telegram user ids") from exc
        return value

    @field_validator("reminders", mode="before")
    @classmethod
    def _durations(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        parts = [part for part in value.replace(";", ",").split(",") if part.strip()]
        return tuple(sorted({parse_duration(part) for part in parts}, reverse=True))

    @field_validator(
        "escalate_after",
        "escalate_urgent_after",
        "announce_ahead",
        "emergency_after",
        "request_timeout",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _window(cls, value: object) -> object:
        return DailyWindow.parse(value) if isinstance(value, str) else value

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The default time zone for new constellations."""
        return ZoneInfo(self.timezone)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "settings"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"BOT_{field.upper()}: {message}"


def check_database_path(path: Path) -> None:
    """Create the database directory (private: 0700) and prove we may write there, or raise
    ConfigError."""
    directory = path.expanduser().resolve().parent
    try:
        ensure_private_directory(directory)
    except OSError as exc:
        raise ConfigError(
            f"BOT_DATABASE_PATH: cannot create directory {directory} ({exc.strerror})"
        ) from exc
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"BOT_DATABASE_PATH: {path} is not writable")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(f"BOT_DATABASE_PATH: directory {directory} is not writable")


def load_settings(**overrides: object) -> Settings:
    """Read and check the configuration; raise ConfigError with a one-line explanation."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_first_error(exc)) from None
    except SettingsError as exc:  # a value pydantic-settings could not even decode
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"BOT_{field.group(1).upper()}" if field else "settings"
        raise ConfigError(f"{name}: cannot read this value") from None
    check_database_path(settings.database_path)
    return settings
