"""Main-menu entries whose service comes with a later release: weather and disaster alerts."""

from __future__ import annotations

from bot.conversation import Context, Router, View
from handlers.common import CALL_CENTER, call_center_action

router = Router("info")


def _coming_soon(ctx: Context, title: str) -> View:
    _ = ctx._
    text = title + "\n\n" + _(
        "Detailed guidance on this topic is coming soon. Until then, the call center answers your questions "
        "in your language: {phone}."
    ).format(phone=CALL_CENTER)
    return View(text, actions=[call_center_action(ctx)])


@router.screen("alerts.main")
def alerts(ctx: Context) -> View:
    """Tell the resident that weather alerts are coming."""
    return _coming_soon(ctx, ctx._("🔔 Weather and disaster alerts for your area"))
