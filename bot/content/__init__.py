"""Content the operators edit in data/ (YAML): typed, checked, and swapped in whole when it changes."""

from bot.content.loader import ContentError, load_content
from bot.content.models import (
    Card,
    CardAction,
    Content,
    Event,
    F2RProgramme,
    F2RRules,
    Hospital,
    Hotline,
    Leader,
    Menu,
    MenuItem,
    Name,
    Office,
    Phrase,
    Region,
    Source,
    SupportCenter,
    kakao_length,
)
from bot.content.store import ContentStore, publish

__all__ = [
    "Card", "CardAction", "Content", "ContentError", "ContentStore", "Event", "F2RProgramme", "F2RRules", "Hospital",
    "Hotline", "Leader", "Menu", "MenuItem", "Name", "Office", "Phrase", "Region", "Source", "SupportCenter",
    "kakao_length", "load_content", "publish",
]
