"""Configuration from the environment (prefix ``BOT_``) and an optional ``.env`` file."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from bot.durations import DailyWindow, parse_duration
from bot.storage.checks import ensure_private_directory

# BotFather tokens look like "123456789:AAH..." (bot id, colon, at least 30 url-safe characters).
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")
# What Telegram accepts as setWebhook's secret_token.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# The only ports Telegram posts webhooks to.
WEBHOOK_PORTS = (443, 80, 88, 8443)

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
    # /healthz (and /metrics) on this port; unset: no listener. 127.0.0.1 keeps it on this
    # machine (Docker's healthcheck runs inside the container and reaches it there); 0.0.0.0
    # only when something outside must reach it (Prometheus from another container).
    health_port: int | None = Field(default=None, ge=0, le=65535)
    health_host: str = "127.0.0.1"
    # getUpdates answering 409 Conflict for this long means another copy polls with the same
    # token: the bot stops (exit code 3). One 409 right after a restart is normal.
    conflict_grace: timedelta = timedelta(seconds=30)
    # Where backups are written (the nightly one too): doctor reports the newest one's age.
    backup_dir: Path | None = None
    # Webhook mode, for a bot behind a reverse proxy: Telegram posts every update to this
    # public HTTPS URL instead of the bot asking for updates. Unset: long polling (no open port).
    webhook_url: str | None = None
    # Where the bot listens for those posts; the proxy forwards the URL's path to here.
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Telegram sends it with every post (X-Telegram-Bot-Api-Secret-Token); a request without
    # it is refused. Required with BOT_WEBHOOK_URL: 1-256 characters of A-Z a-z 0-9 _ -.
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)

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
        "conflict_grace",
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

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        url = urlsplit(str(value).strip())
        if url.scheme != "https" or not url.hostname:
            raise ValueError("must be the public https:// address Telegram posts to")
        try:
            port = url.port
        except ValueError as exc:
            raise ValueError("has a port that is not a number") from exc
        if port not in (None, *WEBHOOK_PORTS):
            raise ValueError("Telegram posts only to ports 443, 80, 88 and 8443")
        return url.geturl()

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError("required with BOT_WEBHOOK_URL (1-256 of A-Z a-z 0-9 _ -)")
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not WEBHOOK_SECRET_PATTERN.match(text):
            # The value itself is never repeated: it is a secret.
            raise ValueError("use 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule)")
        return text

    @model_validator(mode="after")
    def _ports_apart(self) -> Settings:
        same_port = self.health_port is not None and self.health_port == self.webhook_port
        if self.webhook_url and same_port and self.health_port != 0:
            raise ValueError("BOT_HEALTH_PORT and BOT_WEBHOOK_PORT must differ")
        return self

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL: the bot listens there, the proxy forwards it as is."""
        return urlsplit(self.webhook_url or "").path or "/"

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
