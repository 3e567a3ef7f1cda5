"""Conversation flows, one module per domain, registered here in this order."""

from __future__ import annotations

from bot.conversation.screens import Registry
from handlers import (
    alerts,
    community,
    content,
    emergency,
    immigration,
    labor,
    menu,
    onboarding,
    places,
    requests,
    search,
    settings,
)

#: Every router, in the order the engine consults them. Add new domains here. The order matters for the global
#: text hooks: emergency words are checked before anything else, the free-text search comes last.
ROUTERS = [
    onboarding.router, menu.router, settings.router, emergency.router, content.router, places.router,
    immigration.router, labor.router, requests.router, community.router, alerts.router, search.router,
]

HOME = menu.HOME
WELCOME = onboarding.LANGUAGE


def build_registry() -> Registry:
    return Registry(ROUTERS, home=HOME, welcome=WELCOME)
