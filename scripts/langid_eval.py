"""Measure bot/langid.py on the short messages of tests/langid_messages.yaml.

Prints the accuracy per locale and overall, separately for messages of three words or more and for shorter ones,
the share of 3+ word messages the detector called unreliable, the unserved languages, and every mistake with what
it was taken for. Run: ``python scripts/langid_eval.py`` (or ``.venv/bin/python``).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.i18n import LOCALES  # noqa: E402
from bot.langid import Detection, LanguageDetector, word_count  # noqa: E402

MESSAGES = ROOT / "tests" / "langid_messages.yaml"
#: A message of this many words or more is "long" (the target is 95% on those).
LONG = 3
#: Messages in languages of ours typed in another script (Latin letters): they need only come out as not reliable.
ROMANIZED = "romanized"


def load_messages(path: Path = MESSAGES) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Served locale -> messages, and unserved language -> messages (the romanized ones under "romanized")."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data["served"], {**data["unserved"], ROMANIZED: data.get("romanized", [])}


def label(found: Detection | None) -> str:
    """How a result is shown in the confusion: the locale, "unserved:<language>", or "none"."""
    if found is None:
        return "none"
    return found.locale if found.served else f"unserved:{found.language}"


@dataclass
class Result:
    long: dict[str, list[bool]] = field(default_factory=dict)
    short: dict[str, list[bool]] = field(default_factory=dict)
    unreliable: dict[str, int] = field(default_factory=dict)
    unserved: dict[str, list[bool]] = field(default_factory=dict)
    romanized: list[bool] = field(default_factory=list)
    mistakes: list[tuple[str, str, str, float]] = field(default_factory=list)
    #: Mistakes the detector called reliable: the ones that would switch a resident to the wrong language.
    confident_mistakes: int = 0

    @staticmethod
    def _share(groups: dict[str, list[bool]], locale: str | None) -> float:
        values = groups.get(locale, []) if locale else [v for vs in groups.values() for v in vs]
        return sum(values) / len(values) if values else float("nan")

    def long_accuracy(self, locale: str | None = None) -> float:
        return self._share(self.long, locale)

    def short_accuracy(self, locale: str | None = None) -> float:
        return self._share(self.short, locale)

    def unserved_accuracy(self) -> float:
        return self._share(self.unserved, None)

    def unreliable_long(self) -> float:
        n = sum(len(v) for v in self.long.values())
        return sum(self.unreliable.values()) / n if n else 0.0

    def confusion(self) -> Counter:
        return Counter((expected, got) for expected, got, _, _ in self.mistakes)


def evaluate(detector: LanguageDetector, served: dict[str, list[str]], unserved: dict[str, list[str]]) -> Result:
    result = Result()
    for locale, messages in served.items():
        for message in messages:
            found = detector.detect(message)
            ok = found is not None and found.locale == locale
            long = word_count(message) >= LONG
            (result.long if long else result.short).setdefault(locale, []).append(ok)
            if long and found is not None and not found.reliable:
                result.unreliable[locale] = result.unreliable.get(locale, 0) + 1
            if not ok:
                result.mistakes.append((locale, label(found), message, found.confidence if found else 0.0))
                result.confident_mistakes += found is not None and found.reliable
    for language, messages in unserved.items():
        for message in messages:
            found = detector.detect(message)
            if language == ROMANIZED:
                ok = found is None or not found.reliable or not found.served
                result.romanized.append(ok)
            else:
                ok = found is not None and not found.served and found.reliable
                result.unserved.setdefault(language, []).append(ok)
            if not ok:
                p = found.confidence if found else 0.0
                result.mistakes.append((f"unserved:{language}", label(found), message, p))
    return result


def report(result: Result) -> str:
    lines = [f"{'locale':8} {'3+ words':>14} {'1-2 words':>14}"]

    def cell(groups: dict[str, list[bool]], locale: str | None) -> str:
        values = groups.get(locale, []) if locale else [v for vs in groups.values() for v in vs]
        return f"{sum(values):3}/{len(values):<3} {sum(values) / len(values):5.0%}" if values else "-"

    for locale in LOCALES:
        lines.append(f"{locale:8} {cell(result.long, locale):>14} {cell(result.short, locale):>14}")
    lines.append(f"{'all':8} {cell(result.long, None):>14} {cell(result.short, None):>14}")
    lines.append(f"unserved languages recognised as not served: {cell(result.unserved, None)}")
    roman = result.romanized
    if roman:
        lines.append(f"romanized Nepali/Sinhala/Thai/Korean flagged unreliable: {sum(roman)}/{len(roman)}")
    lines.append(f"3+ word messages flagged unreliable: {result.unreliable_long():.1%}")
    lines.append(f"mistakes flagged reliable (would switch to a wrong language): {result.confident_mistakes}")
    if result.mistakes:
        lines.append("\nconfusion (expected -> detected: count)")
        for (expected, got), n in sorted(result.confusion().items(), key=lambda item: -item[1]):
            lines.append(f"  {expected} -> {got}: {n}")
        lines.append("\nmistakes")
        for expected, got, message, p in result.mistakes:
            lines.append(f"  {expected:8} -> {got:14} p={p:.2f}  {message}")
    return "\n".join(lines)


def main() -> None:
    from bot.langid import detector

    start = time.perf_counter()
    det = detector()
    det.detect("Xin chào")
    load = time.perf_counter() - start
    served, unserved = load_messages()
    start = time.perf_counter()
    result = evaluate(det, served, unserved)
    n = sum(len(v) for v in served.values()) + sum(len(v) for v in unserved.values())
    per_call = (time.perf_counter() - start) / n * 1000
    print(report(result))
    print(f"\nmodel load {load:.2f} s; {n} messages, {per_call:.3f} ms per message")


if __name__ == "__main__":
    main()
