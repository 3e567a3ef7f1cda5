"""Alerts benchmark (prints numbers; not a test): one KMA announcement — a heat-wave warning for every city and county
of Jeonnam — to 100,000 subscribers in mixed languages and areas, through the real bot (python -m bot run: KMA poll,
fan-out into the outbox, the Telegram sender) against the fake KMA and the fake Bot API on 127.0.0.1, each in its own
process.

(a) limits lifted (TELEGRAM_BULK_RATE=0, no per-chat gap): messages per second from the first message to the last,
    and the bot's CPU time per message (the pipeline on one core);
(b) default limits (30 a second overall, one a second per chat), enforced by the fake with 429s: the achieved rate
    over a window, divided by the configured rate, and how many 429s were answered;
(c) limits lifted, kill -9 when about half are delivered, then start again: messages delivered, recipients reached,
    duplicates and recipients missed;
(d) the bot's peak memory (VmHWM) while 100,000 recipients are queued, in (a).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.bench import TOKEN, free_port  # noqa: E402

LOCALES = ["vi", "ko", "zh_Hans", "id", "km", "ne", "th", "si", "fil", "uz_Latn", "en"]


def seed(db_path: Path, subscribers: int, *, first_chat: int = 300000, regions: list[str] | None = None) -> list[str]:
    """Consenting residents on Telegram (chat ids from first_chat), in turn in each language and each city or county
    (or those given), each subscribed to their own; returns the zones."""
    from bot.content import ContentStore
    from handlers import build_registry

    content = ContentStore(flows=build_registry().flows, snapshots=None).current
    chosen = [content.region(region) for region in regions] if regions else content.served_regions
    now = "2026-07-15 00:00:00.000000"
    conn = sqlite3.connect(db_path)
    with conn:
        start = conn.execute("SELECT coalesce(max(id), 0) FROM resident").fetchone()[0] + 1
        people = [(start + n, str(first_chat + n), LOCALES[n % len(LOCALES)], chosen[n % len(chosen)])
                  for n in range(subscribers)]
        conn.executemany(
            "INSERT INTO resident (id, channel, user_key, locale, region, consent, consent_at, first_seen, last_seen)"
            " VALUES (?, 'telegram', ?, ?, ?, 'yes', ?, ?, ?)",
            ((rid, key, locale, region.id, now, now, now) for rid, key, locale, region in people))
        conn.executemany(
            "INSERT INTO subscription (resident_id, channel, user_key, muted, advisories_wait, announcements,"
            " created_at, updated_at) VALUES (?, 'telegram', ?, ',', 0, 1, ?, ?)",
            ((rid, key, now, now) for rid, key, _locale, _region in people))
        conn.executemany("INSERT INTO subscription_zone (resident_id, zone) VALUES (?, ?)",
                         ((rid, region.kma_zone) for rid, _key, _locale, region in people))
    conn.close()
    return sorted({region.kma_zone for region in chosen})


def stats(port: int) -> dict:
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/stats?brief=1", timeout=30).read())


def full_stats(port: int) -> dict:
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/stats", timeout=60).read())


def wait_up(port: int, path: str = "/_control/stats") -> None:
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def proc_status(pid: int) -> dict[str, int]:
    """Peak memory (kB) and CPU time (s) of a running process, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmHWM", "VmRSS")):
                fields[line.split(":")[0]] = int(line.split()[1])
    with open(f"/proc/{pid}/stat") as stat:
        parts = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    fields["cpu"] = (int(parts[11]) + int(parts[12])) / ticks
    return fields


class Run:
    """A fresh database with the subscribers, the fakes, and the bot."""

    def __init__(self, workdir: Path, name: str, subscribers: int, *, rate: float, chat_gap: float,
                 fake_limits: bool) -> None:
        from bot.storage import migrate

        self.subscribers = subscribers
        self.db_path = workdir / f"{name}.sqlite3"
        self.db_url = f"sqlite+aiosqlite:///{self.db_path}"
        migrate.upgrade(self.db_url)
        zones = seed(self.db_path, subscribers)
        self.tg_port, self.kma_port = free_port(), free_port()
        limits = ["--rate-limit", "30", "--chat-gap", "1"] if fake_limits else []
        self.fakes = [
            subprocess.Popen([sys.executable, "-m", "tests.fake_telegram", "--port", str(self.tg_port), "--scenario",
                              "sink", *limits], cwd=ROOT),
            subprocess.Popen([sys.executable, "-m", "tests.fake_kma", "--port", str(self.kma_port), "--zones",
                              ",".join(zones)], cwd=ROOT),
        ]
        wait_up(self.tg_port)
        wait_up(self.kma_port, "/kma/getPwnCd")
        self.env = {**os.environ, "DATABASE_URL": self.db_url, "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{self.tg_port}/bot", "LOG_LEVEL": "WARNING",
                    "KMA_API_KEY": "bench-key", "KMA_API_BASE_URL": f"http://127.0.0.1:{self.kma_port}/kma",
                    "TELEGRAM_BULK_RATE": str(rate), "TELEGRAM_CHAT_INTERVAL": str(chat_gap),
                    "CONTENT_SNAPSHOT_DIR": str(workdir / f"{name}-content")}
        self.bot: subprocess.Popen | None = None
        self.log = workdir / f"{name}.log"

    def start_bot(self) -> None:
        with open(self.log, "ab") as log:  # a file, not a pipe: a full pipe would stop the bot
            self.bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=log)
        self.started = time.monotonic()

    def check_bot(self) -> None:
        if self.bot is not None and self.bot.poll() is not None:
            raise RuntimeError(f"the bot exited: {self.log.read_text(errors='replace')[-2000:]}")

    def wait_for(self, count: int, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            now = stats(self.tg_port)
            if now["replies"] >= count:
                return now
            self.check_bot()
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {now['replies']} of {count} messages in {timeout:.0f} s; the bot's log "
                                   f"ends: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)

    def stop_bot(self, sig: int = signal.SIGTERM) -> None:
        if self.bot is None:
            return
        self.bot.send_signal(sig)
        try:
            self.bot.wait(30)
        except subprocess.TimeoutExpired:
            self.bot.kill()
            self.bot.wait()
        self.bot = None

    def outbox_left(self) -> int:
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]
        finally:
            conn.close()

    def close(self) -> None:
        self.stop_bot()
        for fake in self.fakes:
            fake.terminate()
            try:
                fake.wait(10)
            except subprocess.TimeoutExpired:
                fake.kill()


