"""The week-by-week picture and the transparent rules that suggest seeing a doctor.

Contracts:
- A week is Monday to Sunday in the person's local dates (entries carry their local date
  from when they were logged, see models). The Sunday summary describes the week that
  ends that Sunday, against the week before.
- Counts are of *nights* (distinct local dates with a night cramp), because that is what
  a person and a doctor can compare across weeks; several cramps in one night are one
  night with cramps. Day cramps are counted separately.
- Each rule is a small named function over this week and last week, with the text key
  its sentence has in the texts module and the step of the urgency ladder
  (tips/data/urgency.toml) it sends the person to. A rule that fires is stated in the
  summary with that step's advice; none of them diagnoses. What the rules watch comes from
  NHS / Mayo advice on when to see a doctor about cramps: cramps over 10 minutes, severe
  cramps, cramps disturbing sleep, frequent cramps (night or day), and a new medicine as a
  possible cause. The numbers (3 a week, two weeks running) are MagDaily's rule of thumb:
  no source gives one, and the summary says so.
- A cramp over 10 minutes is answered when it is logged (the 10-minute warning sign);
  the Sunday rule looks back at it, so it suggests an appointment, not help now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from bot.diary.models import (
    DURATION_ORDER,
    CheckIn,
    CrampEntry,
    Duration,
    Muscle,
    Period,
    Severity,
    Trigger,
)

T = TypeVar("T")
DAYS_PER_WEEK = 7
FREQUENT_TIMES = 3  # cramps on this many nights or days a week, two weeks running
DISTURBED_NIGHTS = 3  # nights a cramp woke the person, in one week
TOP_TRIGGERS = 3
HISTORY_WEEKS = 8


def week_start(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class WeekStats:
    """One Monday-to-Sunday week of diary data."""

    start: date
    days: int  # days of the week that have happened (7 except for the current week)
    entries: int
    nights_with_cramps: int
    days_with_cramps: int  # daytime cramps, counted apart from nights
    disturbed_nights: int  # nights with a cramp that woke the person
    checkins_answered: int
    cramp_free_nights: int  # check-in "no cramps" on a night with no cramp logged
    nights_recorded: int  # nights with a check-in answer or a night cramp: the coverage
    severity: dict[Severity, int]
    durations: dict[Duration, int]
    muscles: dict[Muscle, int]
    triggers: dict[Trigger, int]
    longest: Duration | None
    top_muscle: Muscle | None
    top_triggers: tuple[Trigger, ...]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=DAYS_PER_WEEK - 1)

    @property
    def times_with_cramps(self) -> int:
        """Nights with cramps plus days with daytime cramps: how often cramps came."""
        return self.nights_with_cramps + self.days_with_cramps


def _ranked(counts: Counter[T], order: Sequence[T]) -> list[T]:
    """Most frequent first; ties keep the vocabulary's order so the answer is stable."""
    present = [item for item in order if counts[item] > 0]
    return sorted(present, key=lambda item: -counts[item])


def week_stats(entries: Iterable[CrampEntry], checkins: Iterable[CheckIn], start: date,
               today: date) -> WeekStats:
    """The numbers for the week starting on Monday `start`, as seen on local date `today`."""
    if start.weekday() != 0:
        raise ValueError("a week starts on a Monday")
    end = start + timedelta(days=DAYS_PER_WEEK - 1)
    days = max(0, min(DAYS_PER_WEEK, (today - start).days + 1))
    mine = [e for e in entries if start <= e.local_date <= end]
    night_dates = {e.local_date for e in mine if e.period is Period.NIGHT}
    answered = {c.night_of: c for c in checkins if start <= c.night_of <= end}
    severity = Counter(e.severity for e in mine)
    durations = Counter(e.duration for e in mine)
    muscles = Counter(e.muscle for e in mine)
    triggers = Counter(t for e in mine for t in e.triggers)
    longest = max((e.duration for e in mine), key=DURATION_ORDER.index, default=None)
    ranked_muscles = _ranked(muscles, tuple(Muscle))
    return WeekStats(
        start=start,
        days=days,
        entries=len(mine),
        nights_with_cramps=len(night_dates),
        days_with_cramps=len({e.local_date for e in mine if e.period is Period.DAY}),
        disturbed_nights=len({e.local_date for e in mine if e.disturbed_sleep}),
        checkins_answered=len(answered),
        cramp_free_nights=sum(1 for night in answered if night not in night_dates),
        nights_recorded=sum(1 for night in night_dates | set(answered)
                            if (night - start).days < days),  # tonight is not over yet
        severity={s: severity[s] for s in Severity},
        durations={d: durations[d] for d in Duration},
        muscles={m: muscles[m] for m in Muscle},
        triggers={t: triggers[t] for t in Trigger},
        longest=longest,
        top_muscle=ranked_muscles[0] if ranked_muscles else None,
        top_triggers=tuple(_ranked(triggers, tuple(Trigger))[:TOP_TRIGGERS]),
    )


