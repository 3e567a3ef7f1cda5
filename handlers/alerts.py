"""Weather and disaster alerts: subscribe (areas, the sea, hazards, advisories at night), unsubscribe in one tap;
personal reminders of the stay's end and the health-insurance premium; what to do when a warning comes."""

from __future__ import annotations

import re
from datetime import date, timedelta

from babel.dates import format_date

from bot.content import kakao_length
from bot.conversation import Choice, Context, Outcome, Router, View
from handlers.common import region_label, with_korean

router = Router("alerts")

MAIN, AREAS, HAZARDS = "alerts.main", "alerts.areas", "alerts.hazards"
REMINDERS, STAY, INSURANCE = "reminders.main", "reminders.stay", "reminders.insurance"
BUDDHIST_ERA_FROM, BUDDHIST_ERA_OFFSET = 2500, 543
MAX_YEARS_AHEAD = 10  # a stay ends within a few years; a date far beyond that is a typing mistake


def needs_consent(ctx: Context) -> View | None:
    _ = ctx._
    if ctx.profile.consented:
        return None
    text = _("To send you alerts or reminders, I need to store your city or county (and the dates you give). "
             "Please read the privacy notice first.")
    # TRANSLATORS: button label, at most 14 characters
    return View(text, [Choice("onboard.consent", _("🔒 Privacy"))])


def zones_of(ctx: Context, region_id: str | None, *, sea: bool = False) -> list[str]:
    """A city or county's warning zones: its land zone and its islands' (흑산도·홍도 for Sinan), or its sea zone."""
    region = ctx.content.region(region_id)
    if region is None:
        return []
    if sea:
        return sea_zones(ctx.content, region.sea_zone)
    islands = [zone.code for zone in ctx.content.zones.values()
               if zone.region == region.id and zone.kind == "land" and zone.code != region.kma_zone
               and zone.parent != region.kma_zone]
    return [region.kma_zone, *islands]


def sea_zones(content, near: str | None) -> list[str]:
    """The near-sea zone off a coast and the far seas beyond it (same parent; codes S1232… and S1322… are far seas),
    where the boats of that coast go: a high-seas warning for the far sea concerns their crews too."""
    if not near or near not in content.zones:
        return []
    parent = content.zones[near].parent
    far = [zone.code for zone in content.zones.values()
           if parent and zone.parent == parent and zone.kind == "sea" and zone.code[4] == "2"]
    return [near, *sorted(far)]


def sea_of(zones) -> list[str]:
    """The sea zones among a subscription's zones (KMA codes sea zones S…, land zones L…)."""
    return [code for code in zones if code.startswith("S")]


def seas_off(ctx: Context, zones, *, leaving: str | None = None) -> set[str]:
    """The seas off the subscribed cities and counties (but `leaving`): their near seas and the far seas beyond."""
    return {zone for region in ctx.content.regions if region.kma_zone in zones and region.id != leaving
            for zone in zones_of(ctx, region.id, sea=True)}


def area_names(ctx: Context, zones: tuple[str, ...]) -> str:
    _ = ctx._
    names = []
    for code in zones:
        zone = ctx.content.zones.get(code)
        names.append(with_korean(ctx, _(zone.name), zone.ko) if zone else code)
    return ", ".join(names) or _("none")


@router.screen(MAIN)
async def alerts(ctx: Context) -> View:
    """Show the resident's alert subscription, or offer one."""
    _ = ctx._
    if (view := needs_consent(ctx)) is not None:
        return view
    sub = await ctx.services.subscription()
    intro = _("🔔 Weather and disaster alerts\n\nWarnings of the Korea Meteorological Administration for your "
              "area, in your language: heavy rain, typhoons, heat waves, cold waves, storms at sea and more, with "
              "what to do.")
    if sub is None:
        text = intro + "\n\n" + _("You are not subscribed.")
        if not ctx.profile.region or ctx.content.region(ctx.profile.region) is None:
            text += "\n" + _("Choose your city or county first (⚙️ Settings).")
        # TRANSLATORS: button labels, at most 14 characters each
        choices = [Choice("subscribe", _("✅ Subscribe")), Choice(AREAS, _("📍 Areas")),
                   Choice(REMINDERS, _("⏰ Reminders"))]
        return View(text, choices, columns=2)
    at_sea = bool(sea_of(sub.zones))
    hazards = [h for h in ctx.content.hazards.values() if h.id not in sub.muted]
    lines = [
        _("Areas: {areas}").format(areas=area_names(ctx, sub.zones)),
        _("Hazards: {hazards}").format(hazards=_("all") if not sub.muted else
                                       ", ".join(_(h.name) for h in hazards) or _("none")),
        _("Advisories at night (22:00–07:00): {choice}").format(
            choice=_("wait until 07:00") if sub.advisories_wait else _("sent at once")),
        _("Warnings are always sent at once."),
    ]
    text = intro + "\n\n" + "\n".join(lines)
    choices = [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice(AREAS, _("📍 Areas")),
        Choice("sea", _("🌊 Not at sea") if at_sea else _("🌊 I work at sea")),
        Choice(HAZARDS, _("⚠️ Hazards")),
        Choice("night", _("🌙 Night: send") if sub.advisories_wait else _("🌙 Night: wait")),
        Choice(REMINDERS, _("⏰ Reminders")),
        Choice("unsubscribe", _("🔕 Unsubscribe")),
    ]
    return View(text, choices, columns=2)


