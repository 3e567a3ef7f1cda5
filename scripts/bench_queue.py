"""Counselor-queue benchmark (prints numbers; not a test).

1. Claims: 20 counselors pressing /next at once on a queue of waiting requests (in all ten languages), through the
   real desk (each claim is a conditional UPDATE, the audit entry, the resident's notice and the new places in line
   of everyone behind, in one transaction): claims per second, on SQLite and on PostgreSQL (TEST_POSTGRES_URL or
   BENCH_POSTGRES_URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test; a fresh database is made and dropped).
2. Relay latency: residents chatting with counselors through the real bot (python -m bot run) and the fake Bot API on
   127.0.0.1: from the moment a message is handed to getUpdates until the fake receives the sendMessage to the other
   side, one message at a time and then 20 conversations at once; p50 / p99 / max, both directions.

The outbox sender's throughput is measured by scripts/bench_alerts.py (a).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench import TOKEN  # noqa: E402

RESIDENT, COUNSELOR = 500000, 900000


def settings_for(url: str, **extra):
    from tests.conftest import make_settings

    return make_settings(url, **extra)  # open at all hours: the benchmark does not wait for Monday


def app_for(url: str):
    from tests.conftest import build_app

    return build_app(settings_for(url))


async def residents_waiting(app, count: int, channel: str = "bench") -> None:
    """Residents in every language who asked for a counselor (through the engine, as they would)."""
    from bot.i18n import AUTONYMS
    from tests.helpers import Chat

    languages = [name for locale, name in AUTONYMS.items() if locale != "en"]
    for number in range(count):
        chat = Chat(app.engine, str(RESIDENT + number), hint=None, channel=channel)
        await chat.onboard(languages[number % len(languages)])
        await chat.command("counselor")
        await chat.say(f"question number {number} about my salary")


async def add_counselors(app, count: int, channel: str = "bench") -> list[str]:
    from bot.i18n import LOCALES
    from bot.storage import tickets
    from bot.storage.types import utcnow

    keys = [str(COUNSELOR + n) for n in range(count)]
    for n, key in enumerate(keys):
        await app.db.write(tickets.add_counselor, name=f"Counselor {n}", languages=list(LOCALES), channel=channel,
                           user_key=key, supervisor=False, locale="en", now=utcnow())
    await app.desk.refresh()
    return keys


async def claims(url: str, waiting: int, counselors: int) -> float:
    from bot.conversation import Incoming, Kind

    app = app_for(url)
    try:
        await residents_waiting(app, waiting)
        keys = await add_counselors(app, counselors)
        taken = 0

        async def counselor(key: str) -> None:
            nonlocal taken
            while True:
                [*_, reply] = await app.desk.handle(Incoming("bench", key, Kind.COMMAND, text="next"))
                if not reply.text.startswith("✅ You have"):
                    return
                taken += 1

        started = time.perf_counter()
        await asyncio.gather(*(counselor(key) for key in keys))
        elapsed = time.perf_counter() - started
        if taken != waiting:
            raise RuntimeError(f"{taken} claims for {waiting} waiting requests")
        return taken / elapsed
    finally:
        await app.close()


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"p50 {statistics.median(ordered) * 1000:6.1f} ms, p99 {p99 * 1000:6.1f} ms, "
            f"max {ordered[-1] * 1000:6.1f} ms ({len(ordered)} messages)")


async def relay(workdir: Path, pairs: int, messages: int) -> None:
    from bot.conversation import Incoming, Kind
    from bot.storage import migrate
    from tests.conftest import ALWAYS_OPEN
    from tests.fake_telegram import FakeBotAPI

    url = f"sqlite+aiosqlite:///{workdir / 'relay.sqlite3'}"
    migrate.upgrade(url)
    app = app_for(url)
    try:  # residents on Telegram, each with a counselor who took their request
        await residents_waiting(app, pairs, channel="telegram")
        keys = await add_counselors(app, pairs, channel="telegram")
        for key in keys:
            await app.desk.handle(Incoming("telegram", key, Kind.COMMAND, text="next"))
    finally:
        await app.close()
    fake = FakeBotAPI()
    await fake.start()
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
           "LOG_LEVEL": "WARNING", "CONTENT_SNAPSHOT_DIR": str(workdir / "content"), "OPENING_HOURS": ALWAYS_OPEN,
           "CLOSED_ON_HOLIDAYS": "false"}
    log = (workdir / "relay.log").open("ab")
    bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                                               stdout=asyncio.subprocess.DEVNULL, stderr=log)
    try:
        await fake.wait_for(lambda: len(fake.commands) >= 11, timeout=60)

        async def one(sender: int, receiver: int, marker: str) -> float:
            before = len(fake.chats[receiver])
            started = time.perf_counter()
            fake.send_text(sender, marker, language_code=None)
            await fake.wait_for(lambda: any(marker in m.text for m in fake.chats[receiver][before:]), timeout=30)
            return time.perf_counter() - started

        for direction, (source, target) in {"resident → counselor": (RESIDENT, COUNSELOR),
                                            "counselor → resident": (COUNSELOR, RESIDENT)}.items():
            alone = [await one(source + n % pairs, target + n % pairs, f"m{direction[0]}{n} hello")
                     for n in range(messages)]
            print(f"relay {direction}, one at a time:      {percentiles(alone)}")

            async def conversation(sender: int, receiver: int, tag: str) -> list[float]:
                times = []
                for n in range(messages // pairs * 2):
                    times.append(await one(sender, receiver, f"{tag}x{n} hello"))
                    await asyncio.sleep(0.05)
                return times

            runs = await asyncio.gather(*(conversation(source + p, target + p, f"c{direction[0]}{p}")
                                          for p in range(pairs)))
            together = [t for times in runs for t in times]
            print(f"relay {direction}, {pairs} chats at once:   {percentiles(together)}")
    finally:
        bot.terminate()
        await bot.wait()
        log.close()
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--waiting", type=int, default=400, help="requests in line before the counselors start")
    parser.add_argument("--counselors", type=int, default=20)
    parser.add_argument("--messages", type=int, default=200, help="relayed messages per direction")
    parser.add_argument("--only", default="claims,relay")
    args = parser.parse_args()
    from bot.i18n import compile_catalogs
    from bot.storage import migrate

    compile_catalogs()
    workdir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    try:
        if "claims" in args.only:
            url = f"sqlite+aiosqlite:///{workdir / 'claims.sqlite3'}"
            migrate.upgrade(url)
            rate = asyncio.run(claims(url, args.waiting, args.counselors))
            print(f"claims, {args.counselors} counselors at once, SQLite:     {rate:7.0f} claims/s "
                  f"({args.waiting} requests waiting)")
            base = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
            if base:
                async def on_postgres() -> float:
                    from tests.conftest import new_postgres_database

                    url, drop = await asyncio.to_thread(new_postgres_database, base, "bench")
                    try:
                        await asyncio.to_thread(migrate.upgrade, url)
                        return await claims(url, args.waiting, args.counselors)
                    finally:
                        await asyncio.to_thread(drop)

                rate = asyncio.run(on_postgres())
                print(f"claims, {args.counselors} counselors at once, PostgreSQL: {rate:7.0f} claims/s "
                      f"({args.waiting} requests waiting)")
            else:
                print("claims on PostgreSQL: skipped (set BENCH_POSTGRES_URL or TEST_POSTGRES_URL)")
        if "relay" in args.only:
            asyncio.run(relay(workdir, args.counselors, args.messages))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
