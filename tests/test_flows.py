"""Conversation flows through the real engine and a real (temporary) database."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation.messages import BACK_TOKEN, HOME_TOKEN
from bot.i18n import AUTONYMS, translator
from bot.storage.models import message_table, resident_table
from tests.conftest import build_app
from tests.helpers import Chat, offers_way_home


async def resident_row(app, user="u1", channel="test"):
    return await app.db.read(lambda conn: conn.execute(select(resident_table).where(
        resident_table.c.channel == channel, resident_table.c.user_key == user)).first())


async def history_count(app) -> int:
    return await app.db.read(lambda conn: conn.execute(select(func.count()).select_from(message_table)).scalar_one())


async def test_start_new_resident_shows_language_choice(app):
    reply = await Chat(app.engine).command("start")
    assert reply.screen == "onboard.language"
    assert reply.text.startswith("Hello! 👋 I am the chatbot of the Jeollanam-do Foreign Residents")
    labels = [button.label for button in reply.buttons]
    for autonym in ("Tiếng Việt", "ភាសាខ្មែរ", "සිංහල", "नेपाली", "Oʻzbekcha", "ภาษาไทย", "한국어"):
        assert autonym in labels


async def test_start_uses_language_hint_for_new_resident(app):
    reply = await Chat(app.engine, hint="th").command("start")
    th = translator("th")
    expected = th("Hello! 👋 I am the chatbot of the Jeollanam-do Foreign Residents Integrated Support Call Center "
                  "({phone}).\n\nPlease choose your language.").format(phone="1588-5949")
    assert reply.text == expected
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in reply.text)  # written in Thai


async def test_onboarding_saves_language_consent_and_region(app):
    chat = Chat(app.engine)
    await chat.command("start")
    reply = await chat.press("Tiếng Việt")
    assert reply.screen == "onboard.consent"
    assert reply.text == translator("vi")(
        "🔒 Your privacy\n\n"
        "If you agree, we store your language, your city or county, and the messages you write here.\n"
        "Why: to answer in your language, to show information for your area, and so that a counselor can "
        "see your question if you ask for one.\n"
        "How long: until {days} days after your last message. Then everything is deleted automatically.\n"
        "Delete any time: send /delete, or open ⚙️ Settings → 🗑 Delete data.\n\n"
        "If you do not agree, you can still read all the information. We keep only your language and your "
        "place in the menu, so that the bot can work.\n\n"
        "Do you agree?").format(days=365)
    reply = await chat.press(reply.buttons[0].label)
    assert reply.screen == "onboard.region"
    assert len([b for b in reply.buttons if b.token.startswith("onboard.region|")]) == 23  # 22 + outside
    reply = await chat.press_token("onboard.region|wando")
    assert reply.screen == "menu.main"
    row = await resident_row(app)
    assert (row.locale, row.region, row.consent) == ("vi", "wando", "yes")
    assert row.consent_at is not None and row.consent_at.tzinfo is not None


async def test_declining_consent_stores_nothing_personal(app):
    chat = Chat(app.engine)
    await chat.onboard(consent=False)
    assert chat.last.screen == "menu.main"
    assert chat.last.text.startswith("OK. Nothing personal will be stored.")
    await chat.press("🏥 Medical")
    await chat.say("my visa expires next week")
    row = await resident_row(app)
    assert (row.locale, row.region, row.consent, row.consent_at) == ("en", None, "no", None)
    assert await history_count(app) == 0


async def test_consent_keeps_history_and_withdrawing_deletes_it(app):
    chat = Chat(app.engine)
    await chat.onboard()
    await chat.say("I have a question about my visa")
    assert await history_count(app) >= 2
    await chat.press_token("nav|home")
    await chat.press("⚙️ Settings")
    await chat.press("🔒 Privacy")
    reply = await chat.press("❌ Don't store")
    assert reply.screen == "menu.main"
    row = await resident_row(app)
    assert (row.consent, row.region) == ("no", None)
    assert await history_count(app) == 0


async def test_region_without_consent_asks_for_consent_first(app):
    chat = Chat(app.engine)
    await chat.onboard(consent=False)
    await chat.press("⚙️ Settings")
    reply = await chat.press("📍 City/county")
    assert reply.text.startswith("To remember your city or county, I need your consent")
    forged = await chat.press_token("onboard.region|mokpo")
    assert "older menu" in forged.text
    assert (await resident_row(app)).region is None


async def test_every_screen_is_reachable_from_the_main_menu(app):
    chat = Chat(app.engine)
    await chat.onboard()
    seen, queue = set(), [chat.last]
    # breadth-first over every button, replaying the path to each screen from Home
    paths = {"menu.main": []}
    explorers = 0
    while queue:
        reply = queue.pop(0)
        if reply.screen in seen:
            continue
        seen.add(reply.screen)
        for button in reply.buttons:
            if button.token in (BACK_TOKEN, HOME_TOKEN) or button.token.startswith(("privacy.delete|yes",)):
                continue
            explorers += 1
            explorer = Chat(app.engine, user=f"explorer{explorers}")
            await explorer.onboard()
            for token in paths[reply.screen]:
                await explorer.press_token(token)
            nxt = await explorer.press_token(button.token)
            if nxt.screen not in paths:
                paths[nxt.screen] = [*paths[reply.screen], button.token]
                queue.append(nxt)
    typed_only = {"search.results", "wage.result", "wage.hours", "privacy.deleted"}  # reached by typing, tested apart
    typed_only.add("menu:emergency")  # its items are shown on the emergency card (emergency.main)
    typed_only |= {"request.chat", "request.rate"}  # shown when a counselor takes or closes the ticket (test_queue)
    typed_only.add("alerts.hazards")  # offered once subscribed, which changes alerts.main in place (test_alerts)
    assert set(screen_names(app)) - seen - typed_only == set()


async def test_every_screen_but_home_has_back_and_home(app):
    for name in screen_names(app):
        if name in {"menu.main", "privacy.deleted", "request.chat"}:  # the chat screen leaves the menus aside
            continue
        reply = await _render(app, name, "en")
        tokens = [b.token for b in reply.buttons]
        assert BACK_TOKEN in tokens and HOME_TOKEN in tokens, name


def screen_names(app) -> list[str]:
    """Every plain screen, and every member of the screen families (cards, menus, area pickers)."""
    content = app.content.current
    names = [name for name in app.engine.registry.screens if not name.endswith(":*")]
    names += [f"card:{card_id}" for card_id in content.cards] + [f"menu:{menu_id}" for menu_id in content.menus]
    names += ["area:medical.hospitals", "area:emergency.nearest", "area:immigration.office"]
    return names


async def _render(app, screen: str, locale: str, *, consent: str = "yes", region: str | None = "yeongam",
                  busy: bool = False):
    """A screen as a resident sees it; busy: one who set up everything (alerts, reminders, a request in line)."""
    from bot.conversation.screens import Context, Profile
    from bot.storage.types import utcnow
    from scripts.label_report import busy_services

    ctx = Context(translator=translator(locale), profile=Profile(locale, region, consent, utcnow()), data={},
                  content=app.content.current, settings=app.settings, now=utcnow(), channel="test",
                  flows=app.engine.registry.flows)
    if busy:
        ctx.services = busy_services(app.content.current)
    return await app.engine.render(ctx, screen)


async def test_back_returns_to_the_previous_screen_and_home_to_the_menu(app):
    chat = Chat(app.engine)
    await chat.onboard()
    await chat.press("⚙️ Settings")
    await chat.press("🌐 Language")
    reply = await chat.press("◀ Back")
    assert reply.screen == "settings.main"
    reply = await chat.press("◀ Back")
    assert reply.screen == "menu.main"
    await chat.press("❓ Help")
    reply = await chat.press("🏠 Home")
    assert reply.screen == "menu.main"


async def test_changing_language_from_settings_returns_to_settings_in_the_new_language(app):
    chat = Chat(app.engine)
    await chat.onboard()
    await chat.press("⚙️ Settings")
    await chat.press("🌐 Language")
    reply = await chat.press(AUTONYMS["th"])
    th = translator("th")
    assert reply.screen == "settings.main"
    assert reply.text.startswith(th("Language changed: {language}").format(language=AUTONYMS["th"]))
    assert (await resident_row(app)).locale == "th"


async def test_typed_language_name_selects_it(app):
    chat = Chat(app.engine)
    await chat.command("start")
    reply = await chat.say("tieng viet")
    assert reply.screen == "onboard.consent"
    assert (await resident_row(app)).locale == "vi"


async def test_typed_region_name_selects_it(app):
    chat = Chat(app.engine)
    await chat.onboard(region=None)
    reply = await chat.say("영암")
    assert reply.screen == "menu.main"
    assert (await resident_row(app)).region == "yeongam"


async def test_delete_asks_then_removes_everything(app):
    chat = Chat(app.engine)
    await chat.onboard()
    await chat.say("hello")
    reply = await chat.command("delete")
    assert reply.screen == "privacy.delete"
    assert "saved messages" in reply.text
    reply = await chat.press("🗑 Yes, delete")
    assert reply.text.startswith("✅ All your data has been deleted.")
    assert await resident_row(app) is None
    assert await history_count(app) == 0
    reply = await chat.press("Start again")
    assert reply.screen == "onboard.language"


async def test_delete_keep_changes_nothing(app):
    chat = Chat(app.engine)
    await chat.onboard()
    await chat.command("delete")
    reply = await chat.press("Keep my data")
    assert reply.text.startswith("Nothing was deleted.")
    assert (await resident_row(app)).region == "yeongam"


async def test_stale_delete_confirmation_is_refused(app):
    chat = Chat(app.engine)
    await chat.onboard()
    confirm = await chat.command("delete")
    await chat.press("🏠 Home")
    reply = await chat.press_token(confirm.token_for("🗑 Yes, delete"))
    assert "older menu" in reply.text
    assert reply.screen == "menu.main"
    assert await resident_row(app) is not None


async def test_stale_menu_button_still_navigates(app):
    chat = Chat(app.engine)
    menu = await chat.onboard()
    await chat.press("❓ Help")
    reply = await chat.press_token(menu.token_for("🏥 Medical"))
    assert reply.screen == "menu:medical"


async def test_forged_and_unknown_buttons_get_the_current_menu(app):
    chat = Chat(app.engine)
    await chat.onboard()
    for token in ("menu.main|nope", "nosuch.screen|x", "garbage", "|", "nav|", "menu.main|", "a" * 64,
                  "onboard.language|xx", "privacy.delete|yes"):
        reply = await chat.press_token(token)
        assert reply.text.startswith("That button belongs to an older menu."), token
        assert reply.screen == "menu.main"
    assert await resident_row(app) is not None


async def test_free_text_goes_to_the_search_with_a_counselor_offer(app):
    chat = Chat(app.engine)
    await chat.onboard()
    reply = await chat.say("where is the immigration office?")
    assert reply.screen == "search.results"
    assert any(b.token.endswith("|ask") for b in reply.buttons)


async def test_bad_inputs_get_a_clear_answer(app):
    chat = Chat(app.engine)
    await chat.onboard()
    assert (await chat.say("")).text.startswith("Your message was empty.")
    assert (await chat.say("   \n ")).text.startswith("Your message was empty.")
    assert (await chat.say("x" * 10_000)).text.startswith("Your message is very long.")
    assert (await chat.say("😀😀🙏")).text.startswith("🔎 I could not find an answer to that.")
    assert (await chat.media("sticker")).text.startswith("I can't read stickers")
    assert (await chat.location(34.8, 126.6)).text.startswith("🚑 Emergency hospitals near your location.")
    assert (await chat.location(91.0, 200.0)).text.startswith("Thank you for sharing your location.")
    assert (await chat.command("nonsense")).text.startswith("I don't know that command.")
    assert chat.last.screen == "emergency.main"  # still where the shared location took the resident


async def test_start_twice_welcomes_back_without_losing_the_profile(app):
    chat = Chat(app.engine)
    await chat.onboard()
    reply = await chat.command("start")
    assert reply.text.startswith("Welcome back!")
    assert reply.screen == "menu.main"
    row = await resident_row(app)
    assert (row.locale, row.region, row.consent) == ("en", "yeongam", "yes")


async def test_resident_without_language_hint_gets_english(app):
    reply = await Chat(app.engine, hint=None).command("start")
    assert reply.text.startswith("Hello! 👋")
    assert reply.buttons[-1].label == "🏠 Home"


async def test_state_survives_a_new_engine(app, settings):
    chat = Chat(app.engine)
    await chat.onboard()
    await chat.press("⚙️ Settings")
    second = build_app(settings)
    try:
        restarted = Chat(second.engine)
        restarted.last = chat.last
        reply = await restarted.press("◀ Back")
        assert reply.screen == "menu.main"
    finally:
        await second.close()


async def test_every_reply_offers_a_way_home(app):
    chat = Chat(app.engine)
    for step in (chat.command("start"), chat.press("English")):
        assert offers_way_home(await step)


async def test_every_screen_renders_in_every_locale_without_english_left(app):
    from bot.catalogs import load_catalog
    from bot.i18n import LOCALES

    # Names of places and institutions (they carry a "Korean: …" comment) may stay in English inside a sentence.
    english = [m.id for m in load_catalog("en") if m.id and isinstance(m.id, str) and len(m.id.split()) >= 3
               and not any(comment.startswith("Korean:") for comment in m.auto_comments)]
    for locale in LOCALES:
        if locale == "en":
            continue
        for screen in screen_names(app):
            for consent, busy in (("yes", False), ("no", False), ("yes", True)):
                reply = await _render(app, screen, locale, consent=consent, busy=busy)
                shown = reply.text + "\n" + "\n".join(b.label for b in reply.buttons) + "\n" + \
                    "\n".join(a.label for a in reply.actions)
                for sentence in english:
                    for line in sentence.split("\n"):
                        if len(line.split()) >= 3:  # a loanword label such as "🚨 Emergency" may stay
                            assert line not in shown, (locale, screen, line, busy)
                english_text = (await _render(app, screen, "en", consent=consent, busy=busy)).text
                assert reply.text != english_text, (locale, screen)


async def test_every_button_token_is_short_ascii_and_labels_fit_kakao(app):
    from bot.content import kakao_length
    from bot.i18n import LOCALES

    for locale, screen, busy in [(lo, sc, b) for lo in LOCALES for sc in screen_names(app) for b in (False, True)]:
        reply = await _render(app, screen, locale, busy=busy)
        for button in reply.buttons:
            assert button.token.isascii() and len(button.token.encode()) <= 64, button.token
            if screen not in {"onboard.language", "interp.language"}:  # languages are named in themselves
                assert kakao_length(button.label) <= 14, (locale, screen, button.label)
        for action in reply.actions:
            assert kakao_length(action.label) <= 14, (locale, screen, action.label)
