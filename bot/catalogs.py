"""Mechanical checks of the translation catalogs, shared by the tests and `python -m bot i18n check`."""

from __future__ import annotations

import gettext
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot import TRANSLATIONS_DIR
from bot.i18n import LOCALES, PLURAL_FORMS, SOURCE_LOCALE

#: The script each locale must be written in (Unicode ranges); None: Latin.
SCRIPTS: dict[str, tuple[tuple[int, int], ...] | None] = {
    "en": None, "vi": None, "id": None, "fil": None, "uz_Latn": None,
    "ko": ((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F)),
    "zh_Hans": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF)),
    "km": ((0x1780, 0x17FF), (0x19E0, 0x19FF)),
    "ne": ((0x0900, 0x097F),),
    "th": ((0x0E00, 0x0E7F),),
    "si": ((0x0D80, 0x0DFF),),
}
#: Placeholders, commands and links are not prose: their letters do not count for the script check.
_NOT_PROSE = re.compile(r"\{[^{}]*\}|/[a-z]+\b|https?://\S+|www\.\S+")
VIETNAMESE_MARKS = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def catalog_path(locale: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    return directory / locale / "LC_MESSAGES" / "messages.po"


def load_catalog(locale: str, directory: Path = TRANSLATIONS_DIR) -> Catalog:
    with catalog_path(locale, directory).open("rb") as handle:
        return read_po(handle, locale=locale)


def placeholders(text: str) -> set[str]:
    try:
        return {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field is not None}
    except ValueError:
        return {"<malformed braces>"}


def visible_length(text: str) -> int:
    """Characters as a reader counts them: no combining marks, variation selectors or joiners."""
    return sum(
        1 for ch in text
        if unicodedata.category(ch) not in {"Mn", "Mc", "Me", "Cf"} and not 0xFE00 <= ord(ch) <= 0xFE0F
    )


def in_script(ch: str, ranges) -> bool:
    return any(low <= ord(ch) <= high for low, high in ranges)


def plural_header_problems(locale: str, header: str) -> list[str]:
    """Compare a Plural-Forms header with CLDR's categories for integers 0..1000."""
    problems = []
    if header.strip().rstrip(";") != PLURAL_FORMS[locale].strip().rstrip(";"):
        problems.append(f"Plural-Forms is {header!r}, expected {PLURAL_FORMS[locale]!r}")
    try:
        nplurals = int(header.split("nplurals=")[1].split(";")[0])
        expression = header.split("plural=")[1].rstrip(";").strip()
        chooser = gettext.c2py(expression)
    except (IndexError, ValueError) as exc:
        return [*problems, f"unreadable Plural-Forms {header!r}: {exc}"]
    babel_locale = Locale.parse(locale)
    tags = set(babel_locale.plural_form.tags) | {"other"}
    order = [tag for tag in ("zero", "one", "two", "few", "many", "other") if tag in tags]
    if nplurals != len(order):
        problems.append(f"nplurals={nplurals} but CLDR has {len(order)} categories {order}")
        return problems
    for n in range(1001):
        expected = order.index(babel_locale.plural_form(n))
        if chooser(n) != expected:
            problems.append(f"n={n}: Plural-Forms picks form {chooser(n)}, CLDR says {order[expected]}")
            break
    return problems


@dataclass
class Problem:
    locale: str
    msgid: str
    reason: str

    def __str__(self) -> str:
        return f"[{self.locale}] {self.msgid[:60]!r}: {self.reason}"


def check_catalog(locale: str, template: Catalog, directory: Path = TRANSLATIONS_DIR) -> list[Problem]:
    catalog = load_catalog(locale, directory)
    problems = [Problem(locale, "(header)", p) for p in plural_header_problems(locale, catalog.plural_forms)]
    ranges = SCRIPTS[locale]
    script_letters = other_letters = 0
    viet_checked = viet_marked = 0
    for template_message in template:
        if not template_message.id:
            continue
        message = catalog.get(template_message.id)
        msgid = template_message.id if isinstance(template_message.id, str) else template_message.id[0]
        if message is None:
            problems.append(Problem(locale, msgid, "missing from the catalog (run make update-catalogs)"))
            continue
        if message.fuzzy:
            problems.append(Problem(locale, msgid, "fuzzy"))
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(Problem(locale, msgid, f"{len(strings)} plural forms, expected {catalog.num_plurals}"))
        expected_fields = placeholders(ids[0]) | (placeholders(ids[1]) if len(ids) > 1 else set())
        for text in strings:
            if not text:
                problems.append(Problem(locale, msgid, "untranslated"))
                continue
            if placeholders(text) != expected_fields:
                problems.append(Problem(locale, msgid, f"placeholders {sorted(placeholders(text))} differ from "
                                                       f"{sorted(expected_fields)}"))
            if ranges is not None:
                letters = [ch for ch in _NOT_PROSE.sub(" ", text) if ch.isalpha()]
                mine = sum(in_script(ch, ranges) for ch in letters)
                script_letters += mine
                other_letters += len(letters) - mine
                if len(msgid.split()) >= 3 and letters and mine < len(letters) / 2:
                    problems.append(Problem(locale, msgid, "mostly not written in the locale's script"))
            elif locale == "vi" and len(msgid.split()) >= 3:
                viet_checked += 1
                viet_marked += any(ch in VIETNAMESE_MARKS for ch in text.lower())
            if (locale not in {SOURCE_LOCALE, "ko", "zh_Hans"} and len(msgid.split()) >= 3 and text == msgid):
                problems.append(Problem(locale, msgid, "still the English text"))
    if ranges is not None and script_letters + other_letters:
        share = script_letters / (script_letters + other_letters)
        if share < 0.8:
            problems.append(Problem(locale, "(catalog)", f"only {share:.0%} of letters in the locale's script"))
    if viet_checked and viet_marked < viet_checked * 0.9:
        problems.append(Problem(locale, "(catalog)", "Vietnamese text without diacritics"))
    return problems


def fill_source_catalog(directory: Path = TRANSLATIONS_DIR) -> int:
    """The English catalog is the source: every msgstr is its msgid. Returns how many were filled."""
    catalog = load_catalog(SOURCE_LOCALE, directory)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            wanted = (message.id[0], message.id[1])
        else:
            wanted = message.id
        if message.string != wanted:
            message.string = wanted
            filled += 1
        message.flags.discard("fuzzy")
    with catalog_path(SOURCE_LOCALE, directory).open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, include_previous=False)
    return filled


def check_all(directory: Path = TRANSLATIONS_DIR) -> list[Problem]:
    with (directory / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    problems = []
    for locale in LOCALES:
        problems.extend(check_catalog(locale, template, directory))
    return problems
