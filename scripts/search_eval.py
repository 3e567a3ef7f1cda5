"""Measure the free-text search: character n-grams against plain word tokens, per language.

Prints, for each language in tests/search_queries.yaml, the share of questions whose expected card comes first and
the share with it in the top three.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import load_content  # noqa: E402
from bot.i18n import compile_catalogs, translator  # noqa: E402
from bot.search import SearchIndex, card_documents, char_ngrams, evaluate, word_tokens  # noqa: E402


def main() -> None:
    compile_catalogs()
    content = load_content()
    cases = yaml.safe_load((ROOT / "tests" / "search_queries.yaml").read_text(encoding="utf-8"))
    keywords = {card.id: card.keywords for card in content.cards.values()}
    print(f"{'language':8} {'questions':>9}   {'n-grams+keywords':>18}   {'n-grams top1/top3':>18}   "
          f"{'words top1/top3':>16}")
    for locale, pairs in cases.items():
        documents = card_documents(content, translator(locale))
        results = []
        for features, words in ((char_ngrams, keywords), (char_ngrams, None), (word_tokens, None)):
            first, top3 = evaluate(SearchIndex(documents, features, words), [tuple(pair) for pair in pairs])
            results.append(f"{first:6.0%} / {top3:4.0%}")
        print(f"{locale:8} {len(pairs):9}   {results[0]:>18}   {results[1]:>18}   {results[2]:>16}")


if __name__ == "__main__":
    main()
