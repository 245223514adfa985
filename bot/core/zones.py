"""Time zones: what a subscriber may choose, and turning a stored name back into a tzinfo.

Next to the time arithmetic in timecalc.py rather than in the input parsers, because
the scheduler, the subscription rules and /mydata all resolve stored names here; the
handlers only read what people type through `parse_zone`. Like the parsers, reading
returns None instead of raising, so bad input gets an example of the right form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process, utils

from bot.core.places import place_zones, zone_at_location

_MAX_INPUT = 64  # nothing valid is longer; cut work on hostile input early

_OFFSET_RE = re.compile(
    r"^(?:UTC|GMT)?\s*(?P<sign>[+\-−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$", re.IGNORECASE
)


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


def zone_or_utc(name: str) -> tzinfo:
    """A stored zone name as a tzinfo, or UTC when the name no longer resolves (a tz
    database that dropped it): a person's local day is then UTC's, never an error."""
    try:
        return resolve_zone(name)
    except ValueError:
        return UTC


def resolve_zone(name: str) -> tzinfo:
    """Turn a stored zone name back into a tzinfo; stored names always come from parse_zone."""
    found = _resolved.get(name)  # the tick resolves one name per due subscriber
    if found is not None:
        return found
    zone = parse_zone(name)
    if zone is None:
        raise ValueError(f"unknown time zone {name!r}")
    if len(_resolved) < _MAX_RESOLVED:  # stored names are few; this only bounds memory
        _resolved[name] = zone.tz
    return zone.tz


_resolved: dict[str, tzinfo] = {}
_MAX_RESOLVED = 4096


def parse_zone(text: str) -> Zone | None:
    """Read 'Europe/Berlin', 'europe/berlin', 'Berlin', 'UTC', 'UTC+2', 'UTC-03:30'.

    NFKC first, so full-width 'ＢＥＲＬＩＮ' or 'ＵＴＣ＋２' read as typed on a Latin keyboard.
    """
    if len(text) > _MAX_INPUT * 2:
        return None  # before normalising: NFKC of hostile input can grow it
    text = unicodedata.normalize("NFKC", text).strip().replace(" ", "_")
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
        if minutes >= 60:
            return None
        total = hours * 60 + minutes
        if offset["sign"] != "+":
            total = -total
        if not -12 * 60 <= total <= 14 * 60:  # the offsets clocks use: UTC-12 … UTC+14
            return None
        if total == 0:
            return Zone("UTC", ZoneInfo("UTC"))
        name = _offset_name(total)
        return Zone(name, timezone(timedelta(minutes=total), name))
    key = _zone_names().get(text.lower())
    if key is None:
        matches = _cities().get(text.lower(), [])
        if len(matches) != 1:
            matches = place_zones(text.replace("_", " "))
        if len(matches) != 1:
            return None
        key = matches[0]
    try:
        return Zone(key, ZoneInfo(key))
    except (ZoneInfoNotFoundError, ValueError):
        return None


# How close a mistyped name must be (rapidfuzz's 0-100 scores) to be offered at all, and
# how far behind the best offer another may be: "Munihc" resembles no zone name, and an
# answer with five unrelated zones is worse than an answer with none.
NEAR_ZONE_SCORE = 75
NEAR_SPREAD = 10


def suggest_zones(text: str, limit: int = 5) -> list[str]:
    """Closest IANA names to a mistyped zone, so the answer can offer something to tap or copy.

    A place with several zones ("USA", "Australia") offers exactly those, biggest first;
    otherwise the near spellings of IANA names, or none (a mistyped city: `near_places`).
    """
    places = place_zones(text.strip()[:_MAX_INPUT])
    if places:
        return places[:limit]
    text = text.strip()[:_MAX_INPUT].replace(" ", "_")
    if not text:
        return ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney",
                "UTC"][:limit]
    names = list(_zone_names().values())
    found = process.extract(text, names, scorer=fuzz.WRatio, limit=limit,
                            processor=utils.default_process, score_cutoff=NEAR_ZONE_SCORE)
    # Only the near ones: a name far behind the best match is noise, not a suggestion.
    best = max((score for _name, score, _idx in found), default=0)
    return [name for name, score, _idx in found if score >= best - NEAR_SPREAD]


# Zones from a location or from the time it is for someone now

COMMON_ZONES = (
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York",
    "America/Toronto", "America/Halifax", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
    "America/St_Johns", "Atlantic/Azores", "Europe/London", "Europe/Lisbon", "Africa/Lagos",
    "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw",
    "Africa/Johannesburg", "Africa/Cairo", "Europe/Athens", "Europe/Kyiv", "Europe/Istanbul",
    "Europe/Moscow", "Asia/Riyadh", "Africa/Nairobi", "Asia/Tehran", "Asia/Dubai",
    "Asia/Kabul", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka",
    "Asia/Yangon", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai",
    "Australia/Perth", "Asia/Tokyo", "Asia/Seoul", "Australia/Adelaide", "Australia/Darwin",
    "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland", "UTC",
)


def offset_minutes(zone_name: str, now: datetime) -> int:
    """The zone's UTC offset at `now`, in minutes (DST included)."""
    offset = now.astimezone(ZoneInfo(zone_name)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def common_offsets(now: datetime) -> list[int]:
    """Every distinct UTC offset of the common zones at `now`, west to east."""
    return sorted({offset_minutes(name, now) for name in COMMON_ZONES})


def zones_at_offset(minutes: int, now: datetime) -> list[str]:
    """The common zones whose clocks show UTC + `minutes` at `now`."""
    return [name for name in COMMON_ZONES if offset_minutes(name, now) == minutes]


def zone_from_location(latitude: float, longitude: float) -> Zone | None:
    """The zone at a shared location (resolved offline; the caller must not keep the point)."""
    name = zone_at_location(latitude, longitude)
    return parse_zone(name) if name else None
