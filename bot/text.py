"""Text as residents type it, made safe and comparable: control characters, native digits, grapheme-safe cuts."""

from __future__ import annotations

import re
import unicodedata

import regex

#: NUL and other C0/C1 control characters (newline and tab are kept) and lone UTF-16 surrogates: SQLite stores
#: them, PostgreSQL refuses them, and no resident means them. They are removed where a message comes in.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_GRAPHEME = regex.compile(r"\X")
ELLIPSIS = "…"


def clean(text: str) -> str:
    """The text without control characters or lone surrogates (behaves the same on SQLite and PostgreSQL)."""
    return _UNSAFE.sub("", text)


def ascii_digits(text: str) -> str:
    """Every decimal digit as an ASCII digit: １１９ (full-width), ១១៩ (Khmer), ११९ (Devanagari), ๑๑๙ (Thai) → 119.

    Khmer and Nepali keyboards type native digits by default, Korean and Chinese ones often full-width digits."""
    if text.isascii():
        return text
    return "".join(str(digit) if (digit := unicodedata.decimal(ch, None)) is not None else ch for ch in text)


def shorten(text: str, limit: int) -> str:
    """At most `limit` user-perceived characters (grapheme clusters), cut between clusters and marked with "…".

    A Khmer, Thai, Devanagari or Sinhala letter with its vowel signs is one cluster: it is never split."""
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= limit:
        return text
    return "".join(clusters[: limit - 1]).rstrip() + ELLIPSIS
