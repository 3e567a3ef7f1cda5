"""`python -m bot content check`: everything load_content checks, plus what needs the translations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.catalogs import visible_length
from bot.content.models import LABEL_LIMIT, Content
from bot.i18n import LOCALES, SOURCE_LOCALE, translator

STALE_AFTER = timedelta(days=365)
TELEGRAM_READABLE = 30  # a Telegram inline button shows about this much on a phone before cutting the label


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def labels(content: Content) -> list[tuple[str, str]]:
    """(where, English label) for every button label in the content."""
    found = []
    for menu in content.menus.values():
        for item in menu.items:
            found.append((f"menu {menu.id}", item.label))
    for card in content.cards.values():
        for action in card.actions:
            if action.label:
                found.append((f"card {card.id}", action.label))
    return found


def check_content(content: Content, *, today: date) -> Report:
    report = Report()
    for card in content.cards.values():
        if today - card.checked > STALE_AFTER:
            report.warnings.append(f"card {card.id}: facts last checked {card.checked}, more than 12 months ago")
        if card.checked > today:
            report.errors.append(f"card {card.id}: checked date {card.checked} is in the future")
    for locale in LOCALES:
        _ = translator(locale)
        untranslated = 0
        for where, label in labels(content):
            shown = _(label)
            if locale != SOURCE_LOCALE and shown == label:
                untranslated += 1
            if visible_length(shown) > LABEL_LIMIT:
                report.errors.append(f"{where}: [{locale}] label {shown!r} is longer than {LABEL_LIMIT} characters "
                                     "(KakaoTalk)")
            elif visible_length(shown) > TELEGRAM_READABLE:
                report.warnings.append(f"{where}: [{locale}] label {shown!r} may be cut on a phone")
        for card in content.cards.values():
            if locale != SOURCE_LOCALE and _(card.title) == card.title:
                untranslated += 1
        if untranslated and locale != SOURCE_LOCALE:
            report.warnings.append(f"[{locale}] {untranslated} content labels or titles have no translation yet "
                                   "(shown in English until translated)")
    return report
