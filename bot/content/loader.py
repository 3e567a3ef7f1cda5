"""Load data/*.yaml into Content, reporting any problem as `file:line: where: reason`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot import DATA_DIR
from bot.content.models import (
    NAME_PLACEHOLDER,
    RESIDENT_PLACEHOLDERS,
    Card,
    Content,
    Event,
    F2RRules,
    Hazard,
    Hospital,
    Hotline,
    Leader,
    Menu,
    Name,
    Office,
    Phrase,
    Region,
    SupportCenter,
    Zone,
)

MAX_TOKEN_BYTES = 64


class ContentError(ValueError):
    """One or more content files are wrong; each line of the message names a file, a line and a reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Document:
    """A parsed YAML file with the line number of every value, by path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.relative_to(path.parents[1]).as_posix() if path.parent.name == "cards" else path.name
        self.lines: dict[tuple, int] = {}
        try:
            text = path.read_text(encoding="utf-8")
            self.data = yaml.safe_load(text)
            node = yaml.compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise ContentError([f"{self.name}:{mark.line + 1 if mark else 1}: not valid YAML: {exc.problem}"]) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError([f"{self.name}:1: cannot read: {exc}"]) from exc
        if node is not None:
            self._index(node, ())

    def _index(self, node: yaml.Node, path: tuple) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._index(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index(item, (*path, index))

    def line(self, path: Iterable) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: Iterable, reason: str) -> str:
        path = tuple(path)
        where = ".".join(str(part) for part in path) or "(file)"
        return f"{self.name}:{self.line(path)}: {where}: {reason}"

    def items(self, key: str, model: type[BaseModel], problems: list[str], *, required: bool = True) -> list:
        """Validate the list under `key` item by item, collecting every problem."""
        if not isinstance(self.data, dict) or key not in self.data:
            if required:
                problems.append(self.problem((), f"expected a mapping with a '{key}' list"))
            return []
        values = self.data[key]
        if values is None:
            return []
        if not isinstance(values, list):
            problems.append(self.problem((key,), "expected a list"))
            return []
        result = []
        for index, value in enumerate(values):
            try:
                result.append(model.model_validate(value))
            except ValidationError as exc:
                for error in exc.errors():
                    location = (key, index, *error["loc"])
                    problems.append(self.problem(location, error["msg"].removeprefix("Value error, ")))
        return result


def _raw_menu_ids(documents) -> set:
    return {raw.get("id") for document in documents for raw in ((document.data or {}).get("menus") or [])
            if isinstance(raw, dict)}


def _unique(items: list, attribute: str, document: _Document, key: str, problems: list[str]) -> None:
    seen: set = set()
    for index, item in enumerate(items):
        value = getattr(item, attribute)
        if value in seen:
            problems.append(document.problem((key, index, attribute), f"duplicate {attribute} {value!r}"))
        seen.add(value)


def load_content(directory: Path = DATA_DIR, *, flows: Iterable[str] = ()) -> Content:
    """Load and cross-check every content file; raise ContentError listing all problems found."""
    problems: list[str] = []
    docs: dict[str, _Document] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("cards/*.yaml")]):
        try:
            docs[path.name if path.parent == directory else f"cards/{path.name}"] = _Document(path)
        except ContentError as exc:
            problems.extend(exc.problems)

    def doc(name: str) -> _Document | None:
        if name not in docs:
            problems.append(f"{name}:1: (file): missing")
        return docs.get(name)

    regions = (d := doc("regions.yaml")) and d.items("regions", Region, problems) or []
    region_ids = {region.id for region in regions}
    if d:
        _unique(regions, "id", d, "regions", problems)

    cards: dict[str, Card] = {}
    for name, document in docs.items():
        if not name.startswith("cards/"):
            continue
        for index, card in enumerate(document.items("cards", Card, problems)):
            if card.id in cards:
                problems.append(document.problem(("cards", index, "id"), f"duplicate card id {card.id!r}"))
            cards[card.id] = card

    menus: dict[str, Menu] = {}
    menu_docs = {name: document for name, document in docs.items() if name.startswith("menus")}
    for document in menu_docs.values():
        for index, menu in enumerate(document.items("menus", Menu, problems)):
            if menu.id in menus:
                problems.append(document.problem(("menus", index, "id"), f"duplicate menu id {menu.id!r}"))
            menus[menu.id] = menu
    flow_ids = set(flows)
    known = {"card": set(cards), "menu": set(menus) | _raw_menu_ids(menu_docs.values()), "flow": flow_ids}
    for document in menu_docs.values():
        for index, raw in enumerate((document.data or {}).get("menus") or []):
            menu_id = raw.get("id") if isinstance(raw, dict) else None
            items = raw.get("items") if isinstance(raw, dict) else None
            for position, item in enumerate(items if isinstance(items, list) else []):
                for kind in ("card", "menu", "flow") if isinstance(item, dict) else ():
                    target = item.get(kind)
                    if target is None:
                        continue
                    where = ("menus", index, "items", position, kind)
                    if (kind != "flow" or flow_ids) and target not in known[kind]:
                        problems.append(document.problem(where, f"no {kind} {target!r}"))
                    token = f"menu:{menu_id}|{kind}:{target}".encode()  # Telegram's callback_data: ≤ 64 bytes
                    if len(token) > MAX_TOKEN_BYTES:
                        problems.append(document.problem(where, f"ids too long for a button ({len(token)} bytes, "
                                                                f"at most {MAX_TOKEN_BYTES}): shorten the menu or "
                                                                f"{kind} id"))

    def optional(name: str, key: str, model: type[BaseModel]) -> list:
        document = docs.get(name)
        return document.items(key, model, problems) if document else []

    hotlines = optional("hotlines.yaml", "hotlines", Hotline)
    offices = optional("offices.yaml", "offices", Office)
    hospitals = optional("hospitals.yaml", "hospitals", Hospital)
    leaders = optional("community.yaml", "leaders", Leader)
    events = optional("events.yaml", "events", Event)
    phrases = optional("phrases.yaml", "phrases", Phrase)

    names: dict[str, Name] = {}
    centers: list[SupportCenter] = []
    if (d := docs.get("names.yaml")) is not None:
        raw_names: Any = (d.data or {}).get("names") if isinstance(d.data, dict) else None
        if not isinstance(raw_names, dict):
            problems.append(d.problem(("names",), "expected a mapping of name keys to {text, ko}"))
        else:
            for key, value in raw_names.items():
                try:
                    names[str(key)] = Name.model_validate(value)
                except ValidationError as exc:
                    for error in exc.errors():
                        problems.append(d.problem(("names", key, *error["loc"]), error["msg"]))
        centers = d.items("support_centers", SupportCenter, problems, required=False)
        seen_regions: dict[str, str] = {}
        for index, center in enumerate(centers):
            if center.name not in names:
                problems.append(d.problem(("support_centers", index, "name"), f"no name {center.name!r} in names"))
            for position, region in enumerate(center.serves):
                where = ("support_centers", index, "serves", position)
                if region not in region_ids:
                    problems.append(d.problem(where, f"no region {region!r}"))
                elif region in seen_regions:
                    problems.append(d.problem(where, f"{region} is already served by {seen_regions[region]}"))
                seen_regions[region] = center.id
        missing_centers = sorted({r.id for r in regions if r.served} - set(seen_regions))
        if centers and missing_centers:
            problems.append(d.problem(("support_centers",), f"no support center serves {', '.join(missing_centers)}"))

    f2r: F2RRules | None = None
    if (d := docs.get("f2r.yaml")) is not None:
        raw_f2r = (d.data or {}).get("f2r") if isinstance(d.data, dict) else None
        try:
            f2r = F2RRules.model_validate(raw_f2r)
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(d.problem(("f2r", *error["loc"]), error["msg"].removeprefix("Value error, ")))
        if f2r is not None:
            declining = {region.id for region in regions if region.declining}
            for index, programme in enumerate(f2r.programmes):
                for position, county in enumerate(programme.counties):
                    if county not in declining:
                        problems.append(d.problem(("f2r", "programmes", index, "counties", position),
                                                  f"{county!r} is not a population-declining region"))

    def unknown_names(document: _Document, path: tuple, text: str | None) -> None:
        for placeholder in NAME_PLACEHOLDER.findall(text or ""):
            if placeholder not in names and placeholder not in RESIDENT_PLACEHOLDERS:
                problems.append(document.problem(path, f"{{{placeholder}}} is not a name in names.yaml"))

    for name, document in docs.items():
        if name.startswith("cards/"):
            for index, raw in enumerate((document.data or {}).get("cards") or []):
                if isinstance(raw, dict):
                    for key in ("title", "body"):
                        texts = raw.get(key) if isinstance(raw.get(key), list) else [raw.get(key)]
                        for text in texts:
                            unknown_names(document, ("cards", index, key), text if isinstance(text, str) else None)
        elif name.startswith("menus"):
            for index, raw in enumerate((document.data or {}).get("menus") or []):
                if isinstance(raw, dict):
                    for key in ("title", "intro"):
                        value = raw.get(key)
                        unknown_names(document, ("menus", index, key), value if isinstance(value, str) else None)

    if offices and (d := docs.get("offices.yaml")):
        served: dict[str, str] = {}
        for index, office in enumerate(offices):
            for position, region in enumerate(office.serves):
                if region not in region_ids:
                    problems.append(d.problem(("offices", index, "serves", position), f"no region {region!r}"))
                elif region in served:
                    problems.append(d.problem(("offices", index, "serves", position),
                                              f"{region} is already served by {served[region]}"))
                served[region] = office.id
        missing = sorted({region.id for region in regions if region.served} - set(served))
        if missing:
            problems.append(d.problem(("offices",), f"no office serves {', '.join(missing)}"))
    if hospitals and (d := docs.get("hospitals.yaml")):
        for index, hospital in enumerate(hospitals):
            if hospital.region not in region_ids:
                problems.append(d.problem(("hospitals", index, "region"), f"no region {hospital.region!r}"))

    keywords: dict[str, tuple[str, ...]] = {}
    if (d := docs.get("keywords.yaml")) is not None:
        raw: Any = (d.data or {}).get("emergency") if isinstance(d.data, dict) else None
        if not isinstance(raw, dict):
            problems.append(d.problem(("emergency",), "expected a mapping of language code to a list of words"))
        else:
            for locale, words in raw.items():
                if not isinstance(words, list) or not all(isinstance(w, str | int) for w in words):
                    problems.append(d.problem(("emergency", locale), "expected a list of words"))
                    continue
                keywords[str(locale)] = tuple(str(word).strip().lower() for word in words if str(word).strip())

    short_only: tuple[str, ...] = ()
    if (d := docs.get("keywords.yaml")) is not None and isinstance(d.data, dict) and "short_only" in d.data:
        raw_short = d.data["short_only"]
        if not isinstance(raw_short, list):
            problems.append(d.problem(("short_only",), "expected a list of words"))
        else:
            short_only = tuple(str(word).strip().lower() for word in raw_short if str(word).strip())

    hazards = {hazard.id: hazard for hazard in optional("alerts.yaml", "hazards", Hazard)}
    if (d := docs.get("alerts.yaml")) is not None:
        for index, hazard in enumerate(hazards.values()):
            if hazard.card is not None and hazard.card not in cards:
                problems.append(d.problem(("hazards", index, "card"), f"no card {hazard.card!r}"))
    zones = {zone.code: zone for zone in optional("kma_zones.yaml", "zones", Zone)}
    if (d := docs.get("kma_zones.yaml")) is not None:
        for index, zone in enumerate(zones.values()):
            if zone.parent is not None and zone.parent not in zones:
                problems.append(d.problem(("zones", index, "parent"), f"no zone {zone.parent!r}"))
            if zone.region is not None and zone.region not in region_ids:
                problems.append(d.problem(("zones", index, "region"), f"no region {zone.region!r}"))
        for region in regions:  # a city or county not served is never offered for alerts
            for code in (region.kma_zone, region.sea_zone) if region.served else ():
                if code and code not in zones:
                    problems.append(d.problem(("zones",), f"region {region.id} uses zone {code}, which is not listed"))

    if problems:
        raise ContentError(problems)
    return Content(regions=tuple(regions), cards=cards, menus=menus, hotlines=tuple(hotlines),
                   offices=tuple(offices), hospitals=tuple(hospitals), leaders=tuple(leaders), events=tuple(events),
                   phrases=tuple(phrases), emergency_keywords=keywords, emergency_short_only=short_only,
                   names=names, support_centers=tuple(centers), f2r=f2r, hazards=hazards, zones=zones)
