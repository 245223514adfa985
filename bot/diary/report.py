"""The report to take to a doctor: the last 4, 8 or 12 weeks as numbers and as a CSV.

Contracts:
- The period is whole Monday-to-Sunday weeks ending with the week that contains `today`
  (the current week counts the days it has had so far), the same weeks the weekly
  picture uses, so the report and the Sunday messages agree.
- Coverage says how complete the record is: nights with a check-in answer or a logged
  night cramp, out of the nights in the period. A doctor reads "2 nights with cramps"
  differently when 27 of 28 nights were answered than when 3 were.
- Only structured data here; the sentences are in the texts module, the chart in chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from bot.diary.days import DayLogs, WeekDays, weeks_days
from bot.diary.export import write_csv
from bot.diary.models import CheckIn, CrampEntry, Duration, Muscle, Severity, Trigger
from bot.diary.weekly import WeekStats, fired_rules, weeks

K = TypeVar("K")
REPORT_WEEKS: tuple[int, ...] = (4, 8, 12)
DEFAULT_REPORT_WEEKS = 4


def parse_weeks(argument: str | None) -> int | None:
    """`/report`, `/report 8`: the number of weeks, or None for anything else (the handler
    then answers with the allowed choices and an example)."""
    text = (argument or "").strip()
    if not text:
        return DEFAULT_REPORT_WEEKS
    # Compared as text: int() of a huge digit string raises, and "٨" is a digit too.
    by_text = {str(weeks): weeks for weeks in REPORT_WEEKS}
    return by_text.get(text)


@dataclass(frozen=True, slots=True)
class Report:
    first_day: date  # the Monday the first week starts on
    last_day: date  # today
    weeks: tuple[WeekStats, ...]  # oldest first
    entries: int
    nights_with_cramps: int
    days_with_cramps: int
    disturbed_nights: int
    nights_in_period: int
    checkins_answered: int
    nights_recorded: int
    severity: dict[Severity, int]
    durations: dict[Duration, int]
    muscles: dict[Muscle, int]
    triggers: dict[Trigger, int]
    rules: tuple[tuple[date, str], ...]  # (week start, rule key) for every rule that fired
    days: tuple[WeekDays, ...] = ()  # each shown week's days side by side, oldest first

    @property
    def coverage_percent(self) -> int:
        """Nights recorded out of nights in the period, rounded half up, 0 for no nights."""
        if self.nights_in_period == 0:
            return 0
        return (200 * self.nights_recorded + self.nights_in_period) // (
            2 * self.nights_in_period)


def _total(weeks_: Sequence[WeekStats], field: str, keys: Sequence[K]) -> dict[K, int]:
    return {key: sum(getattr(w, field)[key] for w in weeks_) for key in keys}


def build_report(entries: Sequence[CrampEntry], checkins: Sequence[CheckIn], today: date,
                 week_count: int = DEFAULT_REPORT_WEEKS, logs: DayLogs | None = None
                 ) -> Report:
    """The report for the `week_count` weeks ending with the week of `today`, with the
    water, food and stretch logs (`logs`) beside the cramps, day by day."""
    if week_count not in REPORT_WEEKS:
        raise ValueError(f"a report covers one of {REPORT_WEEKS} weeks")
    # One week more than shown, so the first week's two-weeks-running rule has its past.
    history = weeks(entries, checkins, today, week_count + 1)
    shown = history[1:]
    rules = tuple((week.start, key) for previous, week in zip(history, shown, strict=False)
                  for key in fired_rules(week, previous))
    return Report(
        first_day=shown[0].start,
        last_day=today,
        weeks=shown,
        entries=sum(w.entries for w in shown),
        nights_with_cramps=sum(w.nights_with_cramps for w in shown),
        days_with_cramps=sum(w.days_with_cramps for w in shown),
        disturbed_nights=sum(w.disturbed_nights for w in shown),
        nights_in_period=sum(w.days for w in shown),
        checkins_answered=sum(w.checkins_answered for w in shown),
        nights_recorded=sum(w.nights_recorded for w in shown),
        severity=_total(shown, "severity", tuple(Severity)),
        durations=_total(shown, "durations", tuple(Duration)),
        muscles=_total(shown, "muscles", tuple(Muscle)),
        triggers=_total(shown, "triggers", tuple(Trigger)),
        rules=rules,
        days=weeks_days(entries, checkins, logs or DayLogs(), [w.start for w in shown], today),
    )


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Per day of each week: an empty cell where nothing was recorded (see bot.diary.days).
DAY_COLUMNS: tuple[str, ...] = ("date", "night_cramps", "glasses", "magnesium_mg_estimate",
                                "stretched")


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def _day_cells(week: WeekDays) -> dict[str, str]:
    """The per-day columns of one week; days still to come stay empty."""
    cells = {f"{day}_{column}": "" for day in WEEKDAYS for column in DAY_COLUMNS}
    for day in week.days:
        name = WEEKDAYS[day.day.weekday()]
        cells |= {f"{name}_date": day.day.isoformat(),
                  f"{name}_night_cramps": _cell(day.night_cramps),
                  f"{name}_glasses": _cell(day.glasses),
                  f"{name}_magnesium_mg_estimate": _cell(day.mg),
                  f"{name}_stretched": "yes" if day.stretched else ""}
    return cells


REPORT_COLUMNS: tuple[str, ...] = (
    "week_start", "week_end", "days", "entries", "nights_with_cramps", "days_with_cramps",
    "nights_sleep_disturbed", "checkins_answered", "nights_recorded",
    *(f"severity_{s.value}" for s in Severity),
    *(f"duration_{d.value}" for d in Duration),
    *(f"muscle_{m.value}" for m in Muscle),
    *(f"trigger_{t.value}" for t in Trigger),
    "rules",
    "cramp_free_nights", "days_water_logged", "glasses_logged", "magnesium_mg_estimate",
    "days_stretched",
    *(f"{day}_{column}" for day in WEEKDAYS for column in DAY_COLUMNS),
)


def report_csv(report: Report) -> str:
    """One row per week, oldest first, every count the message shows, and the week's days
    side by side in per-day columns."""
    fired: dict[date, list[str]] = {}
    side = {week.start: week for week in report.days}
    for start, key in report.rules:
        fired.setdefault(start, []).append(key)
    rows = []
    for w in report.weeks:
        row = {
            "week_start": w.start.isoformat(), "week_end": w.end.isoformat(),
            "days": str(w.days), "entries": str(w.entries),
            "nights_with_cramps": str(w.nights_with_cramps),
            "days_with_cramps": str(w.days_with_cramps),
            "nights_sleep_disturbed": str(w.disturbed_nights),
            "checkins_answered": str(w.checkins_answered),
            "nights_recorded": str(w.nights_recorded),
            "rules": ";".join(fired.get(w.start, ())),
        }
        row |= {f"severity_{k.value}": str(v) for k, v in w.severity.items()}
        row |= {f"duration_{k.value}": str(v) for k, v in w.durations.items()}
        row |= {f"muscle_{k.value}": str(v) for k, v in w.muscles.items()}
        row |= {f"trigger_{k.value}": str(v) for k, v in w.triggers.items()}
        days = side.get(w.start, WeekDays(w.start, ()))
        row |= {"cramp_free_nights": str(days.cramp_free_nights),
                "days_water_logged": str(days.water_days),
                "glasses_logged": _cell(days.glasses),
                "magnesium_mg_estimate": _cell(days.mg),
                "days_stretched": str(days.stretch_days)}
        row |= _day_cells(days)
        rows.append(row)
    return write_csv(REPORT_COLUMNS, rows)
