"""Emergencies: one tap from the main menu or one word from anywhere; phrases to show, hospitals, urgent help."""

from __future__ import annotations

import re

from bot.conversation import Action, Choice, Context, Outcome, Router, View
from bot.i18n import AUTONYMS, KOREAN_NAMES, KOREAN_NAMES_ROMANIZED, language_to_say
from bot.langid import word_count
from bot.search import normalise
from handlers.common import CALL_CENTER, FIRE_AMBULANCE, POLICE, call_center_action
from handlers.content import menu_key
from handlers.requests import consent_line, queue_lines, record

router = Router("emergency")

MAIN = "emergency.main"
PHRASES = "emergency.phrases"
URGENT = "emergency.urgent"
URGENT_SENT = "emergency.urgent_sent"
router.flow("phrases", PHRASES)
router.flow("urgent_counselor", URGENT)

#: Scripts written without spaces between words: a keyword may match inside a longer text.
_NO_SPACES = re.compile(r"[\u0E00-\u0E7F\u1780-\u17FF\u4E00-\u9FFF\uAC00-\uD7A3]")


#: Screens where the resident types an amount or a number of hours: 112 there is an answer, not a call for help.
NUMBER_SCREENS = frozenset({"wage.hourly", "wage.monthly", "wage.hours"})
SHORT_MESSAGE = 4  # words


def is_emergency(ctx: Context, text: str) -> bool:
    """Whether typed text asks for emergency help, in the resident's language, English or Korean.

    A keyword of several words, or in a script written without spaces, may appear anywhere in the text; another
    keyword must be a whole word ("fire" matches "fire!", not "fired"); a number must stand alone (not inside
    2,112,000); and words that are common in ordinary questions count only in a short message."""
    lists = ctx.content.emergency_keywords
    candidates = {*lists.get(ctx.locale, ()), *lists.get("en", ()), *lists.get("ko", ())}
    short_only = {normalise(word) for word in ctx.content.emergency_short_only}
    typed = normalise(text)
    tokens = typed.split()
    words = word_count(text)  # Thai, Khmer and Chinese are written without spaces: their words are counted too
    for keyword in map(normalise, candidates):
        if not keyword:
            continue
        if keyword.isdigit():
            if ctx.screen not in NUMBER_SCREENS and re.search(rf"(?<![\d.,]){keyword}(?![\d.,]*\d)", text):
                return True
            continue
        if keyword in short_only and max(words, len(tokens)) > SHORT_MESSAGE:
            continue
        if " " in keyword or _NO_SPACES.search(keyword):
            if f" {keyword}" in f" {typed}" or _NO_SPACES.search(keyword) and keyword in typed:
                return True
        elif keyword in tokens:
            return True
    return False


@router.text_first
async def emergency_words(ctx: Context, text: str) -> Outcome | None:
    """Open the emergency card when the resident types an emergency word, whatever the screen: on the emergency
    screens too, where it shows the card again (119 and the Korean sentences), never a search."""
    if len(text) <= 200 and is_emergency(ctx, text):
        return Outcome(goto=MAIN)
    return None


#: The two sentences the emergency card shows in Korean before anything else (ids in data/phrases.yaml).
CARD_PHRASES = ("phrase_ambulance", "phrase_foreigner_interpreter")
SPEAK_PHRASE = "phrase_foreigner_language"  # "I am a foreigner. I speak ___."


def korean_lines(ctx: Context, phrase) -> str:
    """A phrase to show or read out: the Korean, its romanization, and (for other languages) what it means."""
    korean, spoken, meaning = phrase.ko, phrase.romanization, ctx._(phrase.text)
    if phrase.id == SPEAK_PHRASE:  # "I speak ___": the resident's language, in each line (other blanks stay blank)
        korean = korean.replace("___", KOREAN_NAMES.get(ctx.locale, "영어"))
        spoken = spoken.replace("___", KOREAN_NAMES_ROMANIZED.get(ctx.locale, "yeongeo"))
        meaning = meaning.replace("___", AUTONYMS[ctx.locale].split(" (")[0])
    if ctx.locale == "ko":
        return f"🇰🇷 {korean}"
    return f"🇰🇷 {korean}\n   ({spoken})\n   = {meaning}"


