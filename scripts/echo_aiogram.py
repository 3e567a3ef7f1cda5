"""A bare aiogram echo bot (handles updates concurrently) — the benchmark's second baseline."""

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

dispatcher = Dispatcher()


@dispatcher.message()
async def echo(message: Message) -> None:
    await message.answer(message.text)


async def main() -> None:
    root = os.environ["TELEGRAM_API_BASE_URL"].removesuffix("/bot")
    session = AiohttpSession(api=TelegramAPIServer.from_base(root))
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=session)
    await dispatcher.start_polling(bot, polling_timeout=30, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
