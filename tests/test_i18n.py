"""Locale choice and catalog completeness: the build fails when any catalog is incomplete."""

from __future__ import annotations

import pytest

from bot.catalogs import check_all, plural_header_problems
from bot.i18n import LOCALES, PLURAL_FORMS, choose_locale, locale_from_hint, translator


@pytest.mark.parametrize(("hint", "locale"), [
    ("th", "th"), ("zh-hans", "zh_Hans"), ("zh", "zh_Hans"), ("zh-CN", "zh_Hans"), ("zh-TW", "zh_Hans"),
    ("uz", "uz_Latn"), ("uz-Latn", "uz_Latn"), ("tl", "fil"), ("fil", "fil"), ("en-US", "en"), ("ko-KR", "ko"),
    ("vi", "vi"), ("id", "id"), ("in", "id"), ("km", "km"), ("ne", "ne"), ("si", "si"), ("pt-br", None),
    ("", None), (None, None), ("x" * 100, None), ("-", None),
])
def test_locale_from_hint(hint, locale):
    assert locale_from_hint(hint) == locale


def test_stored_choice_beats_hint_beats_english():
    assert choose_locale("km", "th") == "km"
    assert choose_locale(None, "th") == "th"
    assert choose_locale(None, "de") == "en"
    assert choose_locale("xx", None) == "en"


def test_every_catalog_is_complete_and_correct():
    problems = check_all()
    assert not problems, "\n".join(str(p) for p in problems[:40])


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_header_matches_cldr(locale):
    assert plural_header_problems(locale, PLURAL_FORMS[locale]) == []


def test_a_wrong_plural_header_is_caught():
    assert plural_header_problems("fil", "nplurals=2; plural=(n != 1);")
    assert plural_header_problems("id", "nplurals=2; plural=(n != 1);")


@pytest.mark.parametrize(("locale", "n", "word"), [("en", 1, "message."), ("en", 2, "messages."),
                                                   ("fil", 4, None), ("si", 1, None)])
def test_ngettext_picks_the_form_for_each_locale(locale, n, word):
    singular = ("This deletes your language, your city or county, your privacy choice and {count} saved message. "
                "It cannot be undone.")
    plural = singular.replace("message.", "messages.")
    text = translator(locale).ngettext(singular, plural, n).format(count=n)
    assert str(n) in text
    if word:
        assert word in text
