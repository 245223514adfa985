"""What every inline button carries: one definition per callback prefix.

Each kind of button is a frozen dataclass declared with its prefix
(`class PickTime(CallbackData, prefix="time")`). `pack()` writes
"<prefix>:<field>:<field>…" and `parse()` reads it back, side by side, so the two
directions cannot drift apart. Telegram refuses callback_data over 64 bytes of UTF-8;
`pack()` is the one place that checks it, so an over-long button fails when the
keyboard is built, not when Telegram rejects the message.

Reading is strict about shape and forgiving about content: the data must start with
the prefix and carry exactly the declared fields (the last field takes the rest, so a
time such as "07:30" may contain the separator); `int` fields must be plain digits.
Whether a value names something real (a topic, an age band) is the handler's question.

Routing: `Kind.matches` is the `pattern` of PTB's CallbackQueryHandler for that kind,
so each handler sees only its own presses. Data no kind accepts — a stale client, a
forged press, garbage — falls through to one catch-all that answers politely.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any, ClassVar, Self, TypeVar

from bot.diary.flow import Action, Draft
from bot.diary.models import CheckInAnswer, Duration, Muscle, Severity, Trigger, When

SEPARATOR = ":"
MAX_BYTES = 64  # Telegram's limit on callback_data, in UTF-8 bytes
_DIGITS = re.compile(r"[0-9]{1,18}")

_PREFIXES: dict[str, type[CallbackData]] = {}


class CallbackData:
    """Base of every callback kind; subclasses are frozen dataclasses with str/int fields."""

    prefix: ClassVar[str]
    # Set on each subclass by @dataclass; declared here so the checker reads every kind as
    # a dataclass (dataclasses.fields below).
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for taken in _PREFIXES:
            # "need" and "need:age" could not both be routed by prefix alone.
            if (prefix == taken or prefix.startswith(taken + SEPARATOR)
                    or taken.startswith(prefix + SEPARATOR)):
                raise TypeError(f"callback prefix {prefix!r} overlaps {taken!r}")
        cls.prefix = prefix
        _PREFIXES[prefix] = cls

    def pack(self) -> str:
        """The callback_data string; raises ValueError if Telegram would refuse it."""
        values = [str(getattr(self, field.name)) for field in dataclasses.fields(self)]
        data = SEPARATOR.join([self.prefix, *values])
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """This kind read from callback_data, or None if the data is not of this kind."""
        head = cls.prefix + SEPARATOR
        if not isinstance(data, str) or not data.startswith(head):
            return None
        fields = dataclasses.fields(cls)
        parts = data[len(head):].split(SEPARATOR, len(fields) - 1)
        if len(parts) != len(fields):
            return None
        values: dict[str, str | int] = {}
        for field, raw in zip(fields, parts, strict=True):
            if field.type in (int, "int"):
                if not _DIGITS.fullmatch(raw):
                    return None
                values[field.name] = int(raw)
            else:
                values[field.name] = raw
        return cls(**values)

    @classmethod
    def matches(cls, data: object) -> bool:
        """The CallbackQueryHandler pattern for this kind."""
        return cls.parse(data) is not None


# ------------------------------------------------------------------ user buttons

@dataclasses.dataclass(frozen=True)
class Menu(CallbackData, prefix="menu"):
    """Main menu under the welcome message: one of the MENU_* items."""

    item: str


MENU_TIP = "tip"
MENU_FOODS = "foods"
MENU_CAUSES = "causes"
MENU_SETTINGS = "settings"
MENU_SOS = "sos"


@dataclasses.dataclass(frozen=True)
class PickLanguage(CallbackData, prefix="lang"):
    """/language and the 🌐 buttons: a bot.core.i18n locale, or LANGUAGE_MENU for the list."""

    locale: str


LANGUAGE_MENU = "menu"


@dataclasses.dataclass(frozen=True)
class Setting(CallbackData, prefix="set"):
    """Settings menu: one of the SET_* items."""

    item: str


SET_TIME = "time"
SET_ZONE = "tz"
SET_TOPICS = "topics"
SET_STOP = "stop"
SET_RESUME = "resume"
# Settings panel: pause, back to the panel, the clock picker, keeping the defaults
SET_PAUSE = "pause"
SET_PANEL = "panel"
SET_CLOCK = "clock"
SET_KEEP = "keep"


@dataclasses.dataclass(frozen=True)
class PickTime(CallbackData, prefix="time"):
    """A quick daily time ("07:00"), read like a typed /time argument."""

    value: str


@dataclasses.dataclass(frozen=True)
class PickZone(CallbackData, prefix="tz"):
    """A quick time zone ("Europe/Berlin"), read like a typed /timezone argument."""

    value: str


@dataclasses.dataclass(frozen=True)
class ToggleTopic(CallbackData, prefix="topic"):
    """Turn one topic on or off; `TOPICS_DONE` closes the menu."""

    topic: str


TOPICS_DONE = "done"


# Onboarding and suggestions

@dataclasses.dataclass(frozen=True)
class LocalNow(CallbackData, prefix="now"):
    """"What time is it for you?": the UTC offset in minutes of the time tapped ("-300")."""

    offset: str


@dataclasses.dataclass(frozen=True)
class PickFood(CallbackData, prefix="food"):
    """A suggested food, read like a typed /foods argument."""

    name: str


@dataclasses.dataclass(frozen=True)
class RunCommand(CallbackData, prefix="cmd"):
    """"Did you mean /foods?": runs a command that needs no arguments."""

    name: str


@dataclasses.dataclass(frozen=True)
class TipAction(CallbackData, prefix="fb"):
    """The reactions under a tip: `VOTE_UP`, `VOTE_DOWN` or `ANOTHER` for one tip id."""

    action: str
    tip_id: str


VOTE_UP = "up"
VOTE_DOWN = "down"
ANOTHER = "more"


# The /causes sections
@dataclasses.dataclass(frozen=True)
class CausesPage(CallbackData, prefix="causes"):
    """One /causes screen, drawn in place: `CAUSES_OVERVIEW` or a section."""

    page: str


CAUSES_OVERVIEW = "home"
CAUSES_WHY = "why"
CAUSES_SIGNS = "signs"
CAUSES_HELPS = "helps"


# ------------------------------------------------------- personal data buttons
# Every step carries the answers so far, so no conversation state is kept between presses.

@dataclasses.dataclass(frozen=True)
class NeedAge(CallbackData, prefix="need:age"):
    band: str


@dataclasses.dataclass(frozen=True)
class NeedSex(CallbackData, prefix="need:sex"):
    band: str
    sex: str


@dataclasses.dataclass(frozen=True)
class NeedStatus(CallbackData, prefix="need:st"):
    band: str
    sex: str
    status: str


@dataclasses.dataclass(frozen=True)
class Forget(CallbackData, prefix="forget"):
    """The /forget confirmation: `FORGET_YES` or `FORGET_NO`."""

    answer: str


FORGET_YES = "yes"
FORGET_NO = "no"


# ------------------------------------------------------------------ admin buttons

@dataclasses.dataclass(frozen=True)
class ConfirmBroadcast(CallbackData, prefix="bc:go"):
    broadcast_id: int


@dataclasses.dataclass(frozen=True)
class DiscardBroadcast(CallbackData, prefix="bc:drop"):
    broadcast_id: int


@dataclasses.dataclass(frozen=True)
class CancelBroadcast(CallbackData, prefix="bc:stop"):
    broadcast_id: int


@dataclasses.dataclass(frozen=True)
class BroadcastTip(CallbackData, prefix="nt:bc"):
    """"Broadcast it now" under a tip an admin just added."""

    tip_id: str

# ------------------------------------------------------------------ diary buttons
# Compact and strict: every parse returns None for anything `pack` could not have
# produced (an index outside its vocabulary, a leading zero, an id outside SQLite's rowid
# range, an impossible date), because any string can arrive in place of a button's data.
# Vocabulary positions follow the diary enums' member order (append-only, see
# bot.diary.models): "cd:0120" is calf, severe, 1-10 minutes, last night; "-" marks a
# step not answered yet.
#   cd:<m><s><d><w>       a logging step: the draft once this button is pressed
#   cx                    cancel the draft (nothing stored yet)
#   ce:<act>:<entry id>   act on a stored entry (the storage checks the owner)
#   ck:<y|n>:<YYYYMMDD>   morning check-in answer for that night
#   cl:<m|->[+]           start logging in a new message (/sos "Log it", menus); "+":
#                         subscribe first (offered to someone without a subscription)
#   dc:<YYYYMMDD>         the weekly picture's PNG chart, on demand
#   ds:<item>:<value>     a diary setting (check-in/stretch time, weekly, retention)

T = TypeVar("T")
MAX_ENTRY_ID = 2**63 - 1  # SQLite INTEGER PRIMARY KEY range
_UNSET = "-"
_MUSCLES = tuple(Muscle)
_SEVERITIES = tuple(Severity)
_DURATIONS = tuple(Duration)
_WHENS = tuple(When)
_TRIGGERS = tuple(Trigger)


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
    return data


def _code(value: T | None, vocabulary: tuple[T, ...]) -> str:
    return _UNSET if value is None else str(vocabulary.index(value))


def _decode(char: str, vocabulary: tuple[T, ...]) -> T | None:
    return None if char == _UNSET else vocabulary[int(char)]


@dataclasses.dataclass(frozen=True)
class DraftButton(CallbackData, prefix="cd"):
    """A logging-step button: the draft as it is once this button is pressed."""

    draft: Draft
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        rf"cd:([0-{len(_MUSCLES) - 1}-])([0-{len(_SEVERITIES) - 1}-])"
        rf"([0-{len(_DURATIONS) - 1}-])([0-{len(_WHENS) - 1}-])", re.ASCII)

    def pack(self) -> str:
        d = self.draft
        return _checked(f"{self.prefix}:{_code(d.muscle, _MUSCLES)}"
                        f"{_code(d.severity, _SEVERITIES)}{_code(d.duration, _DURATIONS)}"
                        f"{_code(d.when, _WHENS)}")

    @classmethod
    def parse(cls, data: object) -> DraftButton | None:
        match = cls._PATTERN.fullmatch(data) if isinstance(data, str) else None
        if match is None:
            return None
        m, s, d, w = match.groups()
        return cls(Draft(muscle=_decode(m, _MUSCLES), severity=_decode(s, _SEVERITIES),
                         duration=_decode(d, _DURATIONS), when=_decode(w, _WHENS)))


@dataclasses.dataclass(frozen=True)
class CancelDraftButton(CallbackData, prefix="cx"):
    """"Cancel" during the steps: nothing was stored, so no id is needed."""


    def pack(self) -> str:
        return _checked(self.prefix)

    @classmethod
    def parse(cls, data: object) -> CancelDraftButton | None:
        return cls() if data == cls.prefix else None


_ACTION_CODES: dict[Action, str] = {
    Action.SAFETY_YES: "s1", Action.SAFETY_NO: "s0", Action.WOKE: "w",
    Action.TRIGGER: "t", Action.UNDO: "u", Action.DELETE: "x", Action.DONE: "k",
}
_ACTIONS_BY_CODE = {code: action for action, code in _ACTION_CODES.items()}


@dataclasses.dataclass(frozen=True)
class EntryButton(CallbackData, prefix="ce"):
    """A button on a saved entry (summary or /diary). The storage layer must still check
    that the entry belongs to the chat that pressed it: ids in button data are public."""

    action: Action
    entry_id: int
    trigger: Trigger | None = None
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
        return _checked(f"{self.prefix}:{code}:{self.entry_id}")

    @classmethod
    def parse(cls, data: object) -> EntryButton | None:
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


@dataclasses.dataclass(frozen=True)
class CheckInButton(CallbackData, prefix="ck"):
    """The morning check-in's Yes / No, carrying the night it asked about, so a stale
    button pressed tomorrow still records the right night (or is refused as too old)."""

    answer: CheckInAnswer
    night_of: date
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        r"ck:([yn]):(20[0-9]{2})([0-9]{2})([0-9]{2})", re.ASCII)

    def pack(self) -> str:
        return _checked(f"{self.prefix}:{_CHECKIN_CODES[self.answer]}:"
                        f"{self.night_of.strftime('%Y%m%d')}")

    @classmethod
    def parse(cls, data: object) -> CheckInButton | None:
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


@dataclasses.dataclass(frozen=True)
class LogStart(CallbackData, prefix="cl"):
    """Open the logging steps; `muscle` preset by /sos "Log it". With `subscribe`, the
    one tap that subscribes someone without a subscription and opens the steps there."""

    muscle: Muscle | None = None
    subscribe: bool = False

    def pack(self) -> str:
        flag = "+" if self.subscribe else ""
        return _checked(f"{self.prefix}:{_code(self.muscle, _MUSCLES)}{flag}")

    @classmethod
    def parse(cls, data: object) -> LogStart | None:
        match = re.fullmatch(rf"cl:([0-{len(_MUSCLES) - 1}-])(\+?)", data, re.ASCII) \
            if isinstance(data, str) else None
        return cls(_decode(match.group(1), _MUSCLES), bool(match.group(2))) if match else None


def _pack_day(prefix: str, day: date) -> str:
    """"<prefix>:YYYYMMDD": a button that carries one local date."""
    return _checked(f"{prefix}:{day.strftime('%Y%m%d')}")


def _parse_day(prefix: str, data: object) -> date | None:
    """The date of a `_pack_day` button, or None for anything else (a 30 February too)."""
    match = re.fullmatch(rf"{re.escape(prefix)}:(20[0-9]{{2}})([0-9]{{2}})([0-9]{{2}})", data,
                         re.ASCII) if isinstance(data, str) else None
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class ChartButton(CallbackData, prefix="dc"):
    """Send the PNG chart of the eight weeks ending with the week of `day`."""

    day: date

    def pack(self) -> str:
        return _pack_day(self.prefix, self.day)

    @classmethod
    def parse(cls, data: object) -> ChartButton | None:
        day = _parse_day(cls.prefix, data)
        return cls(day) if day else None


@dataclasses.dataclass(frozen=True)
class StretchDone(CallbackData, prefix="sd"):
    """"✅ I stretched" under the evening stretch, carrying the stretch message's local
    date, so a press after midnight still records the evening it answered."""

    day: date

    def pack(self) -> str:
        return _pack_day(self.prefix, self.day)

    @classmethod
    def parse(cls, data: object) -> StretchDone | None:
        day = _parse_day(cls.prefix, data)
        return cls(day) if day else None


@dataclasses.dataclass(frozen=True)
class DiarySetting(CallbackData, prefix="ds"):
    """One diary setting: `item` one of DIARY_SET_*, `value` read by the handler."""

    item: str
    value: str


DIARY_SET_CHECKIN = "ci"  # value "HH:MM" or DIARY_OFF; "menu" lists the choices
DIARY_SET_STRETCH = "st"
DIARY_SET_WEEKLY = "wk"  # value "on" / "off"
DIARY_SET_RETENTION = "rt"  # value months
DIARY_SHOW = "show"  # redraw the /diary screen
DIARY_OFF = "off"
DIARY_MENU = "menu"


# ------------------------------------------------------------------ the water log
#   wa:<source>       "💧 +1 glass" (under the tip, or under /water's answer)
#   wu:<glass id>     "↩️ Undo" of that one glass
#   ws:<item>:<value> a water setting: glass size (a code), target (a number or "off"),
#                     the afternoon nudge ("on" / "off"), or today as a hot day ("hot:hot")

@dataclasses.dataclass(frozen=True)
class WaterAdd(CallbackData, prefix="wa"):
    """Log one glass for today. `source` says where the button was ('tip', 'water')."""

    source: str


@dataclasses.dataclass(frozen=True)
class WaterUndo(CallbackData, prefix="wu"):
    """Remove the one glass this id names (only in the pressing chat)."""

    glass_id: int


@dataclasses.dataclass(frozen=True)
class WaterSetting(CallbackData, prefix="ws"):
    """One of the WATER_SET_* items with its value; WATER_MENU shows the choices."""

    item: str
    value: str


WATER_ADD_TIP = "tip"
WATER_ADD_WATER = "water"
WATER_ADD_CHECKIN = "checkin"  # under the morning check-in
WATER_ADD_NUDGE = "nudge"  # under the afternoon nudge
WATER_SET_NUDGE = "n"  # value: WATER_ON or WATER_OFF
WATER_ON = "on"
WATER_HOT = "hot"  # item and value: today is a hot or training day (sends an answer)
WATER_SET_GLASS = "g"  # value: a glass size code ('ml200', 'ml250', 'ml300', 'cup')
WATER_SET_TARGET = "t"  # value: glasses a day, or WATER_OFF
WATER_MENU = "menu"  # item and value: show the settings keyboard
WATER_SHOW = "show"  # item and value: back to today's count
WATER_OFF = "off"


# ------------------------------------------------------------------ the food log
#   ate:<food name>   "🍽 I ate this" (under a /foods answer, or a near-miss of /ate)
#   ateu:<entry id>   "↩️ Undo" of that one entry

@dataclasses.dataclass(frozen=True)
class FoodAte(CallbackData, prefix="ate"):
    """Log one serving of the food this name (the table's English key) names, today."""

    name: str


@dataclasses.dataclass(frozen=True)
class FoodUndo(CallbackData, prefix="ateu"):
    """Remove the one food-log entry this id names (only in the pressing chat)."""

    entry_id: int


LATER_ASK = "ask"  # "⏰ Later" itself: offers the choices
LATER_STRETCH = ""  # in place of a tip id: the Later is the evening stretch's


@dataclasses.dataclass(frozen=True)
class LaterButton(CallbackData, prefix="lt"):
    """"⏰ Later" under a daily tip or the evening stretch (`choice` LATER_ASK), and its
    choices ('hour', 'evening', 'morning' of bot.services.later.LaterChoice) for that tip,
    or for the stretch when `tip_id` is LATER_STRETCH (no tip id is empty)."""

    choice: str
    tip_id: str
