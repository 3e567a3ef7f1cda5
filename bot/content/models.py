"""The shape of every content file, checked with pydantic. Text fields hold the English source text."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"
LABEL_LIMIT = 14  # KakaoTalk button labels; translations are checked against the same limit
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
#: Placeholders a card, menu or office text may use for the names in data/names.yaml ({call_center} …).
NAME_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
#: Placeholders filled per resident when a card is shown: {your_language} → "Sinhala" / "싱할라어" (singhallaeo).
RESIDENT_PLACEHOLDERS = frozenset({"your_language"})


def kakao_length(text: str) -> int:
    """The length of a button label as KakaoTalk counts it: UTF-16 code units.

    Kakao documents a 14-character limit but not how characters are counted. Its builder (a web form, where
    `maxlength` counts UTF-16 code units) and servers (Java, `String.length()`) both count UTF-16 code units, so
    every code point counts, combining marks (Thai, Khmer, Devanagari, Sinhala vowel signs) included, and an emoji
    outside the Basic Multilingual Plane (📞) counts 2. This is the strictest of the plausible counts, so a label
    that passes here cannot be cut by Kakao."""
    return len(text.encode("utf-16-le")) // 2


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    name: str = Field(min_length=3)
    url: str | None = None
    #: When the source's content is from: its publication or last-update date (YYYY, YYYY-MM or YYYY-MM-DD).
    date: str | None = Field(default=None, pattern=DATE_PATTERN)

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.date) else str(value) if isinstance(value, int) else value

    @property
    def earliest(self) -> dt.date | None:
        """The first day the source's date can mean (2025-07 → 2025-07-01)."""
        if self.date is None:
            return None
        parts = [int(part) for part in self.date.split("-")] + [1, 1]
        return dt.date(parts[0], parts[1], parts[2])

    @property
    def latest(self) -> dt.date | None:
        """The last day the source's date can mean (2025-07 → 2025-07-31)."""
        if self.date is None:
            return None
        parts = [int(part) for part in self.date.split("-")]
        year, month = parts[0], parts[1] if len(parts) > 1 else 12
        day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
        return dt.date(year, month, day)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value


class Sourced(Strict):
    sources: tuple[Source, ...] = Field(min_length=1)
    checked: dt.date
    certainty: Literal["confirmed", "uncertain"] = "confirmed"

    @property
    def newest_source(self) -> dt.date | None:
        dates = [source.latest for source in self.sources if source.latest is not None]
        return max(dates) if dates else None


class Region(Strict):
    id: str = Field(pattern=ID_PATTERN)
    ko: str
    name: str
    kind: Literal["city", "county", "district"]  # district: an autonomous district (자치구) of Gwangju
    kma_zone: str = Field(pattern=r"^L\d{7}$")
    declining: bool
    served: bool = True  # offered to residents (region lists, offices); false: known but not served by the center
    sea_zone: str | None = Field(default=None, pattern=r"^S\d{7}$")
    lat: float | None = Field(default=None, ge=33.0, le=35.6)  # approximate hall position, for the nearest area
    lon: float | None = Field(default=None, ge=125.0, le=128.0)


def _label(value: str | None) -> str | None:
    if value is not None and kakao_length(value) > LABEL_LIMIT:
        raise ValueError(f"label {value!r} is {kakao_length(value)} characters as KakaoTalk counts them; at most "
                         f"{LABEL_LIMIT} fit a KakaoTalk button")
    return value


class CardAction(Strict):
    call: str | None = Field(default=None, pattern=r"^[0-9][0-9-]{1,14}$")
    link: str | None = None
    counselor: str | None = None
    label: str | None = None

    _check_label = field_validator("label")(classmethod(lambda cls, v: _label(v)))

    @model_validator(mode="after")
    def _one_kind(self) -> CardAction:
        kinds = [name for name in ("call", "link", "counselor") if getattr(self, name) is not None]
        if len(kinds) != 1:
            raise ValueError("an action is exactly one of call, link or counselor")
        if self.link is not None and not self.link.startswith(("http://", "https://")):
            raise ValueError("link must start with http:// or https://")
        if self.counselor is None and not self.label:
            raise ValueError("call and link actions need a label")
        return self


