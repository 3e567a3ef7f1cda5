"""The F-2-R eligibility check: visa → city or county → income or degree → Korean level → result.

Rules from ../shared/reference/jeonnam-facts.md (⚠️ secondary sources, so every result says to confirm):
a recommendation from the head of a population-declining area; income ≥ 70% of last year's per-capita GNI or an
associate degree or higher from a Korean institution; TOPIK 4 or KIIP level 4 (from 2025); not for D-3, D-4,
E-6-2, E-8, E-9, E-10, G-1, H-1 holders (E-9 excluded since 2024).
"""

from __future__ import annotations

from bot.conversation import Choice, Context, Outcome, Router, View
from handlers.common import region_choices, region_label
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
    if ctx.content.region(key) is None:
        return None
    answers(ctx)["region"] = key
    return Outcome(goto=QUALIFICATION)


@router.screen(QUALIFICATION)
def ask_qualification(ctx: Context) -> View:
    """Ask about income or a Korean degree."""
    _ = ctx._
    text = _("3/4 Do you have one of these?\n• Income of at least 70% of Korea's income per person (GNI) of last "
             "year\n• A degree from a Korean college or university (2-year college or higher)")
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
    region = ctx.content.region(given.get("region"))
    if region is not None and not region.declining:
        blockers.append(_("{region} is not a population-declining area. F-2-R is only for the 16 counties of Jeonnam "
                          "with a declining population (not Muan, not the five cities).")
                        .format(region=region_label(ctx, region)))
    qualification = given.get("qualification")
    if qualification == "neither":
        blockers.append(_("You need enough income or a Korean degree."))
    elif qualification == "unsure":
        doubts.append(_("Check your income against 70% of last year's GNI per person (ask a counselor for the "
                        "amount)."))
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
    if verdict != "not":
        text += "\n\n" + _("Next steps:\n1. Ask your county office for a recommendation for F-2-R.\n2. Keep living and "
                           "working in that county in the designated industry: the first 2 years in the same area "
                           "and job.\n3. Apply at your immigration office (book on HiKorea). Your spouse and children "
                           "can get F-3-1R.")
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
