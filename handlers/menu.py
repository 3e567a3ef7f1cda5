"""The main menu, help, and the commands that jump to them."""

from __future__ import annotations

from bot.conversation import Choice, Context, Outcome, Router, View
from handlers.common import CALL_CENTER, call_center_action, region_display

router = Router("menu")

HOME = "menu.main"
HELP = "help.main"


@router.screen(HOME)
def main_menu(ctx: Context) -> View:
    """Show the main menu."""
    _ = ctx._
    text = _("Main menu. What do you need help with?")
    if ctx.profile.region:
        text += "\n" + _("📍 Your area: {region}").format(region=region_display(ctx))
    choices = [
        # TRANSLATORS: main-menu button labels below: at most 14 characters each
        Choice("menu:immigration", _("🛂 Visa")),
        Choice("menu:labor", _("💼 Work")),
        Choice("menu:medical", _("🏥 Medical")),
        Choice("menu:welfare", _("🤝 Welfare")),
        Choice("menu:daily", _("🏠 Daily life")),
        Choice("emergency.main", _("🚨 Emergency")),
        Choice("request.confirm", _("💬 Counselor")),
        Choice("alerts.main", _("🔔 Alerts")),
        Choice("settings.main", _("⚙️ Settings")),
        Choice(HELP, _("❓ Help")),
    ]
    choices = [choice for choice in choices if not choice.key.startswith("menu:") or
               choice.key.removeprefix("menu:") in ctx.content.menus]
    return View(text, choices, columns=2, nav=False)


@router.screen(HELP)
def show_help(ctx: Context) -> View:
    """Explain how to use the bot."""
    _ = ctx._
    text = _(
        "❓ How to use this bot\n\n"
        "• Tap the buttons. ◀ Back goes one step back, 🏠 Home opens the main menu.\n"
        "• Commands: /menu main menu, /language change language, /delete delete your data, /help this help.\n"
        "• Emergency: call 119 (fire, ambulance) or 112 (police).\n\n"
        "Jeollanam-do Foreign Residents Integrated Support Call Center: {phone}, in 10 languages. Open on "
        "weekdays. On Saturdays it is open from 9:00 to 18:00."
    ).format(phone=CALL_CENTER)
    return View(text, actions=[call_center_action(ctx)])


@router.command("start")
async def start(ctx: Context, _args: str) -> Outcome:
    """Start over: a new resident picks a language, a known one gets the main menu."""
    _ = ctx._
    if ctx.profile.locale is None or ctx.profile.consent is None:
        return Outcome(goto="onboard.language", reset=True)
    return Outcome(goto=HOME, reset=True, note=_("Welcome back! 👋"))


@router.command("menu")
async def menu_command(ctx: Context, _args: str) -> Outcome:
    """Open the main menu."""
    return Outcome(goto=HOME, reset=True)


@router.command("help")
async def help_command(ctx: Context, _args: str) -> Outcome:
    """Open the help screen."""
    return Outcome(goto=HELP)


@router.command("language")
async def language_command(ctx: Context, _args: str) -> Outcome:
    """Open the language choice."""
    return Outcome(goto="onboard.language")
