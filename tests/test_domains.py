"""The domain content and flows through the engine: cards, F-2-R check, wage check, emergency, requests, search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.i18n import AUTONYMS, LOCALES, translator
from bot.storage.models import resident_table, ticket_message_table, ticket_table
from handlers.labor import parse_amount
from tests.helpers import Chat


async def onboarded(app, user="u1", *, locale_label="English", hint="en", region="yeongam", consent=True) -> Chat:
    chat = Chat(app.engine, user, hint=hint)
    await chat.onboard(locale_label, consent=consent, region=region)
    return chat


async def requests_of(app):
    return await app.db.read(lambda conn: [dict(r._mapping) for r in conn.execute(select(ticket_table))])


async def notes_of(app) -> list[str]:
    """What residents wrote into their tickets."""
    return await app.db.read(lambda conn: list(conn.execute(
        select(ticket_message_table.c.body).order_by(ticket_message_table.c.id)).scalars()))


@pytest.mark.parametrize(("label", "menu"), [("🛂 Visa", "immigration"), ("💼 Work", "labor"),
                                             ("🏥 Medical", "medical"), ("🤝 Welfare", "welfare"),
                                             ("🏠 Daily life", "daily")])
async def test_each_domain_menu_opens_sourced_cards(app, label, menu):
    chat = await onboarded(app)
    reply = await chat.press(label)
    assert reply.screen == f"menu:{menu}"
    card_buttons = [b for b in reply.buttons if "|card:" in b.token]
    assert card_buttons, reply
    card = await chat.press_token(card_buttons[0].token)
    assert card.screen.startswith("card:")
    assert "📚 Source:" in card.text and "(checked" in card.text
    assert any(b.token.endswith("|ask") for b in card.buttons)  # ask a counselor, topic carried along


@pytest.mark.parametrize("locale", ["th", "vi", "km", "ko"])
async def test_cards_render_in_the_residents_language(app, locale):
    chat = await onboarded(app, hint=locale, locale_label=AUTONYMS[locale])
    content = app.content.current
    card = content.cards["labor_minimum_wage"]
    reply = await chat.press_token("menu:labor|card:labor_minimum_wage")
    _ = translator(locale)
    assert reply.text.startswith(_(card.title))
    assert _(card.title) != card.title
    assert _("📚 Source: {sources} (checked {date})").split("{")[0] in reply.text


async def test_immigration_cards_say_rules_change_and_offer_a_counselor(app):
    chat = await onboarded(app)
    await chat.press_token("menu:immigration|menu:immigration_visas")
    reply = await chat.press_token("menu:immigration_visas|card:visa_e9")
    assert "Rules change — confirm with 1345 or a counselor" in reply.text
    reply = await chat.press("💬 Counselor")
    assert reply.screen == "request.confirm" and "visa and immigration" in reply.text
    reply = await chat.say("My employer will not sign the workplace change form.")  # typing the question sends it
    assert reply.screen == "request.sent"
    [request] = await requests_of(app)
    assert (request["kind"], request["topic"], request["locale"], request["region"]) == (
        "counselor", "immigration", "en", "yeongam")
    assert request["details"] == {"card": "visa_e9"}
    said = await app.db.read(lambda conn: conn.execute(select(ticket_message_table)).all())
    assert [(m.ticket_id, m.direction, m.body) for m in said] == [
        (request["id"], "resident", "My employer will not sign the workplace change form.")]


async def test_counselor_request_without_consent_asks_and_records_consent(app):
    chat = await onboarded(app, consent=False)
    reply = await chat.press("💬 Counselor")
    assert "By sending it you agree" in reply.text
    await chat.press("✅ Send")
    [request] = await requests_of(app)
    row = await app.db.read(lambda conn: conn.execute(select(resident_table)).first())
    assert row.consent == "yes" and request["topic"] == "general"


async def test_immigration_office_for_the_residents_area(app):
    chat = await onboarded(app, region="yeosu")
    reply = await chat.press_token("menu:immigration|immigration.office")
    office = app.content.current.office_for("yeosu")
    assert office is not None and office.ko in reply.text
    assert "hikorea" in " ".join(a.value for a in reply.actions).lower()


# -- F-2-R ---------------------------------------------------------------------------------------------------

async def f2r(app, visa, region, qualification, korean, *, user="f2r", locale="English", hint="en"):
    chat = Chat(app.engine, user, hint=hint)
    await chat.onboard(locale, region="yeongam")
    await chat.press_token("menu:immigration|f2r.visa")
    await chat.press_token(f"f2r.visa|{visa}")
    await chat.press_token(f"f2r.region|{region}")
    await chat.press_token(f"f2r.qualification|{qualification}")
    return await chat.press_token(f"f2r.korean|{korean}")


def with_programme(app, year_offset=0, counties=("yeongam",), complete=True):
    """Give the content an F-2-R programme for this year (the check reads the current year)."""
    from datetime import datetime

    from bot.content import F2RProgramme

    year = datetime.now(app.settings.tz).year + year_offset
    current = app.content.current
    programme = F2RProgramme(year=year, counties=counties, complete=complete, sources=[{"name": "Test notice"}],
                             checked="2026-12-02")
    others = tuple(p for p in current.f2r.programmes if p.year != year)
    app.content.current = current.model_copy(update={"f2r": current.f2r.model_copy(
        update={"programmes": (*others, programme)})})
    return year


async def test_f2r_likely_eligible_in_a_county_of_this_years_programme(app):
    year = with_programme(app, counties=("yeongam", "haenam"))
    reply = await f2r(app, "E-7-4", "yeongam", "income", "yes")
    assert reply.text.startswith("✅ You are likely eligible for F-2-R.")
    assert f"Yeongam 영암 takes part in the {year} F-2-R programme." in reply.text
    assert "The governor of Jeollanam-do (도지사) gives the recommendation." in reply.text
    assert "the first 2 years in the same county; no change of workplace in the first year" in reply.text
    assert "the visa can be cancelled" in reply.text and "Rules change — confirm with 1345" in reply.text


async def test_f2r_county_not_recruiting_this_year_is_told_so(app):
    year = with_programme(app, counties=("haenam",), complete=True)
    reply = await f2r(app, "E-7-4", "yeongam", "income", "yes")
    assert reply.text.startswith("❌ You are probably not eligible for F-2-R, because:")
    assert f"Your county, Yeongam 영암, is not recruiting for F-2-R in {year}." in reply.text
    assert "Ask the call center (1588-5949)" in reply.text


async def test_f2r_county_of_a_year_not_confirmed_gives_a_maybe(app):
    from datetime import datetime

    current = app.content.current
    year = datetime.now(app.settings.tz).year
    app.content.current = current.model_copy(update={"f2r": current.f2r.model_copy(update={"programmes": tuple(
        p for p in current.f2r.programmes if p.year != year)})})
    reply = await f2r(app, "E-7-4", "gurye", "degree", "yes")
    assert reply.text.startswith("❔ You may be eligible for F-2-R. Please check:")
    assert f"We do not know yet whether Gurye 구례 recruits for F-2-R in {year}" in reply.text


async def test_f2r_income_question_shows_the_jeonnam_amount_korean_style(app):
    chat = Chat(app.engine, "f2r-income", hint="vi")
    await chat.onboard("Tiếng Việt", region="yeongam")
    await chat.press_token("menu:immigration|f2r.visa")
    await chat.press_token("f2r.visa|E-7-4")
    reply = await chat.press_token("f2r.region|yeongam")
    assert "₩29,920,000" in reply.text and "₩29.920.000" not in reply.text


async def test_f2r_odd_answers_are_refused_and_nothing_is_lost(app):
    chat = Chat(app.engine, "f2r-odd")
    await chat.onboard("English", region="yeongam")
    await chat.press_token("menu:immigration|f2r.visa")
    await chat.press_token("f2r.visa|E-7-4")
    for forged in ("f2r.region|seoul", "f2r.region|E-9", "f2r.visa|X-1"):
        reply = await chat.press_token(forged)
        assert reply.screen == "f2r.region", (forged, reply.screen)
        assert "older menu" in reply.text
    await chat.press_token("f2r.region|haenam")
    await chat.press_token("f2r.qualification|income")
    reply = await chat.press_token("f2r.korean|yes")
    assert reply.screen == "f2r.result" and "Some answers are missing" not in reply.text


async def test_f2r_not_eligible_because_e9(app):
    reply = await f2r(app, "E-9", "yeongam", "income", "yes")
    assert reply.text.startswith("❌ You are probably not eligible for F-2-R, because:")
    assert "E-9 holders cannot change to F-2-R." in reply.text


async def test_f2r_not_eligible_because_the_city_is_not_declining(app):
    reply = await f2r(app, "E-7-4", "mokpo", "degree", "yes")
    assert reply.text.startswith("❌")
    assert "Mokpo 목포 is not a population-declining area" in reply.text


async def test_f2r_not_eligible_because_of_the_korean_level(app):
    reply = await f2r(app, "D-10", "haenam", "degree", "no")
    assert reply.text.startswith("❌") and "You need TOPIK level 4 or KIIP level 4." in reply.text


async def test_f2r_unsure_answers_give_a_maybe(app):
    with_programme(app, counties=("wando",))
    reply = await f2r(app, "other", "wando", "unsure", "unsure")
    assert reply.text.startswith("❔")
    assert "Check your income: at least ₩29,920,000 a year." in reply.text


async def test_f2r_result_in_thai(app):
    reply = await f2r(app, "E-9", "mokpo", "neither", "no", user="f2r-th", locale="ภาษาไทย", hint="th")
    _ = translator("th")
    assert reply.text.startswith(_("❌ You are probably not eligible for F-2-R, because:"))
    assert _("⚠️ Rules change — confirm with 1345 or a counselor before you act.") in reply.text


# -- wages ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "amount"), [
    ("10320", 10320), ("10,320", 10320), ("10,320원", 10320), ("₩10,320", 10320), ("10.320", 10320),
    ("2,156,880 won", 2156880), ("215만원", 2150000), ("215만", 2150000), (" 9 500 ", 9500), ("10320.5", 10320.5),
])
def test_parse_amount_reads_what_people_type(typed, amount):
    assert parse_amount(typed) == pytest.approx(amount)


@pytest.mark.parametrize("typed", ["abc", "ten thousand", "-10320", "10,32,0", "", "1e9", "12:30", "10320원 20",
                                   "10320 20"])
def test_parse_amount_refuses_what_is_not_an_amount(typed):
    assert parse_amount(typed) is None


async def wage_chat(app, user="wage", kind="other", **kwargs):
    chat = await onboarded(app, user, **kwargs)
    await chat.press_token("menu:labor|wage.kind")
    await chat.press_token(f"wage.kind|{kind}")
    return chat


def test_won_is_written_korean_style():
    from decimal import Decimal

    from handlers.common import won

    assert won(10320) == "₩10,320"
    assert won(2156880) == "₩2,156,880"
    assert won(Decimal("9568.9")) == "₩9,569"
    assert won(Decimal("0.5")) == "₩1"


@pytest.mark.parametrize("locale", ["vi", "id", "ne", "uz_Latn"])
async def test_wage_amounts_are_korean_style_in_every_language(app, locale):
    chat = await wage_chat(app, f"wage-{locale}", hint=locale, locale_label=AUTONYMS[locale])
    reply = chat.last
    assert "₩10,320" in reply.text and "₩2,156,880" in reply.text, reply.text
    await chat.press_token("wage.mode|wage.hourly")
    reply = await chat.say("9000")
    assert "₩9,000" in reply.text and "₩1,320" in reply.text


async def test_the_wage_check_asks_the_kind_of_work_first(app):
    chat = await onboarded(app)
    reply = await chat.press_token("menu:labor|wage.kind")
    assert reply.screen == "wage.kind"
    assert [b.label for b in reply.buttons][:3] == ["🚢 Ship crew", "🌾 Farm/fish", "🏭 Other job"]


async def test_ship_crew_are_told_the_minimum_wage_act_does_not_apply_and_get_a_counselor(app):
    chat = await wage_chat(app, kind="ship")
    reply = chat.last
    assert reply.screen == "wage.seafarer"
    assert "The Minimum Wage Act does not apply to seafarers under the Seafarers Act" in reply.text
    assert "₩2,694,560 a month in 2026" in reply.text and "this check cannot tell you" in reply.text
    assert not any(b.token.endswith("|wage.mode") for b in reply.buttons)
    await chat.press("💬 Counselor")
    await chat.press("✅ Send")
    [request] = await requests_of(app)
    assert request["topic"] == "labor" and request["details"] == {"card": "wage_check"}
    assert await notes_of(app) == ["kind=ship"]


async def test_farm_work_counts_the_hours_worked_not_209(app):
    chat = await wage_chat(app, kind="farm")
    assert "Labor Standards Act, Article 63" in chat.last.text and "209" not in chat.last.text
    await chat.press("By the month")
    reply = await chat.say("2,000,000")
    assert reply.screen == "wage.hours" and "really work" in reply.text
    assert not any(b.label == "209 hours" for b in reply.buttons)
    stale = await chat.press_token("wage.hours|209")  # the "209 hours" button of other work is refused here
    assert stale.screen == "wage.hours"
    reply = await chat.say("250")
    assert "Your pay is about ₩8,000 an hour." in reply.text
    assert "₩2,320 less each hour, about ₩580,000 less for the 250 hours you worked." in reply.text
    assert "the hourly minimum applies, but not the rules on working hours" in reply.text


async def test_farm_work_paid_by_the_hour_is_compared_hour_by_hour(app):
    chat = await wage_chat(app, kind="farm")
    await chat.press("By the hour")
    reply = await chat.say("10,000")
    assert "₩320 less for each hour you work." in reply.text and "209" not in reply.text


async def test_wage_kind_odd_answers_keep_the_question(app):
    chat = await onboarded(app)
    await chat.press_token("menu:labor|wage.kind")
    reply = await chat.press_token("wage.kind|pilot")
    assert reply.screen == "wage.kind" and "older menu" in reply.text
    reply = await chat.press_token("wage.kind|farm")
    assert reply.screen == "wage.mode"


async def test_hourly_pay_at_the_minimum(app):
    chat = await wage_chat(app)
    await chat.press("By the hour")
    reply = await chat.say("10,320원")
    assert "✅ That is at or above the 2026 minimum wage (₩10,320 an hour)." in reply.text


async def test_monthly_pay_below_the_minimum(app):
    chat = await wage_chat(app)
    await chat.press("By the month")
    await chat.say("2,000,000")
    reply = await chat.press("209 hours")
    assert "Your pay is about ₩9,569 an hour." in reply.text
    assert "❌ That is below the 2026 minimum wage (₩10,320 an hour): ₩751 less each hour" in reply.text


async def test_wage_bad_input_gets_a_clear_answer_and_stays(app):
    chat = await wage_chat(app)
    await chat.press("By the hour")
    for typed, expected in [("abc", "Please type only the number"), ("-5000", "Please type only the number"),
                            ("0", "does not look like hourly pay"), ("0.01", "does not look like hourly pay"),
                            ("99999999999", "does not look like hourly pay")]:
        reply = await chat.say(typed)
        assert reply.text.startswith(expected.split()[0]) or expected in reply.text, (typed, reply.text)
        assert reply.screen == "wage.hourly"
    await chat.press("◀ Back")
    await chat.press("By the month")
    await chat.say("215만")
    reply = await chat.say("800")
    assert "A month has at most 744 hours." in reply.text
    reply = await chat.say("209시간")
    assert "Your pay is about ₩10,287 an hour." in reply.text


# -- emergency -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", [locale for locale in LOCALES])
async def test_emergency_words_open_the_emergency_card_in_every_language(app, locale):
    keywords = app.content.current.emergency_keywords[locale]
    chat = Chat(app.engine, f"sos-{locale}", hint=locale)
    await chat.onboard(AUTONYMS[locale], region="wando")
    await chat.press_token("menu.main|settings.main")
    for word in keywords[:3]:
        reply = await chat.say(word)
        assert reply.screen == "emergency.main", (locale, word)
        await chat.press_token("nav|home")


async def test_emergency_word_inside_a_sentence_and_119_from_deep_in_a_flow(app):
    chat = await onboarded(app)
    await chat.press_token("menu:immigration|f2r.visa")
    assert (await chat.say("119")).screen == "emergency.main"
    await chat.press_token("nav|home")
    assert (await chat.say("help, my friend fell")).screen == "emergency.main"
    await chat.press_token("nav|home")
    assert (await chat.say("my friend fell from the roof and is bleeding")).screen == "emergency.main"
    ko = Chat(app.engine, "sos-ko", hint="ko")
    await ko.command("start")
    await ko.press_token("onboard.language|ko")
    assert (await ko.say("구급차 불러주세요")).screen == "emergency.main"


async def test_emergency_is_one_tap_from_the_main_menu(app):
    chat = await onboarded(app)
    reply = await chat.press("🚨 Emergency")
    assert reply.screen == "emergency.main"
    assert {a.value for a in reply.actions} >= {"119", "112", "1588-5949"}


async def test_industrial_accident_questions_in_indonesian_are_not_emergencies(app):
    chat = Chat(app.engine, "id-kk", hint="id")
    await chat.onboard("Bahasa Indonesia", region="yeongam")
    reply = await chat.say("bagaimana cara klaim asuransi kecelakaan kerja di pabrik")
    assert reply.screen != "emergency.main"
    await chat.press_token("nav|home")
    assert (await chat.say("kecelakaan!")).screen == "emergency.main"


async def test_new_emergency_phrases_are_shown(app):
    chat = await onboarded(app)
    await chat.press_token("menu.main|emergency.main")
    reply = await chat.press_token("emergency.main|emergency.phrases")
    phrases = ("사람이 쓰러졌어요.", "숨을 안 쉬어요.", "배가 너무 아파요.", "저는 임신 중이에요.", "아이가 아파요.")
    for korean in phrases:
        assert korean in reply.text


async def test_weather_cards_are_one_tap_from_the_emergency_menu(app):
    chat = await onboarded(app)
    await chat.press_token("menu.main|emergency.main")
    await chat.press_token("emergency.main|menu:emergency")
    reply = await chat.press_token("menu:emergency|menu:safety")
    assert {b.token for b in reply.buttons} >= {"menu:safety|card:safety_heat", "menu:safety|card:safety_typhoon",
                                                "menu:safety|card:safety_sea"}
    reply = await chat.press_token("menu:safety|card:safety_sea")
    assert "life jacket" in reply.text and "Since 19 October 2025" in reply.text


async def test_cards_show_the_names_from_names_yaml(app):
    chat = await onboarded(app)
    await chat.press_token("menu.main|menu:welfare")
    reply = await chat.press_token("menu:welfare|card:help_call_center")
    assert reply.text.split("\n\n")[1].startswith("Jeonnam Foreign Residents Integrated Support Call Center: 1588-5949")
    assert "{" not in reply.text
    assert "Burmese" in reply.text and "1345" in reply.text


async def test_immigration_office_screen_shows_the_support_center_for_the_area(app):
    chat = await onboarded(app, region="boseong")
    reply = await chat.press_token("menu:immigration|immigration.office")
    assert "Jeonnam Eastern Immigration and Foreigner Support Center (전남 동부 이민외국인 종합지원센터)" in reply.text
    assert "Yeosu Chamber of Commerce" in reply.text


async def test_korean_phrases_show_korean_romanization_and_my_language(app):
    chat = await onboarded(app, hint="vi", locale_label="Tiếng Việt")
    await chat.press_token("menu.main|emergency.main")
    reply = await chat.press_token("emergency.main|emergency.phrases")
    phrases = app.content.current.phrases
    assert len(phrases) >= 5
    for phrase in phrases:
        assert phrase.romanization.replace("___", "beteunameo" if "speak" in phrase.text else "___") in reply.text
        assert translator("vi")(phrase.text).replace(
            "___", "Tiếng Việt" if "speak" in phrase.text else "___") in reply.text
    assert "베트남어" in reply.text  # "I speak …" filled in with Vietnamese, in Korean


async def test_shared_location_gives_the_nearest_emergency_hospitals(app):
    chat = await onboarded(app)
    reply = await chat.location(34.7610, 127.6600)  # Yeosu city centre
    assert reply.screen == "emergency.main"
    yeosu = app.content.current.hospitals_in("yeosu", "emergency_center")
    assert yeosu and all(hospital.ko in reply.text for hospital in yeosu[:3])
    assert reply.text.index(yeosu[0].ko) < reply.text.index("🚨 Emergency")


async def test_location_outside_jeonnam_is_told_so(app):
    chat = await onboarded(app)
    reply = await chat.location(37.5665, 126.9780)  # Seoul
    assert reply.text.startswith("Your location seems to be outside Jeollanam-do.")


async def test_urgent_request_is_recorded_first_in_line(app):
    chat = await onboarded(app)
    await chat.press("🚨 Emergency")
    await chat.press("🆘 Urgent help")
    reply = await chat.press("🆘 Send now")
    assert reply.screen == "emergency.urgent_sent"
    [request] = await requests_of(app)
    assert (request["kind"], request["priority"], request["topic"]) == ("urgent", 10, "emergency")


async def test_hospitals_for_my_area_and_another_area(app):
    chat = await onboarded(app, region="mokpo")
    reply = await chat.press_token("menu.main|emergency.main")
    reply = await chat.press("🏥 Hospitals")
    for hospital in app.content.current.hospitals_in("mokpo", "emergency_center"):
        assert hospital.ko in reply.text
    reply = await chat.press("📍 Other area")
    reply = await chat.press_token("area:emergency.nearest|yeosu")
    assert "Yeosu" in reply.text
    assert (await app.db.read(lambda conn: conn.execute(select(resident_table.c.region)).scalar_one())) == "mokpo"


# -- interpreter supporters ----------------------------------------------------------------------------------

async def test_interpreter_request_form_records_and_confirms(app):
    chat = await onboarded(app, hint="th", locale_label="ภาษาไทย")
    await chat.press_token("menu.main|menu:daily")
    await chat.press_token("menu:daily|menu:community")
    reply = await chat.press_token("menu:community|interp.where")
    assert reply.screen == "interp.where"
    await chat.press_token("interp.where|hospital")
    await chat.say("Monday 10:00")
    await chat.press_token("interp.language|th")
    await chat.say("health check-up")
    reply = await chat.press_token("interp.review|send")
    _ = translator("th")
    confirmation = _("✅ Your interpreter request has been recorded. The call center will contact you here or by "
                     "phone to arrange it. Questions: {phone}.").format(phone="1588-5949")
    assert confirmation.startswith("✅ ") and not confirmation.startswith("✅ Your")
    assert reply.text.startswith(confirmation)
    [request] = await requests_of(app)
    assert request["kind"] == "interpreter"
    assert request["details"] == {"place": "hospital", "when": "Monday 10:00", "language": "th",
                                  "purpose": "health check-up"}


async def test_withdrawing_consent_forgets_requests_too(app):
    chat = await onboarded(app)
    await chat.press("💬 Counselor")
    await chat.press("✅ Send")
    assert len(await requests_of(app)) == 1
    await chat.press_token("nav|home")
    await chat.press("⚙️ Settings")
    await chat.press("🔒 Privacy")
    await chat.press("❌ Don't store")
    [request] = await requests_of(app)  # counted for the center's statistics, but nothing of the resident is left
    assert (request["resident_id"], request["user_key"], request["details"], request["status"]) == (
        None, None, {}, "cancelled")
    assert await notes_of(app) == []


async def test_emergency_words_work_on_input_screens_and_the_typed_text_is_kept(app):
    chat = await onboarded(app)
    await chat.press("💬 Counselor")
    reply = await chat.say("help, my boss hit me and I am bleeding")
    assert reply.screen == "emergency.main"
    [request] = await requests_of(app)  # the question was not lost: it went to the counselors too
    assert await notes_of(app) == ["help, my boss hit me and I am bleeding"]
    await chat.press_token("nav|home")
    await chat.press_token("menu.main|menu:labor")
    await chat.press_token("menu:labor|wage.kind")
    await chat.press_token("wage.kind|other")
    await chat.press_token("wage.mode|wage.hourly")
    assert (await chat.say("ambulance, my hand is cut")).screen == "emergency.main"


async def test_an_urgent_note_with_emergency_words_is_still_recorded(app):
    chat = await onboarded(app)
    await chat.press("🚨 Emergency")
    await chat.press("🆘 Urgent help")
    reply = await chat.say("help, fire in the dormitory")
    assert reply.screen == "emergency.main" and reply.text.startswith("✅ Your urgent request was sent.")
    [request] = await requests_of(app)
    assert request["priority"] == 10 and await notes_of(app) == ["help, fire in the dormitory"]


async def test_a_send_button_pressed_twice_records_one_request(app):
    chat = await onboarded(app)
    confirm = await chat.press("💬 Counselor")
    await chat.press("✅ Send")
    reply = await chat.press_token(confirm.token_for("✅ Send"))
    assert "older menu" in reply.text
    await chat.press_token("nav|home")
    await chat.press("🚨 Emergency")
    urgent = await chat.press("🆘 Urgent help")
    await chat.press("🆘 Send now")
    await chat.press_token(urgent.token_for("🆘 Send now"))
    [request] = await requests_of(app)  # the urgent call-back joined the open request, and made it urgent
    assert (request["kind"], request["priority"]) == ("urgent", 10)


async def test_emergency_words_work_before_onboarding(app):
    reply = await Chat(app.engine, "new-th", hint="th").say("ช่วยด้วย มีคนบาดเจ็บ")
    assert reply.screen == "emergency.main"
    reply = await Chat(app.engine, "new-en", hint=None).say("ambulance please")
    assert reply.screen == "emergency.main"
    reply = await Chat(app.engine, "new-loc").location(34.7610, 127.6600)
    assert reply.text.startswith("🚑 Emergency hospitals near your location.")
    assert (await Chat(app.engine, "new-hi").say("hello")).screen == "onboard.language"


async def test_numbers_in_amounts_and_ordinary_questions_are_not_emergencies(app):
    chat = await wage_chat(app)
    await chat.press("By the month")
    assert (await chat.say("2,112,000")).screen == "wage.hours"
    assert (await chat.say("112")).screen == "wage.result"
    await chat.press_token("nav|home")
    assert (await chat.say("I need help with my visa extension")).screen == "search.results"
    assert (await chat.say("help!")).screen == "emergency.main"


async def test_an_area_looked_up_once_does_not_stick(app):
    chat = await onboarded(app, region="yeongam")
    await chat.press("🚨 Emergency")
    await chat.press("🏥 Hospitals")
    await chat.press("📍 Other area")
    assert "Yeosu" in (await chat.press_token("area:emergency.nearest|yeosu")).text
    await chat.press_token("nav|home")
    await chat.press("🚨 Emergency")
    reply = await chat.press("🏥 Hospitals")
    assert "Yeongam" in reply.text and "Yeosu" not in reply.text


async def test_content_removed_by_a_publish_does_not_break_back(app):
    chat = await onboarded(app)
    await chat.press_token("menu.main|menu:labor")
    await chat.press_token("menu:labor|card:labor_unpaid_wages")
    await chat.press("💬 Counselor")
    current = app.content.current
    cards = {key: card for key, card in current.cards.items() if key != "labor_unpaid_wages"}
    app.content.current = current.model_copy(update={"cards": cards})
    reply = await chat.press_token("nav|back")
    assert reply.screen == "menu:labor"
    app.content.current = current.model_copy(update={"cards": {}, "menus": {}})
    reply = await chat.say("hello")
    assert reply.screen != "onboard.language"  # a known resident is not sent back to the welcome


async def test_interpreter_form_states_what_is_stored_before_the_first_answer(app):
    chat = await onboarded(app, consent=False)
    reply = await chat.press_token("menu.main|menu:daily")
    await chat.press_token("menu:daily|menu:community")
    reply = await chat.press_token("menu:community|interp.where")
    assert "By answering you agree to that." in reply.text
    await chat.press_token("interp.where|office")
    row = await app.db.read(lambda conn: conn.execute(select(resident_table)).first())
    assert row.consent == "yes"


async def test_withdrawing_consent_clears_pending_answers(app):
    chat = await onboarded(app)
    await chat.press_token("menu.main|menu:daily")
    await chat.press_token("menu:daily|menu:community")
    await chat.press_token("menu:community|interp.where")
    await chat.press_token("interp.where|hospital")
    await chat.say("Friday, after my HIV test")
    await chat.command("menu")
    state = await app.db.read(lambda conn: conn.exec_driver_sql("select data from conversation").scalar_one())
    assert "HIV" not in state
