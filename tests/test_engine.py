"""Engine behaviour that is not one flow: per-resident ordering, concurrency, a busy database, errors."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.conversation import Incoming, Kind
from bot.conversation import engine as engine_module
from bot.storage import db as db_module
from tests.conftest import build_app
from tests.helpers import Chat


async def test_one_residents_messages_run_in_order_while_others_run_concurrently(app):
    order: list[str] = []

    async def deliver_for(tag):
        async def deliver(replies):
            await asyncio.sleep(0.01 if tag.endswith("0") else 0)  # the first reply is the slowest to send
            order.append(tag)
        return deliver

    tasks = []
    for i in range(5):
        for user in ("a", "b"):
            incoming = Incoming("test", user, Kind.TEXT, text=f"m{i}")
            tasks.append(asyncio.create_task(app.engine.handle(incoming, await deliver_for(f"{user}{i}"))))
    await asyncio.gather(*tasks)
    assert [t for t in order if t.startswith("a")] == [f"a{i}" for i in range(5)]
    assert [t for t in order if t.startswith("b")] == [f"b{i}" for i in range(5)]
    assert len(app.engine.locks) == 0  # no lock left behind


async def test_busy_database_is_waited_for(app, settings):
    path = settings.database_url.split("///", 1)[1]
    await Chat(app.engine).onboard()
    blocker = sqlite3.connect(path, timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    chat = Chat(app.engine)
    task = asyncio.create_task(chat.command("help"))
    await asyncio.sleep(0.5)
    blocker.execute("COMMIT")
    blocker.close()
    reply = await task
    assert reply.screen == "help.main"


async def test_database_busy_for_too_long_gets_a_polite_answer(settings, monkeypatch):
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(engine_module, "BUSY_RETRIES", (0.01, 0.01))
    app = build_app(settings)
    path = settings.database_url.split("///", 1)[1]
    blocker = sqlite3.connect(path, timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        reply = await Chat(app.engine, hint="vi").command("start")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    from bot.i18n import translator

    assert reply.text == translator("vi")("The system is busy right now. Please send your message again in a minute.")
    assert reply.buttons[0].token == "nav|home"
    reply = await Chat(app.engine, hint="vi").command("start")  # nothing was half-written: it works now
    assert reply.screen == "onboard.language"
    await app.close()


async def test_a_failing_handler_gets_an_apology_not_a_traceback(app, monkeypatch):
    screen = app.engine.registry.screens["help.main"]

    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(screen, "view", broken)
    chat = Chat(app.engine)
    await chat.onboard()
    reply = await chat.command("help")
    assert reply.text.startswith("Sorry, something went wrong on our side.")
    assert reply.buttons[0].token == "nav|home"
    reply = await chat.press_token("nav|home")  # the state was not changed by the failed turn
    assert reply.screen == "menu.main"


@pytest.mark.parametrize("kind", [Kind.TEXT, Kind.COMMAND, Kind.CHOICE, Kind.MEDIA])
async def test_first_contact_of_any_kind_gets_the_welcome(app, kind):
    reply = (await app.engine.handle(Incoming("test", f"new-{kind}", kind, text="whatever")))[0]
    assert reply.screen == "onboard.language"
