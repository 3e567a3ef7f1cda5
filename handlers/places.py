"""Places by area: hospitals, the immigration office, and the area picker they share."""

from __future__ import annotations

import math

from bot.content import Hospital, Office
from bot.conversation import Action, Choice, Context, Outcome, Router, View
from handlers.common import (
    CALL_CENTER,
    call_center_action,
    region_choices,
    region_label,
    served_region,
    with_korean,
)

router = Router("places")

HOSPITALS = "medical.hospitals"
NEAREST = "emergency.nearest"
OFFICE = "immigration.office"
router.flow("find_hospital", HOSPITALS)
router.flow("nearest_hospital", NEAREST)
router.flow("office", OFFICE)
AREA_KEY = "area"


def area(ctx: Context) -> str | None:
    """The area the resident is looking at: one picked just now, else their own city or county."""
    return ctx.data.get(AREA_KEY) or ctx.profile.region


def area_choice(ctx: Context, purpose: str) -> Choice:
    # TRANSLATORS: button label, at most 14 characters
    return Choice(f"area:{purpose}", ctx._("📍 Other area"))


@router.screen("area:*", exists=lambda ctx: ctx.param in (HOSPITALS, NEAREST, OFFICE))
def pick_area(ctx: Context) -> View:
    """Ask which city or county to look at (until the resident goes Home; not in the profile)."""
    return View(ctx._("Which city or county?"), region_choices(ctx), columns=2)


@router.choice("area:*")
async def area_picked(ctx: Context, key: str) -> Outcome | None:
    if served_region(ctx, key) is None:
        return None
    ctx.data[AREA_KEY] = key
    return Outcome(goto=ctx.param)


def hospital_lines(ctx: Context, hospital: Hospital, distance_km: float | None = None) -> str:
    _ = ctx._
    head = f"🏥 {hospital.ko} ({hospital.name})"
    if distance_km is not None:
        shown = f"{distance_km:.0f}" if distance_km >= 10 else f"{distance_km:.1f}"
        head += " — " + _("about {km} km").format(km=shown)
    lines = [head]
    if hospital.address:
        lines.append(f"   {hospital.address}")
    if hospital.phone:
        lines.append(f"   ☎ {hospital.phone}")
    if "safe_hospital" in hospital.kinds:
        lines.append("   " + _("Foreign resident safe hospital: discount for the uninsured, interpretation via {phone}")
                     .format(phone=CALL_CENTER))
    if hospital.certainty == "uncertain":
        lines.append("   " + _("(not confirmed — call before you go)"))
    return "\n".join(lines)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    rlat1, rlat2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    a = math.sin((rlat2 - rlat1) / 2) ** 2 + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def hospitals_view(ctx: Context, purpose: str, kind: str | None) -> View:
    _ = ctx._
    region_id = area(ctx)
    region = ctx.content.region(region_id)
    if region is None:
        text = _("Which city or county are you in? You can also share your location (📎 → Location) to find "
                 "the nearest emergency hospital.")
        return View(text, region_choices(ctx), columns=2, actions=[call_center_action(ctx)])
    found = ctx.content.hospitals_in(region.id, kind)
    title = _("Emergency hospitals in {region}") if kind else _("Hospitals in {region}")
    text = title.format(region=region_label(ctx, region))
    if found:
        text += "\n\n" + "\n\n".join(hospital_lines(ctx, hospital) for hospital in found)
    else:
        text += "\n\n" + _("No hospital is listed for this area yet. Call 119 in an emergency, or the call center "
                           "({phone}) to find one.").format(phone=CALL_CENTER)
    safe = [h for h in ctx.content.hospitals if "safe_hospital" in h.kinds and h not in found]
    if kind is None and safe:
        text += "\n\n" + _("Foreign resident safe hospitals elsewhere in Jeonnam:") + "\n" + \
            "\n".join(hospital_lines(ctx, hospital) for hospital in safe)
    text += "\n\n" + _("Share your location (📎 → Location) to see the nearest ones.")
    actions = [Action("call", _("🚑 Call 119"), "119"), call_center_action(ctx)]
    return View(text, [area_choice(ctx, purpose)], actions=actions)


