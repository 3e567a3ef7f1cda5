"""Weather warnings, disaster messages, subscriptions, reminders and broadcasts: the KMA answer parsed (malformed ones
too), each warning sent once per subscriber in their language, sub-zones, quiet hours, reminders on the right days,
and the broadcast command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot import PROJECT_ROOT
from bot.i18n import LOCALES, translator
from bot.services import alerts as alerts_module
from bot.services.alerts import FeedError, alert_text, broadcast_problems, parse_pwn, quiet_hours_end
from bot.storage import alerts as store
from bot.storage.models import feed_payload_table, outbox_table, reminder_table, subscription_table
from bot.storage.types import utcnow
from tests.conftest import build_app, make_settings, shipped_content
from tests.fake_kma import pwn_answer, pwn_item
from tests.helpers import Chat

NAJU, NAJU_SE, MOKPO = "L1052800", "L1052810", "L1052100"
HEAVY_RAIN, HEAT, HIGH_SEAS = 2, 12, 6


# -- parsing --------------------------------------------------------------------------------------------------------


def test_a_kma_answer_is_parsed_into_warnings_for_our_zones():
    content = shipped_content()
    body = json.dumps(pwn_answer([
        pwn_item(NAJU, HEAVY_RAIN, 1, 1, "202607151000", 3, end="202607152100"),
        pwn_item("L1100200", HEAVY_RAIN),  # Seoul: not ours
        pwn_item(MOKPO, HEAT, 0, 2, "202607151600"),
        pwn_item(MOKPO, HEAT, 0, 1, cancel=1),  # a void row
    ]))
    warnings, problems = parse_pwn(body, content)
    assert problems == []
    assert [(w.zone, w.hazard, w.level, w.command) for w in warnings] == [
        (NAJU, "heavy_rain", "warning", "issued"), (MOKPO, "heat", "advisory", "lifted")]
    assert warnings[0].issued_at == datetime(2026, 7, 15, 1, 0, tzinfo=UTC)  # 10:00 in Korea
    assert warnings[0].ends_at == datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("body", ["<html><body>502 Bad Gateway</body></html>", '{"response": {"header": ',
                                  "", '{"response": {"header": {"resultCode": "22", "resultMsg": "LIMITED"}}}',
                                  '{"unexpected": true}', '{"response": {"header": "x"}}',
                                  '{"response": {"header": {"resultCode": "00"}, "body": "x"}}',
                                  '{"response": {"header": {"resultCode": "00"}, "body": {"items": {"item": 5}}}}'])
def test_a_malformed_answer_is_refused_as_a_whole(body):
    with pytest.raises(FeedError):
        parse_pwn(body, shipped_content())


def test_a_change_of_level_is_one_message_not_a_lift_and_rows_come_in_kma_order():
    content = shipped_content()
    upgrade = [pwn_item(NAJU, HEAVY_RAIN, 0, 8, "202607151300", 5),  # 변경해제: the advisory gives way ...
               pwn_item(NAJU, HEAVY_RAIN, 1, 7, "202607151300", 5),  # ... to the warning (변경발표)
               pwn_item(MOKPO, HEAVY_RAIN, 0, 1, "202607151000", 2)]
    warnings, _ = parse_pwn(json.dumps(pwn_answer(upgrade)), content)
    assert [(w.zone, w.level, w.command) for w in warnings] == [(MOKPO, "advisory", "issued"),
                                                                (NAJU, "warning", "changed")]
    alone = [pwn_item(NAJU, HEAVY_RAIN, 1, 8, "202607151300", 5)]  # a change-lift with no change beside it
    assert [w.command for w in parse_pwn(json.dumps(pwn_answer(alone)), content)[0]] == ["lifted"]


def test_bad_items_are_skipped_with_a_reason_and_the_others_kept():
    body = json.dumps(pwn_answer([
        pwn_item("L1059999", HEAVY_RAIN),  # unknown zone in Jeonnam
        pwn_item(NAJU, 99),  # unknown hazard
        pwn_item(NAJU, HEAVY_RAIN, start="202607151000", end="202607140900"),  # ends before it starts
        pwn_item(MOKPO, HEAT),
    ]))
    warnings, problems = parse_pwn(body, shipped_content())
    assert [(w.zone, w.hazard) for w in warnings] == [(MOKPO, "heat")]
    assert len(problems) == 3
    assert any("unknown zone" in p for p in problems) and any("unknown hazard" in p for p in problems)
    assert any("ends before it starts" in p for p in problems)


def test_no_data_is_no_warning():
    assert parse_pwn(json.dumps(pwn_answer([])), shipped_content()) == ([], [])


def test_sub_zones_and_parents_belong_together():
    content = shipped_content()
    assert {NAJU, NAJU_SE} <= set(content.zone_family(NAJU))
    assert NAJU in content.zone_family(NAJU_SE)
    assert MOKPO not in content.zone_family(NAJU)


# -- the messages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_hazard_level_and_command_renders_in_every_locale(locale):
    content = shipped_content()
    _ = translator(locale)
    for hazard in content.hazards.values():
        for level in ("advisory", "warning", "major"):
            for command in ("issued", "lifted", "extended", "changed"):
                row = type("Row", (), {"source": "kma", "details": {}, "hazard": hazard.id, "zone": NAJU,
                                       "level": level, "command": command,
                                       "issued_at": datetime(2026, 7, 15, 1, tzinfo=UTC),
                                       "starts_at": datetime(2026, 7, 15, 1, tzinfo=UTC), "ends_at": None})
                text = alert_text(content, row, locale)["text"]
                assert "나주" in text and _("In danger, call 119.") in text
                assert "{" not in text and "}" not in text
                if command != "lifted":
                    assert all(_(action) in text for action in hazard.actions)


def test_an_advisory_at_night_waits_until_seven_and_not_by_day():
    night = datetime(2026, 7, 15, 14, 30, tzinfo=UTC)  # 23:30 in Korea
    assert quiet_hours_end(night) == datetime(2026, 7, 16, 7, 0, tzinfo=alerts_module.KST)
    assert quiet_hours_end(datetime(2026, 7, 15, 3, 0, tzinfo=UTC)) is None  # noon
    early = datetime(2026, 7, 15, 20, 0, tzinfo=UTC)  # 05:00 in Korea
    assert quiet_hours_end(early) == datetime(2026, 7, 16, 7, 0, tzinfo=alerts_module.KST)


# -- subscriptions through the conversation ---------------------------------------------------------------------------


async def subscriber(app, user: str, *, hint: str = "vi", label: str = "Tiếng Việt", region: str = "naju") -> Chat:
    chat = Chat(app.engine, user, hint=hint)
    await chat.onboard(label, region=region)
    await chat.press_token("menu.main|alerts.main")
    await chat.press_token("alerts.main|subscribe")
    return chat


async def test_subscribing_needs_consent_and_takes_the_residents_area(app):
    chat = Chat(app.engine, "no-consent")
    await chat.onboard(consent=False)
    reply = await chat.press_token("menu.main|alerts.main")
    assert "alerts.main|onboard.consent" in {b.token for b in reply.buttons}
    chat = await subscriber(app, "sub-1")
    sub = await app.db.read(lambda conn: conn.execute(select(subscription_table)).one())
    assert sub.muted == "," and not sub.advisories_wait
    zones = await app.db.read(store.subscription_of, resident_id=sub.resident_id)
    assert zones.zones == (NAJU,)


async def test_subscribing_before_choosing_an_area_asks_for_it_then_finishes_the_subscription(app):
    chat = Chat(app.engine, "no-area", hint="vi")
    await chat.onboard("Tiếng Việt", region=None)
    await chat.press_token("menu.main|alerts.main")
    reply = await chat.press_token("alerts.main|subscribe")
    assert reply.screen == "onboard.region"
    reply = await chat.press_token("onboard.region|naju")
    assert reply.screen == "alerts.main"
    assert translator("vi")("✅ You will get alerts for your area.") in reply.text
    [row] = await app.db.read(lambda conn: conn.execute(select(subscription_table)).all())
    assert (await app.db.read(store.subscription_of, resident_id=row.resident_id)).zones == (NAJU,)


async def test_sea_hazards_night_and_one_tap_unsubscribe(app):
    chat = await subscriber(app, "sub-sea", region="wando")
    await chat.press_token("alerts.main|sea")
    await chat.press_token("alerts.main|alerts.hazards")
    await chat.press_token("alerts.hazards|heat")
    await chat.press_token("nav|back")
    await chat.press_token("alerts.main|night")
    [row] = await app.db.read(lambda conn: conn.execute(select(subscription_table)).all())
    sub = await app.db.read(store.subscription_of, resident_id=row.resident_id)
    wando = app.content.current.region("wando")
    # the near sea off Wando and the far seas beyond it, where its boats go
    assert set(sub.zones) == {wando.kma_zone, wando.sea_zone, "S1322100", "S1322200"}
    assert sub.muted == ("heat",) and sub.advisories_wait
    reply = await chat.press_token("alerts.main|unsubscribe")
    assert await app.db.read(lambda conn: conn.execute(select(subscription_table)).all()) == []
    assert "alerts.main|subscribe" in {b.token for b in reply.buttons}


async def test_deleting_ones_data_removes_alerts_and_reminders(app):
    chat = await subscriber(app, "sub-del")
    await chat.press_token("alerts.main|reminders.main")
    await chat.press_token("reminders.main|reminders.stay")
    await chat.say((date.today() + timedelta(days=200)).isoformat())
    await chat.command("delete")
    await chat.press(chat.last.buttons[0].label)
    assert await app.db.read(lambda conn: conn.execute(select(subscription_table)).all()) == []
    assert await app.db.read(lambda conn: conn.execute(select(reminder_table)).all()) == []


# -- the KMA feed end to end (fake KMA on 127.0.0.1) ----------------------------------------------------------------


@pytest.fixture
async def feed_app(kma, sqlite_url, monkeypatch):
    monkeypatch.setattr(alerts_module, "RETRY_WAITS", (0.01, 0.01))
    app = build_app(make_settings(sqlite_url, KMA_API_KEY="test-key-1234", KMA_API_BASE_URL=kma.kma_url))
    yield app
    await app.close()


async def outbox_alerts(app) -> list:
    return await app.db.read(lambda conn: conn.execute(
        select(outbox_table).where(outbox_table.c.kind == "alert").order_by(outbox_table.c.id)).all())


async def test_a_warning_reaches_each_subscriber_once_in_their_language(feed_app, kma):
    app = feed_app
    vi = await subscriber(app, "naju-vi")
    th = await subscriber(app, "naju-th", hint="th", label="ภาษาไทย", region="naju")
    await subscriber(app, "mokpo-vi", region="mokpo")
    kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1)]
    assert await app.alerts.poll_kma() == 2
    assert await app.alerts.poll_kma() == 0  # the same warning in the next poll: nothing new
    rows = await outbox_alerts(app)
    assert sorted(r.recipient for r in rows) == ["naju-th", "naju-vi"]
    texts = {r.recipient: (await app.alerts.expand(r.payload))["text"] for r in rows}
    assert texts["naju-vi"].startswith("🌧") or "나주" in texts["naju-vi"]
    assert translator("vi")("In danger, call 119.") in texts["naju-vi"]
    assert translator("th")("In danger, call 119.") in texts["naju-th"]
    kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1, command=2, tm_fc="202607151800", seq=2)]  # lifted
    assert await app.alerts.poll_kma() == 2
    lifted = (await outbox_alerts(app))[-1]
    assert (await app.alerts.expand(lifted.payload))["text"].startswith("✅")
    assert vi.user and th.user
    keys = await app.db.read(lambda conn: conn.execute(select(feed_payload_table.c.status)).scalars().all())
    assert keys == ["ok", "ok", "ok"]  # every answer kept for audit


async def test_a_warning_on_naju_reaches_a_sub_zone_subscriber_and_back(feed_app, kma):
    app = feed_app
    chat = await subscriber(app, "naju-se")
    [row] = await app.db.read(lambda conn: conn.execute(select(subscription_table)).all())
    await app.db.write(store.remove_zones, resident_id=row.resident_id, zones_=[NAJU])
    await app.db.write(store.subscribe, resident_id=row.resident_id, channel="test", user_key="naju-se",
                       zones_=[NAJU_SE], now=utcnow())
    kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1)]
    assert await app.alerts.poll_kma() == 1
    assert chat.user == "naju-se"


async def test_a_muted_hazard_and_a_blocked_resident_get_nothing(feed_app, kma):
    app = feed_app
    muted = await subscriber(app, "naju-muted")
    await muted.press_token("alerts.main|alerts.hazards")
    await muted.press_token("alerts.hazards|heavy_rain")
    await subscriber(app, "naju-blocked")
    await app.db.write(lambda conn: conn.exec_driver_sql(
        "UPDATE resident SET unreachable_at = '2026-01-01 00:00:00' WHERE user_key = 'naju-blocked'"))
    kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1)]
    assert await app.alerts.poll_kma() == 0


@pytest.mark.parametrize("fault", ["html", "truncated", "http500", "error-code"])
async def test_a_bad_answer_is_kept_nothing_is_sent_and_the_next_poll_runs(feed_app, kma, fault):
    app = feed_app
    await subscriber(app, "naju-fault")
    kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1)]
    bodies = {"html": (200, "<html>Service unavailable</html>"), "truncated": (200, '{"response": {"hea'),
              "http500": (500, "Internal Server Error"),
              "error-code": (200, '{"response": {"header": {"resultCode": "30", "resultMsg": "KEY_ERROR"}}}')}
    status, body = bodies[fault]
    for _ in range(4):  # every try of this poll fails
        kma.fail_next(body, status=status)
    assert await app.alerts.poll_kma() == 0
    assert await outbox_alerts(app) == []
    kept = await app.db.read(lambda conn: conn.execute(select(feed_payload_table)).all())
    assert kept and all(k.status in {"malformed", "error"} for k in kept)
    if fault in {"html", "truncated", "error-code"}:
        assert any(k.body == body for k in kept)  # the raw answer, for audit
    assert await app.alerts.poll_kma() == 1  # the next poll still runs


async def test_without_a_key_the_feed_stays_off(app, kma):
    assert await app.alerts.poll_kma() == 0
    assert kma.calls == []


async def test_only_one_worker_polls(feed_app, kma, sqlite_url):
    from bot.services.alerts import Alerts

    other = Alerts(db=feed_app.db, settings=feed_app.settings, content=lambda: feed_app.content.current)
    other.holder = "another-worker"
    await feed_app.alerts.poll_kma()
    await other.poll_kma()
    assert len(kma.calls) == 1
    await other.close()


async def test_disaster_messages_are_translated_with_the_korean_original(sqlite_url, kma):
    app = build_app(make_settings(sqlite_url, SAFETY_DATA_API_KEY="mois-key-1234",
                                  SAFETY_DATA_BASE_URL=kma.mois_url))
    try:
        await subscriber(app, "naju-mois")
        await subscriber(app, "seoul-like", region="mokpo")
        kma.disasters = [{"SN": "22001", "CRT_DT": "2026/07/15 14:03:00", "RCPTN_RGN_NM": "전라남도 나주시",
                          "EMRG_STEP_NM": "긴급재난", "DST_SE_NM": "호우",
                          "MSG_CN": "[나주시] 호우경보 발효. 하천 접근 금지, 안전한 곳으로 대피하세요."},
                         {"SN": "22002", "CRT_DT": "2026/07/15 14:05:00", "RCPTN_RGN_NM": "경기도 수원시",
                          "EMRG_STEP_NM": "안전안내", "DST_SE_NM": "기타", "MSG_CN": "다른 지역"}]
        assert await app.alerts.poll_mois() == 1
        assert await app.alerts.poll_mois() == 0
        [row] = await outbox_alerts(app)
        text = (await app.alerts.expand(row.payload))["text"]
        _ = translator("vi")
        assert _("Original message in Korean:") in text and "호우경보 발효" in text
        assert _("Heavy rain") in text
    finally:
        await app.close()


# -- reminders --------------------------------------------------------------------------------------------------------


async def test_stay_reminders_come_4_months_1_month_and_2_weeks_before_and_never_twice(app):
    chat = await subscriber(app, "rem-1")
    await chat.press_token("alerts.main|reminders.main")
    await chat.press_token("reminders.main|reminders.stay")
    end = date.today() + timedelta(days=300)
    reply = await chat.say(end.strftime("%Y.%m.%d"))
    assert reply.screen == "reminders.main"
    sent_on = []
    for days_before in range(200, -1, -1):
        today = end - timedelta(days=days_before)
        if await app.alerts.send_reminders(today):
            sent_on.append(days_before)
        await app.alerts.send_reminders(today)  # a second run the same day sends nothing more
    assert sent_on == [120, 30, 14]
    rows = await app.db.read(lambda conn: conn.execute(
        select(outbox_table).where(outbox_table.c.kind == "reminder")).all())
    assert len(rows) == 3
    assert "card:immigration_extension" in json.dumps(rows[0].payload)


async def test_the_premium_reminder_comes_up_to_3_days_before_also_across_a_month_end_and_once(app):
    chat = await subscriber(app, "rem-ins")
    await chat.press_token("alerts.main|reminders.main")
    await chat.press_token("reminders.main|reminders.insurance")
    assert (await chat.say("32")).text.startswith(translator("vi")("Please type a day of the month, from 1 to 31."))
    await chat.say("1")  # due on the 1st: announced at the end of the month before
    sent_on = []
    for day in range(20, 32):
        today = date(2026, 12, day)
        if await app.alerts.send_reminders(today):
            sent_on.append(day)
        await app.alerts.send_reminders(today)
    for day in range(1, 3):
        if await app.alerts.send_reminders(date(2027, 1, day)):
            sent_on.append(100 + day)
    assert sent_on == [29]  # 3 days before 2027-01-01, once
    [row] = await app.db.read(lambda conn: conn.execute(
        select(outbox_table).where(outbox_table.c.kind == "reminder")).all())
    assert translator("vi")("⏰ Your health insurance premium is due on {date}. Unpaid premiums can block a visa "
                            "extension.").split("{date}")[0] in row.payload["text"]


async def test_after_a_pause_only_the_latest_reminder_goes(app):
    chat = await subscriber(app, "rem-2")
    await chat.press_token("alerts.main|reminders.main")
    await chat.press_token("reminders.main|reminders.stay")
    end = date.today() + timedelta(days=300)
    await chat.say(end.isoformat())
    assert await app.alerts.send_reminders(end - timedelta(days=20)) == 1  # the 1-month one, not the 4-month one
    assert await app.alerts.send_reminders(end - timedelta(days=19)) == 0


@pytest.mark.parametrize("typed", ["2020-01-01", "2199-01-01", "next year", "2027-02-30", "31/12/2027"])
async def test_past_absurd_and_unreadable_dates_are_refused(app, typed):
    chat = await subscriber(app, f"rem-bad-{typed}")
    await chat.press_token("alerts.main|reminders.main")
    await chat.press_token("reminders.main|reminders.stay")
    reply = await chat.say(typed)
    assert reply.screen == "reminders.stay"
    assert await app.db.read(lambda conn: conn.execute(select(reminder_table)).all()) == []


async def test_deleted_reminders_send_nothing(app):
    chat = await subscriber(app, "rem-3")
    await chat.press_token("alerts.main|reminders.main")
    await chat.press_token("reminders.main|reminders.stay")
    end = date.today() + timedelta(days=100)
    await chat.say(end.isoformat())
    await chat.press_token("reminders.main|delete")
    assert await app.alerts.send_reminders(end - timedelta(days=30)) == 0


# -- broadcasts -------------------------------------------------------------------------------------------------------


async def test_far_sea_warnings_reach_crews_and_a_warning_already_over_is_not_sent(feed_app, kma):
    app = feed_app
    crew = await subscriber(app, "wando-crew", region="wando")
    await crew.press_token("alerts.main|sea")
    kma.items = [pwn_item("S1322200", 6, 1, 1, "202607151000", 1),  # high seas warning, far sea off the south coast
                 pwn_item(NAJU, HEAVY_RAIN, 1, 1, "202607150400", 1, end="202607150900")]  # over before it was read
    assert await app.alerts.poll_kma() == 1
    [row] = await outbox_alerts(app)
    assert row.recipient == "wando-crew"


async def test_every_page_of_a_long_answer_is_read(feed_app, kma, monkeypatch):
    app = feed_app
    monkeypatch.setattr(alerts_module, "PAGE_ROWS", 2)
    await subscriber(app, "naju-pages")
    kma.items = [pwn_item(NAJU, hazard, 1, 1, "202607151000", seq) for seq, hazard in enumerate((2, 12, 3), 1)]
    assert await app.alerts.poll_kma() == 3  # two on the first page, the third on the second
    assert [call["pageNo"] for call in kma.calls] == ["1", "2"]


async def test_unsubscribing_drops_alerts_still_waiting_to_be_sent(feed_app, kma):
    app = feed_app
    chat = await subscriber(app, "naju-leaves")
    kma.items = [pwn_item(NAJU, HEAVY_RAIN, 1)]
    assert await app.alerts.poll_kma() == 1
    assert [r.status for r in await outbox_alerts(app)] == ["pending"]  # no sender runs here: still waiting
    await chat.press_token("menu.main|alerts.main")
    await chat.press_token("alerts.main|unsubscribe")
    assert await outbox_alerts(app) == []


def test_broadcast_texts_are_checked_before_anything_is_queued():
    assert broadcast_problems({"en": "Office closed in {area} on Friday.", "ko": "{area} 금요일 휴무"}) == []
    assert broadcast_problems({"en": "x" * 4001})[0].startswith("en: 4001 characters")
    assert "differ" in broadcast_problems({"en": "Closed in {area}.", "vi": "Đóng cửa."})[-1]
    assert "unknown placeholder" in broadcast_problems({"en": "See you on {date}."})[0]
    assert "without a format" in broadcast_problems({"en": "Closed in {area:>9}."})[0]
    # the other languages get English and Korean together: that too must fit one message
    assert "together" in broadcast_problems({"en": "e" * 2500, "ko": "k" * 2500})[0]
    row = SimpleNamespace(texts={"en": "Bring {{your card}} to {area}."})
    assert alerts_module.broadcast_text(row, "en", "Mokpo")["text"].endswith("Bring {your card} to Mokpo.")


def _cli(*args, database_url, stdin="") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": ""}
    return subprocess.run([sys.executable, "-m", "bot", "broadcast", *args], input=stdin, capture_output=True,
                          text=True, cwd=PROJECT_ROOT, env=env, timeout=120)


async def test_the_broadcast_command_previews_counts_confirms_and_reports(app, settings):
    await subscriber(app, "bc-vi")
    await subscriber(app, "bc-th", hint="th", label="ภาษาไทย", region="mokpo")
    url = settings.database_url
    dry = _cli("send", "--title", "Office closed", "--text", "en=The office in {area} is closed on Friday.",
               "--text", "vi=Văn phòng ở {area} đóng cửa thứ Sáu.", "--dry-run", database_url=url)
    assert dry.returncode == 0, dry.stderr
    assert "2 recipient(s) in all." in dry.stdout and "sent in English and Korean" in dry.stdout
    assert "Dry run" in dry.stdout
    refused = _cli("send", "--title", "x", "--text", "en=Closed in {area}.", "--text", "vi=Đóng cửa.", "--yes",
                   database_url=url)
    assert refused.returncode == 2 and "differ" in refused.stderr
    no = _cli("send", "--title", "Office closed", "--text", "en=Closed on Friday.", database_url=url, stdin="n\n")
    assert no.returncode == 1 and "nothing was queued" in no.stdout
    sent = _cli("send", "--title", "Office closed", "--text", "en=The office in {area} is closed on Friday.",
                "--text", "vi=Văn phòng ở {area} đóng cửa thứ Sáu.", "--yes", database_url=url)
    assert sent.returncode == 0 and "Queued broadcast 1 for 2 recipient(s)" in sent.stdout
    rows = await app.db.read(lambda conn: conn.execute(
        select(outbox_table).where(outbox_table.c.batch == "broadcast:1")).all())
    texts = {r.recipient: (await app.alerts.expand(r.payload))["text"] for r in rows}
    assert "Văn phòng ở Naju (나주시) đóng cửa thứ Sáu." in texts["bc-vi"]
    assert "The office in" in texts["bc-th"] and "{area}" not in texts["bc-th"]
    status = _cli("status", "1", database_url=url)
    assert "Office closed" in status.stdout and "waiting 2" in status.stdout


async def test_a_broadcast_to_an_area_and_a_language(app, settings):
    await subscriber(app, "bc2-vi")
    await subscriber(app, "bc2-th", hint="th", label="ภาษาไทย")
    await subscriber(app, "bc2-mokpo", region="mokpo")
    out = _cli("send", "--title", "t", "--text", "en=Hello", "--areas", "naju", "--languages", "vi", "--dry-run",
               database_url=settings.database_url)
    assert "1 recipient(s) in all." in out.stdout
    bad = _cli("send", "--title", "t", "--text", "en=Hello", "--areas", "seoul", "--dry-run",
               database_url=settings.database_url)
    assert bad.returncode == 2 and "Unknown city or county 'seoul'" in bad.stderr

