"""Typed settings read from the environment and `.env`, built once in main() and passed down."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import DATA_DIR

TELEGRAM_API = "https://api.telegram.org/bot"
_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_PLACEHOLDER_HINTS = ("your", "change", "example", "placeholder", "token", "xxxx", "<", ">", "abc-def1234ghikl")


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{DATA_DIR / 'bot.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs operators write and pick the async driver."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    return url


def _checked_schedule(text: str, name: str) -> str:
    """A weekly schedule as the settings write it, or a ValueError naming the setting."""
    from bot.services.hours import Schedule, ScheduleError

    try:
        Schedule.parse(text)
    except ScheduleError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return text


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default_factory=default_database_url, alias="DATABASE_URL")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default=TELEGRAM_API, alias="TELEGRAM_API_BASE_URL")
    default_locale: str = Field(default="en", alias="DEFAULT_LOCALE")
    timezone: str = Field(default="Asia/Seoul", alias="TIMEZONE")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    retention_days: int = Field(default=365, ge=1, alias="RETENTION_DAYS")
    #: Where published content snapshots live (default data/.published); the bot serves the current one.
    content_snapshot_dir: Path | None = Field(default=None, alias="CONTENT_SNAPSHOT_DIR")
    #: The counselors' hours (Korean time; closed on Korean public holidays), and other hours per language.
    opening_hours: str = Field(default="mon-fri 09:00-18:00; sat 09:00-18:00", alias="OPENING_HOURS")
    opening_hours_by_language: dict[str, str] = Field(default_factory=dict, alias="OPENING_HOURS_BY_LANGUAGE")
    closed_on_holidays: bool = Field(default=True, alias="CLOSED_ON_HOLIDAYS")
    #: A request nobody took for this many days is closed as expired (its resident is told).
    queue_expire_days: int = Field(default=7, ge=1, alias="QUEUE_EXPIRE_DAYS")
    #: KMA weather warnings (data.go.kr "기상청_기상특보 조회서비스"); without a key the feed is off.
    kma_api_key: SecretStr | None = Field(default=None, alias="KMA_API_KEY")
    kma_api_base_url: str = Field(default="https://apis.data.go.kr/1360000/WthrWrnInfoService",
                                  alias="KMA_API_BASE_URL")
    kma_poll_minutes: int = Field(default=5, ge=1, le=60, alias="KMA_POLL_MINUTES")
    #: Disaster text messages (safetydata.go.kr, 긴급재난문자); optional second feed.
    safety_data_api_key: SecretStr | None = Field(default=None, alias="SAFETY_DATA_API_KEY")
    safety_data_base_url: str = Field(default="https://www.safetydata.go.kr/V2/api/DSSP-IF-00247",
                                      alias="SAFETY_DATA_BASE_URL")
    #: Alerts and announcements go out at most this many a second (Telegram: about 30), each chat at most one a
    #: second; with paid broadcasts (Telegram Stars) up to 1000 a second.
    #: 0 lifts the limit (only against a fake Bot API: benchmarks and tests).
    telegram_bulk_rate: float = Field(default=30.0, ge=0, le=1000, alias="TELEGRAM_BULK_RATE")
    telegram_paid_broadcast: bool = Field(default=False, alias="TELEGRAM_PAID_BROADCAST")
    telegram_chat_interval: float = Field(default=1.0, ge=0, le=60, alias="TELEGRAM_CHAT_INTERVAL")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value.strip())

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _refuse_placeholder(cls, value: object) -> object:
        if value is None:
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        raw = raw.strip()
        if not raw:
            return None
        lowered = raw.lower()
        if any(hint in lowered for hint in _PLACEHOLDER_HINTS) or not _TOKEN_SHAPE.match(raw):
            raise ValueError(
                "TELEGRAM_BOT_TOKEN looks like a placeholder, not a real bot token. "
                "Ask @BotFather for a token (it looks like 123456789:AA…), or leave the variable unset "
                "to use the terminal chat."
            )
        return raw

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_BASE_URL must start with http:// or https://")
        try:  # the address is checked here, so that a bad one never reaches the HTTP client (whose errors print it)
            parts = urlsplit(value)
            port_ok = parts.port is None or 0 < parts.port < 65536
        except ValueError:
            port_ok = False
            parts = None
        if parts is None or not parts.hostname or not port_ok or any(c.isspace() for c in value):
            raise ValueError("TELEGRAM_API_BASE_URL is not a valid address: write it like "
                             "http://127.0.0.1:8081/bot (a host name, an optional numeric port, then /bot)")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        from bot.i18n import LOCALES

        if value not in LOCALES:
            raise ValueError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("opening_hours")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return _checked_schedule(value, "OPENING_HOURS")

    @field_validator("opening_hours_by_language")
    @classmethod
    def _schedules(cls, value: dict[str, str]) -> dict[str, str]:
        from bot.i18n import LOCALES

        for locale, text in value.items():
            if locale not in LOCALES:
                raise ValueError(f"OPENING_HOURS_BY_LANGUAGE: unknown language {locale!r}")
            _checked_schedule(text, f"OPENING_HOURS_BY_LANGUAGE[{locale}]")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown TIMEZONE {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @property
    def snapshots(self) -> Path:
        return self.content_snapshot_dir or DATA_DIR / ".published"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
