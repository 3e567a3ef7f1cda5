"""The channel-neutral conversation core: messages in and out, screens, and the engine that runs them."""

from bot.conversation.messages import Action, Button, Incoming, Kind, Reply
from bot.conversation.screens import Choice, Context, Outcome, Profile, Router, View

__all__ = [
    "Action", "Button", "Choice", "Context", "Incoming", "Kind", "Outcome", "Profile", "Reply", "Router", "View",
]
