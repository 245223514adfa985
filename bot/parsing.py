"""Forgiving parsers for what people type: times of day, time zones, day counts.

They return None instead of raising, so a handler can answer bad input with an example
of the right form rather than an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

_MAX_INPUT = 64  # nothing valid is longer; cut work on hostile input early

_TIME_RE = re.compile(
    r"^(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?\s*m\.?)?$", re.IGNORECASE
)
_COMPACT_TIME_RE = re.compile(r"^(?P<h>\d{2})(?P<m>\d{2})$")
_OFFSET_RE = re.compile(
    r"^(?:UTC|GMT)?\s*(?P<sign>[+\-−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$", re.IGNORECASE
)


def parse_send_time(text: str) -> time | None:
    """Read a time of day: '7:30', '07:30', '7:30pm', '19.30', '7pm', '0730'."""
    text = text.strip()
    if not text or len(text) > _MAX_INPUT:
        return None
    match = _TIME_RE.match(text) or _COMPACT_TIME_RE.match(text)
    if match is None:
        return None
    hour = int(match["h"])
    minute = int(match["m"] or 0)
    ampm = match.groupdict().get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    elif match["m"] is None and match.re is _TIME_RE:
        return None  # a bare "7" is too ambiguous to guess
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


@dataclass(frozen=True, slots=True)
class Zone:
    """A time zone a subscriber chose: the name we store and show, and its tzinfo."""

    name: str
    tz: tzinfo


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Lower-case lookup of every IANA zone (from the tzdata package where the OS has none)."""
    names = {n for n in available_timezones() if "/" in n or n == "UTC"}
    names -= {n for n in names if n.startswith(("posix/", "right/", "SystemV/"))}
    return {n.lower(): n for n in sorted(names)}


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[str]]:
    by_city: dict[str, list[str]] = {}
    for name in _zone_names().values():
        city = name.rsplit("/", 1)[-1].lower()
        by_city.setdefault(city, []).append(name)
    return by_city


def _offset_name(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}" if mins else f"UTC{sign}{hours}"


def resolve_zone(name: str) -> tzinfo:
    """Turn a stored zone name back into a tzinfo; stored names always come from parse_zone."""
    zone = parse_zone(name)
    if zone is None:
        raise ValueError(f"unknown time zone {name!r}")
    return zone.tz


def parse_zone(text: str) -> Zone | None:
    """Read 'Europe/Berlin', 'europe/berlin', 'Berlin', 'UTC', 'UTC+2', 'UTC-03:30'."""
    text = text.strip().replace(" ", "_")
    if not text or len(text) > _MAX_INPUT:
        return None  # checked before the cache, so hostile input cannot fill it
    return _parse_zone(text)


@lru_cache(maxsize=4096)
def _parse_zone(text: str) -> Zone | None:
    if text.upper() in ("UTC", "GMT", "Z", "ETC/UTC"):
        return Zone("UTC", ZoneInfo("UTC"))
    offset = _OFFSET_RE.match(text.replace("_", ""))
    if offset is not None:
        hours, minutes = int(offset["h"]), int(offset["m"] or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            return None
        total = hours * 60 + minutes
        if offset["sign"] != "+":
            total = -total
        if total == 0:
            return Zone("UTC", ZoneInfo("UTC"))
        name = _offset_name(total)
        return Zone(name, timezone(timedelta(minutes=total), name))
    key = _zone_names().get(text.lower())
    if key is None:
        matches = _cities().get(text.lower(), [])
        if len(matches) != 1:
            return None
        key = matches[0]
    try:
        return Zone(key, ZoneInfo(key))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def suggest_zones(text: str, limit: int = 5) -> list[str]:
    """Closest IANA names to a mistyped zone, so the answer can offer something to tap or copy."""
    text = text.strip()[:_MAX_INPUT].replace(" ", "_")
    if not text:
        return ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney",
                "UTC"][:limit]
    names = list(_zone_names().values())
    found = process.extract(text, names, scorer=fuzz.WRatio, limit=limit)
    return [name for name, _score, _idx in found]


def parse_days(text: str, *, default: int, low: int, high: int) -> int | None:
    """Read a whole number of days within [low, high]; empty input means the default."""
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"\d{1,3}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None
