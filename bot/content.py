"""Content the operators edit in data/ (YAML), loaded into typed objects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import DATA_DIR


class ContentError(ValueError):
    """A content file is wrong; the message names the file, the line and the reason."""


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    ko: str
    name: str  # English romanization: the catalog source
    kind: str  # "city" or "county"
    kma_zone: str
    declining: bool
    sea_zone: str | None


@dataclass(frozen=True)
class Content:
    regions: tuple[Region, ...]

    def region(self, region_id: str | None) -> Region | None:
        return next((region for region in self.regions if region.id == region_id), None)


def _load_yaml(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else "?"
        raise ContentError(f"{path.name}:{line}: {exc.problem}") from exc
    except OSError as exc:
        raise ContentError(f"{path.name}: {exc.strerror}") from exc


def load_regions(path: Path) -> tuple[Region, ...]:
    document = _load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("regions"), list):
        raise ContentError(f"{path.name}:1: expected a mapping with a 'regions' list")
    regions = []
    for index, item in enumerate(document["regions"], start=1):
        try:
            regions.append(Region(
                id=str(item["id"]), ko=str(item["ko"]), name=str(item["name"]), kind=str(item["kind"]),
                kma_zone=str(item["kma_zone"]), declining=bool(item["declining"]),
                sea_zone=item.get("sea_zone"),
            ))
        except (KeyError, TypeError) as exc:
            raise ContentError(f"{path.name}: region #{index}: missing or wrong field {exc}") from exc
    ids = [region.id for region in regions]
    if len(set(ids)) != len(ids):
        raise ContentError(f"{path.name}: region ids are not unique")
    return tuple(regions)


def load_content(directory: Path = DATA_DIR) -> Content:
    return Content(regions=load_regions(directory / "regions.yaml"))
