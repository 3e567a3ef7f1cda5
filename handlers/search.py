"""Typed questions: the three best-matching cards, or an offer to ask a counselor.

The first message of a resident who has not set anything up is a question too: its language is read from the text
(bot/langid.py) when that is clear, the answer comes in that language, and one line offers to finish set-up. A
resident who chose a language and writes in another one is offered the switch, in both languages; never switched
silently.
"""

from __future__ import annotations

from bot.conversation import Choice, Context, Outcome, Router, View
from bot.i18n import AUTONYMS, LOCALES, translator
from bot.langid import detect
from bot.search import index_for
from bot.text import shorten
from handlers.common import CALL_CENTER, call_center_action
from handlers.requests import ask_counselor

router = Router("search")

RESULTS = "search.results"
LANGUAGE = "onboard.language"
MAX_LABEL = 40  # grapheme clusters on a search result's button (the whole title is in the message above)
MIN_SCORE = 0.12  # below this a "match" shares only stray letters with the question (scripts/search_eval.py)
SWITCH_MIN_WORDS = 3  # a language is offered only for a real sentence, not for "ok" or "visa"
#: A first message must match a card clearly to be answered with it; "hello" and "xin chào bạn ơi" get the welcome.
FIRST_MIN_SCORE = 0.2


def served_languages_line(ctx: Context) -> str:
    """For a resident writing in a language the center does not serve: in English and in Korean, since they may read
    neither well, which languages are served and that 1345 covers more."""
    names = ", ".join(AUTONYMS[locale] for locale in LOCALES if locale != "en")  # the center's ten, not English

    def line(_) -> str:
        return _("The call center answers in these languages: {languages}. For other languages, the Immigration "
                 "Contact Center 1345 has interpreters for about 20 languages.").format(languages=names)

    return line(translator("en")) + "\n" + line(translator("ko"))


def switch_offer(ctx: Context, locale: str) -> str:
    """"You wrote in Tiếng Việt. Switch to Tiếng Việt?" in that language and in the resident's."""
    def line(_) -> str:
        return _("You wrote in {language}. Switch to {language}?").format(language=AUTONYMS[locale])

    return "\n".join(dict.fromkeys([line(translator(locale)), line(ctx._)]))


@router.text_fallback
async def search_cards(ctx: Context, text: str) -> Outcome | None:
    """Answer a typed question with matching cards. Only the card ids are kept, never the question."""
    detection = detect(text)
    understood = detection is not None and detection.reliable
    new = ctx.profile.locale is None  # nothing chosen yet: this may be the very first message
    ctx.data.pop("switch_to", None)
    if understood and not detection.served and new:
        return Outcome(goto=LANGUAGE, note=served_languages_line(ctx))
    language = ctx.locale
    if understood and detection.served:
        if new:
            ctx.set_locale(detection.locale)  # the language a resident writes in is theirs (no consent needed)
            language = detection.locale
        elif detection.locale != ctx.locale and detection.words >= SWITCH_MIN_WORDS:
            language = detection.locale  # search in the language of the question, answer in the chosen one
            ctx.data["switch_to"] = detection.locale
    translate = translator(language)
    floor = FIRST_MIN_SCORE if new else MIN_SCORE
    hits = [hit for hit in index_for(ctx.content, language, translate).search(text) if hit.score >= floor]
    if not hits and new:
        return Outcome(goto=LANGUAGE)  # "hello": the welcome, in the language it was written in
    ctx.data["search"] = [hit.card_id for hit in hits]
    return Outcome(goto=RESULTS)


def setup_pending(ctx: Context) -> bool:
    return ctx.profile.consent is None


@router.screen(RESULTS)
def results(ctx: Context) -> View:
    """Show the cards that match the question."""
    _ = ctx._
    found = [card_id for card_id in ctx.data.get("search", []) if card_id in ctx.content.cards]
    # TRANSLATORS: button label, at most 14 characters
    ask = Choice("ask", _("💬 Counselor"))
    extra: list[Choice] = []
    lines: list[str] = []
    switch_to = ctx.data.get("switch_to")
    if switch_to in LOCALES and switch_to != ctx.locale:
        lines.append(switch_offer(ctx, switch_to))
        extra.append(Choice(f"switch:{switch_to}", f"🌐 {AUTONYMS[switch_to]}"))
    if setup_pending(ctx):
        lines.append(_("For answers about your city or county, finish set-up (language, privacy, area)."))
        # TRANSLATORS: button label, at most 14 characters
        extra.append(Choice(LANGUAGE, _("⚙️ Set up")))
    tail = ("\n\n" + "\n".join(lines)) if lines else ""
    if not found:
        text = _("🔎 I could not find an answer to that. A counselor can help in your language: send a request, or "
                 "call {phone}.").format(phone=CALL_CENTER)
        return View(text + tail, [ask, *extra], actions=[call_center_action(ctx)])
    titles = "\n".join(f"• {ctx.content.localise(ctx.content.cards[card_id].title, _)}" for card_id in found)
    text = _("🔎 These pages may answer your question:") + "\n" + titles + "\n\n" + \
        _("Not what you need? Ask a counselor.") + tail
    choices = [Choice(f"card:{card_id}", shorten(ctx.content.localise(ctx.content.cards[card_id].title, _),
                                                 MAX_LABEL))
               for card_id in found]
    return View(text, [*choices, ask, *extra])


@router.choice(RESULTS)
async def results_choice(ctx: Context, key: str) -> Outcome | None:
    if key == "ask":
        return ask_counselor(ctx, "general")
    if key.startswith("switch:") and key.removeprefix("switch:") in LOCALES:
        ctx.set_locale(key.removeprefix("switch:"))
        ctx.data.pop("switch_to", None)
        return Outcome(note=ctx._("Language changed: {language}").format(language=AUTONYMS[ctx.locale]))
    return None
