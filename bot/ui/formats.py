"""Dates, times and numbers as the reader's locale writes them (Babel, CLDR data).

The text layer formats through these helpers, never with strftime or f-string number
formats, so a Russian reader sees «сб, 28 нояб.» and «12 345», a Spanish one «sáb, 28 nov»
and «48 %». English is the reference and reads as the bot always wrote it: CLDR's British
English gives "Sat 28 Nov" and 24-hour times, and the house forms CLDR words
differently (date spans "2–8 Mar", the ISO dates in /mydata) are kept for English.
The locale comes from bot.core.i18n (the update's or the outbox row's).
"""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from bot.core.i18n import ENGLISH, current_locale

# The bot's locale → Babel's; English is British English: day before month, 24-hour clock.
_BABEL = {"en": "en_GB", "ru": "ru", "es": "es", "pt-BR": "pt_BR"}


def babel_locale() -> str:
    return _BABEL.get(current_locale(), "en_GB")


def _english() -> bool:
    return current_locale() == ENGLISH


def day_label(day: date) -> str:
    """A date as people say it: 'Sat 28 Nov' (ru «сб, 28 нояб.», es «sáb, 28 nov»)."""
    return format_skeleton("MMMEd", day, locale=babel_locale())


def weekday_day(day: date) -> str:
    """Weekday and day of the month: 'Sat 28' (a column of a week's days side by side)."""
    return format_skeleton("Ed", day, locale=babel_locale())


def short_date(day: date) -> str:
    """Day and month only: '3 Mar' (a week's label)."""
    return format_skeleton("MMMd", day, locale=babel_locale())


def long_date(day: date) -> str:
    """Day, month and year: '28 Nov 2026'."""
    return format_skeleton("yMMMd", day, locale=babel_locale())


def span_label(first: date, last: date) -> str:
    """'2–8 Mar', '23 Feb – 1 Mar', '29 Dec 2025 – 4 Jan 2026' in the reader's locale."""
    if _english():  # the house form: CLDR's British English puts thin spaces round "–"
        if first.year != last.year:
            return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
        if first.month != last.month:
            return f"{first.day} {first:%b} – {last.day} {last:%b}"
        return f"{first.day}–{last.day} {last:%b}"
    skeleton = "yMMMd" if first.year != last.year else "MMMd"
    return format_interval(first, last, skeleton, locale=babel_locale())


def clock(at: time | datetime) -> str:
    """A time of day, 24-hour: '07:30' (the same in every locale the bot speaks)."""
    return format_time(at, "HH:mm", locale=babel_locale())


def moment(at: datetime) -> str:
    """A stored moment in /mydata: '2026-11-28 07:30' in English, the locale's short
    date and time elsewhere."""
    if _english():
        return at.strftime("%Y-%m-%d %H:%M")
    return f"{format_date(at, 'short', locale=babel_locale())} {clock(at)}"


def number(value: int | float) -> str:
    """A count or amount with the locale's grouping: '12,345', «12 345»."""
    return format_decimal(value, locale=babel_locale())


def percent(whole_percent: int | float) -> str:
    """A percentage given in whole percent (48 → '48%', «48 %»)."""
    return format_percent(whole_percent / 100, locale=babel_locale())


def or_list(items: list[str]) -> str:
    """Alternatives joined as the locale does: '/foods or /tip' («/foods или /tip»)."""
    return format_list(items, style="or", locale=babel_locale())


def stored_date(day: date) -> str:
    """A stored date in /mydata: '2026-11-28' in English, the locale's medium date
    elsewhere (ru «28 нояб. 2026 г.»)."""
    return day.isoformat() if _english() else long_date(day)