@router.choice(MAIN)
async def alerts_choice(ctx: Context, key: str) -> Outcome | None:
    _ = ctx._
    if not ctx.profile.consented:
        return None
    if key == "subscribe":
        zones = zones_of(ctx, ctx.profile.region)
        if not zones:  # once the area is chosen, the subscription is made and the resident comes back here
            ctx.data["region_then"] = "alerts.subscribe"
            return Outcome(goto="onboard.region", note=_("Choose your city or county first."))
        ctx.changes.append(("subscribe", {"zones": zones}))
        return Outcome(note=_("✅ You will get alerts for your area."))
    sub = await ctx.services.subscription()
    if sub is None:
        return None
    if key == "unsubscribe":
        ctx.changes.append(("unsubscribe", {}))
        return Outcome(note=_("🔕 You will get no more alerts. Subscribe again any time."))
    if key == "night":
        ctx.changes.append(("options", {"advisories_wait": not sub.advisories_wait}))
        return Outcome()
    if key == "sea":
        if sea_of(sub.zones):
            ctx.changes.append(("zones_remove", {"zones": sea_of(sub.zones)}))
            return Outcome(note=_("Sea warnings are off."))
        sea = sorted(seas_off(ctx, sub.zones))
        if not sea:
            return Outcome(note=_("Your areas have no sea zone. Add a coastal city or county first."))
        ctx.changes.append(("subscribe", {"zones": sea}))
        return Outcome(note=_("🌊 You will also get warnings for the sea off your coast (high seas, storms, "
                              "typhoons)."))
    return None


@router.screen(AREAS)
async def areas(ctx: Context) -> View:
    """Add or remove cities and counties (a ✓ marks those chosen)."""
    _ = ctx._
    if (view := needs_consent(ctx)) is not None:
        return view
    sub = await ctx.services.subscription()
    chosen = set(sub.zones) if sub else set()
    choices = []
    for region in ctx.content.served_regions:
        label = region_label(ctx, region)
        if region.kma_zone in chosen:
            label = "✓ " + label
            if kakao_length(label) > 14:  # a button holds 14: the name in the resident's script is enough
                label = "✓ " + ctx._(region.name)
        choices.append(Choice(region.id, label))
    return View(_("📍 Tap a city or county to add it to your alerts, or to remove it."), choices, columns=2)


@router.choice(AREAS)
async def toggle_area(ctx: Context, key: str) -> Outcome | None:
    region = ctx.content.region(key)
    if region is None or not ctx.profile.consented:
        return None
    sub = await ctx.services.subscription()
    at_sea = sub is not None and bool(sea_of(sub.zones))
    if sub is not None and region.kma_zone in sub.zones:
        ctx.changes.append(("zones_remove", {"zones": zones_of(ctx, region.id)}))
        if at_sea:  # the sea off the areas that remain, no more
            kept = seas_off(ctx, sub.zones, leaving=region.id)
            dropped = [code for code in sea_of(sub.zones) if code not in kept]
            if dropped and kept:
                ctx.changes.append(("zones_remove", {"zones": dropped}))
    else:
        # with sea warnings on, a coastal area brings the sea off it
        ctx.changes.append(("subscribe", {"zones": zones_of(ctx, region.id)
                                          + (zones_of(ctx, region.id, sea=True) if at_sea else [])}))
    return Outcome()


@router.screen(HAZARDS)
async def hazards(ctx: Context) -> View:
    """Choose which kinds of warnings to get (a ✓ marks those on)."""
    _ = ctx._
    sub = await ctx.services.subscription()
    muted = set(sub.muted) if sub else set()
    choices = [Choice(h.id, ("✅ " if h.id not in muted else "⬜ ") + _(h.name)) for h in ctx.content.hazards.values()]
    return View(_("⚠️ Tap a kind of warning to turn it on (✅) or off (⬜)."), choices, columns=2)


@router.choice(HAZARDS)
async def toggle_hazard(ctx: Context, key: str) -> Outcome | None:
    if key not in ctx.content.hazards or not ctx.profile.consented:
        return None
    sub = await ctx.services.subscription()
    if sub is None:
        return Outcome(goto=MAIN)
    muted = set(sub.muted) ^ {key}
    ctx.changes.append(("options", {"muted": sorted(muted)}))
    return Outcome()


