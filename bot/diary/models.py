"""What a diary entry and a morning check-in are, and which night or day a cramp belongs to.

Contracts:
- Every choice is a closed vocabulary (StrEnum). The enum *value* is what the database
  stores and the CSV export writes; the member *order* is fixed, because the logging
  buttons carry a choice as its position (see callback_data). Append new members at the
  end only; never reorder or remove one, or old buttons would change meaning.
- Instants are aware UTC datetimes. Local dates are computed once, when the entry is made,
  in the person's zone at that moment, and stored: moving to another zone later does not
  move past cramps to other nights.
- The diary's day: each local date D has a *night* (the night that ends on the morning
  of D) and a *day* (the daytime of D). "Last night" logged at any time on D is the night
  of D; a cramp "just now" at 20:00 or later belongs to the night of D + 1 (the night that
  ends tomorrow morning); before 08:00 it is the night of D. This is the key the weekly
  counts, the morning check-in ("Any cramps last night?" answered on D) and the rules
  share, so a check-in "No" and a cramp logged the same morning talk about the same night.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class Muscle(StrEnum):
    CALF = "calf"
    FOOT = "foot"
    THIGH = "thigh"
    HAMSTRING = "hamstring"
    HAND = "hand"
    OTHER = "other"


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Duration(StrEnum):
    """Bands, not minutes: at 3 a.m. nobody times a cramp, but everyone knows the band."""

    UNDER_1 = "under_1_min"
    ONE_TO_10 = "1_to_10_min"
    OVER_10 = "over_10_min"


class When(StrEnum):
    LAST_NIGHT = "last_night"
    EARLIER_TODAY = "earlier_today"
    JUST_NOW = "just_now"


class Trigger(StrEnum):
    """Tags the person thinks came before; the diary records them and never judges them."""

    EXERCISE = "exercise"
    HEAT = "heat"
    LITTLE_WATER = "little_water"
    ALCOHOL = "alcohol"
    NEW_MEDICINE = "new_medicine"
    LONG_STANDING = "long_standing"
    PREGNANCY = "pregnancy"


class Period(StrEnum):
    NIGHT = "night"
    DAY = "day"


class CheckInAnswer(StrEnum):
    NO_CRAMPS = "no_cramps"
    CRAMPS = "cramps"


# Duration bands in increasing length, so "longest" is a max over this order.
DURATION_ORDER: tuple[Duration, ...] = tuple(Duration)

# The night window in local wall-clock time (see the module docstring).
NIGHT_STARTS = time(20, 0)
NIGHT_ENDS = time(8, 0)


@dataclass(frozen=True, slots=True)
class Placement:
    """The local date and the part of it (night or day) a cramp belongs to."""

    local_date: date
    period: Period


def place(when: When, logged_at: datetime, tz: tzinfo) -> Placement:
    """Which night or day a cramp logged at `logged_at` with answer `when` belongs to."""
    if logged_at.tzinfo is None:
        raise ValueError("logged_at must be an aware datetime")
    local = logged_at.astimezone(tz)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    if when is When.LAST_NIGHT:
        return Placement(today, Period.NIGHT)
    if clock < NIGHT_ENDS:  # "earlier today" or "just now" before 08:00: this past night
        return Placement(today, Period.NIGHT)
    if when is When.JUST_NOW and clock >= NIGHT_STARTS:
        return Placement(today + timedelta(days=1), Period.NIGHT)
    return Placement(today, Period.DAY)


@dataclass(frozen=True, slots=True)
class CrampEntry:
    """One logged cramp, as stored. `id` is None until the storage layer assigns one.

    `woke_up` is None when the person skipped the optional question, which is not the
    same as "did not wake me". `red_flags` records the safety question's answer
    (swollen, warm or red calf): None when it was not asked or not answered.
    """

    chat_id: int
    muscle: Muscle
    severity: Severity
    duration: Duration
    when: When
    logged_at: datetime
    local_date: date
    period: Period
    woke_up: bool | None = None
    triggers: frozenset[Trigger] = field(default_factory=frozenset)
    red_flags: bool | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.logged_at.tzinfo is None or self.logged_at.utcoffset() != timedelta(0):
            raise ValueError("logged_at must be an aware UTC datetime")

    @property
    def disturbed_sleep(self) -> bool:
        """A cramp that woke the person: the sleep rule counts these nights."""
        return self.woke_up is True


@dataclass(frozen=True, slots=True)
class CheckIn:
    """The morning answer for one night: "no cramps" is data, not silence."""

    chat_id: int
    night_of: date  # the local date of the morning the night ended on
    answer: CheckInAnswer
    answered_at: datetime

    def __post_init__(self) -> None:
        if self.answered_at.tzinfo is None or self.answered_at.utcoffset() != timedelta(0):
            raise ValueError("answered_at must be an aware UTC datetime")


def new_entry(*, chat_id: int, muscle: Muscle, severity: Severity, duration: Duration,
              when: When, logged_at: datetime, tz: tzinfo, woke_up: bool | None = None,
              triggers: frozenset[Trigger] = frozenset(),
              red_flags: bool | None = None) -> CrampEntry:
    """An unsaved entry with its local date and period worked out from `when` and `tz`."""
    placement = place(when, logged_at, tz)
    return CrampEntry(chat_id=chat_id, muscle=muscle, severity=severity, duration=duration,
                      when=when, logged_at=logged_at.astimezone(UTC),
                      local_date=placement.local_date, period=placement.period,
                      woke_up=woke_up, triggers=frozenset(triggers), red_flags=red_flags)
