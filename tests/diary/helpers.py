"""Builders for diary tests: entries and check-ins placed on chosen local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.diary.models import (
    CheckIn,
    CheckInAnswer,
    CrampEntry,
    Duration,
    Muscle,
    Severity,
    Trigger,
    When,
    new_entry,
)

BERLIN = ZoneInfo("Europe/Berlin")


def morning(day: date, at: time = time(7, 30), tz=BERLIN) -> datetime:
    """An aware UTC instant at local time `at` on `day`."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def night_cramp(day: date, *, muscle=Muscle.CALF, severity=Severity.MODERATE,
                duration=Duration.UNDER_1, woke_up=None, triggers=(),
                chat_id=1) -> CrampEntry:
    """A cramp logged "last night" on the morning of `day`: it belongs to the night of `day`."""
    return new_entry(chat_id=chat_id, muscle=muscle, severity=severity, duration=duration,
                     when=When.LAST_NIGHT, logged_at=morning(day), tz=BERLIN,
                     woke_up=woke_up, triggers=frozenset(triggers))


def day_cramp(day: date, **kwargs) -> CrampEntry:
    entry = new_entry(chat_id=1, muscle=kwargs.get("muscle", Muscle.HAND),
                      severity=Severity.MILD, duration=Duration.UNDER_1,
                      when=When.EARLIER_TODAY, logged_at=morning(day, time(15, 0)),
                      tz=BERLIN, triggers=frozenset(kwargs.get("triggers", ())))
    return entry


def no_cramps(day: date) -> CheckIn:
    return CheckIn(1, day, CheckInAnswer.NO_CRAMPS, morning(day))


__all__ = ["BERLIN", "Trigger", "day_cramp", "morning", "night_cramp", "no_cramps"]
