"""Welcome → language → privacy consent → city or county → main menu."""

from __future__ import annotations

import unicodedata

from bot.conversation import Choice, Context, Outcome, Router, View
from bot.i18n import AUTONYMS, LOCALES
from handlers.common import CALL_CENTER, OUTSIDE_JEONNAM, region_choices, region_label

router = Router("onboarding")

LANGUAGE = "onboard.language"
CONSENT = "onboard.consent"
REGION = "onboard.region"
HOME = "menu.main"

#: Other names a resident may type to pick a language (lower case, without accents).
_LANGUAGE_WORDS = {
    "en": {"english", "en", "영어"}, "ko": {"korean", "ko", "한국어", "한국말"},
    "vi": {"vietnamese", "vi", "tieng viet", "viet"}, "zh_Hans": {"chinese", "zh", "中文", "汉语", "中国"},
    "id": {"indonesian", "indonesia", "id", "bahasa"}, "km": {"khmer", "km", "cambodian", "ខ្មែរ"},
    "ne": {"nepali", "ne", "nepal", "नेपाली"}, "th": {"thai", "th", "ไทย"},
    "si": {"sinhala", "si", "sinhalese", "සිංහල"}, "fil": {"filipino", "fil", "tagalog", "tl"},
    "uz_Latn": {"uzbek", "uz", "o'zbek", "ozbek", "o‘zbekcha", "oʻzbekcha", "o'zbekcha", "uzbekcha", "ozbekcha"},
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_LANGUAGE_BY_WORD = {
    _fold(word): locale for locale in LOCALES for word in (AUTONYMS[locale], *_LANGUAGE_WORDS[locale])
}


def language_from_text(text: str) -> str | None:
    return _LANGUAGE_BY_WORD.get(_fold(text))


@router.screen(LANGUAGE)
def ask_language(ctx: Context) -> View:
    """Greet the resident and ask which language to use."""
    _ = ctx._
    text = _(
        "Hello! 👋 I am the chatbot of the Jeollanam-do Foreign Residents Integrated Support Call Center "
        "({phone}).\n\nPlease choose your language."
    ).format(phone=CALL_CENTER)
    return View(text, [Choice(locale, AUTONYMS[locale]) for locale in LOCALES], columns=2)


async def _language_chosen(ctx: Context, locale: str) -> Outcome:
    ctx.set_locale(locale)
    if ctx.profile.consent is None:
        return Outcome(goto=CONSENT)
    _ = ctx._
    return Outcome(back=True, note=_("Language changed: {language}").format(language=AUTONYMS[locale]))


@router.choice(LANGUAGE)
async def save_language(ctx: Context, key: str) -> Outcome | None:
    """Save the language the resident picked."""
    return await _language_chosen(ctx, key) if key in LOCALES else None


@router.text(LANGUAGE)
async def language_typed(ctx: Context, text: str) -> Outcome | None:
    """Accept a language typed by name ("Thai", "ไทย", "tieng viet")."""
    locale = language_from_text(text)
    return await _language_chosen(ctx, locale) if locale else None


@router.screen(CONSENT)
def ask_consent(ctx: Context) -> View:
    """Explain what is stored, why, for how long and how to delete it; ask for consent."""
    _ = ctx._
    text = _(
        "🔒 Your privacy\n\n"
        "If you agree, we store your language, your city or county, and the messages you write here.\n"
        "Why: to answer in your language, to show information for your area, and so that a counselor can "
        "see your question if you ask for one.\n"
        "How long: until {days} days after your last message. Then everything is deleted automatically.\n"
        "Delete any time: send /delete, or open ⚙️ Settings → 🗑 Delete data.\n\n"
        "If you do not agree, you can still read all the information. We keep only your language and your "
        "place in the menu, so that the bot can work.\n\n"
        "Do you agree?"
    ).format(days=ctx.settings.retention_days)
    if ctx.profile.consent == "yes":
        text += "\n\n" + _("Your current choice: you agreed.")
    elif ctx.profile.consent == "no":
        text += "\n\n" + _("Your current choice: you did not agree. Nothing personal is stored.")
    return View(text, [
        # TRANSLATORS: button label, at most 14 characters
        Choice("yes", _("✅ I agree")),
        # TRANSLATORS: button label, at most 14 characters
        Choice("no", _("❌ Don't store")),
    ], columns=2)


@router.choice(CONSENT)
async def save_consent(ctx: Context, key: str) -> Outcome | None:
    """Record the resident's answer; without consent forget what was stored."""
    _ = ctx._
    if key == "yes":
        if ctx.profile.consent != "yes":
            ctx.profile.consent, ctx.profile.consent_at = "yes", ctx.now
        if ctx.profile.region is None:
            return Outcome(goto=REGION, note=_("Thank you."))
        return Outcome(back=True, note=_("Thank you."))
    if key == "no":
        ctx.profile.consent, ctx.profile.consent_at, ctx.profile.region = "no", None, None
        ctx.forget_history = True
        return Outcome(goto=HOME, note=_(
            "OK. Nothing personal will be stored. You can change this any time in ⚙️ Settings."))
    return None


@router.screen(REGION)
def ask_region(ctx: Context) -> View:
    """Ask which city or county the resident lives in."""
    _ = ctx._
    if not ctx.profile.consented:
        return View(
            _("To remember your city or county, I need your consent to store it. Please read the privacy "
              "notice first."),
            # TRANSLATORS: button label, at most 14 characters
            [Choice(CONSENT, _("🔒 Privacy"))],
        )
    choices = region_choices(ctx)
    # TRANSLATORS: button label, at most 14 characters
    choices.append(Choice(OUTSIDE_JEONNAM, _("Not in Jeonnam")))
    text = _("📍 Which city or county do you live in?\nThis helps me show offices, hospitals and weather "
             "alerts for your area.")
    return View(text, choices, columns=2)


def _region_saved(ctx: Context, region_id: str) -> Outcome:
    _ = ctx._
    ctx.profile.region = region_id
    region = ctx.content.region(region_id)
    name = region_label(ctx, region) if region else _("outside Jeollanam-do")
    saved = _("Saved: {region}").format(region=name)
    if ctx.data.pop("region_then", None) == "alerts.subscribe":  # they were subscribing to alerts: finish that
        from handlers.alerts import MAIN as ALERTS
        from handlers.alerts import zones_of

        zones = zones_of(ctx, region_id) if region else []
        if zones:
            ctx.changes.append(("subscribe", {"zones": zones}))
            saved += "\n" + _("✅ You will get alerts for your area.")
        return Outcome(goto=ALERTS, note=saved)
    return Outcome(goto=HOME, note=saved)


@router.choice(REGION)
async def save_region(ctx: Context, key: str) -> Outcome | None:
    """Save the city or county the resident picked."""
    if not ctx.profile.consented:
        return None
    if key == OUTSIDE_JEONNAM or ctx.content.region(key) is not None:
        return _region_saved(ctx, key)
    return None


@router.text(REGION)
async def region_typed(ctx: Context, text: str) -> Outcome | None:
    """Accept a city or county typed by name (영암, Yeongam, or its name in the resident's language)."""
    if not ctx.profile.consented:
        return None
    folded = _fold(text)
    for region in ctx.content.regions:
        names = {region.ko, region.ko[:-1], region.name, ctx._(region.name), region.id}
        if folded in {_fold(name) for name in names}:
            return _region_saved(ctx, region.id)
    return None
