"""Property: any sequence of inputs, in any state and locale, gets a reply that offers a way Home, never an error."""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import Incoming, Kind
from bot.i18n import LOCALES
from tests.conftest import build_app, make_settings
from tests.helpers import offers_way_home

COMMANDS = ["start", "menu", "help", "language", "delete", "unknown", "START", ""]
HINTS = [*LOCALES, "zh-hans", "uz", "tl", "en-US", "de", "", None]

# An action is (kind, payload); "press" picks a button of the last reply by index, "forge" sends any token.
actions = st.one_of(
    st.tuples(st.just("press"), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("forge"), st.text(max_size=70)),
    st.tuples(st.just("text"), st.text(max_size=300)),
    st.tuples(st.just("text"), st.sampled_from(["", " ", "x" * 10_000, "😀🙏", "영암", "ไทย", "tieng viet", "119"])),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS)),
    st.tuples(st.just("media"), st.sampled_from(["sticker", "photo", "voice", "document"])),
    st.tuples(st.just("location"), st.floats(allow_nan=False, allow_infinity=False, width=32)),
)

_users = itertools.count()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hint=st.sampled_from(HINTS), steps=st.lists(actions, min_size=1, max_size=12))
def test_any_input_sequence_gets_a_way_home(sqlite_url, hint, steps):
    asyncio.run(_run(sqlite_url, hint, steps))


async def _run(url: str, hint, steps) -> None:
    app = build_app(make_settings(url))
    user = f"prop{next(_users)}"
    last = None
    try:
        for kind, payload in steps:
            base = {"channel": "test", "user_key": user, "language_hint": hint}
            if kind == "press":
                if last is None or not last.buttons:
                    incoming = Incoming(kind=Kind.COMMAND, text="start", **base)
                else:
                    token = last.buttons[payload % len(last.buttons)].token
                    incoming = Incoming(kind=Kind.CHOICE, text=token, **base)
            elif kind == "forge":
                incoming = Incoming(kind=Kind.CHOICE, text=payload, **base)
            elif kind == "text":
                incoming = Incoming(kind=Kind.TEXT, text=payload, **base)
            elif kind == "command":
                incoming = Incoming(kind=Kind.COMMAND, text=payload, **base)
            elif kind == "media":
                incoming = Incoming(kind=Kind.MEDIA, text=payload, **base)
            else:
                incoming = Incoming(kind=Kind.LOCATION, latitude=payload, longitude=payload, **base)
            replies = await app.engine.handle(incoming)
            assert replies
            for reply in replies:
                assert reply.screen != "error", (incoming, reply.text)
                assert reply.text.strip()
                assert offers_way_home(reply), (incoming, reply)
            last = replies[-1]
    finally:
        await app.close()
