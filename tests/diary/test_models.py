"""Which night or day a cramp belongs to, in the person's zone at the time of logging."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.diary.models import (
    CrampEntry,
    Duration,
    Muscle,
    Period,
    Placement,
    Severity,
    When,
    new_entry,
    place,
)

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def at(day: date, clock: time, tz=BERLIN) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


MON = date(2026, 3, 2)
TUE = date(2026, 3, 3)


@pytest.mark.parametrize("clock", [time(0, 30), time(3, 0), time(7, 59), time(12, 0),
                                   time(19, 59), time(20, 0), time(23, 59)])
def test_last_night_is_always_the_night_ending_this_morning(clock):
    assert place(When.LAST_NIGHT, at(MON, clock), BERLIN) == Placement(MON, Period.NIGHT)


@pytest.mark.parametrize(("clock", "expected"), [
    (time(3, 0), Placement(MON, Period.NIGHT)),
    (time(7, 59), Placement(MON, Period.NIGHT)),
    (time(8, 0), Placement(MON, Period.DAY)),
    (time(19, 59), Placement(MON, Period.DAY)),
    (time(20, 0), Placement(TUE, Period.NIGHT)),  # tonight ends on Tuesday morning
    (time(23, 30), Placement(TUE, Period.NIGHT)),
])
def test_just_now_follows_the_clock(clock, expected):
    assert place(When.JUST_NOW, at(MON, clock), BERLIN) == expected


@pytest.mark.parametrize(("clock", "expected"), [
    (time(7, 30), Placement(MON, Period.NIGHT)),  # earlier today, before 08:00: the night
    (time(8, 0), Placement(MON, Period.DAY)),
    (time(23, 0), Placement(MON, Period.DAY)),  # earlier today is still today's daytime
])
def test_earlier_today(clock, expected):
    assert place(When.EARLIER_TODAY, at(MON, clock), BERLIN) == expected


def test_the_zone_at_logging_time_decides_the_date():
    instant = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # Tue 07:00 in Tokyo, Mon 17:00 NY
    assert place(When.LAST_NIGHT, instant, TOKYO) == Placement(TUE, Period.NIGHT)
    assert place(When.LAST_NIGHT, instant, NEW_YORK) == Placement(MON, Period.NIGHT)


def test_new_entry_stores_utc_and_its_placement():
    entry = new_entry(chat_id=7, muscle=Muscle.CALF, severity=Severity.SEVERE,
                      duration=Duration.OVER_10, when=When.JUST_NOW,
                      logged_at=datetime(2026, 3, 2, 21, 30, tzinfo=BERLIN), tz=BERLIN)
    assert entry.logged_at == datetime(2026, 3, 2, 20, 30, tzinfo=UTC)
    assert entry.logged_at.tzinfo is UTC
    assert (entry.local_date, entry.period) == (TUE, Period.NIGHT)
    assert entry.id is None and entry.woke_up is None and entry.triggers == frozenset()


def test_naive_or_non_utc_instants_are_refused():
    with pytest.raises(ValueError):
        place(When.JUST_NOW, datetime(2026, 3, 2, 3, 0), BERLIN)
    with pytest.raises(ValueError):
        CrampEntry(chat_id=1, muscle=Muscle.CALF, severity=Severity.MILD,
                   duration=Duration.UNDER_1, when=When.JUST_NOW,
                   logged_at=datetime(2026, 3, 2, 3, 0, tzinfo=BERLIN), local_date=MON,
                   period=Period.NIGHT)


def test_stored_vocabulary_is_the_issue_s():
    # The database and the CSV hold these values; they must not drift.
    assert [m.value for m in Muscle] == ["calf", "foot", "thigh", "hamstring", "hand",
                                         "other"]
    assert [s.value for s in Severity] == ["mild", "moderate", "severe"]
    assert [d.value for d in Duration] == ["under_1_min", "1_to_10_min", "over_10_min"]
    assert [w.value for w in When] == ["last_night", "earlier_today", "just_now"]
