"""`python -m bot content check`: everything load_content checks, plus what needs the translations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.catalogs import visible_length
from bot.content.models import LABEL_LIMIT, Content, kakao_length
from bot.i18n import LOCALES, SOURCE_LOCALE, translator

STALE_AFTER = timedelta(days=365)
#: A card's `checked` date says its facts were checked against its sources on that day: the newest source must be
#: at most this much older, or the date claims a check that the sources cannot support.
CHECK_SOURCE_GAP = timedelta(days=366)
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


def source_date_problems(card) -> list[str]:
    """Dates that do not fit: sources older than the card's claims, or a check date its sources cannot support.

    A card without any dated source is an error when its certainty is confirmed (nothing backs the check date);
    an uncertain card, which already tells the resident to confirm with the call center, is only warned about
    (see check_content)."""
    problems = []
    newest = card.newest_source
    if newest is None:
        return [] if card.certainty == "uncertain" else [f"card {card.id}: no source has a date"]
    if card.as_of is not None and newest < card.as_of:
        problems.append(f"card {card.id}: its sources (newest {newest}) are older than its claims (as of "
                        f"{card.as_of}): find a source of that date or later")
    if card.checked - newest > CHECK_SOURCE_GAP:
        problems.append(f"card {card.id}: checked {card.checked}, but its newest source is from {newest}: a check "
                        "date must be backed by a source of about that date (set checked to it, or find a newer "
                        "source)")
    for source in card.sources:
        if source.earliest is not None and source.earliest > card.checked:
            problems.append(f"card {card.id}: source {source.name!r} is dated {source.date}, after the check "
                            f"date {card.checked}")
    return problems


def check_content(content: Content, *, today: date) -> Report:
    report = Report()
    for card in content.cards.values():
        if today - card.checked > STALE_AFTER:
            report.warnings.append(f"card {card.id}: facts last checked {card.checked}, more than 12 months ago")
        if card.checked > today:
            report.errors.append(f"card {card.id}: checked date {card.checked} is in the future")
        report.errors.extend(source_date_problems(card))
        if card.newest_source is None and card.certainty == "uncertain":
            report.warnings.append(f"card {card.id}: no source has a date; its check date {card.checked} is not "
                                   "backed by a dated source")
    for locale in LOCALES:
        _ = translator(locale)
        untranslated = 0
        for where, label in labels(content):
            shown = _(label)
            if locale != SOURCE_LOCALE and shown == label:
                untranslated += 1
            if kakao_length(shown) > LABEL_LIMIT:
                report.errors.append(f"{where}: [{locale}] label {shown!r} is {kakao_length(shown)} characters as "
                                     f"KakaoTalk counts them (UTF-16 code units), more than {LABEL_LIMIT}")
            elif visible_length(shown) > TELEGRAM_READABLE:
                report.warnings.append(f"{where}: [{locale}] label {shown!r} may be cut on a phone")
        for card in content.cards.values():
            if locale != SOURCE_LOCALE and _(card.title) == card.title:
                untranslated += 1
        if untranslated and locale != SOURCE_LOCALE:
            report.warnings.append(f"[{locale}] {untranslated} content labels or titles have no translation yet "
                                   "(shown in English until translated)")
    return report
