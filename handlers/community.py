"""Community leaders by nationality, and upcoming events."""

from __future__ import annotations

from babel.dates import format_date

from bot.conversation import Context, Router, View
from handlers.common import CALL_CENTER, call_center_action

router = Router("community")

LEADERS, EVENTS = "community.leaders", "community.events"
router.flow("leaders", LEADERS)
router.flow("events", EVENTS)


@router.screen(LEADERS)
def leaders(ctx: Context) -> View:
    """List community leaders by nationality."""
    _ = ctx._
    listed = sorted(ctx.content.leaders, key=lambda leader: leader.nationality)
    if not listed:
        text = _("👥 Community leaders\n\nThe call center appoints community leaders for each nationality. None are "
                 "listed here yet. The call center can put you in touch: {phone}.").format(phone=CALL_CENTER)
        return View(text, actions=[call_center_action(ctx)])
    lines = []
    for leader in listed:
        parts = [_(leader.nationality)]
        if leader.name:
            parts.append(leader.name)
        if leader.region and (region := ctx.content.region(leader.region)):
            parts.append(_(region.name))
        if leader.contact:
            parts.append(leader.contact)
        lines.append("• " + " — ".join(parts))
    text = _("👥 Community leaders") + "\n\n" + "\n".join(lines)
    return View(text, actions=[call_center_action(ctx)])


@router.screen(EVENTS)
def events(ctx: Context) -> View:
    """List upcoming events."""
    _ = ctx._
    today = ctx.now.astimezone(ctx.settings.tz).date()
    upcoming = [event for event in ctx.content.events
                if (event.date is None or event.date >= today)
                and (event.month is None or event.month >= today.strftime("%Y-%m"))]
    if not upcoming:
        text = _("📅 Events\n\nNo upcoming events are listed yet. The call center announces them here and by phone: "
                 "{phone}.").format(phone=CALL_CENTER)
        return View(text, actions=[call_center_action(ctx)])
    lines = []
    for event in sorted(upcoming, key=lambda e: (str(e.date or e.month))):
        when = format_date(event.date, "long", locale=ctx.translator.babel_locale) if event.date else event.month
        line = f"• {_(event.title)} — {when}\n  {_(event.summary)}"
        if event.place:
            line += f"\n  📍 {event.place}"
        lines.append(line)
    return View(_("📅 Events") + "\n\n" + "\n\n".join(lines), actions=[call_center_action(ctx)])
