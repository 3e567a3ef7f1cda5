"""Free-text search over the info cards, in the resident's language, English and Korean.

TF-IDF over character n-grams (2 and 3 characters): it needs no word boundaries, so it works for Thai and Khmer
(written without spaces), for Korean (particles glued to words) and for spelling variants. scripts/search_eval.py
measures it against plain word tokens.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.content import Content


def normalise(text: str) -> str:
    """Case-folded text with punctuation, symbols and separators turned into single spaces.

    Combining marks stay: Thai, Khmer, Devanagari and Sinhala write vowels and tones with them (Python's \\w does
    not match them, so a \\W-based cleanup would cut every word apart)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    return " ".join(kept.split())


def words(text: str) -> list[str]:
    return normalise(text).split()


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> Counter:
    padded = f" {normalise(text)} "
    grams: Counter = Counter()
    for size in sizes:
        grams.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    grams.pop(" " * 2, None)
    return grams


def word_tokens(text: str) -> Counter:
    return Counter(words(text))


@dataclass(frozen=True)
class Hit:
    card_id: str
    score: float


#: Scripts written without spaces between words (or with particles glued to them): a search word may match inside.
_GLUED = re.compile(r"[\u0E00-\u0E7F\u1780-\u17FF\u3040-\u30FF\u4E00-\u9FFF\uAC00-\uD7A3]")
#: What a card's search word adds to its score when the question contains it (whole words, or inside glued text).
KEYWORD_BONUS = 0.12
MAX_KEYWORD_BONUS = 0.3


def keyword_weight(word: str) -> float:
    """A longer search word says more: "không trả lương" or "拖欠工资" get the full bonus, "pay" or "월급" a little.
    A Hangul or Han character carries about as much as three Latin letters, a letter of an abugida (Devanagari,
    Sinhala, Thai, Khmer: a consonant with its vowel signs) about as much as two."""
    letters = 0
    for ch in word:
        if _GLUED.match(ch) and not "\u0E00" <= ch <= "\u17FF":
            letters += 3
        elif unicodedata.category(ch) == "Lo":
            letters += 2
        elif unicodedata.category(ch).startswith("L"):
            letters += 1
    return KEYWORD_BONUS * min(1.0, letters / 12)


