"""The content the bot serves now, swapped whole when an operator publishes new content."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from bot import DATA_DIR
from bot.content.loader import ContentError, load_content
from bot.content.models import Content

log = logging.getLogger(__name__)

PUBLISHED_STAMP = ".published"


class ContentStore:
    """Holds the last good Content; `refresh()` loads newly published content, or keeps the old on error."""

    def __init__(self, directory: Path = DATA_DIR, *, flows: Iterable[str] = ()) -> None:
        self.directory = directory
        self.flows = tuple(flows)
        self.current: Content = load_content(directory, flows=self.flows)
        self._stamp = self._published_at()

    def _published_at(self) -> float | None:
        try:
            return (self.directory / PUBLISHED_STAMP).stat().st_mtime
        except FileNotFoundError:
            return None

    def refresh(self) -> bool:
        """Load the content again if it was published since; True when new content is now served."""
        stamp = self._published_at()
        if stamp is None or stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            content = load_content(self.directory, flows=self.flows)
        except ContentError as exc:
            log.error("published content has problems; still serving the previous content:\n%s", exc)
            return False
        from bot.i18n import compile_catalogs, translator

        compile_catalogs()
        translator.cache_clear()
        self.current = content
        log.info("content reloaded: %d cards, %d menus", len(content.cards), len(content.menus))
        return True


def publish(directory: Path = DATA_DIR, *, flows: Iterable[str] = ()) -> Content:
    """Check the content and, if it is good, mark it published for the running bot. Raises ContentError."""
    content = load_content(directory, flows=flows)
    from bot.i18n import compile_catalogs

    compile_catalogs()
    (directory / PUBLISHED_STAMP).touch()
    return content
