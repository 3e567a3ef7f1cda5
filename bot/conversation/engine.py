"""The conversation engine: one turn per incoming message, state loaded from and saved to the database."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

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
from bot.storage import crud, mail, tickets
from bot.storage.db import Database
from bot.storage.types import utcnow
from bot.text import ascii_digits, clean

log = logging.getLogger(__name__)

MAX_STACK = 20
MAX_TEXT = 4000  # longer typed text is answered with a note (Telegram itself stops at 4096)
BUSY_RETRIES = (0.05, 0.2, 0.5, 1.0)
#: Another worker saved the same resident's conversation first: run the turn again, after a jittered pause so that
#: two workers do not keep colliding (issue 7: with three quick retries 1 message in 80 was refused on PostgreSQL).
MAX_STALE_RETRIES = 12
STALE_BACKOFF = 0.01  # seconds, doubled each time, up to 0.5 s, with ±50% jitter

Deliver = Callable[[list[Reply]], Awaitable[None]]


class _DbServices(Services):
    """Look-ups a handler may make during a turn, each in its own short read."""

    def __init__(self, db: Database, resident_id: int, queue=None, now=None, changes=None) -> None:
        self._db = db
        self._resident_id = resident_id
        self._queue = queue
        self._now = now
        self._changes = changes if changes is not None else []  # the turn's unsaved changes (ctx.changes)

    async def history_count(self) -> int:
        return await self._db.read(crud.count_messages, resident_id=self._resident_id)

    async def subscription(self):
        from bot.storage import alerts

        saved = await self._db.read(alerts.subscription_of, resident_id=self._resident_id)
        return alerts.subscription_after(saved, self._resident_id, self._changes)

    async def reminders(self) -> dict:
        from bot.storage import alerts

        saved = await self._db.read(alerts.reminders_of, resident_id=self._resident_id)
        return alerts.reminders_after(saved, self._changes)

    async def queue_status(self, pending: dict | None = None):
        if self._queue is None:
            return None

        def look(*, conn):
            ticket = tickets.open_ticket_of(conn=conn, resident_id=self._resident_id)
            if ticket is not None:
                return self._queue.status(conn, ticket, self._now)
            if pending is not None:  # the request being sent in this turn: its ticket is written with the turn
                return self._queue.status_for_new(conn, locale=pending["locale"],
                                                  priority=int(pending.get("priority") or 0), now=self._now)
            return None

        return await self._db.read(look)


def load_turn(*, conn, channel: str, user_key: str):
    """The resident and their open ticket, in one read."""
    record = crud.find_resident(conn=conn, channel=channel, user_key=user_key)
    ticket = tickets.open_ticket_of(conn=conn, resident_id=record.id) if record is not None else None
    return record, ticket


@dataclass
class _Turn:
    outcome: Outcome
    screen: str  # the screen the outcome is relative to
    silent: bool = False  # nothing to show (a message passed on to the counselor)


CHAT = "request.chat"
#: A file this big cannot be passed on (Telegram bots download at most 20 MB).
MAX_RELAY_BYTES = 20 * 1024 * 1024
RELAYED_MEDIA = frozenset({"photo", "document", "voice", "audio", "video", "video_note", "location"})


@dataclass(frozen=True)
class Receipt:
    """A durable turn: the inbox row it closes and where its replies are queued (the outbox)."""

    inbox_id: int
    recipient: str  # the channel's address for the replies (a Telegram chat id)
    edit: dict | None = None  # a channel hint for the first reply, e.g. the Telegram message a button was pressed on


@dataclass
class TurnResult:
    replies: list[Reply]
    outgoing: list = field(default_factory=list)  # the replies as outbox rows, claimed for the caller to send
    others: bool = False  # the turn also queued messages for other people


@dataclass
class Outgoing:
    """What a durable turn leaves for its channel: the replies to send now (already claimed in the outbox), and
    whether it queued messages for anyone else (a counselor, a resident) that the senders should pick up now."""

    rows: list
    others: bool = False


class TurnDeferred(Exception):
    """The database failed (full disk, busy for too long): the update stays in the inbox to be tried again."""

    def __init__(self, apology: Reply) -> None:
        super().__init__("database unavailable")
        self.apology = apology


def enqueue_replies(conn, channel: str, receipt: Receipt, replies: list[Reply], now) -> list:
    """A durable turn's replies, written to the outbox already claimed (the channel sends them right after the
    transaction); returned as outbox rows. If the process dies first, they go back to the queue at start."""
    from bot.storage.mail import OutboxRow

    messages = [{"channel": channel, "recipient": receipt.recipient, "kind": "reply",
                 "dedupe_key": f"in:{receipt.inbox_id}:{number}",
                 "payload": reply_payload(reply, edit=receipt.edit if number == 0 else None)}
                for number, reply in enumerate(replies)]
    ids = mail.enqueue(conn=conn, messages=messages, now=now, claimed=True)
    pairs = list(zip(ids, messages, strict=False))
    if len(ids) != len(messages):  # some were queued before under the same keys: pair each id with its own message
        log.warning("%d reply(ies) to inbox row %s were already queued", len(messages) - len(ids), receipt.inbox_id)
        keys = mail.dedupe_keys(conn=conn, ids=ids)
        by_key = {message["dedupe_key"]: message for message in messages}
        pairs = [(row_id, by_key[keys[row_id]]) for row_id in ids]
    return [OutboxRow(row_id, channel, receipt.recipient, "reply", message["payload"], 1) for row_id, message in pairs]


def reply_payload(reply: Reply, *, edit: dict | None = None) -> dict:
    """A Reply as the outbox keeps it (JSON), for any channel's sender."""
    payload: dict = {"text": reply.text, "screen": reply.screen,
                     "rows": [[[button.label, button.token] for button in row] for row in reply.rows]}
    if reply.actions:
        payload["actions"] = [[action.kind, action.label, action.value] for action in reply.actions]
    if edit:
        payload["edit"] = edit
    return payload


