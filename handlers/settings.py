"""Settings: language, city or county, privacy choice, and deleting one's data."""

from __future__ import annotations

from babel.dates import format_date

from bot.conversation import Choice, Context, Outcome, Router, View
from handlers.common import language_display, region_display

router = Router("settings")

SETTINGS = "settings.main"
DELETE = "privacy.delete"
DELETED = "privacy.deleted"


def _consent_display(ctx: Context) -> str:
    _ = ctx._
    if ctx.profile.consented and ctx.profile.consent_at is not None:
        day = format_date(ctx.profile.consent_at.astimezone(ctx.settings.tz).date(), "medium",
                          locale=ctx.translator.babel_locale)
        return _("you agreed on {date}").format(date=day)
    return _("nothing personal is stored")


@router.screen(SETTINGS)
def show_settings(ctx: Context) -> View:
    """Show the resident's settings and what can be changed."""
    _ = ctx._
    text = _("⚙️ Settings\n\nLanguage: {language}\nCity or county: {region}\nPrivacy: {consent}").format(
        language=language_display(ctx), region=region_display(ctx), consent=_consent_display(ctx)
    )
    choices = [
        # TRANSLATORS: settings button labels: at most 14 characters each
        Choice("onboard.language", _("🌐 Language")),
        Choice("onboard.region", _("📍 City/county")),
        Choice("onboard.consent", _("🔒 Privacy")),
        Choice(DELETE, _("🗑 Delete data")),
    ]
    return View(text, choices, columns=2)


@router.screen(DELETE, replayable=False)
async def confirm_delete(ctx: Context) -> View:
    """Ask the resident to confirm deleting everything stored about them."""
    _ = ctx._
    count = await ctx.services.history_count()
    text = _("🗑 Delete my data") + "\n\n" + ctx.translator.ngettext(
        "This deletes your language, your city or county, your privacy choice and {count} saved message. "
        "It cannot be undone.",
        "This deletes your language, your city or county, your privacy choice and {count} saved messages. "
        "It cannot be undone.",
        count,
    ).format(count=count)
    return View(text, [
        # TRANSLATORS: button labels, at most 14 characters
        Choice("yes", _("🗑 Yes, delete")),
        Choice("no", _("Keep my data")),
    ], columns=2)


@router.choice(DELETE)
async def delete_data(ctx: Context, key: str) -> Outcome | None:
    """Delete everything, or keep it."""
    if key == "yes":
        ctx.forget_everything = True
        return Outcome(goto=DELETED, reset=True)
    if key == "no":
        return Outcome(back=True, note=ctx._("Nothing was deleted."))
    return None


@router.screen(DELETED)
def data_deleted(ctx: Context) -> View:
    """Confirm that everything was deleted."""
    _ = ctx._
    text = _("✅ All your data has been deleted. Thank you for using the bot.\nSend any message to start again.")
    # TRANSLATORS: button label, at most 14 characters
    return View(text, [Choice("again", _("Start again"))], nav=False)


@router.choice(DELETED)
async def start_again(ctx: Context, key: str) -> Outcome | None:
    """Start from the welcome screen."""
    return Outcome(goto="onboard.language", reset=True) if key == "again" else None


@router.command("delete")
async def delete_command(ctx: Context, _args: str) -> Outcome:
    """Ask to confirm deleting the resident's data."""
    return Outcome(goto=DELETE)