WARNING_TYPES = Literal["heat", "typhoon", "high_seas", "strong_wind", "heavy_rain", "cold", "storm_surge", "tsunami"]


class Card(Sourced):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=3, max_length=50)
    body: tuple[str, ...] = Field(min_length=1)
    #: The date from which the card's facts apply (a rule's start, the year of an amount): its newest source must
    #: not be older than this.
    as_of: dt.date | None = None
    confirm_note: bool = False
    actions: tuple[CardAction, ...] = Field(default=(), max_length=3)
    keywords: tuple[str, ...] = ()
    translator_note: str | None = None
    warnings: tuple[WARNING_TYPES, ...] = ()  # KMA warning types whose alerts link to this card

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords_as_text(cls, value: object) -> object:
        """Search words may be numbers (1339, 119): keep them as text."""
        if isinstance(value, list | tuple):
            return tuple(str(item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value)
        return value

    @field_validator("body")
    @classmethod
    def _paragraphs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for paragraph in value:
            if not paragraph.strip():
                raise ValueError("empty paragraph")
            if len(paragraph) > 700:
                raise ValueError(f"a paragraph of {len(paragraph)} characters; keep each under 700")
        return value


class MenuItem(Strict):
    card: str | None = None
    flow: str | None = None
    menu: str | None = None
    label: str = Field(min_length=2)

    _check_label = field_validator("label")(classmethod(lambda cls, v: _label(v)))

    @model_validator(mode="after")
    def _one_target(self) -> MenuItem:
        if sum(value is not None for value in (self.card, self.flow, self.menu)) != 1:
            raise ValueError("a menu item points to exactly one of card, flow or menu")
        return self

    @property
    def target(self) -> tuple[str, str]:
        if self.card:
            return "card", self.card
        if self.flow:
            return "flow", self.flow
        return "menu", self.menu or ""


class Menu(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    intro: str | None = None
    items: tuple[MenuItem, ...] = Field(min_length=1, max_length=10)


class Hotline(Sourced):
    id: str = Field(pattern=ID_PATTERN)
    number: str = Field(pattern=r"^[0-9][0-9-]{1,14}$")
    name: str
    summary: str
    hours: str | None = None
    languages: str | None = None


class Name(Strict):
    text: str  # English, translated like all content
    ko: str


class SupportCenter(Sourced):
    id: str = Field(pattern=ID_PATTERN)
    name: str  # a key of names (main_center, east_center)
    summary: str  # where it is, in English (translated)
    serves: tuple[str, ...] = Field(min_length=1)


class F2RProgramme(Sourced):
    year: int = Field(ge=2023, le=2100)
    counties: tuple[str, ...] = ()
    complete: bool = False  # true: the list names every county that recruits that year


class F2RRules(Sourced):
    income: int = Field(ge=1_000_000)  # won a year
    income_since: dt.date
    programmes: tuple[F2RProgramme, ...] = ()

    def programme(self, year: int) -> F2RProgramme | None:
        return next((programme for programme in self.programmes if programme.year == year), None)


class Office(Sourced):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    ko: str
    summary: str | None = None
    address: str | None = None
    phone: str | None = Field(default=None, pattern=r"^[0-9][0-9-]{1,14}$")
    serves: tuple[str, ...] = ()


class Hospital(Sourced):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    ko: str
    region: str
    kinds: tuple[Literal["emergency_center", "safe_hospital", "public"], ...] = Field(min_length=1)
    address: str | None = None
    phone: str | None = Field(default=None, pattern=r"^[0-9][0-9-]{1,14}$")
    lat: float | None = Field(default=None, ge=33.0, le=35.6)
    lon: float | None = Field(default=None, ge=125.0, le=128.0)
    note: str | None = None


class Leader(Sourced):
    nationality: str
    languages: tuple[str, ...] = ()
    region: str | None = None
    name: str | None = None
    contact: str | None = None


class Event(Sourced):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    date: dt.date | None = None
    month: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    summary: str
    place: str | None = None


class Phrase(Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: str
    ko: str
    romanization: str


HAZARD_IDS = ("heavy_rain", "typhoon", "heat", "cold", "high_seas", "strong_wind", "heavy_snow", "yellow_dust", "dry",
              "storm_surge", "tsunami")


class Hazard(Sourced):
    """A kind of KMA warning, with what to do (data/alerts.yaml)."""

    id: Literal[HAZARD_IDS]  # type: ignore[valid-type]
    emoji: str = Field(min_length=1, max_length=8)
    name: str
    ko: str
    kma_letter: str | None = Field(default=None, pattern=r"^[A-Z]$")
    kma_number: int | None = Field(default=None, ge=1, le=99)
    card: str | None = None
    actions: tuple[str, ...] = Field(min_length=1, max_length=4)


class Zone(Strict):
    """A KMA warning zone (data/kma_zones.yaml): a city or county, a part of one, an island group, a sea area."""

    code: str = Field(pattern=r"^[LS]\d{7}$")
    name: str
    ko: str
    kind: Literal["land", "sea"]
    parent: str | None = Field(default=None, pattern=r"^[LS]\d{7}$")
    region: str | None = None


class Content(Strict):
    regions: tuple[Region, ...]
    cards: dict[str, Card]
    menus: dict[str, Menu]
    hotlines: tuple[Hotline, ...] = ()
    offices: tuple[Office, ...] = ()
    hospitals: tuple[Hospital, ...] = ()
    leaders: tuple[Leader, ...] = ()
    events: tuple[Event, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    emergency_keywords: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    emergency_short_only: tuple[str, ...] = ()
    names: dict[str, Name] = Field(default_factory=dict)
    support_centers: tuple[SupportCenter, ...] = ()
    f2r: F2RRules | None = None
    hazards: dict[str, Hazard] = Field(default_factory=dict)
    zones: dict[str, Zone] = Field(default_factory=dict)

    def hazard_by_kma(self, number: int | None = None, letter: str | None = None) -> Hazard | None:
        return next((h for h in self.hazards.values()
                     if (number is not None and h.kma_number == number) or (letter and h.kma_letter == letter)), None)

    def zone_family(self, code: str) -> list[str]:
        """A zone with its sub-zones and the zones it is part of: a warning on any of them concerns its people."""
        family = {code}
        changed = True
        while changed:
            changed = False
            for zone in self.zones.values():
                if zone.parent in family and zone.code not in family:
                    family.add(zone.code)
                    changed = True
        parent = self.zones[code].parent if code in self.zones else None
        while parent and parent not in family:
            family.add(parent)
            parent = self.zones[parent].parent if parent in self.zones else None
        return sorted(family)

    def region(self, region_id: str | None) -> Region | None:
        return next((region for region in self.regions if region.id == region_id), None)

    @property
    def served_regions(self) -> tuple[Region, ...]:
        return tuple(region for region in self.regions if region.served)

    def support_center_for(self, region_id: str | None) -> SupportCenter | None:
        return next((center for center in self.support_centers if region_id in center.serves), None)

    def fill(self, text: str, translate) -> str:
        """Put the translated names of data/names.yaml in place of {call_center}, {province} … (others are kept)."""
        def name(match: re.Match) -> str:
            found = self.names.get(match.group(1))
            return translate(found.text) if found else match.group(0)

        return NAME_PLACEHOLDER.sub(name, text)

    def localise(self, text: str, translate) -> str:
        """Translate a content text and fill in the names."""
        return self.fill(translate(text), translate)

    def office_for(self, region_id: str | None) -> Office | None:
        return next((office for office in self.offices if region_id in office.serves), None)

    def hospitals_in(self, region_id: str | None, kind: str | None = None) -> list[Hospital]:
        return [h for h in self.hospitals if h.region == region_id and (kind is None or kind in h.kinds)]

    def hotline(self, number: str) -> Hotline | None:
        return next((hotline for hotline in self.hotlines if hotline.number == number), None)
