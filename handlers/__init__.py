"""Conversation flows, one module per domain, registered here in this order."""

from __future__ import annotations

from bot.conversation.screens import Registry
from handlers import info, menu, onboarding, settings

#: Every router, in the order the engine consults them. Add new domains here.
ROUTERS = [onboarding.router, menu.router, settings.router, info.router]

HOME = menu.HOME
WELCOME = onboarding.LANGUAGE


def build_registry() -> Registry:
    return Registry(ROUTERS, home=HOME, welcome=WELCOME)
