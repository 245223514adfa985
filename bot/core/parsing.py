"""Forgiving parsers for what people type: times of day and day counts (zones: bot.zones).

They return None instead of raising, so a handler can answer bad input with an example
of the right form rather than an error.
"""

from __future__ import annotations

import re
from datetime import time

_MAX_INPUT = 64  # nothing valid is longer; cut work on hostile input early

_TIME_RE = re.compile(
    r"^(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?\s*m\.?)?$", re.IGNORECASE
)
_COMPACT_TIME_RE = re.compile(r"^(?P<h>\d{2})(?P<m>\d{2})$")


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


def parse_days(text: str, *, default: int, low: int, high: int) -> int | None:
    """Read a whole number of days within [low, high]; empty input means the default."""
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"\d{1,3}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None
