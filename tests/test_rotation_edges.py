"""Edges of the time arithmetic and the tip rotation that `make mutate` found untested.

- The next-send instant is a UTC instant whatever the machine's own time zone, and the
  subscriber's calendar is read in the subscriber's zone, never the machine's.
- Given both the last slot and an explicit done-through date, the later one wins.
- With two topics, the topic of the previous tip is skipped even when it is fuller.
- The order within a topic is per subscriber: not everyone gets the same tip first.
"""

from __future__ import annotations

import time as systime
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.timecalc import local_instant, next_send
from tips.catalog import Tip
from tips.selector import pick_next

pytestmark = pytest.mark.both_engines

NEW_YORK = ZoneInfo("America/New_York")
FAR_WEST = ZoneInfo("Etc/GMT+12")  # UTC-12


@pytest.fixture
def machine_in_kiritimati(monkeypatch):
    """The host's own zone is UTC+14, so a slip to local time shows."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    systime.tzset()
    yield
    monkeypatch.undo()
    systime.tzset()


def test_instants_are_utc_whatever_the_machine_zone(machine_in_kiritimati):
    plain = local_instant(date(2026, 6, 1), time(9, 0), NEW_YORK)
    gap = local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)  # clocks jump 2:00 → 3:00
    assert plain == datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    assert gap == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert plain.utcoffset() == timedelta(0) and gap.utcoffset() == timedelta(0)


def test_the_subscriber_calendar_is_read_in_their_zone_not_the_machines(machine_in_kiritimati):
    # 10:00 UTC is 22:00 on the 24th at UTC-12 but already the 26th on the machine.
    after = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    instant, day = next_send(time(23, 0), FAR_WEST, after)
    assert (instant, day) == (datetime(2026, 11, 25, 11, 0, tzinfo=UTC), date(2026, 11, 24))


@pytest.mark.parametrize(("done_through", "last_sent", "expected_day"), [
    # the explicit date is later than the last slot's date
    (date(2026, 11, 27), datetime(2026, 11, 25, 14, 0, tzinfo=UTC), date(2026, 11, 28)),
    # the last slot's date is later than the explicit date
    (date(2026, 11, 24), datetime(2026, 11, 26, 14, 0, tzinfo=UTC), date(2026, 11, 27)),
])
def test_with_both_guards_the_later_date_wins(done_through, last_sent, expected_day):
    after = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    instant, day = next_send(time(9, 0), NEW_YORK, after, done_through, last_sent=last_sent)
    assert day == expected_day
    assert instant == datetime.combine(expected_day, time(14, 0), tzinfo=UTC)


def _tips(topic: str, count: int) -> list[Tip]:
    return [Tip(id=f"{topic}-{n:03d}", topic=topic, text="t", source="s")
            for n in range(count)]


def test_with_two_topics_the_last_topic_is_skipped_even_when_fuller():
    candidates = _tips("foods", 3) + _tips("rest", 1)
    pick = pick_next(candidates, set(), "foods", seed=7)
    assert pick is not None and pick.tip.topic == "rest"


def test_the_order_within_a_topic_differs_between_subscribers():
    candidates = _tips("foods", 10)
    firsts = {pick_next(candidates, set(), None, seed).tip.id for seed in range(1, 41)}
    assert len(firsts) > 3
