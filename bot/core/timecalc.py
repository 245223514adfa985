"""When a subscriber's next daily tip is due, as a UTC instant.

Subscribers choose a local wall-clock time; the database stores the next UTC instant so
the tick can find due subscribers with one indexed range query. DST is handled here:
a time that does not exist on a spring-forward day is sent at the first valid instant
after the jump (or, when the jump skips the rest of the day, in the minute before it),
and a time that occurs twice on an autumn day is sent at its first occurrence only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache


def _wall_of(instant: datetime, tz: tzinfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


# --- perf: a pure function of (day, time, zone), and the daily tick asks it for thousands
# of subscribers who share a few dozen zones and 96 quarter-hours: computed once per value.
@lru_cache(maxsize=1 << 14)
def local_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant when wall-clock `at` is first reached on `day` in `tz`."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall_of(first, tz) == wall:
        return first
    # `wall` falls in a DST gap. The two fold readings straddle the jump; the first
    # instant whose local reading reaches `wall` is the moment the clocks move forward.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall_of(middle, tz) >= wall:
            high = middle
        else:
            low = middle
    jump = high.replace(microsecond=0)
    if _wall_of(jump, tz).date() != day:
        # The jump skips the rest of `day` (America/Nuuk, 2026-03-28: 22:00 -> 00:00):
        # the first valid instant is already tomorrow, so `day` gets its tip in the
        # last minute before the jump instead of none at all.
        return jump - timedelta(minutes=1)
    return jump


def local_date(instant: datetime, tz: tzinfo) -> date:
    """The subscriber's calendar date at `instant`; the daily-tip uniqueness key uses it."""
    return instant.astimezone(tz).date()


def next_send(at: time, tz: tzinfo, after: datetime, done_through: date | None = None,
              *, last_sent: datetime | None = None) -> tuple[datetime, date]:
    """First (instant, local date) at or after `after` whose local date is past the last tip.

    Pass `last_sent`, the UTC instant of the previous daily slot: its local date is then
    read in `tz`, the zone that applies now, so moving east across midnight after today's
    tip cannot produce a second tip on the same new-zone date. `done_through` is the same
    guard given directly as a date in `tz`. A calendar day the zone skipped entirely
    (Pacific/Apia, 2011-12-30) has no slot.
    """
    if last_sent is not None:
        sent_day = local_date(last_sent, tz)
        done_through = sent_day if done_through is None else max(done_through, sent_day)
    # Today first: no zone's clock goes back across midnight far enough for yesterday's
    # first-occurrence slot to lie after `after` (checked over every transition of ten
    # such zones, 2023-2026, at every half hour), so starting from yesterday changed nothing.
    day = local_date(after, tz)
    if done_through is not None and day <= done_through:
        day = done_through + timedelta(days=1)
    for _ in range(5):
        instant = local_instant(day, at, tz)
        if instant >= after and local_date(instant, tz) == day:
            return instant, day
        day += timedelta(days=1)
    raise AssertionError("a daily time always recurs within four days")  # pragma: no cover
