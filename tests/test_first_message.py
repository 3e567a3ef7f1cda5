"""Resident first: a typed first message is answered in its language, a chosen language is never switched silently,
and an emergency word on any screen — the emergency screens included — shows 119 and two Korean sentences at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.i18n import ENGLISH_NAMES, KOREAN_NAMES, KOREAN_NAMES_ROMANIZED, LOCALES, translator
from bot.storage.models import message_table, resident_table, ticket_table
from tests.helpers import Chat

#: A worker's first message, as typed, in each locale (and the card it should reach).
FIRST_QUESTIONS = {
    "en": ("My company does not pay my salary", "labor_unpaid_wages"),
    "ko": ("사장님이 월급을 안 줘요", "labor_unpaid_wages"),
    "vi": ("Công ty không trả lương cho tôi", "labor_unpaid_wages"),
    "zh_Hans": ("老板拖欠工资", "labor_unpaid_wages"),
    "id": ("Perusahaan tidak membayar gaji saya", "labor_unpaid_wages"),
    "km": ("ក្រុមហ៊ុនមិនបើកប្រាក់ឈ្នួលឱ្យខ្ញុំ", "labor_unpaid_wages"),
    "ne": ("कम्पनीले मलाई तलब दिएन", "labor_unpaid_wages"),
    "th": ("บริษัทไม่จ่ายค่าจ้างให้ฉัน", "labor_unpaid_wages"),
    "si": ("සමාගම මට වැටුප් ගෙව්වේ නැහැ", "labor_unpaid_wages"),
    "fil": ("Hindi binabayaran ng kumpanya ang sahod ko", "labor_unpaid_wages"),
    "uz_Latn": ("Kompaniya menga ish haqini to'lamayapti", "labor_unpaid_wages"),
}


WELCOME = ("Hello! 👋 I am the chatbot of the Jeollanam-do Foreign Residents Integrated Support Call Center "
           "({phone}).\n\nPlease choose your language.")
NOT_FOUND = ("🔎 I could not find an answer to that. A counselor can help in your language: send a request, or call "
             "{phone}.")
FOUND = "🔎 These pages may answer your question:"
PRIVACY_TITLE_START = "🔒 "


async def stored(app, user: str):
    return await app.db.read(lambda conn: conn.execute(
        select(resident_table).where(resident_table.c.user_key == user)).first())


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_typed_first_message_gets_cards_in_its_language(app, locale):
    question, card = FIRST_QUESTIONS[locale]
    chat = Chat(app.engine, f"first-{locale}", hint=None)  # the messenger gives no language
    reply = await chat.say(question)
    _ = translator(locale)
    assert reply.screen == "search.results", reply.text[:200]
    assert reply.text.startswith(_("🔎 These pages may answer your question:"))
    assert f"card:{card}" in {button.token.split("|", 1)[1] for button in reply.buttons}
    assert _("For answers about your city or county, finish set-up (language, privacy, area).") in reply.text
    assert "search.results|onboard.language" in {button.token for button in reply.buttons}
    row = await stored(app, f"first-{locale}")
    assert (row.locale, row.consent, row.region) == (locale, None, None)  # the language only: nothing personal
    assert await app.db.read(lambda conn: conn.execute(select(message_table)).first()) is None


async def test_the_vietnamese_worker_of_the_issue_gets_vietnamese_cards_from_an_english_phone(app):
    chat = Chat(app.engine, "vi-worker", hint="en")
    reply = await chat.say("Công ty không trả lương cho tôi")
    assert reply.text.startswith(translator("vi")("🔎 These pages may answer your question:"))


async def test_after_a_first_question_set_up_continues_in_that_language(app):
    chat = Chat(app.engine, "setup-th", hint="en")
    await chat.say(FIRST_QUESTIONS["th"][0])
    reply = await chat.press_token("search.results|onboard.language")
    assert reply.screen == "onboard.language"
    reply = await chat.press_token("onboard.language|th")
    assert reply.screen == "onboard.consent" and reply.text.startswith(PRIVACY_TITLE_START)
    assert reply.buttons[0].label == translator("th")("✅ I agree")


async def test_a_greeting_gets_the_welcome_in_its_language(app):
    reply = await Chat(app.engine, "hello-vi", hint=None).say("Xin chào bạn ơi")
    assert reply.screen == "onboard.language"
    assert reply.text == translator("vi")(WELCOME).format(phone="1588-5949")


@pytest.mark.parametrize(("text", "language"), [
    ("ကျွန်တော် ဗီဇာ အကြောင်း မေးချင်ပါတယ်", "Burmese"),
    ("Здравствуйте, мне нужна помощь с визой", "Russian"),
    ("مرحبا، أحتاج مساعدة بخصوص التأشيرة", "Arabic"),
])
async def test_a_language_the_center_does_not_serve_gets_the_picker_in_english_and_korean(app, text, language):
    reply = await Chat(app.engine, f"unserved-{language}", hint=None).say(text)
    assert reply.screen == "onboard.language"
    assert "1345" in reply.text and "Tiếng Việt" in reply.text
    assert translator("ko")("The call center answers in these languages: {languages}. For other languages, the "
                            "Immigration Contact Center 1345 has interpreters for about 20 languages.")[:10] \
        in reply.text
    assert reply.text.index("1345") < reply.text.index(WELCOME[:6])  # the line comes before the welcome


@pytest.mark.parametrize("text", ["🙂🙏", "12345", "?!", "visa"])
async def test_no_language_to_read_falls_back_to_the_hint(app, text):
    reply = await Chat(app.engine, f"nolang-{text}", hint="th").say(text)
    _ = translator("th")
    if reply.screen == "onboard.language":
        assert reply.text == _(WELCOME).format(phone="1588-5949")
    else:
        assert reply.screen == "search.results" and reply.text.startswith((_(FOUND), _(NOT_FOUND)[:10]))


async def test_mixed_language_text_does_not_crash_and_answers(app):
    reply = await Chat(app.engine, "mixed", hint="vi").say("tôi muốn hỏi về 외국인등록증 visa E-9 please")
    assert reply.screen in {"search.results", "onboard.language"}


# -- a chosen language is never switched silently ---------------------------------------------------------------------


async def test_writing_in_another_language_offers_the_switch_in_both(app):
    chat = Chat(app.engine, "switch-user")
    await chat.onboard()  # English
    reply = await chat.say("Công ty không trả lương cho tôi, tôi phải làm gì")
    row = await stored(app, "switch-user")
    assert row.locale == "en"  # not switched
    offer = "You wrote in {language}. Switch to {language}?"
    assert translator("vi")(offer).format(language="Tiếng Việt") in reply.text
    assert offer.format(language="Tiếng Việt") in reply.text
    assert "labor_unpaid_wages" in " ".join(b.token for b in reply.buttons)  # found in the question's language
    reply = await chat.press("🌐 Tiếng Việt")
    assert (await stored(app, "switch-user")).locale == "vi"
    assert reply.text.startswith(translator("vi")("Language changed: {language}").format(language="Tiếng Việt"))


async def test_a_short_word_in_another_language_is_not_offered_a_switch(app):
    chat = Chat(app.engine, "short-word")
    await chat.onboard()
    reply = await chat.say("Salamat")
    assert "Switch to" not in reply.text and (await stored(app, "short-word")).locale == "en"


async def test_no_offer_when_writing_in_the_chosen_language(app):
    chat = Chat(app.engine, "same-lang")
    await chat.onboard("Tiếng Việt")
    reply = await chat.say("Công ty không trả lương cho tôi")
    assert "Switch to" not in reply.text and translator("vi")("You wrote in {language}. Switch to {language}?")[:8] \
        not in reply.text


# -- emergencies without a detour --------------------------------------------------------------------------------


EMERGENCY_SCREENS = ["emergency.main", "emergency.phrases", "menu:emergency", "card:emergency_call_119",
                     "card:emergency_what_to_say", "emergency.nearest", "emergency.urgent_sent"]


@pytest.mark.parametrize("screen", EMERGENCY_SCREENS)
async def test_an_emergency_word_on_an_emergency_screen_shows_the_card_again(app, screen):
    chat = Chat(app.engine, f"em-{screen}", hint="th")
    await chat.onboard("ภาษาไทย")
    await chat.press_token(f"menu.main|{screen}" if screen == "emergency.main" else "menu.main|emergency.main")
    if screen != "emergency.main":
        state = {"screen": screen}
        await app.db.write(lambda conn: conn.exec_driver_sql(
            "UPDATE conversation SET screen = ? WHERE resident_id = "
            "(SELECT id FROM resident WHERE user_key = ?)", (state["screen"], f"em-{screen}")))
    reply = await chat.say("ช่วยด้วย")
    assert reply.screen == "emergency.main"
    assert "119" in reply.text and "구급차를 불러 주세요." in reply.text
    assert translator("th")(NOT_FOUND)[:10] not in reply.text


async def test_an_emergency_word_typed_as_an_urgent_request_sends_it_and_shows_the_card(app):
    chat = Chat(app.engine, "urgent-em")
    await chat.onboard()
    await chat.press_token("menu.main|emergency.main")
    await chat.press_token("emergency.main|emergency.urgent")
    reply = await chat.say("help my friend is bleeding")
    assert reply.screen == "emergency.main" and reply.text.startswith("✅ Your urgent request was sent.")
    request = await app.db.read(lambda conn: conn.execute(select(ticket_table)).one())
    assert request.priority == 10


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_emergency_card_shows_two_korean_sentences_and_how_to_name_the_language(app, locale):
    chat = Chat(app.engine, f"card-{locale}", hint=locale)
    reply = await chat.command("emergency")
    assert reply.screen == "emergency.main"
    text = reply.text
    for korean in ("구급차를 불러 주세요.", "저는 외국인이에요. 통역사를 불러 주세요."):
        assert korean in text
    _ = translator(locale)
    if locale != "ko":
        assert _("I need an ambulance. Please call one.") in text
        assert _("I am a foreigner. Please call an interpreter.") in text
        assert "gugeupchareul bulleo juseyo." in text
    if locale == "ko":  # a Korean speaker needs no interpreter: the name once, in Korean
        assert "“한국어”" in text and "Korean" not in text and "hangugeo" not in text
    else:
        assert ENGLISH_NAMES[locale] in text and KOREAN_NAMES[locale] in text
        assert KOREAN_NAMES_ROMANIZED[locale] in text
    assert text.index("구급차") < text.index("1588-5949")  # before the call center line


@pytest.mark.parametrize("locale", ["ne", "si", "fil", "uz_Latn", "km", "th"])
async def test_the_119_card_names_the_residents_language(app, locale):
    chat = Chat(app.engine, f"c119-{locale}", hint=locale)
    await chat.command("emergency")
    reply = await chat.press_token("emergency.main|card:emergency_call_119")
    assert ENGLISH_NAMES[locale] in reply.text and KOREAN_NAMES[locale] in reply.text
    assert "“Vietnamese”" not in reply.text  # the old example, whatever the resident's language
    assert "{your_language}" not in reply.text


@pytest.mark.parametrize("locale", ["vi", "ne", "si", "uz_Latn", "fil"])
async def test_the_i_speak_phrase_is_filled_in_every_line(app, locale):
    chat = Chat(app.engine, f"speak-{locale}", hint=locale)
    await chat.command("emergency")
    reply = await chat.press_token("emergency.main|emergency.phrases")
    speak = reply.text.split("저는 외국인이에요.")[-1].split("\n\n")[0]
    assert "___" not in speak and KOREAN_NAMES[locale] in speak
    assert KOREAN_NAMES_ROMANIZED[locale] in speak  # the line read aloud
    assert "제 주소는 ___입니다." in reply.text  # other blanks stay blanks for the resident to fill


async def test_korean_phrase_cards_show_each_sentence_once(app):
    chat = Chat(app.engine, "ko-phrases", hint="ko")
    await chat.command("emergency")
    reply = await chat.press_token("emergency.main|emergency.phrases")
    assert reply.text.count("구급차를 불러 주세요.") == 1
    assert "한국어를 할 수 있어요" not in reply.text and "gugeupchareul" not in reply.text


async def test_information_cards_about_119_do_not_say_call(app):
    chat = Chat(app.engine, "about")
    await chat.onboard()
    reply = await chat.press_token("menu.main|emergency.main")
    labels = [button.label for button in reply.buttons]
    assert "ℹ️ About 119" in labels and "Call 119" not in labels
    assert [action.value for action in reply.actions][:2] == ["119", "112"]  # real calls are actions
