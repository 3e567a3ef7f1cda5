"""Content in data/: schema errors name the file, line and reason; the bot keeps the last good content."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import DATA_DIR, PROJECT_ROOT
from bot.content import ContentError, ContentStore, load_content, publish
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
        assert card.checked.year >= 2025
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
