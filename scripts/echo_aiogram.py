"""A bare aiogram echo bot (handles updates concurrently) — a baseline of scripts/bench.py.

It echoes text and answers button presses with a message, the two things residents send on the real path."""

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

dispatcher = Dispatcher()


@dispatcher.message()
async def echo(message: Message) -> None:
    await message.answer(message.text)


@dispatcher.callback_query()
async def pressed(query: CallbackQuery, bot: Bot) -> None:
    await query.answer()
    await bot.send_message(query.from_user.id, query.data)


async def main() -> None:
    root = os.environ["TELEGRAM_API_BASE_URL"].removesuffix("/bot")
    session = AiohttpSession(api=TelegramAPIServer.from_base(root))
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=session)
    await dispatcher.start_polling(bot, polling_timeout=30, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
