"""Free-text search: the expected card among the top three, in Korean, Thai, Khmer, Vietnamese and English."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.i18n import translator
from bot.search import char_ngrams, index_for
from tests.helpers import Chat

CASES = yaml.safe_load((Path(__file__).parent / "search_queries.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("locale", "query", "expected"),
                         [(locale, query, expected) for locale, pairs in CASES.items() for query, expected in pairs])
def test_typed_question_finds_the_expected_card(app, locale, query, expected):
    index = index_for(app.content.current, locale, translator(locale))
    assert expected in [hit.card_id for hit in index.search(query)], query


def test_thai_needs_no_spaces():
    grams = char_ngrams("ค่าจ้างขั้นต่ำ")
    assert "จ้" in grams and "ขั้" in grams  # pieces from inside the unspaced words


async def test_typed_question_shows_matching_cards_and_never_stores_the_question(app):
    chat = Chat(app.engine)
    await chat.onboard()
    reply = await chat.say("최저임금이 얼마예요?")
    assert reply.screen == "search.results"
    assert any(b.token == "search.results|card:labor_minimum_wage" for b in reply.buttons)
    state = await app.db.read(lambda conn: conn.exec_driver_sql("select data from conversation").scalar_one())
    assert "최저임금" not in state


async def test_nonsense_gets_an_offer_to_ask_a_counselor(app):
    chat = Chat(app.engine)
    await chat.onboard()
    reply = await chat.say("qqqq zzzz xxxx")
    assert reply.text.startswith("🔎 I could not find an answer to that.")
    reply = await chat.press("💬 Counselor")
    assert reply.screen == "request.confirm"


def test_republished_content_never_gets_the_old_index(app):
    from bot.search import _CACHE

    old = app.content.current
    new = old.model_copy(update={"cards": {k: v for k, v in old.cards.items() if k != "labor_minimum_wage"}})
    stale = index_for(old, "en", translator("en"))
    _CACHE[(id(new), "en", "ngrams")] = (old, stale)  # as if the new content had been given the old one's id
    fresh = index_for(new, "en", translator("en"))
    assert fresh is not stale
    assert "labor_minimum_wage" not in [hit.card_id for hit in fresh.search("minimum wage")]


def test_every_language_index_is_built_ahead_so_no_first_question_waits_for_it(app, monkeypatch):
    from bot import search
    from bot.i18n import LOCALES

    built = []
    real_init = search.SearchIndex.__init__
    monkeypatch.setattr(search.SearchIndex, "__init__",
                        lambda self, *args, **kwargs: built.append(1) or real_init(self, *args, **kwargs))
    monkeypatch.setattr(search, "_CACHE", {})
    search.warm(app.content.current)
    assert len(built) == len(LOCALES)
    for locale in LOCALES:  # the first question in every language finds its index ready: nothing is built now
        assert index_for(app.content.current, locale, translator(locale)).search("visa")
    assert len(built) == len(LOCALES)
