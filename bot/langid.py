"""The language of a short typed message, as one of our locales (bot.i18n.LOCALES) or as a language we do not serve.

Channel-neutral and pure: ``detect(text)`` looks at the text only and stores nothing.

1. The writing system decides most locales: Hangul is Korean, Thai script Thai, Khmer script Khmer, Sinhala script
   Sinhala, Devanagari Nepali, Han without kana Chinese. Myanmar, Cyrillic (except Uzbek written in Cyrillic),
   Arabic, kana, Bengali and other scripts are languages the center does not serve.
2. Latin-script text (English, Vietnamese, Indonesian, Filipino, Uzbek) goes to py3langid's model (shipped inside
   the wheel), restricted to those five languages plus Malay, which counts as Indonesian, and five unserved ones
   (Spanish, French, Portuguese, German, Turkish) that it must recognise to say so. The model is loaded on first
   use, once; nothing is downloaded. Vietnamese typed without tones, where the model is unsure, is recognised
   by its syllables: every word of it is a Vietnamese syllable, which English, Indonesian, Filipino and Uzbek words
   almost never all are. Uzbek's oʻ/gʻ may be typed with ', ‘, ’ or ` or left out.

Mixed text is decided by the script with the most words: Korean words and visa codes inside a Vietnamese question
("toi bi mat 외국인등록증", "visa E-9") leave it Vietnamese; English words inside Thai leave it Thai.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

#: Detection.locale of a message in a language the center does not serve.
UNSERVED = None

#: Scripts that name one served locale.
SCRIPT_LOCALES: dict[str, str] = {
    "HANGUL": "ko",
    "THAI": "th",
    "KHMER": "km",
    "SINHALA": "si",
    "DEVANAGARI": "ne",
    "CJK": "zh_Hans",
}

#: Scripts of languages we do not serve, with the language code reported for each (the most likely language among
#: residents of Jeollanam-do who write in it).
UNSERVED_SCRIPTS: dict[str, str] = {
    "MYANMAR": "my",
    "CYRILLIC": "ru",
    "ARABIC": "ar",
    "KANA": "ja",
    "BENGALI": "bn",
    "LAO": "lo",
    "TAMIL": "ta",
    "GURMUKHI": "pa",
    "GUJARATI": "gu",
    "TELUGU": "te",
    "KANNADA": "kn",
    "MALAYALAM": "ml",
    "TIBETAN": "bo",
    "MONGOLIAN": "mn",
    "GEORGIAN": "ka",
    "ARMENIAN": "hy",
    "HEBREW": "he",
    "GREEK": "el",
    "ETHIOPIC": "am",
}

#: Latin-script languages the classifier chooses among, and the locale each stands for. Malay is there so that the
#: model does not push Malay-looking Indonesian to English or Filipino; a Malay speaker reads Indonesian.
LATIN_LOCALES: dict[str, str] = {"en": "en", "vi": "vi", "id": "id", "ms": "id", "tl": "fil", "uz": "uz_Latn"}
#: Latin-script languages we do not serve that the classifier also weighs (Spanish, French, Portuguese, German,
#: Turkish), so that a message clearly in one of them is not taken for a served language.
UNSERVED_LATIN: tuple[str, ...] = ("es", "fr", "pt", "de", "tr")

#: Scripts written without spaces between words (or, for Korean, with particles and compounds glued on), and about
#: how many letters (Unicode category L) a word has in each: their words are estimated from the letters, to weigh
#: them against Latin script in mixed messages.
LETTERS_PER_WORD: dict[str, float] = {"CJK": 1.7, "KANA": 3.0, "THAI": 3.2, "KHMER": 2.5, "MYANMAR": 3.0, "LAO": 4.0,
                                      "HANGUL": 3.0}

#: The model's probability (over the candidate languages) from which a Latin-script result is reliable. Correct
#: results on 3+ words are nearly all above 0.95; Nepali, Sinhala, Thai or Korean typed in Latin letters, which the
#: model can only take for one of ours, stay below 0.9 (tests/langid_messages.yaml, "romanized").
MIN_PROBABILITY = 0.90
#: A Latin-script message of three words or more is in a language we do not serve when the model gives one of
#: UNSERVED_LATIN at least this probability (served messages stay below 0.75 but for one at 0.87 that the
#: Vietnamese syllable rule decides first; scripts/langid_eval.py).
MIN_PROBABILITY_UNSERVED = 0.90
#: Latin-script text of at least this many words, this share of which are Vietnamese syllables, is Vietnamese
#: whatever the model says (Vietnamese typed without tones).
MIN_SYLLABLE_WORDS = 3
MIN_SYLLABLE_SHARE = 0.9
#: A script is mixed with another when the second has at least this share of the first one's words; then the
#: result is not reliable.
MIXED_RATIO = 0.75

# Uzbek written in Cyrillic: letters that Russian lacks (ў қ ғ ҳ) and none of Kazakh's, Tajik's or Mongolian's own.
_UZBEK_CYRILLIC = set("ўқғҳЎҚҒҲ")
_NOT_UZBEK_CYRILLIC = set("әіңөүұһҷӣӯӘІҢӨҮҰҺҶӢӮ")
_UZBEK_CYRILLIC_WORDS = frozenset({"ассалому", "алайкум", "рахмат", "раҳмат", "салом", "керак", "қандай", "кандай",
                                   "нима", "учун", "билан", "йўқ", "иш", "ишхона", "ака", "опа", "яхши"})

# Visa types (E-9, F-2-R, D-2, E-7-4, H2) and other codes belong to no language, not even when glued to Chinese.
_CODE = re.compile(r"(?<![^\W\d_])[A-Za-z]{1,2}-?\d{1,2}(?:-\d{1,2})*(?:-[A-Za-z](?![^\W\d_]))?|\d+")
# Hangul fillers are letters by category but show nothing: apps use them to send an "empty" message.
_FILLERS = frozenset("\u3164\u115f\u1160\uffa0")
_WORD_MARKS = frozenset("\u02bb\u02bc'‘’`\u200c\u200d")  # apostrophes of Uzbek, joiners of Sinhala and Devanagari
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
# Apostrophes that Uzbek writers type for the ʻ of oʻ/gʻ and the ʼ (tutuq belgisi); the model knows the ASCII one.
_APOSTROPHES = str.maketrans({"\u02bb": "'", "\u02bc": "'", "‘": "'", "’": "'", "`": "'", "´": "'"})


@dataclass(frozen=True, slots=True)
class Detection:
    """What ``detect`` decided about one message.

    locale: one of LOCALES, or None (``UNSERVED``) when the text is in a language the center does not serve.
    language: the language recognised, as an ISO 639-1 code where one exists ("vi", "ms" for Malay counted as
        Indonesian, "tl" for Filipino, "uz", "zh", "ru", "my", "ja", ...), or "und" for an unknown script.
    confidence: 0..1; 1.0 for a script that names one language, the model's probability for Latin script.
    reliable: False when the text was too short or too mixed to act on (one ambiguous word, two languages in
        equal parts): then prefer the channel's hint or the resident's chosen language.
    method: "script" when the writing system decided, "model" when the Latin-script classifier did, "syllables"
        when every word was a Vietnamese syllable (Vietnamese without tones).
    words: about how many words the message has (see ``word_count``); callers may treat 1-2 as "too short".
    """

    locale: str | None
    language: str
    confidence: float
    reliable: bool
    method: str
    words: int

    @property
    def served(self) -> bool:
        return self.locale is not None


@lru_cache(maxsize=4096)
def script_of(char: str) -> str | None:
    """The script of one letter, named as in the Unicode character names ("LATIN", "HANGUL", "CJK", "KANA", ...);
    None for anything that is not a letter (digits, punctuation, emoji, combining marks)."""
    if not unicodedata.category(char).startswith("L") or char in _FILLERS:
        return None
    if char in "\u02bb\u02bc":  # ʻ ʼ: modifier letters of Uzbek Latin
        return "LATIN"
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "OTHER"
    first = name.split(" ", 1)[0]
    if first in ("HIRAGANA", "KATAKANA") or name.startswith("HALFWIDTH KATAKANA"):
        return "KANA"
    if first == "HALFWIDTH" and "HANGUL" in name:
        return "HANGUL"
    if first in ("CJK", "KANGXI"):
        return "CJK"
    if first in ("MODIFIER", "FULLWIDTH", "SMALL"):
        return "LATIN" if "LATIN" in name else "OTHER"
    return first


def _tokens(text: str) -> list[str]:
    """Runs of letters, combining marks (Thai, Khmer and Indic vowel signs) and apostrophes."""
    tokens: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in _WORD_MARKS or unicodedata.category(ch)[0] in "LM":
            current.append(ch)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


@dataclass(frozen=True, slots=True)
class ScriptProfile:
    """The scripts of a message: estimated words per script, and the Latin-script words alone."""

    words: Mapping[str, float]
    latin_text: str
    total_words: int

    @property
    def ranked(self) -> list[tuple[str, float]]:
        # More words first; on a tie a script other than Latin wins (English loanwords are everywhere).
        return sorted(self.words.items(), key=lambda item: (-item[1], item[0] == "LATIN"))


def profile(text: str) -> ScriptProfile:
    """Split a message by script. Visa codes (E-9, F-2-R), numbers and links count for no language."""
    text = _CODE.sub(" ", _URL.sub(" ", unicodedata.normalize("NFKC", text)))
    letters: dict[str, int] = {}
    tokens: dict[str, int] = {}
    latin_words: list[str] = []
    for token in _tokens(text):
        counts: dict[str, int] = {}
        for ch in token:
            script = script_of(ch)
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
        if not counts:
            continue
        for script, n in counts.items():
            letters[script] = letters.get(script, 0) + n
        # A token written in two scripts ("办외국인등록증要带什么") counts as one word of each.
        for script in counts:
            tokens[script] = tokens.get(script, 0) + 1
        if "LATIN" in counts:
            latin_words.append("".join(ch for ch in token if script_of(ch) == "LATIN" or ch in "'‘’`"))
    words = {
        script: max(float(tokens[script]), n / LETTERS_PER_WORD[script]) if script in LETTERS_PER_WORD
        else float(tokens[script])
        for script, n in letters.items()
    }
    return ScriptProfile(words=words, latin_text=" ".join(latin_words), total_words=round(sum(words.values())))


def word_count(text: str) -> int:
    """About how many words a message has, in any script (Thai and Khmer by letters, as they use no spaces)."""
    return profile(text).total_words


LatinClassifier = Callable[[str], Mapping[str, float]]

# Vietnamese typed without tones ("cong ty khong tra luong cho toi") is the one thing the classifiers get wrong on
# longer messages: every word is then still a Vietnamese syllable (onset + rhyme from a closed set), which English,
# Indonesian, Filipino and Uzbek sentences almost never are.
_VI_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
              "b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_VI_OPEN = {"a", "e", "i", "o", "u", "y", "ai", "ao", "au", "ay", "eo", "eu", "ia", "ie", "iu", "oa", "oe", "oi",
            "oo", "ua", "ue", "ui", "uo", "uu", "uy", "ya", "ye", "ieu", "yeu", "oai", "oao", "oay", "oeo", "uoi",
            "uou", "uay", "uya", "uye", "uyu"}
_VI_CLOSABLE = {"a", "e", "i", "o", "u", "y", "ie", "ye", "uo", "oa", "oe", "ua", "ue", "uy", "uye", "oo"}
_VI_CODAS = ("c", "ch", "m", "n", "ng", "nh", "p", "t")
_VI_RHYMES = frozenset(_VI_OPEN | {n + c for n in _VI_CLOSABLE for c in _VI_CODAS})
#: Chat spellings that are not syllables: không, được, công ty, người, gì, như thế nào, bao nhiêu, mình, với.
_VI_ABBREVIATIONS = frozenset({"ko", "k", "kh", "dc", "cty", "ng", "j", "ntn", "bn", "mk", "vs", "ak", "r", "ok"})
_VI_STRIP = str.maketrans({"đ": "d", "Đ": "d"})


def _is_vietnamese_syllable(word: str) -> bool:
    word = unicodedata.normalize("NFD", word.translate(_VI_STRIP).lower())
    word = "".join(ch for ch in word if not unicodedata.combining(ch))
    if word in _VI_ABBREVIATIONS:
        return True
    for onset in _VI_ONSETS:
        if word.startswith(onset) and word[len(onset):] in _VI_RHYMES:
            return True
    return False


def vietnamese_syllable_share(text: str) -> float:
    """Share of the words of a Latin-script text that are Vietnamese syllables (tones ignored)."""
    words = text.split()
    return sum(map(_is_vietnamese_syllable, words)) / len(words) if words else 0.0


def _is_uzbek_cyrillic(text: str) -> bool:
    chars = set(text)
    if chars & _NOT_UZBEK_CYRILLIC:
        return False
    if chars & _UZBEK_CYRILLIC:
        return True
    return bool({w.lower() for w in _tokens(text)} & _UZBEK_CYRILLIC_WORDS)


def _cyrillic_language(text: str) -> str:
    chars = set(text.lower())
    if chars & set("әіұһ"):
        return "kk"
    if chars & set("өүң"):
        return "mn"  # or Kyrgyz; either way not served
    return "ru"


class LanguageDetector:
    """Script rules plus a Latin-script classifier: a callable from text to probabilities over the languages of
    LATIN_LOCALES (and UNSERVED_LATIN, if it knows them); other backends are for scripts/langid_compare.py."""

    def __init__(self, latin: LatinClassifier, *, vietnamese_syllables: bool = True) -> None:
        self._latin = latin
        self._vietnamese_syllables = vietnamese_syllables

    def detect(self, text: str) -> Detection | None:
        if not isinstance(text, str):
            return None
        prof = profile(text[:2000])
        ranked = prof.ranked
        if not ranked:
            return None  # emoji, numbers, punctuation, visa codes alone: nothing to decide on
        (script, words), rest = ranked[0], ranked[1:]
        mixed = bool(rest) and rest[0][1] >= MIXED_RATIO * words
        if script == "CJK" and "KANA" in prof.words:
            script = "KANA"  # Japanese: kanji with kana; Chinese never has kana
        if script == "LATIN":
            return self._detect_latin(prof, mixed)
        share = words / sum(prof.words.values())
        total = prof.total_words
        if script in SCRIPT_LOCALES:
            locale = SCRIPT_LOCALES[script]
            language = "zh" if locale == "zh_Hans" else locale
            return Detection(locale, language, round(share, 3), not mixed, "script", total)
        language = UNSERVED_SCRIPTS.get(script, "und")
        if script == "CYRILLIC":
            if _is_uzbek_cyrillic(text):
                return Detection("uz_Latn", "uz", round(share, 3), not mixed, "script", total)
            language = _cyrillic_language(text)
        return Detection(UNSERVED, language, round(share, 3), not mixed, "script", total)

    def _detect_latin(self, prof: ScriptProfile, mixed: bool) -> Detection:
        text = prof.latin_text.translate(_APOSTROPHES)
        n_words = len(text.split())
        if self._vietnamese_syllables and n_words >= MIN_SYLLABLE_WORDS:
            share = vietnamese_syllable_share(text)
            if share >= MIN_SYLLABLE_SHARE:
                return Detection("vi", "vi", round(share, 3), not mixed, "syllables", prof.total_words)
        scores = self._latin(text)
        unserved = {lang: p for lang, p in scores.items() if lang in UNSERVED_LATIN}
        if unserved:
            top, p_top = max(unserved.items(), key=lambda item: item[1])
            if n_words >= 3 and p_top >= MIN_PROBABILITY_UNSERVED:
                return Detection(UNSERVED, top, round(p_top, 3), not mixed, "model", prof.total_words)
            if sum(unserved.values()) >= 0.5:
                mixed = True  # more likely not one of ours: do not act on it
        merged: dict[str, float] = {}
        for language, p in scores.items():
            if language in LATIN_LOCALES:
                locale = LATIN_LOCALES[language]
                merged[locale] = merged.get(locale, 0.0) + p
        total = sum(merged.values())
        if not total:
            return Detection("en", "und", 0.0, False, "model", prof.total_words)
        locale, p = max(merged.items(), key=lambda item: item[1])
        p /= total
        language = max((lang for lang in scores if LATIN_LOCALES.get(lang) == locale), key=lambda lang: scores[lang])
        reliable = not mixed and p >= MIN_PROBABILITY
        return Detection(locale, language, round(p, 3), reliable, "model", prof.total_words)


_lock = threading.Lock()
_detector: LanguageDetector | None = None


def py3langid_classifier() -> LatinClassifier:
    """py3langid's naive Bayes model (shipped in the wheel, data/model.npz.xz), restricted to the languages of
    LATIN_LOCALES and UNSERVED_LATIN: probabilities over those eleven only. Loading takes about a second
    (decompressing the model) and 90 MB."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    model.set_languages([*LATIN_LOCALES, *UNSERVED_LATIN])

    def classify(text: str) -> dict[str, float]:
        return {language: float(p) for language, p in model.rank(text)}

    return classify


def detector() -> LanguageDetector:
    """The shared detector; the model is loaded on the first call (about 1 s), once per process."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = LanguageDetector(py3langid_classifier())
    return _detector


def detect(text: str) -> Detection | None:
    """The language of ``text``; None when it has no letters at all (emoji, numbers, punctuation, empty)."""
    return detector().detect(text)
