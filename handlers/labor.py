"""The minimum-wage check: first the kind of work, then hourly pay, or monthly pay and hours, against the law that
applies to that work.

- Ship crew under the Seafarers Act (선원법): the Minimum Wage Act does not apply (its art. 3(2)); the Ministry of
  Oceans and Fisheries sets their minimum (Seafarers Act art. 59), and foreign crews' minimum may be set by collective
  agreement. The bot cannot compute it: it says so and offers a counselor.
- Farming, livestock and fisheries (not ship crew): the hourly minimum applies, but the rules on working hours and
  weekly paid rest do not (Labor Standards Act art. 63), so "209 paid hours" does not fit: monthly pay is divided by
  the hours actually worked.
- Any other work: the hourly minimum, and 209 paid hours a month for 40 hours a week with the paid weekly rest day.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bot.conversation import Choice, Context, Outcome, Router, View
from handlers.common import won
from handlers.requests import ask_counselor

router = Router("labor")

KIND, SEAFARER = "wage.kind", "wage.seafarer"
MODE, HOURLY, MONTHLY, HOURS, RESULT = "wage.mode", "wage.hourly", "wage.monthly", "wage.hours", "wage.result"
router.flow("wage_check", KIND)

SHIP, FARM, OTHER = "ship", "farm", "other"
KINDS = (SHIP, FARM, OTHER)

#: Minimum wage 2026: ₩10,320 an hour; ₩2,156,880 a month at 209 paid hours
#: (Minimum Wage Commission notice; ../shared/reference/jeonnam-facts.md ✅)
MINIMUM_HOURLY = 10_320
STANDARD_MONTHLY_HOURS = 209
#: Seafarers' minimum for 2026 set by the Ministry of Oceans and Fisheries under Seafarers Act art. 59: ₩2,694,560 a
#: month (Newsis, 2025-12-08). Foreign crews' minimum may be set by collective agreement instead (Seoul
#: Administrative Court 2022구합51758, 2024-05-23), so the bot shows it but does not compare pay with it.
SEAFARER_MONTHLY_2026 = 2_694_560
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


def state(ctx: Context) -> dict:
    return ctx.data.setdefault("wage", {})


def kind_of_work(ctx: Context) -> str:
    """The kind of work chosen; a check started before the question existed counts as other work."""
    kind = ctx.data.get("wage", {}).get("kind")
    return kind if kind in KINDS else OTHER


@router.screen(KIND)
def ask_kind(ctx: Context) -> View:
    """Ask what kind of work it is: the minimum wage law depends on it."""
    _ = ctx._
    text = _("💰 Minimum wage check\n\nWhich law sets your minimum pay depends on your work. What is your job?\n"
             "• 🚢 Ship crew: you work as a crew member on a ship or a fishing boat (선원). Not sure if your boat "
             "counts? Choose this.\n"
             "• 🌾 Farm/fish: farming, livestock, or fishing and fish-farm work that is not ship crew work.\n"
             "• 🏭 Other job: factories, shipyards, building sites, restaurants and all other work.")
    return View(text, [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice(SHIP, _("🚢 Ship crew")),
        Choice(FARM, _("🌾 Farm/fish")),
        Choice(OTHER, _("🏭 Other job")),
    ], columns=1)


@router.choice(KIND)
async def save_kind(ctx: Context, key: str) -> Outcome | None:
    if key not in KINDS:
        return None
    ctx.data["wage"] = {"kind": key}
    return Outcome(goto=SEAFARER if key == SHIP else MODE)


@router.screen(SEAFARER)
def seafarer(ctx: Context) -> View:
    """Say what applies to ship crew, and that the bot cannot compute it."""
    _ = ctx._
    text = _("🚢 Ship crew (선원)\n\nThe Minimum Wage Act does not apply to seafarers under the Seafarers Act "
             "(선원법). Their minimum pay is set by the Ministry of Oceans and Fisheries: {monthly} a month in 2026. "
             "For foreign crew, for example on fishing boats, the minimum can instead be set by an agreement between "
             "the seafarers' union and the boat owners, and it can be different.\n\nSo this check cannot tell you "
             "whether your pay is legal. A counselor can look at your contract and pay slips with you, for free."
             ).format(monthly=won(SEAFARER_MONTHLY_2026))
    return View(text, [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice("ask", _("💬 Counselor")),
        Choice(KIND, _("Check again")),
    ], columns=2)


@router.choice(SEAFARER)
async def seafarer_choice(ctx: Context, key: str) -> Outcome | None:
    if key == "ask":
        return ask_counselor(ctx, "labor", card="wage_check", note="kind=ship")
    if key == KIND:
        ctx.data.pop("wage", None)
        return Outcome(goto=KIND)
    return None


@router.screen(MODE)
def ask_mode(ctx: Context) -> View:
    """Ask how the resident is paid."""
    _ = ctx._
    if kind_of_work(ctx) == FARM:
        text = _("💰 Minimum wage check: farm and fishing work\n\nThe minimum wage in 2026 is {hourly} for each "
                 "hour you work. On farms, with animals and in fishing work, the law's rules on working hours, "
                 "overtime pay and the paid weekly rest day do not apply (Labor Standards Act, Article 63), so count "
                 "only the hours you really work.\n\nHow are you paid?").format(hourly=won(MINIMUM_HOURLY))
    else:
        text = _("💰 Minimum wage check\n\nThe minimum wage in 2026 is {hourly} an hour ({monthly} a month for 209 "
                 "paid hours, which is 40 hours a week with paid weekly rest).\n\nHow are you paid?").format(
            hourly=won(MINIMUM_HOURLY), monthly=won(MINIMUM_HOURLY * STANDARD_MONTHLY_HOURS))
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
    ctx.data["wage"] = {"kind": kind_of_work(ctx), "hourly": str(amount)}
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
    ctx.data["wage"] = {"kind": kind_of_work(ctx), "monthly": str(amount)}
    return Outcome(goto=HOURS)


@router.screen(HOURS, free_text=True)
def ask_hours(ctx: Context) -> View:
    """Ask for the paid hours per month."""
    _ = ctx._
    if kind_of_work(ctx) == FARM:
        return View(_("How many hours did you really work in that month? Count every working hour, also early "
                      "mornings, evenings and weekends. Type the number, for example 250."))
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
    if key != "209" or kind_of_work(ctx) == FARM:  # farm work has no standard paid hours
        return None
    return _hours_given(ctx, Decimal(STANDARD_MONTHLY_HOURS))


@router.screen(RESULT)
def show_result(ctx: Context) -> View:
    """Compare the pay with the legal minimum for this kind of work."""
    _ = ctx._
    given = ctx.data.get("wage", {})
    farm = kind_of_work(ctx) == FARM
    if "hourly" in given:
        hourly = Decimal(given["hourly"])
    elif "monthly" in given and "hours" in given:
        hourly = Decimal(given["monthly"]) / Decimal(given["hours"])
    else:
        return View(_("Some answers are missing. Please start the check again."), [Choice(KIND, _("Start again"))])
    text = _("Your pay is about {pay} an hour.").format(pay=won(hourly)) + "\n"
    if hourly >= MINIMUM_HOURLY:
        text += _("✅ That is at or above the 2026 minimum wage ({minimum} an hour).").format(
            minimum=won(MINIMUM_HOURLY))
    else:
        short = MINIMUM_HOURLY - hourly
        if farm and "hours" in given:
            text += _("❌ That is below the 2026 minimum wage ({minimum} an hour): {short} less each hour, about "
                      "{monthly} less for the {hours} hours you worked.").format(
                minimum=won(MINIMUM_HOURLY), short=won(short), monthly=won(short * Decimal(given["hours"])),
                hours=f"{Decimal(given['hours']).normalize():f}")
        elif farm:
            text += _("❌ That is below the 2026 minimum wage ({minimum} an hour): {short} less for each hour you "
                      "work.").format(minimum=won(MINIMUM_HOURLY), short=won(short))
        else:
            text += _("❌ That is below the 2026 minimum wage ({minimum} an hour): {short} less each hour, about "
                      "{monthly} less over 209 hours.").format(
                minimum=won(MINIMUM_HOURLY), short=won(short), monthly=won(short * STANDARD_MONTHLY_HOURS))
        text += "\n\n" + _("You can file a complaint about unpaid wages, and a counselor can help you for free.")
    if farm:
        text += "\n\n" + _("Farm and fishing work: the hourly minimum applies, but not the rules on working hours, "
                           "overtime pay and the paid weekly rest day. If your boat has a crew under the Seafarers "
                           "Act, other rules apply: ask a counselor.")
    text += "\n\n" + _("This check only compares your basic pay with the minimum wage. Ask a counselor about "
                       "overtime, deductions or pay you did not receive.")
    choices = [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice("ask", _("💬 Counselor")),
        Choice(KIND, _("Check again")),
    ]
    if "labor_unpaid_wages" in ctx.content.cards:
        choices.insert(1, Choice("card:labor_unpaid_wages", _("Unpaid wages")))
    return View(text, choices, columns=2)


@router.choice(RESULT)
async def result_choice(ctx: Context, key: str) -> Outcome | None:
    if key == "ask":
        return ask_counselor(ctx, "labor", card="wage_check", note=f"kind={kind_of_work(ctx)}")
    if key == KIND:
        ctx.data.pop("wage", None)
        return Outcome(goto=KIND)
    return None
