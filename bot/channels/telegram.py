"""Telegram through python-telegram-bot: long polling into the inbox, inline keyboards, edit in place, safe sending.

The adapter uses python-telegram-bot as a Bot API client (its request class, error mapping and Update parsing) but
not its Application/Updater: we poll getUpdates ourselves and record each raw update in the inbox before the next
poll tells Telegram it was received, parse it afterwards (an update the library cannot read is kept, marked and
skipped, not retried forever), and send every reply through the outbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
import warnings
from dataclasses import replace
from datetime import timedelta
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, PTB's future behaviour

from telegram import Bot, BotCommand, Update
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.channels.telegram_request import AiohttpRequest, NotSent
from bot.conversation import Incoming, Kind, Reply
from bot.conversation.engine import ConversationEngine, Receipt, TurnDeferred, payload_reply, reply_payload
from bot.i18n import LOCALES, TELEGRAM_LANGUAGE_CODES, choose_locale, translator
from bot.services.inbox import Deferred, Dispatcher
from bot.services.outbox import BULK_KINDS, Outbox, Outcome, Result
from bot.settings import Settings
from bot.storage import alerts as alert_store
from bot.storage import crud, mail, tickets
from bot.storage.db import Database
from bot.storage.mail import InboxRow, OutboxRow
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
ALLOWED_UPDATES = ["message", "callback_query"]
#: Waits between failed polls (seconds), with jitter: a Bot API outage is retried, slower and slower.
POLL_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
#: Closed inbox rows are kept this long (Telegram re-delivers an unconfirmed update for at most a day).
INBOX_KEEP = timedelta(days=2)
#: How often open updates that nothing works on are tried again (seconds).
RESUBMIT_EVERY = 60.0
MEDIA_KINDS = ("sticker", "photo", "voice", "video", "video_note", "animation", "audio", "document", "contact",
               "poll", "dice", "venue")


# -- Incoming ------------------------------------------------------------------------------------------

def to_incoming(update: Update) -> Incoming | None:
    """Turn a Telegram update into an Incoming, or None for updates the bot does not answer."""
    if update.callback_query is not None:
        query = update.callback_query
        user = query.from_user
        return Incoming(CHANNEL, str(user.id), Kind.CHOICE, text=query.data or "",
                        language_hint=user.language_code)
    message = update.message
    if message is None or message.from_user is None or message.chat.type != "private":
        return None  # edits, channel posts and group messages are not conversations with the bot
    user = message.from_user
    reply_to = message.reply_to_message.message_id if message.reply_to_message is not None else None
    base = {"channel": CHANNEL, "user_key": str(user.id), "language_hint": user.language_code,
            "reply_to": str(reply_to) if reply_to is not None else None}
    if message.text is not None:
        text = message.text
        if text.startswith("/") and len(text) > 1:
            head, _sep, args = text[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            return Incoming(kind=Kind.COMMAND, text=name, args=args.strip(), **base)
        return Incoming(kind=Kind.TEXT, text=text, **base)
    media = media_of(message)
    if message.caption:  # a photo or file with words: the bot cannot see the picture, but it can read the words
        return Incoming(kind=Kind.TEXT, text=message.caption, media=media, **base)
    if message.location is not None and message.venue is None:
        return Incoming(kind=Kind.LOCATION, latitude=message.location.latitude,
                        longitude=message.location.longitude, **base)
    kind = next((name for name in MEDIA_KINDS if getattr(message, name, None)), "other")
    return Incoming(kind=Kind.MEDIA, text=kind, media=media, **base)


def media_of(message) -> dict | None:
    """A photo, document, voice message … as a reference the same bot can send on (its file_id) and its size."""
    if message.photo:
        largest = message.photo[-1]
        return {"type": "photo", "file_id": largest.file_id, "size": largest.file_size}
    for kind in ("document", "voice", "audio", "video", "video_note", "animation", "sticker"):
        item = getattr(message, kind, None)
        if item is not None:
            found = {"type": kind, "file_id": item.file_id, "size": getattr(item, "file_size", None)}
            for name in ("file_name", "mime_type"):
                if getattr(item, name, None):
                    found[name] = getattr(item, name)
            return found
    return None


#: Bot API methods that send each kind of media, and the name of their file parameter.
SEND_MEDIA = {"photo": ("sendPhoto", "photo"), "document": ("sendDocument", "document"),
              "voice": ("sendVoice", "voice"), "audio": ("sendAudio", "audio"), "video": ("sendVideo", "video"),
              "video_note": ("sendVideoNote", "video_note"), "animation": ("sendAnimation", "animation")}
MAX_CAPTION = 1024


# -- Replies ---------------------------------------------------------------------------------------------

def reply_text(reply: Reply) -> str:
    """The reply as Telegram text. Inline buttons cannot dial, so every number to call comes first, on its own
    line, where the phone offers to call it."""
    calls = [action.line for action in reply.actions if action.kind == "call"]
    return "\n".join(calls) + "\n\n" + reply.text if calls else reply.text


def reply_markup(reply: Reply) -> dict | None:
    """The reply's buttons as a Bot API InlineKeyboardMarkup (links first, each on its own row)."""
    rows = [[{"text": a.label, "url": a.value}] for a in reply.actions if a.kind == "link"]
    rows += [[{"text": b.label, "callback_data": b.token} for b in row] for row in reply.rows if row]
    return {"inline_keyboard": rows} if rows else None


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph, line or word boundaries so that each part fits in one message."""
    text = text.strip() or "…"
    parts: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return [part for part in parts if part]


# Replies go through Bot.do_api_request with plain-dict keyboards: PTB still builds, sends and checks the request
# (RetryAfter, Forbidden, BadRequest), but skips building a Message object back from each response, which we
# never use (scripts/bench.py). PTB warns that typed methods exist for these endpoints; we know.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ChannelStopped(Exception):
    """The channel cannot go on (the token was revoked): the bot stops with this one-line reason."""


def sender_of(raw: dict) -> str | None:
    """Who sent a raw update, read without any library (so that one resident's updates stay in order)."""
    for kind in ("message", "callback_query", "edited_message"):
        body = raw.get(kind)
        if isinstance(body, dict):
            user = body.get("from")
            if isinstance(user, dict) and isinstance(user.get("id"), int):
                return str(user["id"])
    return None


def _message_id(result: Any) -> str | None:
    return str(result["message_id"]) if isinstance(result, dict) and "message_id" in result else None


def classify(exc: Exception) -> Result:
    """What a failed Bot API request means for the message it carried."""
    if isinstance(exc, RetryAfter):
        return Result(Outcome.RETRY, retry_after=max(0.0, _retry_seconds(exc)), error="429 flood control")
    if isinstance(exc, Forbidden):
        return Result(Outcome.BLOCKED, error="403 blocked")
    if isinstance(exc, ChatMigrated | BadRequest):
        return Result(Outcome.FAILED, error=f"400 {str(exc)[:80]}")
    if isinstance(exc, NotSent):
        return Result(Outcome.RETRY, error="not sent: no connection")
    if isinstance(exc, TimedOut):
        return Result(Outcome.UNKNOWN, error="timed out after sending")
    if isinstance(exc, InvalidToken | EndPointNotFound | Conflict):
        return Result(Outcome.RETRY, error=type(exc).__name__)
    if isinstance(exc, NetworkError) and str(exc).startswith("aiohttp."):
        return Result(Outcome.UNKNOWN, error=f"connection lost after sending ({str(exc)[:60]})")
    return Result(Outcome.RETRY, error=f"{type(exc).__name__} {str(exc)[:80]}")  # 5xx: Telegram did not take it


class TelegramSender:
    """Delivers outbox rows (channel-neutral replies) as Bot API calls: edit in place, split long text."""

    channel = CHANNEL

    def __init__(self, bot: Bot, *, paid: bool = False) -> None:
        self.bot = bot
        self.paid = paid  # alerts and announcements as paid broadcasts (up to 1000 a second, for Stars)

    async def call(self, endpoint: str, **params: Any) -> Any:
        return await self.bot.do_api_request(endpoint, api_kwargs={k: v for k, v in params.items() if v is not None})

    async def send(self, row: OutboxRow) -> Result:
        paid = self.paid and row.kind in BULK_KINDS
        return await self.send_payload(row.recipient, row.payload or {}, paid=paid)

    async def send_payload(self, recipient: str, payload: dict, *, paid: bool = False) -> Result:
        reply = payload_reply(payload)
        chat_id = int(recipient)
        markup = reply_markup(reply)
        edit = payload.get("edit") or {}
        media = payload.get("media")
        ref = None
        done = skip = int(payload.get("parts_sent") or 0)  # parts through on an earlier try: not sent again
        try:
            if media is not None:
                return await self._send_media(chat_id, media, reply.text, markup, skip)
            chunks = split_text(reply_text(reply))
            if edit.get("message_id") and len(chunks) == 1 and not skip:
                try:
                    result = await self.call("editMessageText", chat_id=chat_id, message_id=edit["message_id"],
                                             text=chunks[0], reply_markup=markup)
                    return Result(Outcome.SENT, ref=_message_id(result) or str(edit["message_id"]))
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        return Result(Outcome.SENT, ref=str(edit["message_id"]))
                    # the message is too old to edit, or gone: send the reply as a new message
            for number, chunk in enumerate(chunks, start=1):
                if number <= skip:
                    continue
                result = await self.call("sendMessage", chat_id=chat_id, text=chunk,
                                         reply_markup=markup if number == len(chunks) else None,
                                         allow_paid_broadcast=True if paid else None)
                ref = _message_id(result) or ref
                done = number
        except PartlySent as exc:
            return _partly(classify(exc.error), exc.done)
        except TelegramError as exc:
            return _partly(classify(exc), done)
        return Result(Outcome.SENT, ref=ref)

    async def _send_media(self, chat_id: int, media: dict, text: str, markup: dict | None, skip: int = 0) -> Result:
        """Send a photo, document, voice message … by the file_id it came with, or a location; then the text that
        did not fit as a caption. Parts through on an earlier try (`skip`) are not sent again."""
        if media.get("type") == "location":
            calls = [("sendLocation", {"latitude": media["latitude"], "longitude": media["longitude"]})]
            if text:
                calls.append(("sendMessage", {"text": text, "reply_markup": markup}))
        else:
            method, field = SEND_MEDIA.get(media.get("type"), ("sendDocument", "document"))
            caption = text if len(text) <= MAX_CAPTION else None
            calls = [(method, {"caption": caption, "reply_markup": markup, field: media["file_id"]})]
            if caption is None and text:
                calls += [("sendMessage", {"text": chunk}) for chunk in split_text(text)]
        result = None
        for number, (method, params) in enumerate(calls, start=1):
            if number <= skip:
                continue
            try:
                result = await self.call(method, chat_id=chat_id, **params)
            except TelegramError as exc:
                raise PartlySent(exc, number - 1) from None
        return Result(Outcome.SENT, ref=_message_id(result))


class PartlySent(Exception):
    """A message in several parts failed at one of them: `done` parts are through."""

    def __init__(self, error: TelegramError, done: int) -> None:
        super().__init__(type(error).__name__)
        self.error, self.done = error, done


def _partly(result: Result, done: int) -> Result:
    """A retry of a message some of whose parts are through starts after them (they are not sent twice)."""
    return replace(result, parts_sent=done) if result.outcome is Outcome.RETRY and done else result


#: Bulk messages leave evenly spaced: a burst of two at most keeps the time lost to timer lateness without ever going
#: above the configured rate for longer than one message.
BULK_BURST = 2


class TelegramChannel:
    """Long polling into the inbox, the dispatcher that runs each update once, and the outbox sender."""

    def __init__(self, *, settings: Settings, engine: ConversationEngine, db: Database, desk=None, alerts=None,
                 poll_backoff: tuple[float, ...] = POLL_BACKOFF) -> None:
        self.settings = settings
        self.engine = engine
        self.db = db
        self.desk = desk  # bot.services.desk.Desk: messages from registered counselors go there
        self.alerts = alerts  # bot.services.alerts.Alerts: writes the text of alerts and announcements
        self.poll_backoff = poll_backoff
        self.bot: Bot | None = None
        self.sender: TelegramSender | None = None
        self.outbox: Outbox | None = None
        self.dispatcher = Dispatcher(self.handle_row, on_flood=self.on_flood)
        self._resubmitted = time.monotonic()
        self._tasks: list[asyncio.Task] = []
        self._stop = asyncio.Event()
        self.offset: int | None = None
        self.username: str | None = None

    def build_bot(self) -> Bot:
        assert self.settings.telegram_bot_token is not None
        base = self.settings.telegram_api_base_url.rstrip("/")
        file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file"
        return Bot(self.settings.telegram_bot_token.get_secret_value(), base_url=base, base_file_url=file_base,
                   request=AiohttpRequest(connection_pool_size=16, read_timeout=30.0),
                   get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=90.0))

    async def start(self, *, poll_timeout: int = 30) -> None:
        """Check the token (getMe), set the command list, take up what the last run left, start polling."""
        self.bot = self.build_bot()
        try:
            await self.bot.initialize()
        except InvalidToken:
            await self.bot.shutdown()
            raise ChannelStopped("Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): the token was revoked "
                                 "or mistyped. Get a valid one from @BotFather.") from None
        self.username = self.bot.username
        self.sender = TelegramSender(self.bot, paid=self.settings.telegram_paid_broadcast)
        self.outbox = Outbox(self.db, self.sender, on_blocked=self.mark_unreachable,
                             rate=self.settings.telegram_bulk_rate, burst=BULK_BURST,
                             chat_interval=self.settings.telegram_chat_interval,
                             expand=self.alerts.expand if self.alerts is not None else None)
        if self.desk is not None:
            await self.desk.refresh()
        await self.set_commands()
        await self.outbox.recover()
        left = await self.db.read(mail.unfinished_updates, channel=CHANNEL)
        if left:
            log.warning("telegram: %d update(s) received before the last stop were not answered; answering now",
                        len(left))
            self.dispatcher.submit(left)
        last = await self.db.read(mail.last_update_id, channel=CHANNEL)
        self.offset = last + 1 if last is not None else None
        self._tasks = [asyncio.create_task(self.poll(poll_timeout), name="telegram-poll"),
                       asyncio.create_task(self.outbox.run(self._stop), name="telegram-outbox")]
        log.info("telegram: polling as @%s", self.username)

    @property
    def tasks(self) -> list[asyncio.Task]:
        """The channel's long-running tasks; the runner stops the bot when one of them ends."""
        return list(self._tasks)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop polling, let the turns under way finish, then let the sender finish the sends in flight (so they
        are marked, not sent again at the next start) before closing."""
        self._stop.set()
        for task in self._tasks[:1]:  # the poll
            task.cancel()
        await self.dispatcher.close()
        rest = [task for task in self._tasks[1:] if not task.done()]
        if rest:
            _done, pending = await asyncio.wait(rest, timeout=grace)
            for task in pending:
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self.bot is not None:
            await self.bot.shutdown()
            self.bot = None

    # -- receiving -----------------------------------------------------------------------------------------

    async def poll(self, timeout: int) -> None:
        """Fetch updates, record them in the inbox, hand them to the dispatcher; the next getUpdates (with an
        offset past them) tells Telegram they arrived. Transient failures are retried with backoff; a revoked
        token ends polling with ChannelStopped."""
        failures = 0
        while not self._stop.is_set():
            try:
                raw = await self.bot.do_api_request(
                    "getUpdates", api_kwargs={"offset": self.offset, "timeout": timeout, "limit": 100,
                                              "allowed_updates": ALLOWED_UPDATES})
                updates = self._check(raw)
                # as ASCII JSON: a lone surrogate (which no database takes as text) is kept as its escape
                rows = await self.db.write(
                    mail.record_updates, channel=CHANNEL, now=utcnow(),
                    updates=[(u["update_id"], sender_of(u), json.dumps(u)) for u in updates])
            except (InvalidToken, EndPointNotFound):  # PTB reports a 401/404 after start-up as EndPointNotFound
                raise ChannelStopped("Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized) while polling: the "
                                     "token was revoked. Get a new one from @BotFather and restart.") from None
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                wait = self._poll_wait(exc, failures)
                log.warning("telegram: getUpdates failed (%s); polling again in %.1f s",
                            _describe(exc), wait)
                await self._sleep_or_stop(wait)
                continue
            if failures:
                log.info("telegram: polling works again after %d failed attempt(s)", failures)
                failures = 0
            if updates:
                self.offset = max(u["update_id"] for u in updates) + 1
                log.debug("telegram: %d update(s) received, %d new", len(updates), len(rows))
            self.dispatcher.submit(rows)
            if time.monotonic() - self._resubmitted > RESUBMIT_EVERY:
                await self.resubmit_left()
        await asyncio.sleep(0)

    async def resubmit_left(self) -> int:
        """Updates still open that nothing in this process works on (given up while the database was unavailable,
        after the resident was told they will be answered) are tried again, not left for the next start."""
        self._resubmitted = time.monotonic()
        try:
            rows = await self.db.read(mail.unfinished_updates, channel=CHANNEL)
        except Exception as exc:
            log.warning("telegram: open updates could not be looked up (%s)", type(exc).__name__)
            return 0
        left = [row for row in rows if not self.dispatcher.working_on(row.id)]
        if left:
            log.info("telegram: %d open update(s) tried again", len(left))
            self.dispatcher.submit(left)
        return len(left)

    @staticmethod
    def _check(raw: Any) -> list[dict]:
        """The result of getUpdates, or ValueError when it is not a list of updates with integer ids."""
        if not isinstance(raw, list) or not all(
                isinstance(u, dict) and isinstance(u.get("update_id"), int) and not isinstance(u["update_id"], bool)
                for u in raw):
            raise ValueError("getUpdates returned something that is not a list of updates")
        return raw

    def _poll_wait(self, exc: Exception, failures: int) -> float:
        if isinstance(exc, RetryAfter):
            return _retry_seconds(exc)
        if isinstance(exc, Conflict):
            log.error("telegram: another process is polling with this token, or a webhook is set (409 Conflict)")
        base = self.poll_backoff[min(failures, len(self.poll_backoff)) - 1]
        return base * random.uniform(0.8, 1.2)

    async def _sleep_or_stop(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            pass

    async def handle_row(self, row: InboxRow) -> None:
        """Run one recorded update through the conversation and deliver its replies."""
        try:
            update = Update.de_json(json.loads(row.payload or "null"), self.bot)
            if update is None:
                raise ValueError("empty update")
        except Exception as exc:
            log.error("telegram: update %s cannot be read by python-telegram-bot (%s); skipped", row.update_id,
                      type(exc).__name__)
            await self.db.write(mail.finish_update, inbox_id=row.id, status="skipped", now=utcnow(),
                                error=f"unreadable: {type(exc).__name__}", keep_payload=True)
            return
        incoming = to_incoming(update)
        query = update.callback_query
        if incoming is not None and query is not None and not self._own_chat(update):
            incoming = None  # a button pressed under someone else's message: never act on it
            _ = translator(choose_locale(None, query.from_user.language_code))
            await self._answer(query.id, _("This button is not for you."))
        elif query is not None:
            await self._answer(query.id)
        if incoming is None:
            await self.db.write(mail.finish_update, inbox_id=row.id, status="skipped", now=utcnow(),
                                error="not for the bot")
            return
        edit = None
        if query is not None and query.message is not None and query.message.message_id:
            edit = {"message_id": query.message.message_id}
        chat_id = update.effective_chat.id if update.effective_chat is not None else int(incoming.user_key)
        receipt = Receipt(inbox_id=row.id, recipient=str(chat_id), edit=edit)
        counselor = self.desk is not None and await self.desk.is_counselor(CHANNEL, incoming.user_key)
        try:
            outgoing = await (self.desk if counselor else self.engine).process(incoming, receipt)
        except TurnDeferred as exc:
            if row.attempts == 0:  # tell the resident once; the update is answered when the database is back
                await self.sender.send_payload(str(chat_id), reply_payload(exc.apology))
            await self.db_retry(row)
            raise Deferred from None
        await self.outbox.send_claimed(outgoing.rows)
        if outgoing.others:
            self.outbox.wake()  # what the turn queued for others (a counselor, a resident) leaves now

    async def db_retry(self, row: InboxRow) -> None:
        try:
            attempts = await self.db.write(mail.retry_update, inbox_id=row.id, error="database unavailable")
        except Exception:
            attempts = row.attempts + 1
        object.__setattr__(row, "attempts", attempts)

    @staticmethod
    def _own_chat(update: Update) -> bool:
        """A button counts only in the private chat of the person who pressed it."""
        query = update.callback_query
        message = query.message
        if message is None:
            return True
        return message.chat.type == "private" and message.chat.id == query.from_user.id

    async def _answer(self, query_id: str, text: str | None = None) -> None:
        """Stop the button's spinner (best effort: the reply itself is what matters)."""
        try:
            await self.sender.call("answerCallbackQuery", callback_query_id=query_id, text=text)
        except TelegramError as exc:
            log.info("telegram: answerCallbackQuery failed (%s)", type(exc).__name__)

    async def on_flood(self, row: InboxRow) -> None:
        """Tell a resident who sent many messages at once, once, that they are answered in order."""
        if row.user_key is None:
            return
        record = await self.db.read(crud.find_resident, channel=CHANNEL, user_key=row.user_key)
        hint = None
        try:
            hint = json.loads(row.payload or "{}").get("message", {}).get("from", {}).get("language_code")
        except (ValueError, AttributeError):
            pass
        _ = translator(choose_locale(record.locale if record else None, hint, self.settings.default_locale))
        text = _("You sent many messages at once. I answer them one by one, in order: please wait a moment "
                 "before sending more.")
        await self.sender.send_payload(row.user_key, {"text": text})

    async def mark_unreachable(self, row: OutboxRow) -> None:
        """The recipient blocked the bot: remember it, stop trying, and tell the counselor of a chat."""
        now = utcnow()
        await self.db.write(crud.mark_unreachable, channel=CHANNEL, user_key=row.recipient, now=now)
        await self.db.write(alert_store.unsubscribe_address, channel=CHANNEL, user_key=row.recipient)
        log.info("telegram resident marked unreachable (blocked the bot); alerts stopped")
        if self.desk is not None:

            def tell(*, conn) -> None:  # whichever message was refused, a counselor in a chat with them is told
                ticket = tickets.open_ticket_by_key(conn=conn, channel=CHANNEL, user_key=row.recipient)
                if ticket is not None and ticket.status == "assigned":
                    self.desk.queue.tell_counselor(conn, ticket, "blocked", now)

            await self.db.write(tell)
            self.outbox.wake()

    async def set_commands(self) -> None:
        """Set the command list in every language."""
        for locale in LOCALES:
            _ = translator(locale)
            commands = [
                BotCommand("start", _("Start or restart")),
                BotCommand("menu", _("Main menu")),
                BotCommand("language", _("Change language")),
                BotCommand("help", _("Help")),
                BotCommand("delete", _("Delete my data")),
            ]
            code = TELEGRAM_LANGUAGE_CODES.get(locale)
            try:
                await self.bot.set_my_commands(commands, language_code=code)
            except TelegramError as exc:  # the bot still works without its command list
                log.warning("could not set the command list for %s: %s", locale, type(exc).__name__)


def _describe(exc: Exception) -> str:
    """A failure in a log line: its kind and the server's words, never a URL (it would carry the token)."""
    return f"{type(exc).__name__}: {str(exc)[:120]}" if str(exc) else type(exc).__name__
