"""The terminal chat talks to the same flows and database, buttons numbered."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from bot import PROJECT_ROOT
from bot.channels.terminal import chat, parse, render
from bot.conversation import Kind
from bot.i18n import translator
from bot.storage.models import resident_table


async def test_terminal_chat_walks_the_onboarding_by_numbers(app):
    lines = iter(["8", "1", "22", "5", "quit"])  # ภาษาไทย, I agree, Sinan, Daily life
    out: list[str] = []
    await chat(app.engine, user_key="t1", read=lambda: next(lines), write=out.append)
    th = translator("th")
    assert out[0].startswith("Hello! 👋")
    assert "[8] ภาษาไทย" in out[0]
    assert "[1] " + th("✅ I agree") in out[1] and th("✅ I agree") != "✅ I agree"
    assert out[-1].startswith(th("🏠 Daily life in Korea"))
    row = await app.db.read(lambda conn: conn.execute(
        select(resident_table).where(resident_table.c.user_key == "t1")).first())
    assert (row.channel, row.locale, row.region, row.consent) == ("terminal", "th", "sinan", "yes")


async def test_terminal_chat_ends_on_end_of_input(app):
    def read():
        raise EOFError

    out: list[str] = []
    await chat(app.engine, user_key="t2", read=read, write=out.append)
    assert out[0].startswith("Hello!") and out[-1] == ""


def test_parse_numbers_commands_and_text():
    tokens = ["menu.main|a", "menu.main|b"]
    assert parse("2", tokens, user_key="u", hint=None).text == "menu.main|b"
    assert parse("3", tokens, user_key="u", hint=None).kind is Kind.TEXT  # out of range: just text
    command = parse("/Language now", tokens, user_key="u", hint="th")
    assert (command.kind, command.text, command.args, command.language_hint) == (Kind.COMMAND, "language", "now", "th")
    assert parse("  hello ", tokens, user_key="u", hint=None).text == "hello"


def test_render_numbers_buttons_and_lists_phone_numbers():
    from bot.conversation import Action, Button, Reply

    actions = [Action("call", "📞 Call", "1588-5949"), Action("call", "🚑 Call 119", "119")]
    text, tokens = render(Reply("Hi", [[Button("A", "s|a"), Button("B", "s|b")]], actions))
    assert "[1] A   [2] B" in text and tokens == ["s|a", "s|b"]
    assert "📞 Call: 1588-5949" in text and "🚑 Call 119\n" in text + "\n" and "119: 119" not in text


def test_make_run_without_token_starts_the_terminal_chat_and_explains_telegram(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "CONTENT_SNAPSHOT_DIR": str(tmp_path / "published")}
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--fallback-chat"], cwd=PROJECT_ROOT, env=env,
                            input="3\n1\nquit\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "To connect Telegram" in result.stdout and "TELEGRAM_BOT_TOKEN=" in result.stdout
    assert "Tiếng Việt" in result.stdout
    assert translator("vi")("Not in Jeonnam") in result.stdout
    assert translator("vi")("Not in Jeonnam") != "Not in Jeonnam"