def payload_reply(payload: dict) -> Reply:
    """The Reply an outbox payload was made from."""
    from bot.conversation.messages import Action

    return Reply(text=payload.get("text", ""), screen=payload.get("screen", ""),
                 rows=[[Button(label, token) for label, token in row] for row in payload.get("rows", [])],
                 actions=[Action(kind, label, value) for kind, label, value in payload.get("actions", [])])


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in text or "busy" in text


def _error_kind(exc: Exception) -> str:
    """What went wrong, in words that never include the statement's parameters (a resident's text)."""
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__}: {str(orig).splitlines()[0][:120]}" if str(orig) else type(orig).__name__


class ConversationEngine:
    def __init__(self, *, db: Database, registry: Registry, content: ContentStore, settings: Settings,
                 clock: Callable = utcnow, queue=None) -> None:
        self.db = db
        self.queue = queue  # bot.services.queue.Queue: tickets from requests, relays to counselors
        self.registry = registry
        self.content_store = content
        self.settings = settings
        self.clock = clock
        self.locks = KeyedLocks()

    async def handle(self, incoming: Incoming, deliver: Deliver | None = None) -> list[Reply]:
        """Run one turn for `incoming` and hand the replies to `deliver` while still holding the resident's
        lock, so that one resident's replies leave in the order the messages came."""
        async with self.locks.hold((incoming.channel, incoming.user_key)):
            replies = (await self._turn_with_retries(incoming, None)).replies
            if deliver is not None:
                await deliver(replies)
            return replies

    async def process(self, incoming: Incoming, receipt: Receipt) -> list[int]:
        """Run one durable turn: the conversation state, the closing of the inbox row and the replies queued in the
        outbox are one transaction. Return the outbox ids of the replies, in order.

        Raises TurnDeferred when the database cannot take the turn: the inbox row stays open for another try."""
        async with self.locks.hold((incoming.channel, incoming.user_key)):
            result = await self._turn_with_retries(incoming, receipt)
            return Outgoing(result.outgoing, others=bool(result.others))

    async def _turn_with_retries(self, incoming: Incoming, receipt: Receipt | None) -> TurnResult:
        busy_waits = iter(BUSY_RETRIES)
        stale = 0
        while True:
            try:
                return await self._turn(incoming, receipt)
            except crud.StaleState:
                stale += 1
                if stale > MAX_STALE_RETRIES:
                    log.error("gave up on a %s message after %d conflicts", incoming.kind, stale)
                    return await self._failed(incoming, receipt, busy=True)
                pause = min(STALE_BACKOFF * 2 ** (stale - 1), 0.5)
                await asyncio.sleep(pause * random.uniform(0.5, 1.5))
            except OperationalError as exc:
                delay = next(busy_waits, None) if _is_busy(exc) else None
                if delay is None:
                    if _is_busy(exc):
                        log.warning("database busy; the %s message waits for another try", incoming.kind)
                    else:
                        log.error("database error on a %s message: %s", incoming.kind, _error_kind(exc))
                    if receipt is not None:
                        raise TurnDeferred(self._apology(incoming, busy=_is_busy(exc))) from None
                    return TurnResult([self._apology(incoming, busy=_is_busy(exc))])
                await asyncio.sleep(delay)
            except Exception:
                log.exception("error on a %s message (channel=%s)", incoming.kind, incoming.channel)
                return await self._failed(incoming, receipt, busy=False)

    async def _failed(self, incoming: Incoming, receipt: Receipt | None, *, busy: bool) -> TurnResult:
        """A turn that cannot be done: the apology, queued with the closing of the inbox row when durable."""
        apology = self._apology(incoming, busy=busy)
        if receipt is None:
            return TurnResult([apology])

        def close(*, conn) -> list:
            mail.finish_update(conn=conn, inbox_id=receipt.inbox_id, status="failed", now=self.clock(),
                               error="conflict" if busy else "handler error")
            return self._enqueue(conn, incoming, receipt, [apology])

        try:
            return TurnResult([apology], await self.db.write(close))
        except OperationalError:
            raise TurnDeferred(apology) from None

    def _enqueue(self, conn, incoming: Incoming, receipt: Receipt, replies: list[Reply]) -> list:
        return enqueue_replies(conn, incoming.channel, receipt, replies, self.clock())

    def _apology(self, incoming: Incoming, *, busy: bool) -> Reply:
        _ = translator(choose_locale(None, incoming.language_hint, self.settings.default_locale))
        if busy:
            text = _("The system is busy right now. Please send your message again in a minute.")
        else:
            text = _("Sorry, something went wrong on our side. Please try again, or call the call center "
                     "at {phone}.").format(phone="1588-5949")
        return Reply(text=text, rows=[[Button(_("🏠 Home"), HOME_TOKEN)]], screen="error")

    async def _turn(self, incoming: Incoming, receipt: Receipt | None = None) -> TurnResult:
        """Load (one short read), decide and render (no transaction open), save (one short write)."""
        incoming = replace(incoming, text=clean(incoming.text), args=clean(incoming.args))
        now = self.clock()
        key = {"channel": incoming.channel, "user_key": incoming.user_key}
        record, ticket = await self.db.read(load_turn, **key)
        if record is None:
            record = await self.db.write(crud.load_or_create_resident, now=now, **key)
        locale = choose_locale(record.locale, incoming.language_hint, self.settings.default_locale)
        profile = Profile(record.locale, record.region, record.consent, record.consent_at)
        changes: list = []
        ctx = Context(
            translator=translator(locale), profile=profile, data=dict(record.data), content=self.content_store.current,
            settings=self.settings, now=now, channel=incoming.channel, changes=changes,
            services=_DbServices(self.db, record.id, self.queue, now, changes), flows=self.registry.flows,
            ticket=ticket,
        )
        current = record.screen if self._exists(ctx, record.screen) else None
        if current is None and record.screen is not None and profile.locale and profile.consent:
            current = self.registry.home  # a known resident whose screen was removed from the content
        turn = None
        if ticket is not None and ticket.status == "assigned" and current is not None:
            turn = await self._in_chat(ctx, current, incoming)
        if turn is None:
            turn = await self._dispatch(ctx, current, incoming)
        screen, stack = self._navigate(ctx, current, list(record.stack), turn)
        if screen == self.registry.home or turn.outcome.reset or ctx.forget_history:
            ctx.data.clear()  # a flow's pending answers do not outlive it (nor the consent they were typed under)
        reply = None if turn.silent else await self.render(ctx, screen, note=turn.outcome.note)

        changes = {
            name: getattr(profile, name)
            for name in ("locale", "region", "consent", "consent_at")
            if getattr(profile, name) != getattr(record, name)
        }
        replies = [reply] if reply is not None else []
        history = []
        if profile.consented and not ctx.forget_everything:
            history = [("in", str(incoming.kind), incoming.summary())] + [("out", "reply", r.text) for r in replies]
        relay_key = f"relay:in:{receipt.inbox_id}" if receipt is not None else f"relay:{incoming.user_key}:{now}"

        def persist(*, conn) -> list:
            if receipt is not None and not mail.finish_update(conn=conn, inbox_id=receipt.inbox_id, status="done",
                                                              now=now):
                return []  # processed already (another worker, or before a restart): nothing twice
            if ctx.forget_everything:
                crud.delete_resident(conn=conn, resident_id=record.id, now=now)
                mail.forget_user_updates(conn=conn, channel=incoming.channel, user_key=incoming.user_key)
            else:
                if ctx.forget_history:
                    crud.delete_history(conn=conn, resident_id=record.id, now=now)
                crud.save_turn(conn=conn, record=record, profile=changes, screen=screen, stack=stack,
                               data=ctx.data, now=now, history=history)
                self._queue_changes(conn, ctx, record.id, incoming, now, relay_key)
                for name, args in ctx.changes:
                    apply_change(conn=conn, resident_id=record.id, channel=incoming.channel,
                                 user_key=incoming.user_key, name=name, args=args, now=now)
            return self._enqueue(conn, incoming, receipt, replies) if receipt is not None else []

        outgoing = await self.db.write(persist)
        if ctx.forget_everything:
            await self.db.after_deletion()
        return TurnResult(replies, outgoing, others=bool(ctx.requests or ctx.ticket_actions or ctx.relay))


    def _queue_changes(self, conn, ctx: Context, resident_id: int, incoming: Incoming, now, relay_key: str) -> None:
        """Tickets opened or joined, cancelled, noted, typed and rated in this turn; what the resident sent to the
        counselor who has their ticket — in the turn's own transaction."""
        if self.queue is None:
            return
        moved: set[str] = set()
        for request in ctx.requests:
            ticket, joined = self.queue.open(conn, resident_id=resident_id, channel=incoming.channel,
                                             user_key=incoming.user_key, request=request, now=now)
            if not joined:
                tickets.set_told_position(conn=conn, ticket_id=ticket.id,
                                          told=tickets.position(conn=conn, ticket=ticket))
        for action, args in ctx.ticket_actions:
            ticket = tickets.get_ticket(conn=conn, ticket_id=args["ticket"])
            if ticket is None or ticket.resident_id != resident_id:
                continue
            if action == "cancel" and (cancelled := tickets.cancel(conn=conn, ticket_id=ticket.id, now=now)):
                tickets.record_audit(conn=conn, actor="resident", action="cancel", now=now, ticket_id=ticket.id)
                if cancelled.counselor_id is not None:
                    self.queue.tell_counselor(conn, cancelled, "ended", now)
                moved.add(ticket.locale)
            elif action == "note" and ticket.status in tickets.OPEN:
                tickets.add_message(conn=conn, ticket_id=ticket.id, direction="resident", kind="text",
                                    body=args["text"], now=now)
            elif action == "user_type":
                tickets.set_user_type(conn=conn, ticket_id=ticket.id, user_type=args["user_type"], now=now)
            elif action == "rate":
                tickets.rate(conn=conn, ticket_id=ticket.id, resident_id=resident_id, rating=args["rating"], now=now)
        # as it is now, in this transaction: handed over or sent back to the queue since the turn began
        ticket = tickets.get_ticket(conn=conn, ticket_id=ctx.ticket.id) \
            if ctx.relay is not None and ctx.ticket is not None else None
        if ticket is not None and ticket.status in tickets.OPEN:
            # back in the queue meanwhile: the message stays with the request for the next counselor
            counselor = (tickets.get_counselor(conn=conn, counselor_id=ticket.counselor_id)
                         if ticket.status == "assigned" else None)
            if ctx.relay.get("too_big"):
                if counselor is not None:
                    self.queue.tell_counselor(conn, ticket, "too_big", now)
            else:
                media = ctx.relay.get("media")
                tickets.add_message(conn=conn, ticket_id=ticket.id, direction="resident",
                                    kind=(media or {}).get("type", "text"), body=ctx.relay.get("text"),
                                    media=media, now=now)
                if counselor is not None:
                    self.queue.relay_to_counselor(conn, ticket, counselor, {**ctx.relay, "key": relay_key}, now)
        for locale in moved:
            self.queue.tell_positions(conn, locale, now)

    async def _in_chat(self, ctx: Context, current: str, incoming: Incoming) -> _Turn | None:
        """A counselor has the resident's ticket: what they type or send goes to the counselor, and the menus stay
        quiet — Home shows the chat, Emergency and emergency words still work. None: handle as usual."""
        _ = ctx.translator
        kind = incoming.kind
        if kind is Kind.COMMAND:
            return None if incoming.text in {"emergency", "delete"} else _Turn(Outcome(goto=CHAT), current)
        if kind is Kind.CHOICE:
            screen_name = incoming.text.partition(TOKEN_SEPARATOR)[0]
            if screen_name == CHAT or screen_name.startswith("emergency.") or screen_name == "menu:emergency" \
                    or screen_name.startswith("privacy."):
                return None
            if incoming.text == HOME_TOKEN:
                return _Turn(Outcome(goto=CHAT, reset=True), current)
            return _Turn(Outcome(goto=CHAT, note=_(
                "You are talking with a counselor: type your message here. The menus come back when the chat "
                "ends.")), current)
        media = incoming.media
        if kind is Kind.LOCATION:
            media = {"type": "location", "latitude": incoming.latitude, "longitude": incoming.longitude}
        if media is not None and media.get("type") not in RELAYED_MEDIA:
            return _Turn(Outcome(note=_("This kind of message cannot be passed on to the counselor. Please send "
                                        "text, a photo, a document, a voice message or your location.")), current)
        if media is not None and (media.get("size") or 0) > MAX_RELAY_BYTES:
            ctx.relay = {"too_big": True}
            return _Turn(Outcome(goto=CHAT, note=_(
                "This file is over 20 MB, too big to pass on. Please send a smaller file or a photo of it; the "
                "counselor has been told.")), current)
        text = incoming.text if kind is Kind.TEXT else ""
        ctx.relay = {"text": text, "media": media}
        if kind is Kind.TEXT and len(text.strip()) <= 200:
            urgent = await self._before_text(ctx, ascii_digits(text.strip()))
            if urgent is not None:  # passed on, and the emergency card at once
                return _Turn(urgent, current)
        return _Turn(Outcome(), current, silent=True)

    # -- deciding -------------------------------------------------------------------------------------

    async def _dispatch(self, ctx: Context, current: str | None, incoming: Incoming) -> _Turn:
        _ = ctx.translator
        if current is None:  # first contact, or a screen that no longer exists
            if incoming.kind is Kind.COMMAND and incoming.text in self.registry.commands:
                return _Turn(await self.registry.commands[incoming.text](ctx, incoming.args), self.registry.home)
            welcome = _Turn(Outcome(goto=self.registry.welcome, reset=True), self.registry.welcome)
            outcome = None
            if incoming.kind is Kind.TEXT and incoming.text.strip():
                # a first message is a question (or an emergency), answered at once; never a wall of set-up
                return await self._text(ctx, self.registry.welcome, ascii_digits(incoming.text))
            if incoming.kind is Kind.LOCATION:
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
            case Kind.TEXT:  # handlers match numbers in ASCII digits, whatever the resident's keyboard typed
                return await self._text(ctx, current, ascii_digits(incoming.text))
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
                if urgent is not None and (outcome is None or outcome.goto != urgent.goto):
                    outcome = urgent
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


