"""Content in data/: schema errors name the file, line and reason; the bot keeps the last good content."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from bot import DATA_DIR, PROJECT_ROOT
from bot.content import ContentError, ContentStore, kakao_length, load_content, publish
from bot.content.check import check_content, source_date_problems
from handlers import build_registry

FLOWS = build_registry().flows


@pytest.fixture
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.sqlite3*", ".published"))
    return target


def test_the_shipped_content_loads_and_every_card_is_sourced_and_dated():
    content = load_content(flows=FLOWS)
    assert len(content.regions) == 22
    assert {"immigration", "labor", "medical", "welfare", "daily", "emergency"} <= set(content.menus)
    for card in content.cards.values():
        assert card.sources and all(source.name for source in card.sources)
        assert card.newest_source is not None or card.certainty == "uncertain", card.id
        assert source_date_problems(card) == [], card.id
    served = [region for office in content.offices for region in office.serves]
    assert sorted(served) == sorted(region.id for region in content.regions)
    assert any("safe_hospital" in hospital.kinds for hospital in content.hospitals)
    assert set(content.emergency_keywords) >= {"en", "ko", "vi", "zh_Hans", "id", "km", "ne", "th", "si", "fil",
                                               "uz_Latn"}


def test_content_check_command_passes_on_the_shipped_content():
    result = subprocess.run([sys.executable, "-m", "bot", "content", "check"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "TELEGRAM_BOT_TOKEN": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith("OK:")


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_a_card_without_sources_is_reported_with_file_and_line(data_copy):
    write(data_copy / "cards" / "zz_bad.yaml", "cards:\n  - id: zz_bad\n    title: A bad card\n"
          "    body: [Some text.]\n    checked: 2026-11-22\n")
    with pytest.raises(ContentError) as error:
        load_content(data_copy, flows=FLOWS)
    assert "cards/zz_bad.yaml:2: cards.0.sources: Field required" in str(error.value)


def test_broken_yaml_is_reported_with_its_line(data_copy):
    write(data_copy / "cards" / "zz_broken.yaml", "cards:\n  - id: x\n    title: [unclosed\n")
    with pytest.raises(ContentError) as error:
        load_content(data_copy, flows=FLOWS)
    assert "cards/zz_broken.yaml:4: not valid YAML" in str(error.value)


def test_a_long_label_and_a_missing_target_are_reported(data_copy):
    write(data_copy / "menus_zz.yaml", "menus:\n  - id: zz_menu\n    title: Test\n    items:\n"
          "      - {card: no_such_card, label: Fine}\n      - {flow: f2r_check, label: This label is far too long}\n"
          "      - {flow: no_such_flow, label: Flow}\n")
    with pytest.raises(ContentError) as error:
        load_content(data_copy, flows=FLOWS)
    problems = str(error.value)
    assert "menus_zz.yaml:5: menus.0.items.0.card: no card 'no_such_card'" in problems
    assert "menus_zz.yaml:6: menus.0.items.1.label: label 'This label is far too long' is 26 characters" in problems
    assert "menus_zz.yaml:7: menus.0.items.2.flow: no flow 'no_such_flow'" in problems


def test_an_invented_looking_phone_number_is_refused(data_copy):
    write(data_copy / "cards" / "zz_phone.yaml", "cards:\n  - id: zz_phone\n    title: Phone card\n"
          "    body: [Text.]\n    sources: [{name: Somewhere}]\n    checked: 2026-11-22\n"
          "    actions: [{call: 'call me', label: Call}]\n")
    with pytest.raises(ContentError, match=r"zz_phone.yaml:7: cards.0.actions.0.call"):
        load_content(data_copy, flows=FLOWS)


def test_publishing_bad_content_keeps_the_last_good_content(data_copy):
    store = ContentStore(data_copy, flows=FLOWS)
    good = store.current
    card = next(iter(good.cards.values()))
    path = next(p for p in (data_copy / "cards").glob("*.yaml") if f"id: {card.id}" in p.read_text())
    text = path.read_text()
    write(path, text.replace(card.title, card.title + " (new)", 1))
    time.sleep(0.01)
    publish(data_copy, flows=FLOWS)
    assert store.refresh() is True
    assert store.current.cards[card.id].title == card.title + " (new)"
    write(path, "cards: [oops")  # an operator's half-saved file
    (data_copy / ".published").touch()
    os.utime(data_copy / ".published", (time.time() + 5, time.time() + 5))
    assert store.refresh() is False
    assert store.current.cards[card.id].title == card.title + " (new)"
    with pytest.raises(ContentError):
        publish(data_copy, flows=FLOWS)


def test_unpublished_edits_are_not_served(data_copy):
    store = ContentStore(data_copy, flows=FLOWS)
    write(data_copy / "cards" / "zz_new.yaml", "cards: []\n")
    assert store.refresh() is False


def test_ids_too_long_for_a_telegram_button_are_refused(data_copy):
    write(data_copy / "menus_zz.yaml", "menus:\n  - id: a_very_long_menu_identifier_here\n    title: Test\n    items:\n"
          "      - {card: emergency_interpreter_supporters, label: Fine}\n")
    with pytest.raises(ContentError, match=r"menus_zz.yaml:5: .*ids too long for a button \(75 bytes, at most 64\)"):
        load_content(data_copy, flows=FLOWS)


def card_yaml(card_id: str, *, sources: str, checked: str = "2026-11-22", extra: str = "") -> str:
    return (f"cards:\n  - id: {card_id}\n    title: A test card\n    body: [Some text.]\n    sources:\n{sources}"
            f"    checked: {checked}\n{extra}")


def test_a_card_whose_sources_are_older_than_its_claims_is_flagged(data_copy):
    write(data_copy / "cards" / "zz_old.yaml", card_yaml(
        "zz_old", sources="      - {name: Old news, date: 2009-12}\n", checked="2010-01-05",
        extra="    as_of: 2025-07-02\n"))
    content = load_content(data_copy, flows=FLOWS)
    report = check_content(content, today=date(2026, 12, 2))
    assert ("card zz_old: its sources (newest 2009-12-31) are older than its claims (as of 2025-07-02): find a "
            "source of that date or later") in report.errors


def test_a_check_date_not_backed_by_a_source_of_that_date_is_flagged(data_copy):
    write(data_copy / "cards" / "zz_blanket.yaml", card_yaml(
        "zz_blanket", sources="      - {name: Joeun News, date: 2009-12}\n", checked="2026-11-22"))
    report = check_content(load_content(data_copy, flows=FLOWS), today=date(2026, 12, 2))
    assert any(error.startswith("card zz_blanket: checked 2026-11-22, but its newest source is from 2009-12-31")
               for error in report.errors)


def test_a_confirmed_card_without_a_dated_source_is_an_error_and_an_uncertain_one_a_warning(data_copy):
    write(data_copy / "cards" / "zz_undated.yaml", card_yaml("zz_undated", sources="      - {name: Some page}\n")
          + "  - id: zz_unsure\n    title: Another card\n    body: [Text.]\n    sources: [{name: Some page}]\n"
            "    checked: 2026-11-22\n    certainty: uncertain\n")
    report = check_content(load_content(data_copy, flows=FLOWS), today=date(2026, 12, 2))
    assert "card zz_undated: no source has a date" in report.errors
    assert not any("zz_unsure" in error for error in report.errors)
    assert any(warning.startswith("card zz_unsure: no source has a date") for warning in report.warnings)


def test_a_source_dated_after_the_check_is_flagged(data_copy):
    write(data_copy / "cards" / "zz_future.yaml", card_yaml(
        "zz_future", sources="      - {name: Later news, date: 2026-03-01}\n", checked="2026-02-01"))
    report = check_content(load_content(data_copy, flows=FLOWS), today=date(2026, 12, 2))
    assert "card zz_future: source 'Later news' is dated 2026-03-01, after the check date 2026-02-01" in report.errors


@pytest.mark.parametrize(("label", "length"), [
    ("📞 Call 1345", 12),  # the telephone emoji is outside the BMP: 2 UTF-16 code units
    ("ค่าจ้าง", 7),  # Thai vowel and tone marks count
    ("ខ្ញុំ", 5),  # Khmer coeng and vowel signs count
    ("⚠️ Note", 7),  # the variation selector counts
    ("Wage check", 10),
])
def test_labels_are_counted_as_kakaotalk_counts_them(label, length):
    assert kakao_length(label) == length


def test_a_label_that_fits_only_without_its_marks_is_refused(data_copy):
    label = "ค่าจ้างขั้นต่ำ"  # 9 base letters, 14 code points with the marks: fits; one more mark does not
    write(data_copy / "menus_zz.yaml", "menus:\n  - id: zz_menu\n    title: Test\n    items:\n"
          f"      - {{card: emergency_after, label: \"{label}\"}}\n"
          f"      - {{card: emergency_after, label: \"📞 {label[:12]}\"}}\n")
    with pytest.raises(ContentError) as error:
        load_content(data_copy, flows=FLOWS)
    problems = str(error.value)
    assert "menus_zz.yaml:5" not in problems
    assert "menus_zz.yaml:6: menus.0.items.1.label: label" in problems and "15 characters as KakaoTalk" in problems


def test_an_unknown_name_placeholder_is_reported(data_copy):
    write(data_copy / "cards" / "zz_name.yaml", card_yaml(
        "zz_name", sources="      - {name: News, date: 2026-11}\n").replace("[Some text.]", "['Call {call_centre}.']"))
    with pytest.raises(ContentError, match=r"cards/zz_name.yaml:\d+: cards.0.body: \{call_centre\} is not a name"):
        load_content(data_copy, flows=FLOWS)


def test_names_are_filled_in_and_a_rename_is_one_edit(data_copy):
    names = data_copy / "names.yaml"
    write(names, names.read_text(encoding="utf-8").replace(
        "text: Jeonnam Foreign Residents Integrated Support Call Center",
        "text: Jeonnam-Gwangju Foreign Residents Call Center"))
    content = load_content(data_copy, flows=FLOWS)
    card = content.cards["help_call_center"]
    assert "{call_center}" in card.body[0]
    shown = content.localise(card.body[0], lambda text: text)
    assert shown.startswith("Jeonnam-Gwangju Foreign Residents Call Center: 1588-5949.")


def test_regions_not_served_are_kept_out_of_offices_and_centers(data_copy):
    regions = data_copy / "regions.yaml"
    district = ("  - {id: gwangju_buk, ko: 북구, name: Buk-gu, kind: district, kma_zone: L1130100, declining: false, "
                "served: false}\n")
    write(regions, regions.read_text(encoding="utf-8") + district)
    content = load_content(data_copy, flows=FLOWS)
    assert "gwangju_buk" not in [region.id for region in content.served_regions]
    write(regions, regions.read_text(encoding="utf-8").replace("served: false}", "served: true}"))
    with pytest.raises(ContentError) as error:
        load_content(data_copy, flows=FLOWS)
    assert "no office serves gwangju_buk" in str(error.value)
    assert "no support center serves gwangju_buk" in str(error.value)


def test_f2r_counties_must_be_declining_areas(data_copy):
    f2r = data_copy / "f2r.yaml"
    write(f2r, f2r.read_text(encoding="utf-8").replace("counties: [jindo]", "counties: [jindo, mokpo]"))
    with pytest.raises(ContentError, match=r"f2r.yaml:\d+: f2r.programmes.2.counties.1: 'mokpo' is not a "
                                           r"population-declining region"):
        load_content(data_copy, flows=FLOWS)


def test_boseong_gets_sea_warnings_and_weather_cards_name_their_warnings():
    content = load_content(flows=FLOWS)
    assert content.region("boseong").sea_zone == "S1321100"
    assert "high_seas" in content.cards["safety_sea"].warnings and "heat" in content.cards["safety_heat"].warnings
