"""The diary's button data: compact, canonical, and refused when forged or garbled.

Telegram returns a button's callback_data verbatim, but anyone can send any string in
its place, so every parse returns None for anything `pack` could not have produced:
unknown prefix, wrong length, an index outside its vocabulary, a non-ASCII digit, a
leading zero, an id outside SQLite's rowid range, an impossible date. Parsing never
raises. Each kind is one frozen dataclass with `pack` / `parse`; `pack` refuses to make
data over Telegram's 64-byte limit (UTF-8). Every string is ASCII, so bytes == chars.

Vocabulary positions follow the enum member order (see models): a draft "cd:0120" is
calf, severe, 1-10 minutes, last night; "-" marks a step not answered yet.

Prefixes (the integrator moves these into bot/ui/callbacks.py in phase 2):
  cd:<m><s><d><w>       draft after a choice          cd:0---  cd:012-
  cx                    cancel the draft (nothing stored yet)
  ce:<act>:<entry id>   act on a stored entry         ce:w:42  ce:t4:42  ce:s1:42
  ck:<y|n>:<YYYYMMDD>   morning check-in answer       ck:n:20260302
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, TypeVar

from bot.diary.flow import Action, Draft
from bot.diary.models import CheckInAnswer, Duration, Muscle, Severity, Trigger, When

T = TypeVar("T")
MAX_BYTES = 64
MAX_ENTRY_ID = 2**63 - 1  # SQLite INTEGER PRIMARY KEY range
_UNSET = "-"
_MUSCLES = tuple(Muscle)
_SEVERITIES = tuple(Severity)
_DURATIONS = tuple(Duration)
_WHENS = tuple(When)
_TRIGGERS = tuple(Trigger)


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError("callback data over Telegram's 64-byte limit")
    return data


def _code(value: T | None, vocabulary: tuple[T, ...]) -> str:
    return _UNSET if value is None else str(vocabulary.index(value))


def _decode(char: str, vocabulary: tuple[T, ...]) -> T | None:
    return None if char == _UNSET else vocabulary[int(char)]


@dataclass(frozen=True, slots=True)
class DraftButton:
    """A logging-step button: the draft as it is once this button is pressed."""

    draft: Draft
    PREFIX: ClassVar[str] = "cd"
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        rf"cd:([0-{len(_MUSCLES) - 1}-])([0-{len(_SEVERITIES) - 1}-])"
        rf"([0-{len(_DURATIONS) - 1}-])([0-{len(_WHENS) - 1}-])", re.ASCII)

    def pack(self) -> str:
        d = self.draft
        return _checked(f"{self.PREFIX}:{_code(d.muscle, _MUSCLES)}"
                        f"{_code(d.severity, _SEVERITIES)}{_code(d.duration, _DURATIONS)}"
                        f"{_code(d.when, _WHENS)}")

    @classmethod
    def parse(cls, data: str) -> DraftButton | None:
        match = cls._PATTERN.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            return None
        m, s, d, w = match.groups()
        return cls(Draft(muscle=_decode(m, _MUSCLES), severity=_decode(s, _SEVERITIES),
                         duration=_decode(d, _DURATIONS), when=_decode(w, _WHENS)))


@dataclass(frozen=True, slots=True)
class CancelDraftButton:
    """"Cancel" during the steps: nothing was stored, so no id is needed."""

    PREFIX: ClassVar[str] = "cx"

    def pack(self) -> str:
        return _checked(self.PREFIX)

    @classmethod
    def parse(cls, data: str) -> CancelDraftButton | None:
        return cls() if data == cls.PREFIX else None


_ACTION_CODES: dict[Action, str] = {
    Action.SAFETY_YES: "s1", Action.SAFETY_NO: "s0", Action.WOKE: "w",
    Action.TRIGGER: "t", Action.UNDO: "u", Action.DELETE: "x", Action.DONE: "k",
}
_ACTIONS_BY_CODE = {code: action for action, code in _ACTION_CODES.items()}


@dataclass(frozen=True, slots=True)
class EntryButton:
    """A button on a saved entry (summary or /diary). The storage layer must still check
    that the entry belongs to the chat that pressed it: ids in button data are public."""

    action: Action
    entry_id: int
    trigger: Trigger | None = None
    PREFIX: ClassVar[str] = "ce"
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        rf"ce:(s1|s0|w|u|x|k|t([0-{len(_TRIGGERS) - 1}])):([1-9][0-9]{{0,18}})", re.ASCII)

    def __post_init__(self) -> None:
        if not 1 <= self.entry_id <= MAX_ENTRY_ID:
            raise ValueError("entry id out of range")
        if (self.trigger is None) != (self.action is not Action.TRIGGER):
            raise ValueError("a trigger goes with the trigger action and only with it")

    def pack(self) -> str:
        code = _ACTION_CODES[self.action]
        if self.trigger is not None:
            code += str(_TRIGGERS.index(self.trigger))
        return _checked(f"{self.PREFIX}:{code}:{self.entry_id}")

    @classmethod
    def parse(cls, data: str) -> EntryButton | None:
        match = cls._PATTERN.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            return None
        code, trigger_index, digits = match.groups()
        entry_id = int(digits)
        if entry_id > MAX_ENTRY_ID:
            return None
        if trigger_index is not None:
            return cls(Action.TRIGGER, entry_id, _TRIGGERS[int(trigger_index)])
        return cls(_ACTIONS_BY_CODE[code], entry_id)


_CHECKIN_CODES = {CheckInAnswer.CRAMPS: "y", CheckInAnswer.NO_CRAMPS: "n"}


@dataclass(frozen=True, slots=True)
class CheckInButton:
    """The morning check-in's Yes / No, carrying the night it asked about, so a stale
    button pressed tomorrow still records the right night (or is refused as too old)."""

    answer: CheckInAnswer
    night_of: date
    PREFIX: ClassVar[str] = "ck"
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        r"ck:([yn]):(20[0-9]{2})([0-9]{2})([0-9]{2})", re.ASCII)

    def pack(self) -> str:
        return _checked(f"{self.PREFIX}:{_CHECKIN_CODES[self.answer]}:"
                        f"{self.night_of.strftime('%Y%m%d')}")

    @classmethod
    def parse(cls, data: str) -> CheckInButton | None:
        match = cls._PATTERN.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            return None
        code, year, month, day = match.groups()
        try:
            night = date(int(year), int(month), int(day))
        except ValueError:
            return None
        answer = CheckInAnswer.CRAMPS if code == "y" else CheckInAnswer.NO_CRAMPS
        return cls(answer, night)


DiaryButton = DraftButton | CancelDraftButton | EntryButton | CheckInButton
_KINDS: tuple[type[DraftButton] | type[CancelDraftButton] | type[EntryButton]
              | type[CheckInButton], ...] = (DraftButton, CancelDraftButton, EntryButton,
                                             CheckInButton)
PREFIXES: tuple[str, ...] = tuple(kind.PREFIX for kind in _KINDS)


def parse(data: str) -> DiaryButton | None:
    """Any diary button's data, or None for anything a diary button could not carry."""
    for kind in _KINDS:
        button = kind.parse(data)
        if button is not None:
            return button
    return None