def weeks(entries: Sequence[CrampEntry], checkins: Sequence[CheckIn], today: date,
          count: int = HISTORY_WEEKS) -> tuple[WeekStats, ...]:
    """`count` weeks, oldest first, the last one being the week that contains `today`."""
    if count < 1:
        raise ValueError("at least one week")
    last = week_start(today)
    starts = [last - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
    return tuple(week_stats(entries, checkins, start, today) for start in starts)


# ------------------------------------------------------------------------ rules

def cramp_over_ten_minutes(week: WeekStats, previous: WeekStats | None) -> bool:
    """Any cramp this week lasted over 10 minutes."""
    return week.durations[Duration.OVER_10] >= 1


def frequent_two_weeks(week: WeekStats, previous: WeekStats | None) -> bool:
    """Cramps on 3 or more nights or days this week and the week before (daytime counts)."""
    return (previous is not None and week.times_with_cramps >= FREQUENT_TIMES
            and previous.times_with_cramps >= FREQUENT_TIMES)


def severe_cramp(week: WeekStats, previous: WeekStats | None) -> bool:
    """A cramp this week was marked severe (Mayo: severe discomfort is worth a doctor)."""
    return week.severity[Severity.SEVERE] >= 1


def sleep_disturbed(week: WeekStats, previous: WeekStats | None) -> bool:
    """A cramp woke the person on 3 or more nights this week."""
    return week.disturbed_nights >= DISTURBED_NIGHTS


def new_medicine_tagged(week: WeekStats, previous: WeekStats | None) -> bool:
    """A cramp this week was tagged "new medicine": worth telling the prescriber."""
    return week.triggers[Trigger.NEW_MEDICINE] >= 1


@dataclass(frozen=True, slots=True)
class Rule:
    key: str  # the sentence's key in the texts module
    fires: Callable[[WeekStats, WeekStats | None], bool]
    level: str  # the urgency-ladder step its advice comes from


RULES: tuple[Rule, ...] = (
    Rule("rule_over_10_min", cramp_over_ten_minutes, "appointment"),
    Rule("rule_severe", severe_cramp, "appointment"),
    Rule("rule_frequent_nights", frequent_two_weeks, "appointment"),
    Rule("rule_sleep_disturbed", sleep_disturbed, "appointment"),
    # The new-medicine advice has several steps (a statin: now; other medicines: the same
    # day); the summary shows the new-medicine warning signs, each with its own step.
    Rule("rule_new_medicine", new_medicine_tagged, "same-day"),
)
RULE_LEVELS: dict[str, str] = {rule.key: rule.level for rule in RULES}


def fired_rules(week: WeekStats, previous: WeekStats | None) -> tuple[str, ...]:
    """The keys of every rule that fires for `week`, in the fixed order above."""
    return tuple(rule.key for rule in RULES if rule.fires(week, previous))


@dataclass(frozen=True, slots=True)
class WeeklyPicture:
    """What the Sunday message shows: this week, last week, the history and the rules."""

    this_week: WeekStats
    last_week: WeekStats
    history: tuple[WeekStats, ...]  # oldest first, ends with this_week
    rules: tuple[str, ...]


def weekly_picture(entries: Sequence[CrampEntry], checkins: Sequence[CheckIn],
                   today: date, history_weeks: int = HISTORY_WEEKS) -> WeeklyPicture:
    """The summary for the week containing `today` (a Sunday when sent on schedule)."""
    history = weeks(entries, checkins, today, max(2, history_weeks))
    this_week, last_week = history[-1], history[-2]
    return WeeklyPicture(this_week, last_week, history[-history_weeks:],
                         fired_rules(this_week, last_week))
