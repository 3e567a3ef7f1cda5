"""The shape of every content file, checked with pydantic. Text fields hold the English source text."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"
LABEL_LIMIT = 14  # KakaoTalk button labels; translations are checked against the same limit


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    name: str = Field(min_length=3)
    url: str | None = None

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


class Region(Strict):
    id: str = Field(pattern=ID_PATTERN)
    ko: str
    name: str
    kind: Literal["city", "county"]
    kma_zone: str = Field(pattern=r"^L\d{7}$")
    declining: bool
    sea_zone: str | None = Field(default=None, pattern=r"^S\d{7}$")
    lat: float | None = Field(default=None, ge=33.0, le=35.6)  # approximate hall position, for the nearest area
    lon: float | None = Field(default=None, ge=125.0, le=128.0)


def _label(value: str | None) -> str | None:
    if value is not None and len(value) > LABEL_LIMIT:
        raise ValueError(f"label {value!r} is {len(value)} characters; at most {LABEL_LIMIT} fit a KakaoTalk button")
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


class Card(Sourced):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=3, max_length=50)
    body: tuple[str, ...] = Field(min_length=1)
    confirm_note: bool = False
    actions: tuple[CardAction, ...] = Field(default=(), max_length=3)
    keywords: tuple[str, ...] = ()
    translator_note: str | None = None

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

    def region(self, region_id: str | None) -> Region | None:
        return next((region for region in self.regions if region.id == region_id), None)

    def office_for(self, region_id: str | None) -> Office | None:
        return next((office for office in self.offices if region_id in office.serves), None)

    def hospitals_in(self, region_id: str | None, kind: str | None = None) -> list[Hospital]:
        return [h for h in self.hospitals if h.region == region_id and (kind is None or kind in h.kinds)]

    def hotline(self, number: str) -> Hotline | None:
        return next((hotline for hotline in self.hotlines if hotline.number == number), None)