@router.screen("alert:*", exists=lambda ctx: ctx.param in ctx.content.hazards)
def hazard_help(ctx: Context) -> View:
    """What to do for one kind of warning (alerts link here)."""
    _ = ctx._
    hazard = ctx.content.hazards[ctx.param]
    text = f"{hazard.emoji} {with_korean(ctx, _(hazard.name), hazard.ko)}\n\n"
    text += "\n".join(f"• {_(action)}" for action in hazard.actions)
    text += "\n\n" + _("In danger, call 119.")
    choices = [Choice(f"card:{hazard.card}", _("ℹ️ What to do"))] if hazard.card in ctx.content.cards else []
    return View(text, choices)


@router.command("alerts")
async def alerts_command(ctx: Context, _args: str) -> Outcome:
    """Open the alerts."""
    return Outcome(goto=MAIN)


# -- reminders ---------------------------------------------------------------------------------------------------------


_DATE = re.compile(r"^\s*(\d{4})\s*[-./년 ]\s*(\d{1,2})\s*[-./월 ]\s*(\d{1,2})\s*일?\s*$")


def parse_day(text: str) -> date | None:
    """A date as people type it: 2027-03-15, 2027.3.15, 2027/03/15, 2027년 3월 15일."""
    match = _DATE.match(text)
    if not match:
        return None
    year, month, day = map(int, match.groups())
    if year >= BUDDHIST_ERA_FROM:  # the Thai calendar (พ.ศ.): 2570 is 2027
        year -= BUDDHIST_ERA_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        return None


@router.screen(REMINDERS)
async def reminders(ctx: Context) -> View:
    """Show the resident's reminders and what can be set."""
    _ = ctx._
    if (view := needs_consent(ctx)) is not None:
        return view
    found = await ctx.services.reminders()
    lines = [_("⏰ Reminders\n\nI can remind you before your stay in Korea ends: 4 months before (when an "
               "extension can first be booked), 1 month before, and 2 weeks before. And a few days before your "
               "health insurance premium is due each month.")]
    stay = found.get("stay")
    if stay is not None and stay.due_date:
        lines.append(_("Your stay ends: {date}").format(
            date=format_date(stay.due_date, "long", locale=ctx.translator.babel_locale)))
    insurance = found.get("insurance")
    if insurance is not None and insurance.day_of_month:
        lines.append(_("Premium due: day {day} of each month").format(day=insurance.day_of_month))
    choices = [
        # TRANSLATORS: button labels, at most 14 characters each
        Choice(STAY, _("📅 End of stay")),
        Choice(INSURANCE, _("💳 Premium day")),
    ]
    if found:
        choices.append(Choice("delete", _("🗑 Delete")))
    return View("\n\n".join(lines), choices, columns=2)


@router.choice(REMINDERS)
async def delete_reminders(ctx: Context, key: str) -> Outcome | None:
    if key != "delete":
        return None
    ctx.changes.append(("reminders_delete", {}))
    return Outcome(note=ctx._("Your reminders were deleted."))


@router.screen(STAY, free_text=True)
def ask_stay(ctx: Context) -> View:
    """Ask for the date the stay ends (as on the residence card)."""
    return View(ctx._("📅 When does your stay end? Type the date on your residence card (외국인등록증), for "
                      "example 2027-03-15."))


@router.text(STAY)
async def save_stay(ctx: Context, text: str) -> Outcome:
    _ = ctx._
    day = parse_day(text)
    today = ctx.now.astimezone(ctx.settings.tz).date()
    if day is None:
        return Outcome(note=_("Please type the date like 2027-03-15 (year-month-day)."))
    if day <= today:
        return Outcome(note=_("That date has already passed. If your stay has ended, please call the call center "
                              "or 1345 now."))
    if day > today + timedelta(days=366 * MAX_YEARS_AHEAD):
        return Outcome(note=_("That date is too far away. Please check the year."))
    ctx.changes.append(("reminder", {"kind": "stay", "due_date": day.isoformat()}))
    return Outcome(goto=REMINDERS, note=_("✅ Saved. I will remind you before {date}.").format(
        date=format_date(day, "long", locale=ctx.translator.babel_locale)))


@router.screen(INSURANCE, free_text=True)
def ask_insurance(ctx: Context) -> View:
    """Ask which day of the month the premium is due."""
    return View(ctx._("💳 On which day of the month is your health insurance premium due? Type a number from 1 "
                      "to 31."))


@router.text(INSURANCE)
async def save_insurance(ctx: Context, text: str) -> Outcome:
    _ = ctx._
    day = text.strip().removesuffix("일").strip()
    if not day.isdigit() or not 1 <= int(day) <= 31:
        return Outcome(note=_("Please type a day of the month, from 1 to 31."))
    ctx.changes.append(("reminder", {"kind": "insurance", "day_of_month": int(day)}))
    return Outcome(goto=REMINDERS, note=_("✅ Saved."))
