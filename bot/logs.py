"""Logging that never holds a token or a resident's text.

- Third-party libraries log request bodies and URLs at DEBUG (python-telegram-bot: "Calling Bot API endpoint
  `sendMessage` with parameters {… text …}", "Set Bot API URL: …/bot<token>"; httpx/aiohttp: URLs with the token):
  they are held at WARNING or above whatever LOG_LEVEL says. Our own loggers never log message text at any level.
- Every record goes through a filter that replaces anything shaped like a bot token (and the configured secrets)
  with "[token]", in the message, its arguments and its traceback, in case some library still prints one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

#: Bot API tokens: digits, a colon, 30+ URL-safe characters (also inside ".../bot<token>/sendMessage").
TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
#: Loggers that print request parameters or URLs at DEBUG.
NOISY = ("telegram", "httpx", "httpcore", "aiohttp", "aiogram", "apscheduler", "asyncio", "hpack", "urllib3",
         "sqlalchemy.engine", "uvicorn.access")


class RedactSecrets(logging.Filter):
    """Replace tokens and configured secrets in a record before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret and len(secret) >= 8]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[token]")
        return TOKEN_PATTERN.sub("[token]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at `level`, the noisy libraries at WARNING at least, every record redacted."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root.addHandler(handler)
    root.setLevel(level)
    floor = max(logging.WARNING, logging.getLevelName(level))
    for name in NOISY:
        logging.getLogger(name).setLevel(floor)
