"""The week side by side: per local date, the night's cramps, the glasses, the logged
magnesium and the evening stretch, for the weekly picture and the report.

Contracts:
- One row per day of a Monday-to-Sunday week that has happened (the current week stops at
  `today`), keyed by the same local dates as the diary, the water log and the food log.
- A cell that nothing recorded is None ("—" when shown, an empty CSV cell), never 0,
  where 0 would be a claim:
  * the night: the number of night cramps logged for it; 0 only when the morning check-in
    said "no cramps" and none is logged; None otherwise (a "cramps" answer with nothing
    logged says a cramp came but not how many, so it is not a count either way);
  * glasses and magnesium: None on every day of a week with no glass (no food) logged at
    all, as the person did not use that log that week; in a week they used it, a day
    without an entry is 0 *logged*;
  * the stretch: True when the person answered "✅ I stretched" for that day, else False
    (shown as "—": not answering is not a claim that they did not stretch).
- Summaries are counts, never streaks: nights with cramps (as the weekly counts: nights
  with a logged night cramp), cramp-free nights, days with water logged, days stretched.
- The rows compare; they never say what caused what.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.diary.models import CheckIn, CheckInAnswer, CrampEntry, Period
from bot.diary.weekly import DAYS_PER_WEEK


@dataclass(frozen=True, slots=True)
class DayLogs:
    """What the other logs hold for a span of local dates: one date per glass, (date, mg)
    per food entry, and the dates the person stretched."""

    glasses: tuple[date, ...] = ()
    foods: tuple[tuple[date, int], ...] = ()
    stretches: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    night_cramps: int | None
    glasses: int | None
    mg: int | None
    stretched: bool


@dataclass(frozen=True, slots=True)
class WeekDays:
    """One week's days side by side, Monday first, only the days that have happened."""

    start: date
    days: tuple[Day, ...]

    @property
    def day_count(self) -> int:
        return len(self.days)

    @property
    def cramp_nights(self) -> int:
        return sum(1 for d in self.days if d.night_cramps)

    @property
    def cramp_free_nights(self) -> int:
        return sum(1 for d in self.days if d.night_cramps == 0)

    @property
    def water_days(self) -> int:
        return sum(1 for d in self.days if d.glasses)

    @property
    def glasses(self) -> int | None:
        if not self.days or self.days[0].glasses is None:  # the log was not used
            return None
        return sum(d.glasses or 0 for d in self.days)

    @property
    def mg(self) -> int | None:
        if not self.days or self.days[0].mg is None:
            return None
        return sum(d.mg or 0 for d in self.days)

    @property
    def stretch_days(self) -> int:
        return sum(1 for d in self.days if d.stretched)


def week_days(entries: Iterable[CrampEntry], checkins: Iterable[CheckIn], logs: DayLogs,
              start: date, today: date) -> WeekDays:
    """The week starting on Monday `start`, as seen on local date `today`."""
    if start.weekday() != 0:
        raise ValueError("a week starts on a Monday")
    count = max(0, min(DAYS_PER_WEEK, (today - start).days + 1))
    dates = [start + timedelta(days=n) for n in range(count)]
    span = set(dates)
    nights = Counter(e.local_date for e in entries
                     if e.period is Period.NIGHT and e.local_date in span)
    quiet = {c.night_of for c in checkins
             if c.answer is CheckInAnswer.NO_CRAMPS and c.night_of in span}
    glasses = Counter(d for d in logs.glasses if d in span)
    mg: Counter[date] = Counter()
    food_used = False
    for day, amount in logs.foods:
        if day in span:
            mg[day] += amount
            food_used = True
    stretched = {d for d in logs.stretches if d in span}

    def night(day: date) -> int | None:
        if nights[day]:
            return nights[day]
        return 0 if day in quiet else None

    return WeekDays(start, tuple(
        Day(day, night(day), glasses[day] if glasses else None,
            mg[day] if food_used else None, day in stretched)
        for day in dates))


def weeks_days(entries: Sequence[CrampEntry], checkins: Sequence[CheckIn], logs: DayLogs,
               starts: Sequence[date], today: date) -> tuple[WeekDays, ...]:
    """`week_days` for each Monday in `starts`, in that order."""
    return tuple(week_days(entries, checkins, logs, start, today) for start in starts)
