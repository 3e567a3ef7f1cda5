"""Content the operators edit in data/ (YAML): typed, checked, and swapped in whole when it changes."""

from bot.content.loader import ContentError, load_content
from bot.content.models import (
    Card,
    CardAction,
    Content,
    Event,
    Hospital,
    Hotline,
    Leader,
    Menu,
    MenuItem,
    Office,
    Phrase,
    Region,
    Source,
)
from bot.content.store import ContentStore, publish

__all__ = [
    "Card", "CardAction", "Content", "ContentError", "ContentStore", "Event", "Hospital", "Hotline", "Leader", "Menu",
    "MenuItem", "Office", "Phrase", "Region", "Source", "load_content", "publish",
]
