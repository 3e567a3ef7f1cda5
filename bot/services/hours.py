"""When the call center's counselors are there: a weekly schedule, Korean public holidays, per-language overrides.

A schedule is written as in the settings: "mon-fri 09:00-18:00; sat 09:00-18:00" (days: mon tue wed thu fri sat
sun, ranges with "-", lists with ","; several periods a day allowed: "mon,wed 09:00-12:00,13:00-20:00"). Korean
public holidays come from the `holidays` package; the center is closed on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SCHEDULE = "mon-fri 09:00-18:00; sat 09:00-18:00"
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says which part and why."""


@dataclass(frozen=True)
class Schedule:
    """Opening periods per weekday (0 = Monday), in local time."""

    periods: tuple[tuple[tuple[time, time], ...], ...]

    @classmethod
    def parse(cls, text: str) -> Schedule:
        days: list[list[tuple[time, time]]] = [[] for _ in DAYS]
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            try:
                day_spec, period_spec = part.split(None, 1)
            except ValueError:
                raise ScheduleError(f"{part!r}: expected days and hours, like 'mon-fri 09:00-18:00'") from None
            chosen = _days(day_spec.lower())
            for period in period_spec.replace(" ", "").split(","):
                match = _PERIOD.match(period)
                if not match:
                    raise ScheduleError(f"{period!r}: expected hours like 09:00-18:00")
                h1, m1, h2, m2 = map(int, match.groups())
                if not (0 <= h1 < 24 and 0 <= m1 < 60 and 0 <= h2 <= 24 and 0 <= m2 < 60):
                    raise ScheduleError(f"{period!r}: not a time of day")
                start, end = time(h1, m1), time(23, 59, 59) if h2 == 24 else time(h2, m2)
                if end <= start:
                    raise ScheduleError(f"{period!r}: closes before it opens")
                for day in chosen:
                    days[day].append((start, end))
        if not any(days):
            raise ScheduleError("no opening hours at all")
        return cls(tuple(tuple(sorted(day)) for day in days))


def _days(spec: str) -> list[int]:
    chosen: list[int] = []
    for item in spec.split(","):
        if "-" in item:
            first, last = item.split("-", 1)
            if first not in DAYS or last not in DAYS:
                raise ScheduleError(f"{item!r}: days are {', '.join(DAYS)}")
            a, b = DAYS.index(first), DAYS.index(last)
            chosen += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
        elif item in DAYS:
            chosen.append(DAYS.index(item))
        else:
            raise ScheduleError(f"{item!r}: days are {', '.join(DAYS)}")
    return chosen


@lru_cache(maxsize=32)
def _korean_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=[year])


def is_holiday(day: date) -> bool:
    return day in _korean_holidays(day.year)


class OpeningHours:
    """The center's hours: one schedule for all, optionally another per language."""

    def __init__(self, default: str = DEFAULT_SCHEDULE, by_language: dict[str, str] | None = None,
                 tz: ZoneInfo = ZoneInfo("Asia/Seoul"), *, closed_on_holidays: bool = True) -> None:
        self.closed_on_holidays = closed_on_holidays
        self.default = Schedule.parse(default)
        self.by_language = {locale: Schedule.parse(text) for locale, text in (by_language or {}).items()}
        self.tz = tz

    def schedule(self, locale: str | None) -> Schedule:
        return self.by_language.get(locale or "", self.default)

    def is_open(self, when: datetime, locale: str | None = None) -> bool:
        local = when.astimezone(self.tz)
        if self.closed_on_holidays and is_holiday(local.date()):
            return False
        return any(start <= local.time() < end for start, end in self.schedule(locale).periods[local.weekday()])

    def next_opening(self, when: datetime, locale: str | None = None) -> datetime:
        """The next moment the center opens (now, if it is open), as an aware local datetime."""
        local = when.astimezone(self.tz)
        if self.is_open(local, locale):
            return local
        schedule = self.schedule(locale)
        for offset in range(0, 40):
            day = local.date() + timedelta(days=offset)
            if self.closed_on_holidays and is_holiday(day):
                continue
            for start, _end in schedule.periods[day.weekday()]:
                opening = datetime.combine(day, start, tzinfo=self.tz)
                if opening > local:
                    return opening
        raise ScheduleError("the center does not open in the next 40 days")
