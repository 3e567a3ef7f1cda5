"""Drive a conversation through the real engine, the way a channel adapter does."""

from __future__ import annotations

from bot.conversation import Incoming, Kind, Reply
from bot.conversation.engine import ConversationEngine
from bot.conversation.messages import HOME_TOKEN, START_TOKEN


class Chat:
    def __init__(self, engine: ConversationEngine, user: str = "u1", *, hint: str | None = "en",
                 channel: str = "test") -> None:
        self.engine = engine
        self.user = user
        self.hint = hint
        self.channel = channel
        self.last: Reply | None = None

    async def _run(self, kind: Kind, text: str = "", **extra) -> Reply:
        incoming = Incoming(self.channel, self.user, kind, text=text, language_hint=self.hint, **extra)
        replies = await self.engine.handle(incoming)
        assert replies, "the engine returned no reply"
        self.last = replies[-1]
        return self.last

    async def command(self, name: str, args: str = "") -> Reply:
        return await self._run(Kind.COMMAND, name, args=args)

    async def say(self, text: str) -> Reply:
        return await self._run(Kind.TEXT, text)

    async def press(self, label: str) -> Reply:
        assert self.last is not None
        return await self._run(Kind.CHOICE, self.last.token_for(label))

    async def press_token(self, token: str) -> Reply:
        return await self._run(Kind.CHOICE, token)

    async def media(self, kind: str = "sticker") -> Reply:
        return await self._run(Kind.MEDIA, kind)

    async def location(self, latitude: float, longitude: float) -> Reply:
        return await self._run(Kind.LOCATION, latitude=latitude, longitude=longitude)

    async def onboard(self, language: str = "English", *, consent: bool = True, region: str | None = "yeongam"):
        """Go through welcome → language → consent (→ region) in English labels."""
        await self.command("start")
        await self.press(language)
        if consent:
            await self.press(self.last.buttons[0].label)  # "✅ I agree" in whatever language
            if region:
                await self.press_token(f"onboard.region|{region}")
        else:
            await self.press(self.last.buttons[1].label)
        return self.last


def offers_way_home(reply: Reply) -> bool:
    tokens = {button.token for button in reply.buttons}
    return reply.screen == "menu.main" or HOME_TOKEN in tokens or START_TOKEN in tokens \
        or any(token.startswith("privacy.deleted|") for token in tokens)
