"""The F-2-R eligibility check: visa → city or county → income or degree → Korean level → result.

Rules from ../shared/reference/jeonnam-facts.md and data/f2r.yaml (⚠️ secondary sources, so every result says to
confirm): a recommendation from the governor (도지사), applications collected by the counties in that year's
provincial programme (only they recruit); income of at least the amount in data/f2r.yaml (in Jeonnam ₩29.92M a year
since 2025-07-02) or an associate degree or higher from a Korean institution; TOPIK 4 or KIIP level 4 (from 2025);
not for D-3, D-4, E-6-2, E-8, E-9, E-10, G-1, H-1 holders (E-9 excluded since 2024).
"""

from __future__ import annotations

from babel.dates import format_date

from bot.conversation import Choice, Context, Outcome, Router, View
from handlers.common import CALL_CENTER, region_choices, region_label, served_region, won
from handlers.requests import ask_counselor

router = Router("immigration")

VISA, REGION, QUALIFICATION, KOREAN, RESULT = "f2r.visa", "f2r.region", "f2r.qualification", "f2r.korean", "f2r.result"
router.flow("f2r_check", VISA)

VISAS = ("E-9", "E-10", "H-2", "E-7-4", "E-7", "D-10", "D-2", "F-6", "E-8", "other")
EXCLUDED = {"D-3", "D-4", "E-6-2", "E-8", "E-9", "E-10", "G-1", "H-1"}


def answers(ctx: Context) -> dict:
    return ctx.data.setdefault("f2r", {})


@router.screen(VISA)
def ask_visa(ctx: Context) -> View:
    """Ask which visa the resident holds now."""
    _ = ctx._
    text = _("🛂 F-2-R check (regional residence visa)\n\nFour short questions. The answer is a first guide, not a "
             "decision.\n\n1/4 Which visa do you have now?")
    choices = [Choice(visa, visa if visa != "other" else _("Other visa")) for visa in VISAS]
    return View(text, choices, columns=3)


@router.choice(VISA)
async def save_visa(ctx: Context, key: str) -> Outcome | None:
    if key not in VISAS:
        return None
    answers(ctx)["visa"] = key
    return Outcome(goto=REGION)


@router.screen(REGION)
def ask_region(ctx: Context) -> View:
    """Ask where the resident lives and works (their profile's city or county is offered first)."""
    _ = ctx._
    text = _("2/4 In which city or county do you live and work?")
    return View(text, region_choices(ctx, first=ctx.profile.region), columns=2)


@router.choice(REGION)
async def save_region(ctx: Context, key: str) -> Outcome | None:
    if served_region(ctx, key) is None:
        return None
    answers(ctx)["region"] = key
    return Outcome(goto=QUALIFICATION)


@router.screen(QUALIFICATION)
def ask_qualification(ctx: Context) -> View:
    """Ask about income or a Korean degree."""
    _ = ctx._
    rules = ctx.content.f2r
    if rules is not None:
        text = ctx.content.fill(_("3/4 Do you have one of these?\n• Income of at least {amount} a year (the rule in "
                                  "{province} since {since})\n• A degree from a Korean college or university (2-year "
                                  "college or higher)"), _).format(amount=won(rules.income), since=date_text(
                                      ctx, rules.income_since))
    else:
        text = _("3/4 Do you have one of these?\n• Enough income (ask a counselor for the amount)\n• A degree from a "
                 "Korean college or university (2-year college or higher)")
    return View(text, [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice("income", _("Income: yes")),
        Choice("degree", _("Degree: yes")),
        Choice("neither", _("Neither")),
        Choice("unsure", _("Not sure")),
    ], columns=2)


@router.choice(QUALIFICATION)
async def save_qualification(ctx: Context, key: str) -> Outcome | None:
    if key not in {"income", "degree", "neither", "unsure"}:
        return None
    answers(ctx)["qualification"] = key
    return Outcome(goto=KOREAN)


@router.screen(KOREAN)
def ask_korean(ctx: Context) -> View:
    """Ask about the Korean level."""
    _ = ctx._
    text = _("4/4 What is your Korean level?\nF-2-R needs TOPIK level 4 or higher, or KIIP (the social integration "
             "program) level 4 or higher.")
    return View(text, [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice("yes", _("Level 4 or up")),
        Choice("no", _("Lower")),
        Choice("unsure", _("Not sure")),
    ], columns=2)


@router.choice(KOREAN)
async def save_korean(ctx: Context, key: str) -> Outcome | None:
    if key not in {"yes", "no", "unsure"}:
        return None
    answers(ctx)["korean"] = key
    return Outcome(goto=RESULT)


def date_text(ctx: Context, day) -> str:
    return format_date(day, "long", locale=ctx.translator.babel_locale)


def this_year(ctx: Context) -> int:
    return ctx.now.astimezone(ctx.settings.tz).year


