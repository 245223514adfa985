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
from typing import Any, ClassVar, Self

SEPARATOR = ":"
MAX_BYTES = 64  # Telegram's limit on callback_data, in UTF-8 bytes
_DIGITS = re.compile(r"[0-9]{1,18}")

_PREFIXES: dict[str, type[CallbackData]] = {}


class CallbackData:
    """Base of every callback kind; subclasses are frozen dataclasses with str/int fields."""

    prefix: ClassVar[str]

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


@dataclasses.dataclass(frozen=True)
class Setting(CallbackData, prefix="set"):
    """Settings menu: one of the SET_* items."""

    item: str


SET_TIME = "time"
SET_ZONE = "tz"
SET_TOPICS = "topics"
SET_STOP = "stop"
SET_RESUME = "resume"
# --- settings panel: pause, back to the panel, the clock picker, keeping the defaults
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


# --- onboarding and suggestions

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


# --- content (issue 9): the /causes sections
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
