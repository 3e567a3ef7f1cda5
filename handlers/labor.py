"""The minimum-wage check: hourly pay, or monthly pay and paid hours, against the 2026 minimum wage."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal

from bot.conversation import Choice, Context, Outcome, Router, View
from handlers.requests import ask_counselor

router = Router("labor")

MODE, HOURLY, MONTHLY, HOURS, RESULT = "wage.mode", "wage.hourly", "wage.monthly", "wage.hours", "wage.result"
router.flow("wage_check", MODE)

#: Minimum wage 2026: ₩10,320 an hour; ₩2,156,880 a month at 209 paid hours
#: (Minimum Wage Commission notice; ../shared/reference/jeonnam-facts.md ✅)
MINIMUM_HOURLY = 10_320
STANDARD_MONTHLY_HOURS = 209
MIN_HOURLY = 100  # below this the number is surely a typing mistake (or not won)
MIN_MONTHLY = 10_000
MAX_HOURLY = 1_000_000
MAX_MONTHLY = 100_000_000
MAX_MONTHLY_HOURS = 744  # 31 days x 24 hours

_UNITS = {"만": 10_000, "천": 1_000}
_NOISE = re.compile(r"(?i)(원|won|krw|₩|per hour|an hour|/h|시간)")


def parse_amount(text: str) -> Decimal | None:
    """Read an amount of won as people type it: 10320, 10,320원, ₩10.320, 215만원, 2,156,880 won."""
    cleaned = _NOISE.sub("", text).replace("\u00a0", " ").strip()
    if re.fullmatch(r"\d{1,3}( \d{3})+", cleaned):  # spaces as thousands separators: 9 500
        cleaned = cleaned.replace(" ", "")
    elif re.search(r"\s", cleaned):
        return None
    if not cleaned:
        return None
    multiplier = 1
    if cleaned[-1] in _UNITS:
        multiplier = _UNITS[cleaned[-1]]
        cleaned = cleaned[:-1]
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", cleaned):  # thousands separators: 2,156,880 or 10.320
        cleaned = re.sub(r"[.,]", "", cleaned)
    elif re.fullmatch(r"\d+([.,]\d{1,2})?", cleaned):  # a decimal: 10320.5 or 9,5
        cleaned = cleaned.replace(",", ".")
    else:
        return None
    try:
        return Decimal(cleaned) * multiplier
    except InvalidOperation:
        return None


def won(ctx: Context, amount: Decimal | int) -> str:
    return "₩" + format_decimal(round(Decimal(amount)), locale=ctx.translator.babel_locale)


def state(ctx: Context) -> dict:
    return ctx.data.setdefault("wage", {})


@router.screen(MODE)
def ask_mode(ctx: Context) -> View:
    """Ask how the resident is paid."""
    _ = ctx._
    text = _("💰 Minimum wage check\n\nThe minimum wage in 2026 is {hourly} an hour ({monthly} a month for 209 paid "
             "hours, which is 40 hours a week with paid weekly rest).\n\nHow are you paid?").format(
        hourly=won(ctx, MINIMUM_HOURLY), monthly=won(ctx, MINIMUM_HOURLY * STANDARD_MONTHLY_HOURS))
    # TRANSLATORS: button labels, at most 14 characters each
    return View(text, [Choice(HOURLY, _("By the hour")), Choice(MONTHLY, _("By the month"))], columns=2)


def _bad_number(ctx: Context) -> Outcome:
    return Outcome(note=ctx._("Please type only the number, for example 10320 or 2,156,880."))


@router.screen(HOURLY, free_text=True)
def ask_hourly(ctx: Context) -> View:
    """Ask for the hourly pay."""
    return View(ctx._("How much do you get for one hour, in won? Type the number (for example 10320)."))


def _typed_amount(ctx: Context, text: str, *, minimum: int, maximum: int, implausible: str) -> Decimal | Outcome:
    """The amount typed, or the note that tells the resident what is wrong with it."""
    amount = parse_amount(text)
    if amount is None:
        return _bad_number(ctx)
    if amount < minimum or amount > maximum:
        return Outcome(note=implausible)
    return amount


@router.text(HOURLY)
async def hourly_typed(ctx: Context, text: str) -> Outcome:
    amount = _typed_amount(ctx, text, minimum=MIN_HOURLY, maximum=MAX_HOURLY, implausible=ctx._(
        "That amount does not look like hourly pay. Please check the number."))
    if isinstance(amount, Outcome):
        return amount
    ctx.data["wage"] = {"hourly": str(amount)}
    return Outcome(goto=RESULT)


@router.screen(MONTHLY, free_text=True)
def ask_monthly(ctx: Context) -> View:
    """Ask for the monthly pay."""
    return View(ctx._("How much is your monthly pay before tax, in won? Type the number (for example 2,156,880 "
                      "or 215만)."))


@router.text(MONTHLY)
async def monthly_typed(ctx: Context, text: str) -> Outcome:
    amount = _typed_amount(ctx, text, minimum=MIN_MONTHLY, maximum=MAX_MONTHLY, implausible=ctx._(
        "That amount does not look like monthly pay. Please check the number."))
    if isinstance(amount, Outcome):
        return amount
    ctx.data["wage"] = {"monthly": str(amount)}
    return Outcome(goto=HOURS)


@router.screen(HOURS, free_text=True)
def ask_hours(ctx: Context) -> View:
    """Ask for the paid hours per month."""
    _ = ctx._
    question = _("How many hours are you paid for each month? If you work 40 hours a week, it is 209 (this "
                 "includes the paid weekly rest day). Type the number, or tap 209.")
    # TRANSLATORS: button label, at most 14 characters
    return View(question, [Choice("209", _("209 hours"))])


def _hours_given(ctx: Context, hours: Decimal) -> Outcome:
    if hours <= 0 or hours > MAX_MONTHLY_HOURS:
        return Outcome(note=ctx._("A month has at most 744 hours. Please check the number."))
    state(ctx)["hours"] = str(hours)
    return Outcome(goto=RESULT)


@router.text(HOURS)
async def hours_typed(ctx: Context, text: str) -> Outcome:
    hours = parse_amount(re.sub(r"(?i)(hours?|h|시간|giờ|jam|ชั่วโมง|oras|soat)", "", text))
    if hours is None:
        return _bad_number(ctx)
    return _hours_given(ctx, hours)


@router.choice(HOURS)
async def standard_hours(ctx: Context, key: str) -> Outcome | None:
    return _hours_given(ctx, Decimal(STANDARD_MONTHLY_HOURS)) if key == "209" else None


@router.screen(RESULT)
def show_result(ctx: Context) -> View:
    """Compare the pay with the legal minimum."""
    _ = ctx._
    given = ctx.data.get("wage", {})
    if "hourly" in given:
        hourly = Decimal(given["hourly"])
    elif "monthly" in given and "hours" in given:
        hourly = Decimal(given["monthly"]) / Decimal(given["hours"])
    else:
        return View(_("Some answers are missing. Please start the check again."), [Choice(MODE, _("Start again"))])
    text = _("Your pay is about {pay} an hour.").format(pay=won(ctx, hourly)) + "\n"
    if hourly >= MINIMUM_HOURLY:
        text += _("✅ That is at or above the 2026 minimum wage ({minimum} an hour).").format(
            minimum=won(ctx, MINIMUM_HOURLY))
    else:
        short = MINIMUM_HOURLY - hourly
        text += _("❌ That is below the 2026 minimum wage ({minimum} an hour): {short} less each hour, about "
                  "{monthly} less over 209 hours.").format(
            minimum=won(ctx, MINIMUM_HOURLY), short=won(ctx, short), monthly=won(ctx, short * STANDARD_MONTHLY_HOURS))
        text += "\n\n" + _("You can file a complaint about unpaid wages, and a counselor can help you for free.")
    text += "\n\n" + _("This check only compares your basic pay with the minimum wage. Ask a counselor about "
                       "overtime, deductions or pay you did not receive.")
    choices = [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice("ask", _("💬 Counselor")),
        Choice(MODE, _("Check again")),
    ]
    if "labor_unpaid_wages" in ctx.content.cards:
        choices.insert(1, Choice("card:labor_unpaid_wages", _("Unpaid wages")))
    return View(text, choices, columns=2)


@router.choice(RESULT)
async def result_choice(ctx: Context, key: str) -> Outcome | None:
    if key == "ask":
        return ask_counselor(ctx, "labor", card="wage_check")
    if key == MODE:
        ctx.data.pop("wage", None)
        return Outcome(goto=MODE)
    return None
