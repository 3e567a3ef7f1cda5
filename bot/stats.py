"""Statistics of the consultations, as the call center reports them: counts by month, language, area, topic,
channel and user type, with the average wait, handling time and rating. No names and no text are involved."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.storage.tickets import handled_minutes

DIMENSIONS = ("month", "language", "area", "topic", "channel", "user_type", "kind", "status")


@dataclass
class Group:
    count: int = 0  # requests: every ticket opened
    consulted: int = 0  # consultations: the requests a counselor took (closed, or ended by the resident)
    closed: int = 0
    waits: list[float] = field(default_factory=list)  # minutes from entering the queue to a counselor
    handling: list[float] = field(default_factory=list)  # minutes with a counselor
    ratings: list[int] = field(default_factory=list)

    @staticmethod
    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None


def key_of(row, dimension: str, tz: ZoneInfo) -> str:
    match dimension:
        case "month":
            return row.created_at.astimezone(tz).strftime("%Y-%m")
        case "language":
            return row.locale
        case "area":
            return row.region or "-"
        case "topic":
            return row.close_topic or row.topic
        case "channel":
            return row.channel
        case "user_type":
            return row.user_type or "-"
        case "kind":
            return row.kind
        case "status":
            return row.status
    raise ValueError(dimension)


def summarise(rows: Iterable, by: list[str], tz: ZoneInfo) -> dict[tuple[str, ...], Group]:
    groups: dict[tuple[str, ...], Group] = defaultdict(Group)
    for row in rows:
        group = groups[tuple(key_of(row, dimension, tz) for dimension in by)]
        group.count += 1
        if row.status == "closed":
            group.closed += 1
        started = row.first_assigned_at
        if started is not None:
            group.consulted += 1
        if started is not None and row.queued_at is not None:
            group.waits.append(max(0.0, (started - row.queued_at).total_seconds() / 60))
        # every stretch with a counselor (transfers included); a chat the resident ended ("End chat") was handled
        # too, until they ended it
        if row.status in ("closed", "cancelled") and started is not None:
            minutes = handled_minutes(row)
            if minutes is not None:
                group.handling.append(minutes)
        if row.rating is not None:
            group.ratings.append(row.rating)
    return dict(sorted(groups.items()))


#: requests: every request opened (also those cancelled while waiting, expired, or still open); consultations: those
#: a counselor took; closed: those a counselor closed with a topic.
HEADER = ("requests", "consultations", "closed", "avg_wait_min", "avg_handling_min", "ratings", "avg_rating")


def table(groups: dict[tuple[str, ...], Group], by: list[str]) -> list[list[object]]:
    result = []
    for key, group in groups.items():
        result.append([*key, group.count, group.consulted, group.closed, Group.mean(group.waits),
                       Group.mean(group.handling), len(group.ratings), Group.mean(group.ratings)])
    if groups:
        total = Group()
        for group in groups.values():
            total.count += group.count
            total.consulted += group.consulted
            total.closed += group.closed
            total.waits += group.waits
            total.handling += group.handling
            total.ratings += group.ratings
        result.append([*(["total"] + ["" for _ in by[1:]] if by else ["total"]), total.count, total.consulted,
                       total.closed,
                       Group.mean(total.waits), Group.mean(total.handling), len(total.ratings),
                       Group.mean(total.ratings)])
    return result


def render(rows: list[list[object]], by: list[str]) -> str:
    header = [*(by or ["all"]), *HEADER]
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) if cells else len(str(h))
              for i, h in enumerate(header)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def to_csv(rows: list[list[object]], by: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*(by or ["all"]), *HEADER])
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return buffer.getvalue()


def parse_day(text: str, tz: ZoneInfo) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=tz)
