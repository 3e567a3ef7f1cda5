"""The conversation engine: one turn per incoming message, state loaded from and saved to the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from bot.content import ContentStore
from bot.conversation.locks import KeyedLocks
from bot.conversation.messages import (
    BACK_TOKEN,
    HOME_TOKEN,
    NAV,
    START_TOKEN,
    TOKEN_SEPARATOR,
    Button,
    Incoming,
    Kind,
    Reply,
)
from bot.conversation.screens import Context, Outcome, Profile, Registry, Services, View
from bot.i18n import Translator, choose_locale, translator
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

MAX_STACK = 20
MAX_TEXT = 4000  # longer typed text is answered with a note (Telegram itself stops at 4096)
BUSY_RETRIES = (0.05, 0.2, 0.5, 1.0)
MAX_STALE_RETRIES = 3

Deliver = Callable[[list[Reply]], Awaitable[None]]


class _DbServices(Services):
    """Look-ups a handler may make during a turn, each in its own short read."""

    def __init__(self, db: Database, resident_id: int) -> None:
        self._db = db
        self._resident_id = resident_id

    async def history_count(self) -> int:
        return await self._db.read(crud.count_messages, resident_id=self._resident_id)


@dataclass
class _Turn:
    outcome: Outcome
    screen: str  # the screen the outcome is relative to


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text


class ConversationEngine:
    def __init__(self, *, db: Database, registry: Registry, content: ContentStore, settings: Settings,
                 clock: Callable = utcnow) -> None:
        self.db = db
        self.registry = registry
        self.content_store = content
        self.settings = settings
        self.clock = clock
        self.locks = KeyedLocks()

    async def handle(self, incoming: Incoming, deliver: Deliver | None = None) -> list[Reply]:
        """Run one turn for `incoming` and hand the replies to `deliver` while still holding the resident's
        lock, so that one resident's replies leave in the order the messages came."""
        async with self.locks.hold((incoming.channel, incoming.user_key)):
            replies = await self._turn_with_retries(incoming)
            if deliver is not None:
                await deliver(replies)
            return replies

    async def _turn_with_retries(self, incoming: Incoming) -> list[Reply]:
        busy_waits = iter(BUSY_RETRIES)
        for _attempt in range(MAX_STALE_RETRIES + len(BUSY_RETRIES) + 1):
            try:
                return await self._turn(incoming)
            except crud.StaleState:
                log.info("conversation changed by another worker; running the turn again")
            except OperationalError as exc:
                if not _is_busy(exc):
                    log.exception("database error on a %s message", incoming.kind)
                    return [self._apology(incoming, busy=False)]
                delay = next(busy_waits, None)
                if delay is None:
                    log.warning("database busy; asked the resident to resend (channel=%s)", incoming.channel)
                    return [self._apology(incoming, busy=True)]
                await asyncio.sleep(delay)
            except Exception:
                log.exception("error on a %s message (channel=%s)", incoming.kind, incoming.channel)
                return [self._apology(incoming, busy=False)]
        log.error("gave up on a %s message after repeated conflicts", incoming.kind)
        return [self._apology(incoming, busy=True)]

    def _apology(self, incoming: Incoming, *, busy: bool) -> Reply:
        _ = translator(choose_locale(None, incoming.language_hint, self.settings.default_locale))
        if busy:
            text = _("The system is busy right now. Please send your message again in a minute.")
        else:
            text = _("Sorry, something went wrong on our side. Please try again, or call the call center "
                     "at {phone}.").format(phone="1588-5949")
        return Reply(text=text, rows=[[Button(_("🏠 Home"), HOME_TOKEN)]], screen="error")

    async def _turn(self, incoming: Incoming) -> list[Reply]:
        """Load (one short read), decide and render (no transaction open), save (one short write)."""
        now = self.clock()
        key = {"channel": incoming.channel, "user_key": incoming.user_key}
        record = await self.db.read(crud.find_resident, **key)
        if record is None:
            record = await self.db.write(crud.load_or_create_resident, now=now, **key)
        locale = choose_locale(record.locale, incoming.language_hint, self.settings.default_locale)
        profile = Profile(record.locale, record.region, record.consent, record.consent_at)
        ctx = Context(
            translator=translator(locale), profile=profile, data=dict(record.data), content=self.content_store.current,
            settings=self.settings, now=now, channel=incoming.channel,
            services=_DbServices(self.db, record.id), flows=self.registry.flows,
        )
        current = record.screen if self._exists(ctx, record.screen) else None
        if current is None and record.screen is not None and profile.locale and profile.consent:
            current = self.registry.home  # a known resident whose screen was removed from the content
        turn = await self._dispatch(ctx, current, incoming)
        screen, stack = self._navigate(ctx, current, list(record.stack), turn)
        if screen == self.registry.home or turn.outcome.reset or ctx.forget_history:
            ctx.data.clear()  # a flow's pending answers do not outlive it (nor the consent they were typed under)
        reply = await self.render(ctx, screen, note=turn.outcome.note)

        changes = {
            name: getattr(profile, name)
            for name in ("locale", "region", "consent", "consent_at")
            if getattr(profile, name) != getattr(record, name)
        }
        requests = list(ctx.requests)
        history = []
        if profile.consented and not ctx.forget_everything:
            history = [("in", str(incoming.kind), incoming.summary()), ("out", "reply", reply.text)]

        def persist(*, conn) -> None:
            if ctx.forget_everything:
                crud.delete_resident(conn=conn, resident_id=record.id)
                return
            if ctx.forget_history:
                crud.delete_history(conn=conn, resident_id=record.id)
            crud.save_turn(conn=conn, record=record, profile=changes, screen=screen, stack=stack, data=ctx.data,
                           now=now, history=history)
            for request in requests:
                crud.create_help_request(conn=conn, resident_id=record.id, now=now, channel=incoming.channel,
                                         **request)

        await self.db.write(persist)
        return [reply]

    # -- deciding -------------------------------------------------------------------------------------

    async def _dispatch(self, ctx: Context, current: str | None, incoming: Incoming) -> _Turn:
        _ = ctx.translator
        if current is None:  # first contact, or a screen that no longer exists
            if incoming.kind is Kind.COMMAND and incoming.text in self.registry.commands:
                return _Turn(await self.registry.commands[incoming.text](ctx, incoming.args), self.registry.home)
            welcome = _Turn(Outcome(goto=self.registry.welcome, reset=True), self.registry.welcome)
            outcome = None
            if incoming.kind is Kind.TEXT and incoming.text.strip():  # an emergency cannot wait for onboarding
                outcome = await self._before_text(ctx, incoming.text.strip()[:MAX_TEXT])
            elif incoming.kind is Kind.LOCATION:
                for handler in self.registry.location_handlers:
                    outcome = outcome or await handler(ctx, incoming.latitude, incoming.longitude)
            return _Turn(outcome, self.registry.welcome) if outcome is not None else welcome

        match incoming.kind:
            case Kind.COMMAND:
                command = self.registry.commands.get(incoming.text)
                if command is None:
                    return _Turn(Outcome(note=_("I don't know that command. Try /menu or /help.")), current)
                return _Turn(await command(ctx, incoming.args), current)
            case Kind.CHOICE:
                return await self._choice(ctx, current, incoming.text)
            case Kind.TEXT:
                return await self._text(ctx, current, incoming.text)
            case Kind.LOCATION:
                for handler in self.registry.location_handlers:
                    outcome = await handler(ctx, incoming.latitude, incoming.longitude)
                    if outcome is not None:
                        return _Turn(outcome, current)
                return _Turn(Outcome(note=_(
                    "Thank you for sharing your location. I cannot use it on this screen: please choose from "
                    "the menu.")), current)
            case _:
                return _Turn(Outcome(note=_(
                    "I can't read stickers, photos, voice messages or files here. Please type your question "
                    "or use the buttons.")), current)

    async def _choice(self, ctx: Context, current: str, token: str) -> _Turn:
        _ = ctx.translator
        screen_name, _sep, key = token.partition(TOKEN_SEPARATOR)
        if screen_name == NAV:
            if key == "home":
                return _Turn(Outcome(goto=self.registry.home, reset=True), current)
            if key == "back":
                return _Turn(Outcome(back=True), current)
            if key == "start" and "start" in self.registry.commands:
                return _Turn(await self.registry.commands["start"](ctx, ""), current)
        stale = _("That button belongs to an older menu. Here is where you are now.")
        resolved = self.registry.resolve(screen_name)
        if resolved is None or not key:
            return _Turn(Outcome(note=stale), current)
        screen, param = resolved
        if screen_name != current and not screen.replayable:
            return _Turn(Outcome(note=stale), current)
        ctx.param = param
        view = await screen.render(ctx)
        if view is None or key not in {choice.key for choice in view.choices}:
            return _Turn(Outcome(note=stale), current)
        outcome = await screen.on_choice(ctx, key) if screen.on_choice else None
        if outcome is None and self._exists(ctx, key):
            outcome = Outcome(goto=key)
        if outcome is None:
            return _Turn(Outcome(note=stale), current)
        return _Turn(outcome, screen_name)

    async def _text(self, ctx: Context, current: str, text: str) -> _Turn:
        _ = ctx.translator
        text = text.strip()
        if not text:
            return _Turn(Outcome(note=_("Your message was empty. Please choose from the menu.")), current)
        if len(text) > MAX_TEXT:
            return _Turn(Outcome(note=_(
                "Your message is very long. Please write a shorter question, or call the call center at "
                "{phone}.").format(phone="1588-5949")), current)
        screen, param = self.registry.resolve(current)
        ctx.screen = current
        if not screen.free_text:
            outcome = await self._before_text(ctx, text)
            if outcome is not None:
                return _Turn(outcome, current)
        ctx.param = param
        if screen.on_text is not None:
            outcome = await screen.on_text(ctx, text)
            if screen.free_text:  # the screen has kept the text; an emergency word still opens the emergency card
                urgent = await self._before_text(ctx, text)
                outcome = urgent if urgent is not None else outcome
            if outcome is not None:
                return _Turn(outcome, current)
        for handler in self.registry.fallback_text if screen.search else ():
            outcome = await handler(ctx, text)
            if outcome is not None:
                return _Turn(outcome, current)
        return _Turn(Outcome(note=_(
            "I can't answer typed questions on this screen yet. Please choose one of the buttons below, or call "
            "the call center at {phone} to talk to a counselor in your language.").format(phone="1588-5949")),
            current)

    async def _before_text(self, ctx: Context, text: str) -> Outcome | None:
        for handler in self.registry.before_text:
            outcome = await handler(ctx, text)
            if outcome is not None:
                return outcome
        return None

    def _navigate(self, ctx: Context, current: str | None, stack: list[str], turn: _Turn) -> tuple[str, list[str]]:
        outcome = turn.outcome
        home = self.registry.home
        if outcome.back:
            while stack:
                previous = stack.pop()
                if self._exists(ctx, previous):  # content published since may have removed it
                    return previous, stack
            return home, []
        target = outcome.goto or turn.screen or home
        if outcome.reset or target == home:
            return target, []
        if target in stack:
            return target, stack[: stack.index(target)]
        origin = turn.screen if outcome.goto else None
        if origin and origin != target:
            stack = [*stack, origin][-MAX_STACK:]
        return target, stack

    # -- showing --------------------------------------------------------------------------------------

    def _exists(self, ctx: Context, name: str | None) -> bool:
        """Whether `name` is a screen that can be shown now (a family must have this member)."""
        resolved = self.registry.resolve(name)
        if resolved is None:
            return False
        screen, ctx.param = resolved
        return screen.exists is None or screen.exists(ctx)

    async def render(self, ctx: Context, screen_name: str, *, note: str | None = None) -> Reply:
        """Render a screen with the Back/Home row, its buttons turned into tokens."""
        screen, ctx.param = self.registry.resolve(screen_name)
        view: View = await screen.render(ctx)
        return to_reply(view, screen_name, ctx.translator, note=note)


def to_reply(view: View, screen_name: str, _: Translator, *, note: str | None = None) -> Reply:
    columns = max(1, view.columns)
    buttons = [Button(choice.label, f"{screen_name}{TOKEN_SEPARATOR}{choice.key}") for choice in view.choices]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    if view.nav:
        rows.append([Button(_("◀ Back"), BACK_TOKEN), Button(_("🏠 Home"), HOME_TOKEN)])
    text = f"{note}\n\n{view.text}" if note else view.text
    return Reply(text=text, rows=rows, actions=list(view.actions), screen=screen_name)


__all__ = ["ConversationEngine", "Deliver", "START_TOKEN", "to_reply"]