class SearchIndex:
    """TF-IDF vectors of the documents, kept as an inverted index: a query costs only its own features.

    A card's own search words (data/cards: keywords) count on top: a question that contains one ("không trả
    lương", "월급을 안 줘요", "拖欠工资") is about that card even when the rest of it ("what should I do") dilutes the
    similarity."""

    def __init__(self, documents: dict[str, list[tuple[str, float]]], features: Callable[[str], Counter],
                 keywords: dict[str, Iterable[str]] | None = None) -> None:
        self.features = features
        #: (search word, whether it may match inside glued text, its weight) per card
        self.keywords = {doc_id: tuple((word, bool(_GLUED.search(word)), keyword_weight(word))
                                       for word in {normalise(w) for w in words if normalise(w)})
                         for doc_id, words in (keywords or {}).items()}
        vectors: dict[str, Counter] = {}
        for doc_id, fields in documents.items():
            vector: Counter = Counter()
            for text, weight in fields:
                for feature, count in features(text).items():
                    vector[feature] += count * weight
            vectors[doc_id] = vector
        frequency = Counter(feature for vector in vectors.values() for feature in vector)
        total = len(vectors)
        idf = {feature: math.log((1 + total) / (1 + count)) + 1 for feature, count in frequency.items()}
        postings: dict[str, list[tuple[int, float]]] = {}
        self._doc_ids = list(vectors)
        for number, vector in enumerate(vectors.values()):
            for feature, weight in self._weigh(vector, idf.__getitem__).items():
                postings.setdefault(feature, []).append((number, weight))
        # Kept compact on purpose: an index is held for every language at once (as pairs of card and weight in
        # lists the eleven took 70 MB). Feature i's postings are _cards/_weights[_starts[i]:_starts[i + 1]].
        self._feature = {sys.intern(feature): number for number, feature in enumerate(postings)}
        self._idf = array("d", (idf[feature] for feature in postings))
        self._starts = array("l", [0])
        self._cards = array("H")
        self._weights = array("d")
        for pairs in postings.values():
            self._cards.extend(card for card, _weight in pairs)
            self._weights.extend(weight for _card, weight in pairs)
            self._starts.append(len(self._cards))

    @staticmethod
    def _weigh(vector: Counter, idf_of: Callable[[str], float]) -> dict[str, float]:
        weighted = {f: (1 + math.log(c)) * idf_of(f) for f, c in vector.items() if c > 0}
        norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
        return {f: w / norm for f, w in weighted.items() if w > 0}

    def _idf_of(self, feature: str) -> float:
        number = self._feature.get(feature)
        return self._idf[number] if number is not None else 0.0

    def search(self, query: str, limit: int = 3) -> list[Hit]:
        totals: dict[int, float] = {}
        cards, weights, starts = self._cards, self._weights, self._starts
        for feature, weight in self._weigh(self.features(query[:500]), self._idf_of).items():
            number = self._feature[feature]
            start, end = starts[number], starts[number + 1]
            for card, card_weight in zip(cards[start:end], weights[start:end], strict=True):
                totals[card] = totals.get(card, 0.0) + weight * card_weight
        scores = {self._doc_ids[card]: score for card, score in totals.items()}
        typed = normalise(query[:500])
        spaced = f" {typed} "
        for doc_id, keywords in self.keywords.items():
            bonus = sum(weight for word, glued, weight in keywords
                        if (word in typed if glued else f" {word} " in spaced))
            if bonus:
                scores[doc_id] = scores.get(doc_id, 0.0) + min(MAX_KEYWORD_BONUS, bonus)
        ranked = sorted((Hit(doc_id, score) for doc_id, score in scores.items()), key=lambda h: (-h.score, h.card_id))
        return ranked[:limit]


def card_documents(content: Content, translate: Callable[[str], str]) -> dict[str, list[tuple[str, float]]]:
    """The searchable fields of every card: translated and English title and body, and the keywords."""
    documents = {}
    for card in content.cards.values():
        fields: list[tuple[str, float]] = [(content.localise(card.title, translate), 3.0), (card.title, 1.5)]
        fields += [(content.localise(paragraph, translate), 1.0) for paragraph in card.body]
        fields += [(keyword, 2.5) for keyword in card.keywords]
        documents[card.id] = fields
    return documents


#: (id of the content, locale, method) → (that content, its index). Holding the content keeps its id from being
#: reused by newly published content while the entry exists.
_CACHE: dict[tuple[int, str, str], tuple[Content, SearchIndex]] = {}


def index_for(content: Content, locale: str, translate: Callable[[str], str], *, method: str = "ngrams") -> SearchIndex:
    key = (id(content), locale, method)
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not content:
        if len(_CACHE) > 64:
            _CACHE.clear()
        features = char_ngrams if method == "ngrams" else word_tokens
        keywords = {card.id: card.keywords for card in content.cards.values()}
        cached = _CACHE[key] = (content, SearchIndex(card_documents(content, translate), features, keywords))
    return cached[1]


def warm(content: Content) -> None:
    """Build every locale's index ahead of the first question (about 0.4 s each): run on a worker thread at start
    and when new content is published, so no resident waits while a whole index is built on the event loop."""
    from bot.i18n import LOCALES, translator

    for locale in LOCALES:
        index_for(content, locale, translator(locale))


def evaluate(index: SearchIndex, cases: Iterable[tuple[str, str]]) -> tuple[float, float]:
    """(share with the expected card first, share with it in the top 3) over (query, card id) cases."""
    cases = list(cases)
    first = top3 = 0
    for query, expected in cases:
        ids = [hit.card_id for hit in index.search(query)]
        first += bool(ids) and ids[0] == expected
        top3 += expected in ids
    return first / len(cases), top3 / len(cases)