def lifted(workdir: Path, subscribers: int) -> None:
    run = Run(workdir, "lifted", subscribers, rate=0, chat_gap=0, fake_limits=False)
    try:
        run.start_bot()
        first = run.wait_for(1, 120)
        first_at = time.monotonic()
        cpu_start = proc_status(run.bot.pid)["cpu"]
        peak = 0
        while (now := stats(run.tg_port))["replies"] < subscribers:
            peak = max(peak, proc_status(run.bot.pid)["VmHWM"])
            run.check_bot()
            if time.monotonic() - first_at > 900:
                raise RuntimeError(f"only {now['replies']} of {subscribers} in 900 s")
            time.sleep(1)  # the benchmark shares the two cores: it looks rarely
        status = proc_status(run.bot.pid)
        fake_cpu = proc_status(run.fakes[0].pid)["cpu"]
        peak = max(peak, status["VmHWM"])
        cpu = status["cpu"] - cpu_start
        sent = now["replies"] - first["replies"]
        print(f"(a) limits lifted: {subscribers:,} messages, {now['sending']:.1f} s from the first to the last: "
              f"{subscribers / now['sending']:,.0f} messages/s; the bot used {cpu:.1f} s of CPU for the last "
              f"{sent:,} ({sent / cpu:,.0f} messages per CPU-second); first message {first_at - run.started:.1f} s "
              f"after the bot started (poll, fan-out into the outbox); the fake Bot API used {fake_cpu:.1f} s of CPU")
        print(f"(d) the bot's peak memory: {peak / 1024:.0f} MB (VmHWM), with {subscribers:,} recipients queued")
    finally:
        run.close()


def limited(workdir: Path, subscribers: int, window: float) -> None:
    from bot.settings import Settings

    rate = Settings(_env_file=None).telegram_bulk_rate
    gap = Settings(_env_file=None).telegram_chat_interval
    run = Run(workdir, "limited", subscribers, rate=rate, chat_gap=gap, fake_limits=True)
    try:
        run.start_bot()
        run.wait_for(1, 120)
        time.sleep(2)  # past the first burst
        begin, begin_at = stats(run.tg_port), time.monotonic()
        time.sleep(window)
        end, end_at = stats(run.tg_port), time.monotonic()
        achieved = (end["replies"] - begin["replies"]) / (end_at - begin_at)
        print(f"(b) default limits ({rate:g}/s overall, one per {gap:g} s per chat; the fake answers 429 beyond "
              f"them): {achieved:.2f} messages/s over {window:.0f} s = {achieved / rate:.3f} of the configured "
              f"rate; {end['too_many']} answered 429 ({end['replies']:,} of {subscribers:,} delivered when "
              f"stopped)")
    finally:
        run.close()


def crash(workdir: Path, subscribers: int) -> None:
    run = Run(workdir, "crash", subscribers, rate=0, chat_gap=0, fake_limits=False)
    try:
        run.start_bot()
        at_kill = run.wait_for(subscribers // 2, 600)["replies"]
        run.stop_bot(signal.SIGKILL)
        run.start_bot()
        deadline = time.monotonic() + 900
        while run.outbox_left() or stats(run.tg_port)["replies"] < subscribers:
            run.check_bot()
            if time.monotonic() > deadline:
                raise RuntimeError("the restarted bot did not finish in 900 s")
            time.sleep(0.5)
        time.sleep(2)  # anything still on its way
        final = full_stats(run.tg_port)
        per_chat = final["per_chat"]
        duplicates = sum(count - 1 for count in per_chat.values() if count > 1)
        missing = subscribers - len(per_chat)
        conn = sqlite3.connect(run.db_path)
        statuses = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
        conn.close()
        print(f"(c) kill -9 after {at_kill:,} delivered, then a restart: {final['replies']:,} messages delivered to "
              f"{len(per_chat):,} of {subscribers:,} recipients; {duplicates} duplicate(s), {missing} missed; "
              f"outbox: {statuses}")
    finally:
        run.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured under the default limits")
    parser.add_argument("--only", default="a,b,c", help="which parts: a (and d), b, c")
    args = parser.parse_args()
    from bot.i18n import compile_catalogs

    compile_catalogs()
    workdir = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    try:
        parts = set(args.only.split(","))
        if "a" in parts:
            lifted(workdir, args.subscribers)
        if "b" in parts:
            limited(workdir, args.subscribers, args.window)
        if "c" in parts:
            crash(workdir, args.subscribers)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
