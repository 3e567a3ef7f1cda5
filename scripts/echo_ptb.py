"""A bare python-telegram-bot echo bot, updates handled concurrently (256 at a time) — a baseline of scripts/bench.py.

It echoes text and answers button presses with a message, the two things residents send on the real path."""

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    await context.bot.send_message(query.from_user.id, query.data)


def main() -> None:
    base = os.environ["TELEGRAM_API_BASE_URL"]
    app = ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(base).concurrent_updates(256).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_polling(poll_interval=0, timeout=30)


if __name__ == "__main__":
    main()
