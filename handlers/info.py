"""Domain entries of the main menu. Emergency numbers are real now; the other domains come next."""

from __future__ import annotations

from bot.conversation import Action, Context, Router, View
from handlers.common import CALL_CENTER, FIRE_AMBULANCE, POLICE, call_center_action

router = Router("info")


def _coming_soon(ctx: Context, title: str) -> View:
    _ = ctx._
    text = title + "\n\n" + _(
        "Detailed guidance on this topic is coming soon. Until then, the call center answers your questions "
        "in your language: {phone}."
    ).format(phone=CALL_CENTER)
    return View(text, actions=[call_center_action(ctx)])


@router.screen("info.immigration")
def immigration(ctx: Context) -> View:
    """Show the immigration and visa entry."""
    return _coming_soon(ctx, ctx._("🛂 Visa and immigration"))


@router.screen("info.labor")
def labor(ctx: Context) -> View:
    """Show the work and labor entry."""
    return _coming_soon(ctx, ctx._("💼 Work and labor rights"))


@router.screen("info.medical")
def medical(ctx: Context) -> View:
    """Show the medical entry."""
    return _coming_soon(ctx, ctx._("🏥 Medical care and health insurance"))


@router.screen("info.welfare")
def welfare(ctx: Context) -> View:
    """Show the welfare entry."""
    return _coming_soon(ctx, ctx._("🤝 Welfare and family support"))


@router.screen("info.daily")
def daily_life(ctx: Context) -> View:
    """Show the daily-life entry."""
    return _coming_soon(ctx, ctx._("🏠 Daily life in Korea"))


@router.screen("counselor.main")
def counselor(ctx: Context) -> View:
    """Tell the resident how to reach a counselor today."""
    _ = ctx._
    text = _(
        "💬 Talk to a counselor\n\nChatting with a counselor here is coming soon. Today you can call the call "
        "center: {phone}. Counselors speak Korean, Vietnamese, Chinese, Indonesian, Khmer, Nepali, Thai, "
        "Sinhala, Filipino and Uzbek."
    ).format(phone=CALL_CENTER)
    return View(text, actions=[call_center_action(ctx)])


@router.screen("alerts.main")
def alerts(ctx: Context) -> View:
    """Tell the resident that weather alerts are coming."""
    return _coming_soon(ctx, ctx._("🔔 Weather and disaster alerts for your area"))


@router.screen("emergency.main")
def emergency(ctx: Context) -> View:
    """Show what to do in an emergency."""
    _ = ctx._
    text = _(
        "🚨 Emergency\n\n"
        "• Fire or ambulance: call {fire}.\n"
        "• Police: call {police}.\n"
        "• Both can connect an interpreter: say the name of your language in English or Korean.\n"
        "• Tell them where you are: an address, a building name or a sign nearby.\n\n"
        "For help in your language afterwards, call the call center: {phone}."
    ).format(fire=FIRE_AMBULANCE, police=POLICE, phone=CALL_CENTER)
    actions = [
        # TRANSLATORS: button labels, at most 14 characters
        Action("call", _("🚑 Call 119"), FIRE_AMBULANCE),
        Action("call", _("🚓 Call 112"), POLICE),
        call_center_action(ctx),
    ]
    return View(text, actions=actions)