def recruiting(ctx: Context, region) -> tuple[str, str]:
    """Whether the county recruits this year: ("yes" | "no" | "unknown", reason for the resident)."""
    _ = ctx._
    rules, year = ctx.content.f2r, this_year(ctx)
    name = region_label(ctx, region)
    programme = rules.programme(year) if rules is not None else None
    if programme is not None and region.id in programme.counties:
        return "yes", _("{region} takes part in the {year} F-2-R programme. Ask the county office whether "
                        "applications are still open.").format(region=name, year=year)
    if programme is not None and programme.complete:
        return "no", _("Your county, {region}, is not recruiting for F-2-R in {year}. Only the counties in that "
                       "year's programme recruit. Ask the call center ({phone}) about next year.").format(
            region=name, year=year, phone=CALL_CENTER)
    return "unknown", _("We do not know yet whether {region} recruits for F-2-R in {year}: only the counties in "
                        "that year's programme recruit. Ask the call center ({phone}).").format(
        region=name, year=year, phone=CALL_CENTER)


def assess(ctx: Context, given: dict) -> tuple[str, list[str]]:
    """("eligible" | "unsure" | "not", reasons) for the answers given."""
    _ = ctx._
    blockers, doubts = [], []
    visa = given.get("visa")
    if visa in EXCLUDED:
        blockers.append(_("{visa} holders cannot change to F-2-R.").format(visa=visa)
                        + (" " + _("(E-9 has been excluded since 2024.)") if visa == "E-9" else ""))
    elif visa == "other":
        doubts.append(_("Some visas cannot change to F-2-R (D-3, D-4, E-6-2, E-8, E-9, E-10, G-1, H-1)."))
    region = served_region(ctx, given.get("region"))
    if region is not None and not region.declining:
        blockers.append(_("{region} is not a population-declining area. F-2-R is only for the 16 counties of Jeonnam "
                          "with a declining population (not Muan, not the five cities).")
                        .format(region=region_label(ctx, region)))
    elif region is not None:
        answer, reason = recruiting(ctx, region)
        if answer == "no":
            blockers.append(reason)
        elif answer == "unknown":
            doubts.append(reason)
    rules = ctx.content.f2r
    qualification = given.get("qualification")
    if qualification == "neither":
        blockers.append(_("You need an income of at least {amount} a year, or a degree from a Korean college or "
                          "university.").format(amount=won(rules.income)) if rules else
                        _("You need enough income or a Korean degree."))
    elif qualification == "unsure":
        doubts.append(_("Check your income: at least {amount} a year.").format(amount=won(rules.income)) if rules
                      else _("Check your income (ask a counselor for the amount)."))
    korean = given.get("korean")
    if korean == "no":
        blockers.append(_("You need TOPIK level 4 or KIIP level 4."))
    elif korean == "unsure":
        doubts.append(_("Check your Korean level (TOPIK 4 or KIIP 4 is needed)."))
    if blockers:
        return "not", blockers
    return ("unsure", doubts) if doubts else ("eligible", [])


@router.screen(RESULT)
def show_result(ctx: Context) -> View:
    """Show the result, the reasons and the next steps."""
    _ = ctx._
    given = ctx.data.get("f2r", {})
    if not {"visa", "region", "qualification", "korean"} <= given.keys():
        return View(_("Some answers are missing. Please start the check again."), [Choice(VISA, _("Start again"))])
    verdict, reasons = assess(ctx, given)
    if verdict == "eligible":
        text = _("✅ You are likely eligible for F-2-R.")
    elif verdict == "unsure":
        text = _("❔ You may be eligible for F-2-R. Please check:")
    else:
        text = _("❌ You are probably not eligible for F-2-R, because:")
    if reasons:
        text += "\n" + "\n".join(f"• {reason}" for reason in reasons)
    if verdict == "eligible":
        answer, reason = recruiting(ctx, served_region(ctx, given["region"]))
        text += "\n" + reason
    if verdict != "not":
        text += "\n\n" + ctx.content.fill(_(
            "Next steps:\n1. Apply through your county office (군청). The governor of {province} (도지사) gives "
            "the recommendation.\n2. Then apply at your immigration office (book on HiKorea).\n3. The conditions: "
            "for 5 years you live and work in the designated county and industry; the first 2 years in the same "
            "county; no change of workplace in the first year. If you break them, the visa can be cancelled. Your "
            "spouse and children can get F-3-1R."), _)
    text += "\n\n" + _("⚠️ Rules change — confirm with 1345 or a counselor before you act.")
    return View(text, [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice("ask", _("💬 Counselor")),
        Choice(VISA, _("Check again")),
    ], columns=2)


@router.choice(RESULT)
async def result_choice(ctx: Context, key: str) -> Outcome | None:
    if key == "ask":
        answers_given = " / ".join(f"{k}={v}" for k, v in sorted(ctx.data.get("f2r", {}).items()))
        return ask_counselor(ctx, "immigration", card="f2r_check", note=answers_given)
    if key == VISA:
        ctx.data.pop("f2r", None)
        return Outcome(goto=VISA)
    return None
