"""The content the bot serves: the last published snapshot, never whatever data/ happens to hold.

`python -m bot content publish` checks data/ and, if it is good, copies its YAML files into a new snapshot
directory (data/.published/<time>/) and points data/.published/CURRENT at it (written atomically). The running bot
notices the new CURRENT within 30 seconds and switches to it whole. At start the bot serves the CURRENT snapshot, so
an unpublished or broken edit in data/ is not served, even after a restart. The first start (no snapshot yet)
publishes data/ if it passes the check; a snapshot this version of the code cannot read (the format changed with an
upgrade) is replaced the same way.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from bot import DATA_DIR
from bot.content.loader import ContentError, load_content
from bot.content.models import Content

log = logging.getLogger(__name__)

SNAPSHOTS = ".published"
CURRENT = "CURRENT"
KEEP_SNAPSHOTS = 5


def _today() -> date:
    return datetime.now(UTC).date()


def checked_content(directory: Path, *, flows: Iterable[str], today: date | None = None) -> Content:
    """Load `directory` and run the content check; ContentError lists every problem."""
    from bot.content.check import check_content

    content = load_content(directory, flows=flows)
    report = check_content(content, today=today or _today())
    if report.errors:
        raise ContentError(report.errors)
    return content


def publish(directory: Path = DATA_DIR, *, flows: Iterable[str] = (), snapshots: Path | None = None,
            today: date | None = None) -> Content:
    """Check `directory` and, if it is good, make a copy of it the content the bot serves. Raises ContentError."""
    content = checked_content(directory, flows=flows, today=today)
    snapshots = snapshots or directory / SNAPSHOTS
    if snapshots.is_file():  # the stamp file of older versions
        snapshots.unlink()
    snapshots.mkdir(parents=True, exist_ok=True)
    name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = snapshots / name
    staging = snapshots / f".{name}.tmp"
    for path in sorted(directory.rglob("*.yaml")):
        relative = path.relative_to(directory)
        if relative.parts[0] == SNAPSHOTS or relative.parts[0].startswith("."):
            continue
        (staging / relative.parent).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, staging / relative)
    staging.rename(target)
    pointer = snapshots / f".{CURRENT}.tmp"
    pointer.write_text(name + "\n", encoding="utf-8")
    os.replace(pointer, snapshots / CURRENT)
    from bot.i18n import compile_catalogs

    compile_catalogs()
    for old in sorted(p for p in snapshots.iterdir() if p.is_dir() and not p.name.startswith("."))[:-KEEP_SNAPSHOTS]:
        shutil.rmtree(old, ignore_errors=True)
    return content


class ContentStore:
    """Holds the content being served; `refresh()` switches to a newly published snapshot, or keeps the old one.

    With `snapshots=None` the store serves `directory` itself (tests and benchmarks reading the working tree)."""

    def __init__(self, directory: Path = DATA_DIR, *, flows: Iterable[str] = (),
                 snapshots: Path | None | bool = True, content: Content | None = None) -> None:
        self.directory = directory
        self.flows = tuple(flows)
        self.snapshots: Path | None = directory / SNAPSHOTS if snapshots is True else (snapshots or None)
        self._served: str | None = None
        if content is not None:
            self.current = content
        elif self.snapshots is None:
            self.current = load_content(directory, flows=self.flows)
        else:
            self.current = self._initial()

    def _pointer(self) -> str | None:
        try:
            return (self.snapshots / CURRENT).read_text(encoding="utf-8").strip() or None
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _initial(self) -> Content:
        name = self._pointer()
        if name is not None:
            try:
                content = load_content(self.snapshots / name, flows=self.flows)
                self._served = name
                return content
            except ContentError as exc:
                log.error("the published content cannot be read by this version (%d problem(s)); publishing "
                          "data/ instead if it passes the check", len(exc.problems))
        else:
            log.info("no content published yet: publishing data/")
        content = publish(self.directory, flows=self.flows, snapshots=self.snapshots)
        self._served = self._pointer()
        return content

    def refresh(self) -> bool:
        """Serve the newest published snapshot if it changed; True when new content is now served."""
        if self.snapshots is None:
            return False
        name = self._pointer()
        if name is None or name == self._served:
            return False
        self._served = name
        try:
            content = load_content(self.snapshots / name, flows=self.flows)
        except ContentError as exc:
            log.error("published content has problems; still serving the previous content:\n%s", exc)
            return False
        from bot.i18n import compile_catalogs, translator

        compile_catalogs()
        translator.cache_clear()
        from bot.search import warm

        warm(content)  # on the scheduler's worker thread, before residents get the new content
        self.current = content
        log.info("content reloaded: %d cards, %d menus", len(content.cards), len(content.menus))
        return True