@router.screen(MAIN)
def emergency(ctx: Context) -> View:
    """Show what to do in an emergency, with the two Korean sentences most needed."""
    _ = ctx._
    text = _(
        "🚨 Emergency\n\n"
        "• Fire or ambulance: call {fire}.\n"
        "• Police: call {police}.\n"
        "• Both can connect an interpreter: say the name of your language, {language}.\n"
        "• Tell them where you are: an address, a building name or a sign nearby."
    ).format(fire=FIRE_AMBULANCE, police=POLICE, language=language_to_say(ctx.locale))
    phrases = {phrase.id: phrase for phrase in ctx.content.phrases}
    shown = [korean_lines(ctx, phrases[key]) for key in CARD_PHRASES if key in phrases]
    if shown:
        text += "\n\n" + _("Show this to a Korean speaker, or read it out:") + "\n" + "\n".join(shown)
    text += "\n\n" + _("For help in your language afterwards, call the call center: {phone}.").format(
        phone=CALL_CENTER)
    choices = [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice(PHRASES, _("🗣 Phrases")),
        Choice("emergency.nearest", _("🏥 Hospitals")),
        Choice(URGENT, _("🆘 Urgent help")),
    ]
    menu = ctx.content.menus.get("emergency")
    if menu is not None:
        keys = {choice.key for choice in choices}
        for item in menu.items:
            key = menu_key(*item.target, ctx)
            if key and key not in keys:
                choices.append(Choice(key, _(item.label)))
                keys.add(key)
    actions = [
        # TRANSLATORS: button labels, at most 14 characters
        Action("call", _("🚑 Call 119"), FIRE_AMBULANCE),
        Action("call", _("🚓 Call 112"), POLICE),
        call_center_action(ctx),
    ]
    return View(text, choices, columns=2, actions=actions)


@router.command("emergency")
async def emergency_command(ctx: Context, _args: str) -> Outcome:
    """Open the emergency card."""
    return Outcome(goto=MAIN)


@router.screen(PHRASES)
def phrases(ctx: Context) -> View:
    """Show Korean phrases the resident can show or read out."""
    _ = ctx._
    shown = [phrase for phrase in ctx.content.phrases if not (ctx.locale == "ko" and phrase.id == SPEAK_PHRASE)]
    cards = [korean_lines(ctx, phrase) for phrase in shown]
    text = _("🗣 Show these Korean sentences, or read them out:") + "\n\n" + "\n\n".join(cards)
    return View(text, actions=[Action("call", _("🚑 Call 119"), FIRE_AMBULANCE), call_center_action(ctx)])


@router.screen(URGENT, free_text=True, replayable=False)
def urgent(ctx: Context) -> View:
    """Offer an urgent call back from the call center."""
    _ = ctx._
    text = _("🆘 Urgent help from a counselor\n\nIf someone is in danger, call 119 or 112 now.\nFor an urgent problem "
             "that is not life-threatening, tap the button: your request goes to the top of the call center's "
             "list. You can also call {phone}.").format(phone=CALL_CENTER) + consent_line(ctx)
    # TRANSLATORS: button label, at most 14 characters
    return View(text, [Choice("send", _("🆘 Send now"))],
                actions=[Action("call", _("🚑 Call 119"), FIRE_AMBULANCE), call_center_action(ctx)])


@router.text(URGENT)
async def urgent_typed(ctx: Context, text: str) -> Outcome:
    record(ctx, "urgent", "emergency", priority=10, details={"note": text[:1000]})
    if is_emergency(ctx, text):  # sent, and the emergency card at once: 119 comes first
        return Outcome(goto=MAIN, note=ctx._("✅ Your urgent request was sent."))
    return Outcome(goto=URGENT_SENT)


@router.choice(URGENT)
async def urgent_send(ctx: Context, key: str) -> Outcome | None:
    if key != "send":
        return None
    record(ctx, "urgent", "emergency", priority=10)
    return Outcome(goto=URGENT_SENT)


@router.screen(URGENT_SENT)
async def urgent_sent(ctx: Context) -> View:
    """Confirm the urgent request, with its place in line."""
    _ = ctx._
    text = _("✅ Your urgent request has been recorded at the top of the list. If you do not hear back soon, call "
             "{phone}. In danger, call 119 or 112.").format(phone=CALL_CENTER)
    lines = await queue_lines(ctx)
    if lines:
        text += "\n\n" + lines
    return View(text, actions=[Action("call", _("🚑 Call 119"), FIRE_AMBULANCE), call_center_action(ctx)])