def apply_change(*, conn, resident_id: int, channel: str, user_key: str, name: str, args: dict, now) -> None:
    """Save an alert or reminder change a handler asked for (ctx.changes), in the turn's transaction."""
    from datetime import date

    from bot.storage import alerts

    match name:
        case "subscribe":
            alerts.subscribe(conn=conn, resident_id=resident_id, channel=channel, user_key=user_key,
                             zones_=list(args["zones"]), now=now)
        case "zones_remove":
            alerts.remove_zones(conn=conn, resident_id=resident_id, zones_=list(args["zones"]))
        case "options":
            alerts.set_options(conn=conn, resident_id=resident_id, now=now, **args)
        case "unsubscribe":
            alerts.unsubscribe(conn=conn, resident_id=resident_id)
        case "reminder":
            due = date.fromisoformat(args["due_date"]) if args.get("due_date") else None
            alerts.set_reminder(conn=conn, resident_id=resident_id, kind=args["kind"], now=now, due_date=due,
                                day_of_month=args.get("day_of_month"))
        case "reminders_delete":
            alerts.delete_reminders(conn=conn, resident_id=resident_id)
        case _:
            raise ValueError(f"unknown change {name!r}")


def to_reply(view: View, screen_name: str, _: Translator, *, note: str | None = None) -> Reply:
    columns = max(1, view.columns)
    buttons = [Button(choice.label, f"{screen_name}{TOKEN_SEPARATOR}{choice.key}") for choice in view.choices]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    if view.nav:
        rows.append([Button(_("◀ Back"), BACK_TOKEN), Button(_("🏠 Home"), HOME_TOKEN)])
    text = f"{note}\n\n{view.text}" if note else view.text
    return Reply(text=text, rows=rows, actions=list(view.actions), screen=screen_name)


__all__ = ["ConversationEngine", "Deliver", "START_TOKEN", "to_reply"]
