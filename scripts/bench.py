"""Benchmark (prints numbers; not a test).

1. Engine: incoming messages per second through the conversation engine + SQLite, in one process.
2. End to end: our full bot (python -m bot run: PTB, state in SQLite, translations, menus) against the fake Bot API
   server, side by side with a bare python-telegram-bot echo bot and a bare aiogram echo bot on the same fake
   server, 50 users writing at once. Each bot and the fake server run in their own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKEN = "7000000001:AAH3kq9ZtW2xVb8NcL5mPr0sYd6JfGu1Qe4"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def bench_engine(users: int, messages: int, db_url: str) -> float:
    from bot.app import create_app
    from bot.content import ContentStore
    from bot.conversation import Incoming, Kind
    from bot.settings import Settings
    from handlers import build_registry

    content = ContentStore(flows=build_registry().flows, snapshots=None)  # serve data/ as it is, publish nothing
    app = create_app(Settings(_env_file=None, DATABASE_URL=db_url, TELEGRAM_BOT_TOKEN=None), content=content)
    hints = ["th", "vi", "km", "ne", "si", "zh-hans", "id", "tl", "uz", "ko", "en"]
    # as `python -m bot run` does at start: the language model and the search indexes are ready before residents
    from bot.langid import detector
    from bot.search import warm

    detector()
    warm(content.current)

    async def resident(number: int) -> None:
        base = {"channel": "bench", "user_key": str(number), "language_hint": hints[number % len(hints)]}
        await app.engine.handle(Incoming(kind=Kind.COMMAND, text="start", **base))
        script = ["onboard.language|" + ("th", "vi", "km", "ne")[number % 4], "onboard.consent|yes",
                  "onboard.region|yeongam"]
        for step in range(messages - 1):
            if step < len(script):
                incoming = Incoming(kind=Kind.CHOICE, text=script[step], **base)
            elif step % 3 == 0:
                incoming = Incoming(kind=Kind.CHOICE, text="menu.main|settings.main", **base)
            elif step % 3 == 1:
                incoming = Incoming(kind=Kind.CHOICE, text="nav|back", **base)
            else:
                incoming = Incoming(kind=Kind.TEXT, text=f"question {step}", **base)
            await app.engine.handle(incoming)

    started = time.perf_counter()
    await asyncio.gather(*(resident(n) for n in range(users)))
    elapsed = time.perf_counter() - started
    await app.close()
    return users * messages / elapsed


def seed_residents(db_url: str, users: int) -> None:
    """Onboarded residents for the real path: language chosen, consent given, area set, on the main menu."""
    from sqlalchemy import create_engine, insert

    from bot.storage.models import conversation_table, resident_table
    from bot.storage.types import utcnow
    from tests.fake_telegram import REAL_QUESTIONS

    engine = create_engine(db_url.replace("+aiosqlite", ""))
    now = utcnow()
    with engine.begin() as conn:
        for user in range(users):
            locale = list(REAL_QUESTIONS)[user % len(REAL_QUESTIONS)]
            resident_id = conn.execute(insert(resident_table).values(
                channel="telegram", user_key=str(100000 + user), locale=locale, region="yeongam", consent="yes",
                consent_at=now, first_seen=now, last_seen=now).returning(resident_table.c.id)).scalar_one()
            conn.execute(insert(conversation_table).values(resident_id=resident_id, screen="menu.main", stack=[],
                                                           data={}, version=1, updated_at=now))
    engine.dispose()


def run_end_to_end(name: str, command: list[str], env: dict, users: int, messages: int,
                   scenario: str = "start") -> float:
    port = free_port()
    fake = subprocess.Popen([sys.executable, "-m", "tests.fake_telegram", "--port", str(port), "--users", str(users),
                             "--messages", str(messages), "--scenario", scenario], cwd=ROOT)
    total = users * messages
    try:
        stats_url = f"http://127.0.0.1:{port}/_control/stats"
        for _ in range(200):
            try:
                urllib.request.urlopen(stats_url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        bot_env = {**os.environ, "CONTENT_SNAPSHOT_DIR": tempfile.mkdtemp(prefix="bench-content-"), **env,
                   "TELEGRAM_BOT_TOKEN": TOKEN,
                   "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot", "LOG_LEVEL": "WARNING"}
        bot = subprocess.Popen(command, cwd=ROOT, env=bot_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180
        stats = {}
        try:
            while time.monotonic() < deadline:
                stats = json.loads(urllib.request.urlopen(stats_url, timeout=5).read())
                if stats["replies"] >= total:
                    break
                if bot.poll() is not None:
                    raise RuntimeError(f"{name} exited: {bot.stderr.read().decode()[-2000:]}")
                time.sleep(0.05)
            else:
                raise RuntimeError(f"{name}: only {stats.get('replies')} of {total} replies in 180 s")
        finally:
            bot.terminate()
            try:
                bot.wait(15)
            except subprocess.TimeoutExpired:
                bot.kill()
        incomplete = [chat for chat, count in stats["per_chat"].items() if count < messages]
        if incomplete:
            raise RuntimeError(f"{name}: {len(incomplete)} users did not get every reply")
        return total / stats["elapsed"]
    finally:
        fake.terminate()
        try:
            fake.wait(10)
        except subprocess.TimeoutExpired:
            fake.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=40, help="messages per user (end to end)")
    parser.add_argument("--engine-messages", type=int, default=100, help="messages per user (engine only)")
    parser.add_argument("--bots", default="ours,ptb,aiogram", help="which bots to run end to end")
    parser.add_argument("--scenarios", default="start,real", help="first contact, and/or the real path")
    parser.add_argument("--skip-engine", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        from bot.i18n import compile_catalogs
        from bot.storage import migrate

        compile_catalogs()
        if not args.skip_engine:
            engine_db = f"sqlite+aiosqlite:///{workdir / 'engine.sqlite3'}"
            migrate.upgrade(engine_db)
            engine_rate = asyncio.run(bench_engine(args.users, args.engine_messages, engine_db))
            print(f"engine + SQLite, one process: {engine_rate:8.0f} messages/s "
                  f"({args.users} residents x {args.engine_messages} messages)")

        wanted = set(args.bots.split(","))
        for scenario in args.scenarios.split(","):
            e2e_db = f"sqlite+aiosqlite:///{workdir / f'e2e-{scenario}.sqlite3'}"
            migrate.upgrade(e2e_db)
            if scenario == "real":
                seed_residents(e2e_db, args.users)
            label = {"start": "first contact (/start, then typed text)",
                     "real": "real path (onboarded: questions and card buttons)"}[scenario]
            print(f"-- {label}")
            candidates = {
                "ours": ("our bot (engine + inbox/outbox + SQLite)", [sys.executable, "-m", "bot", "run"],
                         {"DATABASE_URL": e2e_db}),
                "ptb": ("bare PTB echo bot (concurrent)", [sys.executable, "scripts/echo_ptb.py"], {}),
                "aiogram": ("bare aiogram echo bot", [sys.executable, "scripts/echo_aiogram.py"], {}),
            }
            results = {}
            for key, (name, command, env) in candidates.items():
                if key not in wanted:
                    continue
                results[key] = run_end_to_end(name, command, env, args.users, args.messages, scenario)
                print(f"end to end, {name:42s}: {results[key]:8.0f} messages/s "
                      f"({args.users} users x {args.messages} messages)")
            if "ours" in results and "ptb" in results:
                print(f"ratio our bot / PTB echo bot:     {results['ours'] / results['ptb']:.2f}")
            if "ours" in results and "aiogram" in results:
                print(f"ratio our bot / aiogram echo bot: {results['ours'] / results['aiogram']:.2f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
