"""Settings from the environment: defaults, normalised URLs, and a clear refusal of placeholder tokens."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from bot import DATA_DIR, PROJECT_ROOT
from bot.settings import TELEGRAM_API, Settings


def build(**env) -> Settings:
    return Settings(_env_file=None, **env)


def test_defaults(monkeypatch):
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "DEFAULT_LOCALE", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = build()
    assert settings.database_url == f"sqlite+aiosqlite:///{DATA_DIR / 'bot.sqlite3'}"
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == TELEGRAM_API
    assert (settings.default_locale, settings.timezone, settings.log_level) == ("en", "Asia/Seoul", "INFO")


def test_plain_database_urls_get_the_async_driver():
    assert build(DATABASE_URL="sqlite:////tmp/x.db").database_url == "sqlite+aiosqlite:////tmp/x.db"
    assert build(DATABASE_URL="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    assert build(DATABASE_URL="postgres://u@h/db").database_url == "postgresql+asyncpg://u@h/db"


@pytest.mark.parametrize("token", ["your-token-here", "changeme", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
                                   "<TELEGRAM_BOT_TOKEN>", "xxxxxxxxxxxxxxxxxxxx", "12345", "TOKEN"])
def test_placeholder_tokens_are_refused(token):
    with pytest.raises(ValidationError, match="looks like a placeholder"):
        build(TELEGRAM_BOT_TOKEN=token)


def test_empty_token_means_no_telegram():
    assert build(TELEGRAM_BOT_TOKEN="  ").telegram_bot_token is None


def test_real_looking_token_is_kept_secret():
    settings = build(TELEGRAM_BOT_TOKEN="7000000001:AAH3kq9ZtW2xVb8NcL5mPr0sYd6JfGu1Qe4")
    assert "AAH3" not in repr(settings)
    assert settings.telegram_bot_token.get_secret_value().startswith("7000000001:")


@pytest.mark.parametrize(("name", "value"), [("DEFAULT_LOCALE", "fr"), ("TIMEZONE", "Mars/Olympus"),
                                             ("LOG_LEVEL", "LOUD"), ("TELEGRAM_API_BASE_URL", "ftp://x")])
def test_wrong_values_are_refused(name, value):
    with pytest.raises(ValidationError):
        build(**{name: value})


def test_cli_explains_a_placeholder_token(tmp_path):
    env = {"TELEGRAM_BOT_TOKEN": "your-bot-token", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "PATH": "/usr/bin"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN: TELEGRAM_BOT_TOKEN looks like a placeholder" in result.stderr
    assert "Traceback" not in result.stderr
