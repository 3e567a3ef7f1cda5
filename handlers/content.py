"""Content menus and info cards from data/: `menu:<id>` and `card:<id>` screens."""

from __future__ import annotations

from babel.dates import format_date

from bot.content import Card, Menu
from bot.conversation import Action, Choice, Context, Outcome, Router, View
from bot.i18n import language_to_say
from handlers.common import CALL_CENTER
from handlers.requests import ask_counselor

router = Router("content")

ASK_COUNSELOR = "ask"


def menu_key(kind: str, target: str, ctx: Context) -> str:
    """The screen a menu item opens."""
    if kind == "flow":
        return ctx.flows.get(target, "")
    return f"{kind}:{target}"


@router.screen("menu:*", exists=lambda ctx: ctx.param in ctx.content.menus)
def show_menu(ctx: Context) -> View | None:
    """Show a content menu."""
    menu: Menu | None = ctx.content.menus.get(ctx.param)
    if menu is None:
        return None
    _ = ctx._
    fill = ctx.content.localise
    text = fill(menu.title, _) + (f"\n\n{fill(menu.intro, _)}" if menu.intro else "")
    choices = [Choice(menu_key(*item.target, ctx), _(item.label)) for item in menu.items]
    return View(text, [choice for choice in choices if choice.key], columns=2)


def source_title(name: str) -> str:
    """Who published a source, without the note of what it says (written in English, for the editors):
    "Seoul Shinmun, 30 December 2025 — main center in …" → "Seoul Shinmun, 30 December 2025"."""
    cut = min((at for at in (name.find(" — "), name.find(": ")) if at > 0), default=len(name))
    return name[:cut].strip()


def source_lines(ctx: Context, card: Card) -> str:
    _ = ctx._
    day = format_date(card.checked, "medium", locale=ctx.translator.babel_locale)
    names = "; ".join(dict.fromkeys(source_title(source.name) for source in card.sources))
    return _("📚 Source: {sources} (checked {date})").format(sources=names, date=day)


def localise(ctx: Context, text: str) -> str:
    """A content text translated, with the names of data/names.yaml and the resident's own placeholders filled."""
    return ctx.content.localise(text, ctx._).replace("{your_language}", language_to_say(ctx.locale))


def card_text(ctx: Context, card: Card) -> str:
    _ = ctx._
    parts = [localise(ctx, text) for text in (card.title, *card.body)]
    if card.certainty == "uncertain":
        parts.append(_("⚠️ Some of this comes from a single or unofficial source. Please confirm with the call "
                       "center ({phone}).").format(phone=CALL_CENTER))
    if card.confirm_note:
        parts.append(_("⚠️ Rules change — confirm with 1345 or a counselor before you act."))
    parts.append(source_lines(ctx, card))
    return "\n\n".join(parts)


@router.screen("card:*", exists=lambda ctx: ctx.param in ctx.content.cards)
def show_card(ctx: Context) -> View | None:
    """Show an info card with its sources and actions."""
    card: Card | None = ctx.content.cards.get(ctx.param)
    if card is None:
        return None
    _ = ctx._
    actions, choices = [], []
    for action in card.actions:
        if action.call:
            actions.append(Action("call", _(action.label), action.call))
        elif action.link:
            actions.append(Action("link", _(action.label), action.link))
        else:
            # TRANSLATORS: button label, at most 14 characters
            choices.append(Choice(ASK_COUNSELOR, _("💬 Counselor")))
    return View(card_text(ctx, card), choices, actions=actions)


@router.choice("card:*")
async def card_choice(ctx: Context, key: str) -> Outcome | None:
    """Ask a counselor about this card's topic."""
    card = ctx.content.cards.get(ctx.param)
    if card is None or key != ASK_COUNSELOR:
        return None
    topic = next((action.counselor for action in card.actions if action.counselor), "general")
    return ask_counselor(ctx, topic, card=card.id)
