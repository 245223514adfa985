"""CSV files of what the diary stores, safe to open in a spreadsheet.

Contracts:
- Every cell goes through `inert`: a cell starting with =, +, -, @, a tab or a carriage
  return (OWASP's CSV-injection list) gets a leading apostrophe, so Excel, LibreOffice
  and Google Sheets show it as text instead of running it as a formula. Every field is
  quoted, so separators and quotes inside a cell cannot start a new cell either.
- The files are for the person and their doctor: plain column names, ISO dates, local
  date plus the UTC instant, enum values as stored. Reading a file back with Python's csv
  module gives exactly the rows written (after `inert`).
- Separate files, because they have different shapes: the entries (one row each, plus the
  morning check-ins as their own file) and the settings/profile (key, value rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from bot.diary.models import CheckIn, CrampEntry, Trigger

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRIGGER_SEPARATOR = ";"

ENTRY_COLUMNS: tuple[str, ...] = (
    "local_date", "part_of_day", "logged_at_utc", "muscle", "severity", "duration", "when",
    "woke_up", "triggers", "swollen_warm_or_red",
)
CHECKIN_COLUMNS: tuple[str, ...] = ("night_of", "answer", "answered_at_utc")
SETTINGS_COLUMNS: tuple[str, ...] = ("setting", "value")


def inert(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def entry_row(entry: CrampEntry) -> dict[str, str]:
    """One entry as CSV cells, before `inert` (which leaves these values unchanged)."""
    triggers = sorted(entry.triggers, key=tuple(Trigger).index)
    return {
        "local_date": entry.local_date.isoformat(),
        "part_of_day": entry.period.value,
        "logged_at_utc": entry.logged_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "muscle": entry.muscle.value,
        "severity": entry.severity.value,
        "duration": entry.duration.value,
        "when": entry.when.value,
        "woke_up": _yes_no(entry.woke_up),
        "triggers": TRIGGER_SEPARATOR.join(t.value for t in triggers),
        "swollen_warm_or_red": _yes_no(entry.red_flags),
    }


def checkin_row(checkin: CheckIn) -> dict[str, str]:
    return {
        "night_of": checkin.night_of.isoformat(),
        "answer": checkin.answer.value,
        "answered_at_utc": checkin.answered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """A header and the rows, every field quoted and made inert. Unknown keys are refused."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(columns), quoting=csv.QUOTE_ALL,
                            extrasaction="raise", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: inert(str(value)) for key, value in row.items()})
    return out.getvalue()


def entries_csv(entries: Iterable[CrampEntry]) -> str:
    """The diary, oldest entry first."""
    ordered = sorted(entries, key=lambda e: (e.local_date, e.logged_at))
    return write_csv(ENTRY_COLUMNS, (entry_row(e) for e in ordered))


def checkins_csv(checkins: Iterable[CheckIn]) -> str:
    ordered = sorted(checkins, key=lambda c: c.night_of)
    return write_csv(CHECKIN_COLUMNS, (checkin_row(c) for c in ordered))


def settings_csv(settings: Mapping[str, str]) -> str:
    """Settings and the /need profile as (setting, value) rows, in the order given.

    Values can come from what a person typed (a zone name, a profile), so this is where
    `inert` matters most.
    """
    return write_csv(SETTINGS_COLUMNS, ({"setting": key, "value": value}
                                        for key, value in settings.items()))


WATER_COLUMNS: tuple[str, ...] = ("local_date", "logged_at_utc", "ml")


def water_csv(glasses: Iterable[tuple[date, datetime, int]]) -> str:
    """The water log, one row per glass as (local date, logged instant in UTC, ml),
    oldest first."""
    ordered = sorted(glasses, key=lambda g: g[1])
    return write_csv(WATER_COLUMNS, ({
        "local_date": day.isoformat(),
        "logged_at_utc": logged_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ml": str(ml),
    } for day, logged_at, ml in ordered))


FOOD_COLUMNS: tuple[str, ...] = ("local_date", "logged_at_utc", "food", "servings", "mg")


def food_csv(entries: Iterable[tuple[date, datetime, str, int, int]]) -> str:
    """The food log, one row per "I ate this" as (local date, logged instant in UTC, food
    code, servings, mg of magnesium then), oldest first."""
    ordered = sorted(entries, key=lambda e: e[1])
    return write_csv(FOOD_COLUMNS, ({
        "local_date": day.isoformat(),
        "logged_at_utc": logged_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "food": food,
        "servings": str(servings),
        "mg": str(mg),
    } for day, logged_at, food, servings, mg in ordered))


STRETCH_COLUMNS: tuple[str, ...] = ("local_date", "marked_at_utc")


def stretches_csv(days: Iterable[tuple[date, datetime]]) -> str:
    """The evening stretches marked done, one row per local date as (date, the instant
    "✅ I stretched" was pressed, in UTC), oldest first."""
    ordered = sorted(days)
    return write_csv(STRETCH_COLUMNS, ({
        "local_date": day.isoformat(),
        "marked_at_utc": marked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    } for day, marked_at in ordered))
