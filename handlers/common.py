"""Pieces several domains share: hotline numbers, region labels, the call-center action."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.content import Region
from bot.conversation import Action, Choice, Context
from bot.i18n import AUTONYMS
from bot.services import names

CALL_CENTER = "1588-5949"  # Jeonnam Foreign Residents Integrated Support Call Center (jeonnam-facts.md ✅)
FIRE_AMBULANCE = "119"
POLICE = "112"
OUTSIDE_JEONNAM = "outside"


def won(amount: Decimal | int | float) -> str:
    """An amount of won written the Korean way in every language: ₩10,320 and ₩2,156,880.

    Residents compare it with a Korean pay slip, so it never follows the locale (Vietnamese ₩10.320 would read as
    10.32 next to a card's ₩10,320, Nepali groups ₩21,56,880)."""
    whole = Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{'-' if whole < 0 else ''}₩{abs(int(whole)):,}"


def call_center_action(ctx: Context) -> Action:
    _ = ctx._
    # TRANSLATORS: button that dials the call center; at most 14 characters
    return Action("call", _("📞 Call center"), CALL_CENTER)


def with_korean(ctx: Context, name: str, korean: str) -> str:
    """A name in the resident's language with its Korean name, as shown at the office: "X (한국어)"; once for Korean."""
    return names.with_korean(ctx.locale, name, korean)


def region_label(ctx: Context, region: Region) -> str:
    """The region in the resident's script with its Korean name (without 시/군, so a button stays ≤ 14 characters)."""
    if ctx.locale == "ko":
        return region.ko
    return f"{ctx._(region.name)} {region.ko.removesuffix('시').removesuffix('군')}"


def region_choices(ctx: Context, *, first: str | None = None) -> list[Choice]:
    """The served cities and counties as buttons (keys are region ids); `first` moves one region to the top."""
    regions = sorted(ctx.content.served_regions, key=lambda region: region.id != first)
    return [Choice(region.id, region_label(ctx, region)) for region in regions]


def served_region(ctx: Context, region_id: str | None) -> Region | None:
    """The region with this id if residents may choose it (a served city or county), else None."""
    region = ctx.content.region(region_id)
    return region if region is not None and region.served else None


def region_display(ctx: Context) -> str:
    _ = ctx._
    region = ctx.content.region(ctx.profile.region)
    if region is not None:
        return region_label(ctx, region)
    if ctx.profile.region == OUTSIDE_JEONNAM:
        return _("outside Jeollanam-do")
    return _("not chosen")


def language_display(ctx: Context) -> str:
    return AUTONYMS[ctx.locale]
