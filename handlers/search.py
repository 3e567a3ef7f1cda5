"""Typed questions: the three best-matching cards, or an offer to ask a counselor."""

from __future__ import annotations

from bot.conversation import Choice, Context, Outcome, Router, View
from bot.search import index_for
from bot.text import shorten
from handlers.common import CALL_CENTER, call_center_action
from handlers.requests import ask_counselor

router = Router("search")

RESULTS = "search.results"
MAX_LABEL = 40  # grapheme clusters on a search result's button (the whole title is in the message above)
MIN_SCORE = 0.12  # below this a "match" shares only stray letters with the question (scripts/search_eval.py)


@router.text_fallback
async def search_cards(ctx: Context, text: str) -> Outcome | None:
    """Answer a typed question with matching cards. Only the card ids are kept, never the question."""
    hits = [hit for hit in index_for(ctx.content, ctx.locale, ctx._).search(text) if hit.score >= MIN_SCORE]
    ctx.data["search"] = [hit.card_id for hit in hits]
    return Outcome(goto=RESULTS)


@router.screen(RESULTS)
def results(ctx: Context) -> View:
    """Show the cards that match the question."""
    _ = ctx._
    found = [card_id for card_id in ctx.data.get("search", []) if card_id in ctx.content.cards]
    # TRANSLATORS: button label, at most 14 characters
    ask = Choice("ask", _("💬 Counselor"))
    if not found:
        text = _("🔎 I could not find an answer to that. A counselor can help in your language: send a request, or "
                 "call {phone}.").format(phone=CALL_CENTER)
        return View(text, [ask], actions=[call_center_action(ctx)])
    titles = "\n".join(f"• {_(ctx.content.cards[card_id].title)}" for card_id in found)
    text = _("🔎 These pages may answer your question:") + "\n" + titles + "\n\n" + \
        _("Not what you need? Ask a counselor.")
    choices = [Choice(f"card:{card_id}", shorten(_(ctx.content.cards[card_id].title), MAX_LABEL))
               for card_id in found]
    return View(text, [*choices, ask])


@router.choice(RESULTS)
async def results_choice(ctx: Context, key: str) -> Outcome | None:
    return ask_counselor(ctx, "general") if key == "ask" else None
