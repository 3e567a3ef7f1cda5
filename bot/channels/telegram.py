"""Telegram through python-telegram-bot: long polling, inline keyboards, edit in place, safe sending."""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, PTB's future behaviour

from telegram import (
    BotCommand,
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.channels.telegram_request import AiohttpRequest
from bot.conversation import Incoming, Kind, Reply
from bot.conversation.engine import ConversationEngine
from bot.i18n import LOCALES, TELEGRAM_LANGUAGE_CODES, translator
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.types import utcnow

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_SEND_ATTEMPTS = 5
MAX_RETRY_AFTER = 300.0  # seconds; a longer flood wait is not worth holding a resident's turn for
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
    if message is None or message.from_user is None:
        return None
    user = message.from_user
    base = {"channel": CHANNEL, "user_key": str(user.id), "language_hint": user.language_code}
    if message.text is not None:
        text = message.text
        if text.startswith("/") and len(text) > 1:
            head, _sep, args = text[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            return Incoming(kind=Kind.COMMAND, text=name, args=args.strip(), **base)
        return Incoming(kind=Kind.TEXT, text=text, **base)
    if message.caption:  # a photo or file with words: the bot cannot see the picture, but it can read the words
        return Incoming(kind=Kind.TEXT, text=message.caption, **base)
    if message.location is not None and message.venue is None:
        return Incoming(kind=Kind.LOCATION, latitude=message.location.latitude,
                        longitude=message.location.longitude, **base)
    kind = next((name for name in MEDIA_KINDS if getattr(message, name, None)), "other")
    return Incoming(kind=Kind.MEDIA, text=kind, **base)


# -- Replies ---------------------------------------------------------------------------------------------

def reply_text(reply: Reply) -> str:
    lines = [reply.text]
    calls = [action.line for action in reply.actions if action.kind == "call"]
    if calls:
        lines.append("\n" + "\n".join(calls))
    return "\n".join(lines)


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
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.(send_message|edit_message_text)'", category=PTBUserWarning)


async def _api(bot, endpoint: str, **kwargs: Any) -> Any:
    return await bot.do_api_request(endpoint, api_kwargs={k: v for k, v in kwargs.items() if v is not None})


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    """Wires the engine into a PTB Application and delivers its replies."""

    def __init__(self, *, settings: Settings, engine: ConversationEngine, db: Database) -> None:
        self.settings = settings
        self.engine = engine
        self.db = db
        self.sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self.application: Application | None = None

    async def start(self, *, poll_timeout: int = 30) -> Application:
        """Initialise the bot, set its commands and start long polling."""
        application = self.application = self.build()
        await application.initialize()
        await self.set_commands(application)
        await application.updater.start_polling(
            timeout=poll_timeout, poll_interval=0, allowed_updates=["message", "callback_query"])
        await application.start()
        log.info("telegram: polling as @%s", application.bot.username)
        return application

    async def stop(self) -> None:
        application = self.application
        if application is None:
            return
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        self.application = None

    def build(self) -> Application:
        assert self.settings.telegram_bot_token is not None
        base = self.settings.telegram_api_base_url.rstrip("/")
        file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file"
        application = (
            ApplicationBuilder()
            .token(self.settings.telegram_bot_token.get_secret_value())
            .base_url(base)
            .base_file_url(file_base)
            .concurrent_updates(256)  # different residents at once; the engine keeps each one in order
            .request(AiohttpRequest(connection_pool_size=8))
            .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=60))
            .build()
        )
        application.add_handler(CallbackQueryHandler(self.on_callback))
        application.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, self.on_message))
        application.add_error_handler(self.on_error)
        return application

    # -- handlers ----------------------------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a private message."""
        incoming = to_incoming(update)
        if incoming is None:
            return
        chat_id = update.effective_chat.id
        await self.engine.handle(incoming, lambda replies: self.deliver(context.bot, chat_id, None, replies))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a button press: edit the menu in place where that reads naturally."""
        query = update.callback_query
        incoming = to_incoming(update)
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        await self.engine.handle(incoming, lambda replies: self.deliver(context.bot, chat_id, query, replies))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler error", exc_info=context.error)

    # -- delivery ----------------------------------------------------------------------------------------

    async def deliver(self, bot, chat_id: int, query: CallbackQuery | None, replies: list[Reply]) -> None:
        """Send the replies in order; a callback's menu is edited in place when it fits one message."""
        if query is not None:
            await self._call(chat_id, query.answer, quiet=True)
        for index, reply in enumerate(replies):
            chunks = split_text(reply_text(reply))
            markup = reply_markup(reply)
            message = query.message if query is not None and index == 0 else None
            if isinstance(message, Message) and len(chunks) == 1:
                edit = partial(_api, bot, "edit_message_text", chat_id=message.chat.id,
                               message_id=message.message_id, text=chunks[0], reply_markup=markup)
                if await self._call(chat_id, edit, edit=True) is not None:
                    continue
            for number, chunk in enumerate(chunks, start=1):
                send = partial(_api, bot, "send_message", chat_id=chat_id, text=chunk,
                               reply_markup=markup if number == len(chunks) else None)
                if await self._call(chat_id, send) is None:
                    return

    async def _call(self, chat_id: int, request: Callable[[], Awaitable[Any]], *, edit: bool = False,
                    quiet: bool = False) -> Any | None:
        """Make one Bot API request, honouring RetryAfter; None when it could not be done."""
        for attempt in range(1, MAX_SEND_ATTEMPTS + 1):
            try:
                result = await request()
                return result if result is not None else True
            except RetryAfter as exc:
                wait = _retry_seconds(exc)
                if wait > MAX_RETRY_AFTER or attempt == MAX_SEND_ATTEMPTS:
                    log.warning("flood control: giving up after %s attempts (retry_after=%ss)", attempt, wait)
                    return None
                await self.sleep(wait)
            except Forbidden:
                await self.mark_unreachable(chat_id)
                return None
            except BadRequest as exc:
                message = str(exc).lower()
                if edit and "not modified" in message:
                    return True
                if not quiet and not edit:
                    log.warning("telegram refused a message: %s", exc)
                return None
            except (TimedOut, NetworkError) as exc:
                if attempt == MAX_SEND_ATTEMPTS:
                    log.warning("telegram unreachable after %s attempts: %s", attempt, exc)
                    return None
                await self.sleep(min(2.0**attempt, 30.0))
        return None

    async def mark_unreachable(self, chat_id: int) -> None:
        """The resident blocked the bot: remember it, and stop trying."""
        await self.db.write(crud.mark_unreachable, channel=CHANNEL, user_key=str(chat_id), now=utcnow())
        log.info("telegram resident marked unreachable (blocked the bot)")

    async def set_commands(self, application: Application) -> None:
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
                await application.bot.set_my_commands(commands, language_code=code)
            except Exception as exc:  # the bot still works without its command list
                log.warning("could not set the command list for %s: %s", locale, exc)
