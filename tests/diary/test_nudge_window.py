"""When the afternoon water nudge is planned and how late it may go (local wall times)."""

from __future__ import annotations

from datetime import time

import pytest

from bot.diary.prompts import nudge_window


@pytest.mark.parametrize(("stretch", "planned", "latest"), [
    (None, time(15, 0), time(19, 0)),  # no stretch: 15:00, until 3 h before 22:00
    (time(23, 0), time(15, 0), time(19, 0)),
    (time(22, 0), time(15, 0), time(19, 0)),
    (time(21, 0), time(15, 0), time(18, 0)),
    (time(20, 0), time(15, 0), time(17, 0)),
    (time(18, 0), time(14, 0), time(15, 0)),  # moved earlier, an hour to send it in
    (time(17, 30), time(13, 30), time(14, 30)),
    (time(15, 0), time(18, 0), time(19, 0)),  # 18:00 is nearer 15:00 than 11:00
    (time(14, 0), time(17, 0), time(19, 0)),
    (time(12, 0), time(15, 0), time(19, 0)),
    (time(5, 0), time(15, 0), time(19, 0)),
    (time(0, 30), time(15, 0), time(19, 0)),
])
def test_planned_and_latest(stretch, planned, latest):
    assert nudge_window(stretch) == (planned, latest)


@pytest.mark.parametrize("minute", range(0, 24 * 60, 10))
def test_never_within_3_hours_of_the_stretch_nor_after_19_00(minute):
    stretch = time(minute // 60, minute % 60)
    planned, latest = nudge_window(stretch)
    start, end = planned.hour * 60 + planned.minute, latest.hour * 60 + latest.minute
    assert 7 * 60 <= start and end <= 19 * 60 and end - start >= 60
    for at in range(start, end + 1):
        apart = abs(at - minute)
        assert min(apart, 24 * 60 - apart) >= 180, (stretch, at)