@router.screen(HOSPITALS)
def find_hospital(ctx: Context) -> View:
    """Show the hospitals listed for the resident's area."""
    return hospitals_view(ctx, HOSPITALS, None)


@router.screen(NEAREST)
def nearest_hospital(ctx: Context) -> View:
    """Show the emergency hospitals for the resident's area."""
    return hospitals_view(ctx, NEAREST, "emergency_center")


async def _pick_area_inline(ctx: Context, key: str) -> Outcome | None:
    if served_region(ctx, key) is None:
        return None
    ctx.data[AREA_KEY] = key
    return Outcome()


router.choice(HOSPITALS)(_pick_area_inline)
router.choice(NEAREST)(_pick_area_inline)


@router.location
async def nearest_to_location(ctx: Context, latitude: float | None, longitude: float | None) -> Outcome | None:
    """Answer a shared location with the nearest emergency hospitals.

    Hospitals with coordinates are ranked by distance; the others are found through the nearest city or county
    (by the approximate position of its hall)."""
    _ = ctx._
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    emergency = [h for h in ctx.content.hospitals if "emergency_center" in h.kinds]
    located = [h for h in emergency if h.lat is not None and h.lon is not None]
    lines: list[str] = []
    if located:
        ranked = sorted(located, key=lambda h: distance_km(latitude, longitude, h.lat, h.lon))[:3]
        lines = [hospital_lines(ctx, h, distance_km(latitude, longitude, h.lat, h.lon)) for h in ranked]
    else:
        regions = sorted((r for r in ctx.content.regions if r.lat is not None and r.lon is not None),
                         key=lambda r: distance_km(latitude, longitude, r.lat, r.lon))
        if not regions or distance_km(latitude, longitude, regions[0].lat, regions[0].lon) > 80:
            return Outcome(goto="emergency.main", note=_(
                "Your location seems to be outside Jeollanam-do. In an emergency call 119."))
        for region in regions:
            found = [h for h in emergency if h.region == region.id]
            if found:
                lines.append(_("Nearest area with an emergency hospital: {region}").format(
                    region=region_label(ctx, region)))
                lines += [hospital_lines(ctx, h) for h in found[:3]]
                break
    if not lines:
        return None
    note = _("🚑 Emergency hospitals near your location. In an emergency call 119 first.") + "\n\n" + \
        "\n\n".join(lines)
    return Outcome(goto="emergency.main", note=note)


def office_lines(ctx: Context, office: Office) -> str:
    _ = ctx._
    lines = [f"🏢 {with_korean(ctx, _(office.name), office.ko)}"]
    if office.summary:
        lines.append(ctx.content.localise(office.summary, _))
    if office.address:
        lines.append(f"📍 {office.address}")
    if office.phone:
        lines.append(f"☎ {office.phone}")
    if office.certainty == "uncertain":
        lines.append(_("(not confirmed — check with 1345 before you go)"))
    return "\n".join(lines)


@router.screen(OFFICE)
def immigration_office(ctx: Context) -> View:
    """Show which immigration office serves the resident's area."""
    _ = ctx._
    region = served_region(ctx, area(ctx))
    if region is None:
        return View(_("Which city or county do you live in?"), region_choices(ctx), columns=2)
    office = ctx.content.office_for(region.id)
    text = _("Immigration office for {region}").format(region=region_label(ctx, region)) + "\n\n"
    text += office_lines(ctx, office) if office else _("Please ask 1345 which office serves your area.")
    text += "\n\n" + _("Book a visit or apply online at HiKorea (www.hikorea.go.kr). Extensions can be booked from "
                       "4 months before your stay expires.")
    center = ctx.content.support_center_for(region.id)
    if center is not None and center.name in ctx.content.names:
        name = ctx.content.names[center.name]
        text += "\n\n" + _("Walk-in help in your language with visas, work and daily life: {center}, {place}. Call "
                           "{phone} first.").format(center=with_korean(ctx, _(name.text), name.ko),
                                                    place=_(center.summary), phone=CALL_CENTER)
    actions = [Action("link", "🔗 HiKorea", "https://www.hikorea.go.kr"), Action("call", _("📞 Call 1345"), "1345")]
    return View(text, [area_choice(ctx, OFFICE)], actions=actions)


router.choice(OFFICE)(_pick_area_inline)
