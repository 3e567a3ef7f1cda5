"""Locales, the choice of locale for a message, and one cached translator per locale."""

from __future__ import annotations

import gettext
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import TRANSLATIONS_DIR

log = logging.getLogger(__name__)

SOURCE_LOCALE = "en"
#: English (catalog source) plus the call center's ten languages, in the order the language menu shows them.
LOCALES: tuple[str, ...] = ("en", "ko", "vi", "zh_Hans", "id", "km", "ne", "th", "si", "fil", "uz_Latn")

#: Each language named in itself (never translated).
AUTONYMS: dict[str, str] = {
    "en": "English",
    "ko": "한국어",
    "vi": "Tiếng Việt",
    "zh_Hans": "中文 (简体)",
    "id": "Bahasa Indonesia",
    "km": "ភាសាខ្មែរ",
    "ne": "नेपाली",
    "th": "ภาษาไทย",
    "si": "සිංහල",
    "fil": "Filipino",
    "uz_Latn": "Oʻzbekcha",  # with ʻ (U+02BB), the letter Uzbek writes in oʻ and gʻ
}

#: Each language's name in Korean, for phrases a resident shows to Korean speakers.
KOREAN_NAMES: dict[str, str] = {
    "en": "영어", "ko": "한국어", "vi": "베트남어", "zh_Hans": "중국어", "id": "인도네시아어",
    "km": "캄보디아어(크메르어)", "ne": "네팔어", "th": "태국어", "si": "싱할라어",
    "fil": "필리핀어(타갈로그어)", "uz_Latn": "우즈베크어",
}
#: The Korean name read aloud (Revised Romanization), for a resident who cannot read Hangul to an operator.
KOREAN_NAMES_ROMANIZED: dict[str, str] = {
    "en": "yeongeo", "ko": "hangugeo", "vi": "beteunameo", "zh_Hans": "junggugeo", "id": "indonesiaeo",
    "km": "kambodiaeo (keumereueo)", "ne": "nepareo", "th": "taegugeo", "si": "singhallaeo",
    "fil": "pillipineo (tagallogeueo)", "uz_Latn": "ujeubekeueo",
}
#: Each language's name in English, the other name an interpreter service (119, 112, 1330) understands.
ENGLISH_NAMES: dict[str, str] = {
    "en": "English", "ko": "Korean", "vi": "Vietnamese", "zh_Hans": "Chinese", "id": "Indonesian",
    "km": "Khmer (Cambodian)", "ne": "Nepali", "th": "Thai", "si": "Sinhala", "fil": "Filipino (Tagalog)",
    "uz_Latn": "Uzbek",
}


def language_to_say(locale: str) -> str:
    """How to ask for an interpreter of this language: "Sinhala" / "싱할라어" (singhalaeo); Korean needs none."""
    if locale == "ko":
        return f"“{KOREAN_NAMES[locale]}”"
    return f"“{ENGLISH_NAMES[locale]}” / “{KOREAN_NAMES[locale]}” ({KOREAN_NAMES_ROMANIZED[locale]})"

#: Language tags that Babel's negotiation does not map to our locales (../shared/reference/i18n.md).
ALIASES: dict[str, str] = {
    "zh": "zh_Hans", "zh-cn": "zh_Hans", "zh-hans": "zh_Hans", "zh-sg": "zh_Hans", "zh-my": "zh_Hans",
    "zh-tw": "zh_Hans", "zh-hk": "zh_Hans", "zh-hant": "zh_Hans",
    "uz": "uz_Latn", "uz-latn": "uz_Latn", "uz-cyrl": "uz_Latn", "uz-uz": "uz_Latn",
    "tl": "fil", "fil": "fil", "tl-ph": "fil", "fil-ph": "fil",
    "in": "id",  # the old ISO code for Indonesian, still sent by some Android phones
    "kh": "km",  # a common mistake for Khmer
}

#: Telegram's setMyCommands wants a two-letter ISO 639-1 code.
TELEGRAM_LANGUAGE_CODES: dict[str, str] = {
    "ko": "ko", "vi": "vi", "zh_Hans": "zh", "id": "id", "km": "km", "ne": "ne", "th": "th",
    "si": "si", "fil": "tl", "uz_Latn": "uz",
}


def locale_from_hint(hint: str | None) -> str | None:
    """Map a channel's language hint (an IETF tag such as "th", "zh-hans", "en-US") to one of our locales."""
    if not hint or not isinstance(hint, str):
        return None
    tag = hint.strip().replace("_", "-").lower()
    if not tag or len(tag) > 35:
        return None
    if tag in ALIASES:
        return ALIASES[tag]
    for locale in LOCALES:
        if tag == locale.lower().replace("_", "-"):
            return locale
    primary = tag.split("-", 1)[0]
    if primary in ALIASES:
        return ALIASES[primary]
    if primary in LOCALES:
        return primary
    return None


def choose_locale(stored: str | None, hint: str | None, default: str = SOURCE_LOCALE) -> str:
    """Stored choice, else the channel's hint, else the default (English)."""
    if stored in LOCALES:
        return stored
    return locale_from_hint(hint) or default


@dataclass(frozen=True)
class Translator:
    """The gettext functions of one locale."""

    locale: str
    _catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    __call__ = gettext

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)


def compile_catalogs(directory: Path = TRANSLATIONS_DIR, *, force: bool = False) -> list[Path]:
    """Compile every messages.po that is newer than its .mo; return the files written."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


@cache
def translator(locale: str, directory: Path = TRANSLATIONS_DIR) -> Translator:
    """One cached translator per locale; English (the source) needs no catalog."""
    if locale not in LOCALES:
        locale = SOURCE_LOCALE
    mo_path = directory / locale / "LC_MESSAGES" / "messages.mo"
    if locale == SOURCE_LOCALE or not mo_path.exists():
        if locale != SOURCE_LOCALE:
            log.warning("no compiled catalog for %s; run `python -m bot i18n compile`", locale)
        return Translator(locale, gettext.NullTranslations())
    with mo_path.open("rb") as handle:
        return Translator(locale, gettext.GNUTranslations(handle))


#: gettext Plural-Forms per locale, matching CLDR's integer rules (pybabel init gets id, ne, si, fil, uz wrong).
PLURAL_FORMS: dict[str, str] = {
    "en": "nplurals=2; plural=(n != 1);",
    "ko": "nplurals=1; plural=0;",
    "vi": "nplurals=2; plural=(n > 1);",
    "zh_Hans": "nplurals=1; plural=0;",
    "id": "nplurals=1; plural=0;",
    "km": "nplurals=1; plural=0;",
    "ne": "nplurals=2; plural=(n != 1);",
    "th": "nplurals=1; plural=0;",
    "si": "nplurals=2; plural=(n > 1);",
    "fil": "nplurals=2; plural=(n % 10 == 4 || n % 10 == 6 || n % 10 == 9);",
    "uz_Latn": "nplurals=2; plural=(n != 1);",
}


def korean_time(locale: str, moment) -> str:
    """A moment in Korean time, written the resident's way: weekday, day and month, and the time as their locale
    writes it ("Mon, Sep 28 9:00 AM", "9월 28일 (월) 오전 9:00", "T2, 28 thg 9 09:00")."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_skeleton, format_time

    local = moment.astimezone(ZoneInfo("Asia/Seoul"))
    babel_locale = translator(locale).babel_locale
    return f"{format_skeleton('MMMEd', local, locale=babel_locale)} {format_time(local, 'short', locale=babel_locale)}"
