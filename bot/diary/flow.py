"""The logging flow as a pure state machine: what has been chosen so far -> what comes next.

Contracts:
- The whole state before saving is a `Draft`: four optional choices. It is small enough
  to ride in each button's callback data (see callback_data), so the flow keeps no
  server-side session: a button press carries the draft *after* its choice, and
  `advance` says what to ask next or that the entry is complete. Any combination of
  filled fields is a valid draft, so presets need no special path: /sos "Log it" starts
  with the muscle chosen, a check-in "Yes" starts with "last night" chosen.
- A minimal entry is four taps from an empty draft (muscle, severity, duration, when);
  the entry is saved on the tap that completes it. Woke-up, trigger tags and the safety
  question come after saving, on the summary message, so they never add a required tap.
- The safety question (a calf cramp that is severe or over 10 minutes: "is the calf also
  swollen, warm or red?") is asked once per entry: the answer is stored on the entry
  (`red_flags`), and the summary only asks while it is None. "Yes" always leads to the
  urgent advice at once, even from a stale button.
- A cramp over 10 minutes, of any muscle, is answered at once with the 10-minute warning
  sign (`over_ten_minutes`); turning the "new medicine" tag on answers at once with the
  new-medicine advice (`Updated.new_medicine`). Turning it off, or any other tag, does not.
- After saving, every button acts on one stored entry; `apply` returns the new entry (or
  that it was removed) and never touches storage, which checks the entry's owner.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.diary.models import CrampEntry, Duration, Muscle, Severity, Trigger, When

Choice = Muscle | Severity | Duration | When


class Step(StrEnum):
    MUSCLE = "muscle"
    SEVERITY = "severity"
    DURATION = "duration"
    WHEN = "when"


# The order the questions are asked in, and the choices each one offers.
STEPS: tuple[Step, ...] = (Step.MUSCLE, Step.SEVERITY, Step.DURATION, Step.WHEN)
OPTIONS: dict[Step, tuple[Choice, ...]] = {
    Step.MUSCLE: tuple(Muscle),
    Step.SEVERITY: tuple(Severity),
    Step.DURATION: tuple(Duration),
    Step.WHEN: tuple(When),
}
_STEP_OF: dict[type, Step] = {Muscle: Step.MUSCLE, Severity: Step.SEVERITY,
                              Duration: Step.DURATION, When: Step.WHEN}


@dataclass(frozen=True, slots=True)
class Draft:
    """The choices made so far; None means "not asked yet"."""

    muscle: Muscle | None = None
    severity: Severity | None = None
    duration: Duration | None = None
    when: When | None = None

    def value(self, step: Step) -> Choice | None:
        return getattr(self, step.value)

    def with_choice(self, choice: Choice) -> Draft:
        """The draft after one button press; the choice's type says which field it fills."""
        fill: dict[str, Any] = {_STEP_OF[type(choice)].value: choice}
        return dataclasses.replace(self, **fill)


@dataclass(frozen=True, slots=True)
class Ask:
    """Show one question: its step, the draft so far and the choices to offer."""

    step: Step
    draft: Draft
    options: tuple[Choice, ...]
    taps_so_far: int  # how many of the four questions are answered (for "step 2 of 4")


@dataclass(frozen=True, slots=True)
class Complete:
    """Every required choice is made: save the entry now."""

    muscle: Muscle
    severity: Severity
    duration: Duration
    when: When


Next = Ask | Complete


def advance(draft: Draft) -> Next:
    """The first unanswered question, or Complete when all four are answered."""
    answered = sum(draft.value(step) is not None for step in STEPS)
    for step in STEPS:
        if draft.value(step) is None:
            return Ask(step, draft, OPTIONS[step], answered)
    assert draft.muscle and draft.severity and draft.duration and draft.when
    return Complete(draft.muscle, draft.severity, draft.duration, draft.when)


def start(*, muscle: Muscle | None = None, when: When | None = None) -> Ask:
    """The first question of a new entry, with the presets /sos and the check-in use."""
    first = advance(Draft(muscle=muscle, when=when))
    assert isinstance(first, Ask)  # at most two of four fields are preset
    return first


# --------------------------------------------------------------- safety question

def needs_safety_question(muscle: Muscle, severity: Severity, duration: Duration) -> bool:
    """A calf cramp marked severe, or lasting over 10 minutes, gets the question."""
    return muscle is Muscle.CALF and (severity is Severity.SEVERE
                                      or duration is Duration.OVER_10)


def over_ten_minutes(entry: CrampEntry) -> bool:
    """Any muscle: a cramp that lasted over 10 minutes meets the 10-minute warning sign."""
    return entry.duration is Duration.OVER_10


def safety_pending(entry: CrampEntry) -> bool:
    """Ask on the summary only while the entry qualifies and has no answer yet."""
    return (entry.red_flags is None
            and needs_safety_question(entry.muscle, entry.severity, entry.duration))


# --------------------------------------------------------------- after saving

class Action(StrEnum):
    SAFETY_YES = "safety_yes"
    SAFETY_NO = "safety_no"
    WOKE = "woke"  # toggles "it woke me up"
    TRIGGER = "trigger"  # toggles one trigger tag
    UNDO = "undo"  # from the summary just after logging
    DELETE = "delete"  # from /diary
    DONE = "done"  # closes the summary's optional buttons


@dataclass(frozen=True, slots=True)
class Updated:
    """Store `entry`; `urgent` means answer with the urgent advice at once, `new_medicine`
    with the new-medicine advice (the tag was just turned on)."""

    entry: CrampEntry
    urgent: bool = False
    new_medicine: bool = False


@dataclass(frozen=True, slots=True)
class Removed:
    entry_id: int


@dataclass(frozen=True, slots=True)
class Closed:
    entry: CrampEntry


@dataclass(frozen=True, slots=True)
class Rejected:
    """The action does not fit this entry (e.g. a forged safety answer for a foot cramp)."""


Outcome = Updated | Removed | Closed | Rejected


def apply(entry: CrampEntry, action: Action, trigger: Trigger | None = None) -> Outcome:
    """What one summary or /diary button does to a stored entry."""
    if entry.id is None:
        return Rejected()
    if action in (Action.SAFETY_YES, Action.SAFETY_NO):
        if not needs_safety_question(entry.muscle, entry.severity, entry.duration):
            return Rejected()
        yes = action is Action.SAFETY_YES
        return Updated(dataclasses.replace(entry, red_flags=yes), urgent=yes)
    if action is Action.WOKE:
        return Updated(dataclasses.replace(entry, woke_up=entry.woke_up is not True))
    if action is Action.TRIGGER:
        if trigger is None:
            return Rejected()
        triggers = entry.triggers ^ {trigger}
        turned_on = trigger is Trigger.NEW_MEDICINE and trigger in triggers
        return Updated(dataclasses.replace(entry, triggers=triggers), new_medicine=turned_on)
    if action in (Action.UNDO, Action.DELETE):
        return Removed(entry.id)
    return Closed(entry)
