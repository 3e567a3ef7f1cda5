"""Logging that never holds a token or a resident's text.

- Third-party libraries log request bodies and URLs at DEBUG (python-telegram-bot: "Calling Bot API endpoint
  `sendMessage` with parameters {… text …}", "Set Bot API URL: …/bot<token>"; httpx/aiohttp: URLs with the token):
  they are held at WARNING or above whatever LOG_LEVEL says. Our own loggers never log message text at any level.
- Every record goes through a filter that replaces anything shaped like a bot token (and the configured secrets)
  with "[token]", in the message, its arguments and its traceback, in case some library still prints one.
- In a traceback, the message of a built-in exception (ValueError, KeyError, UnicodeError, …) is left out: such
  messages quote the value that failed — `invalid literal for int(): 'my visa number is …'` — which may be what a
  resident wrote. The type and the stack stay; errors of libraries (SQLAlchemy with hidden parameters, aiohttp,
  Telegram) keep their messages.
"""

from __future__ import annotations

import builtins
import logging
import re
from collections.abc import Iterable

#: Bot API tokens: digits, a colon, 30+ URL-safe characters (also inside ".../bot<token>/sendMessage").
TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
#: A line of a traceback that names an exception: "ValueError: …" (also inside exception groups, after "| ").
EXCEPTION_LINE = re.compile(r"^(?P<lead>[ |+-]*)(?P<name>[A-Za-z_][\w.]*)(?P<rest>: .*)?$")
#: Built-in exceptions whose message may quote a value; OSError's family names files and addresses, not text.
QUOTING = frozenset(name for name, value in vars(builtins).items()
                    if isinstance(value, type) and issubclass(value, BaseException) and not issubclass(value, OSError))


def hide_exception_messages(text: str) -> str:
    lines = []
    for line in text.splitlines():
        found = EXCEPTION_LINE.match(line)
        if found and found["rest"] and found["name"] in QUOTING:
            line = f"{found['lead']}{found['name']}: [message left out]"
        lines.append(line)
    return "\n".join(lines)


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
        try:
            message = record.getMessage()
        except Exception:  # a library's log call with the wrong arguments: say so, without them
            record.msg, record.args = f"(a log message of {record.name} could not be formatted)", None
            message = record.msg
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = hide_exception_messages(self.redact(text))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = hide_exception_messages(self.redact(record.exc_text))
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
