"""Terminal chat: the same flows and database, buttons numbered."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from bot.conversation import Incoming, Kind, Reply
from bot.conversation.engine import ConversationEngine

CHANNEL = "terminal"


def render(reply: Reply) -> tuple[str, list[str]]:
    """The reply as terminal text and the tokens of its numbered buttons."""
    lines = [reply.text, ""]
    tokens = []
    for row in reply.rows:
        cells = []
        for button in row:
            tokens.append(button.token)
            cells.append(f"[{len(tokens)}] {button.label}")
        lines.append("   ".join(cells))
    for action in reply.actions:
        lines.append(action.line)
    return "\n".join(lines).rstrip() + "\n", tokens


def parse(line: str, tokens: list[str], *, user_key: str, hint: str | None) -> Incoming | None:
    """Turn a typed line into an Incoming: a number presses a button, /x is a command, else text."""
    line = line.strip()
    base = {"channel": CHANNEL, "user_key": user_key, "language_hint": hint}
    if line.isdigit() and 1 <= int(line) <= len(tokens):
        return Incoming(kind=Kind.CHOICE, text=tokens[int(line) - 1], **base)
    if line.startswith("/") and len(line) > 1:
        name, _sep, args = line[1:].partition(" ")
        return Incoming(kind=Kind.COMMAND, text=name.lower(), args=args.strip(), **base)
    return Incoming(kind=Kind.TEXT, text=line, **base)


async def chat(engine: ConversationEngine, *, user_key: str = "local", hint: str | None = None,
               read: Callable[[], str] | None = None, write: Callable[[str], None] = print) -> None:
    """Talk to the bot until end of input or `quit`."""
    read = read or (lambda: input("> "))
    loop = asyncio.get_running_loop()
    tokens: list[str] = []
    first = Incoming(channel=CHANNEL, user_key=user_key, kind=Kind.COMMAND, text="start", language_hint=hint)
    for reply in await engine.handle(first):
        text, tokens = render(reply)
        write(text)
    while True:
        try:
            line = await loop.run_in_executor(None, read)
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip().lower() in {"quit", "exit", ":q"}:
            return
        incoming = parse(line, tokens, user_key=user_key, hint=hint)
        for reply in await engine.handle(incoming):
            text, tokens = render(reply)
            write(text)


def main_loop(engine: ConversationEngine, *, user_key: str, hint: str | None) -> None:
    if not sys.stdin.isatty():
        print("(reading from standard input)")
    asyncio.run(chat(engine, user_key=user_key, hint=hint))
