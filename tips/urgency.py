"""The urgency ladder: four levels of "how soon to get care", worded once in urgency.toml.

Why a ladder: a health bot that says "urgent" in a tip and "same day" on /causes for the
same sign teaches people to wait. So no text in tips/data types out how urgent something
is. A warning sign names its level (``level = "immediately"``); a tip or the /causes
overview puts a level's advice in as a whole sentence with a placeholder (``{same_day}``),
and `fill_levels` replaces it with the ladder's wording when the data is loaded.

Contracts:
- The levels are exactly LEVEL_KEYS, in that order (most urgent first), so code can rank
  them and the file cannot silently drop one.
- A placeholder stands as a whole sentence (at the start, or after ". ", "? " or "! "),
  so the level's sentence is never glued into another one (which a translation could not
  follow). An unknown placeholder stops loading with file and line.
- Tips name no country, so their emergency sentence says "emergency services"; the bot
  renders headings and sign advice for one person with `Ladder.advice(key, number)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tips.catalog import (
    DATA_DIR,
    CatalogError,
    field_str,
    read_toml,
    reject_unknown_keys,
    table_list,
)

URGENCY_FILE = "urgency.toml"
# Most urgent first: the emergency number; medical help now (urgent care, out of hours);
# medical help the same day; a doctor's appointment.
LEVEL_KEYS = ("emergency", "immediately", "same-day", "appointment")
# What tips say in place of a number: a tip is written once for every country.
TIP_NUMBER = "emergency services"

_LEVEL_FIELDS = ("key", "heading", "advice")
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_-]*)\}")
_SENTENCE_BEFORE = (". ", "? ", "! ", "\n")


def placeholder(key: str) -> str:
    """The name a level goes by inside a text: "same-day" is ``{same_day}``."""
    return key.replace("-", "_")


@dataclass(frozen=True)
class Level:
    key: str
    heading: str  # may hold {number}
    advice: str  # one whole sentence; may hold {number}


@dataclass(frozen=True)
class Ladder:
    """The four levels in order, most urgent first."""

    levels: tuple[Level, ...]

    def level(self, key: str) -> Level:
        for level in self.levels:
            if level.key == key:
                return level
        raise KeyError(key)

    def rank(self, key: str) -> int:
        """0 for the most urgent level; lower is more urgent."""
        return LEVEL_KEYS.index(key)

    def advice(self, key: str, number: str = TIP_NUMBER) -> str:
        return self.level(key).advice.format(number=number)

    def heading(self, key: str, number: str = TIP_NUMBER) -> str:
        return self.level(key).heading.format(number=number)


def load_ladder(directory: Path = DATA_DIR) -> Ladder:
    """Load urgency.toml: exactly the LEVEL_KEYS, in order, each with a heading and advice."""
    path = directory / URGENCY_FILE
    data, text = read_toml(path)
    reject_unknown_keys(data, ("level",), path, None, "")
    levels: list[Level] = []
    for index, (table, line) in enumerate(table_list(data, "level", path, text)):
        context = f"level #{index + 1}"
        reject_unknown_keys(table, _LEVEL_FIELDS, path, line, context)
        level = Level(field_str(table, "key", path, line, context),
                      field_str(table, "heading", path, line, context),
                      field_str(table, "advice", path, line, context))
        for name in ("heading", "advice"):
            try:
                getattr(level, name).format(number=TIP_NUMBER)
            except (KeyError, IndexError, ValueError):
                raise CatalogError(path, line, f"{context}: '{name}' may only use {{number}}"
                                   ) from None
        levels.append(level)
    keys = tuple(level.key for level in levels)
    if keys != LEVEL_KEYS:
        raise CatalogError(path, None, f"levels must be {', '.join(LEVEL_KEYS)} in this order,"
                                       f" not {', '.join(keys)}")
    return Ladder(tuple(levels))


def levels_named(text: str) -> tuple[str, ...]:
    """The level keys whose placeholders a raw text uses, most urgent first."""
    names = {match.group(1) for match in _PLACEHOLDER_RE.finditer(text)}
    return tuple(key for key in LEVEL_KEYS if placeholder(key) in names)


def fill_levels(text: str, ladder: Ladder, path: Path, line: int | None, context: str) -> str:
    """Replace each ``{level}`` placeholder by that level's advice sentence (for tips).

    Raises CatalogError for an unknown placeholder or one that does not stand as a whole
    sentence, because a half-filled warning is worse than a refusal to start.
    """
    known = {placeholder(key): key for key in LEVEL_KEYS}
    for match in _PLACEHOLDER_RE.finditer(text):
        name = match.group(1)
        if name not in known:
            raise CatalogError(path, line, f"{context}: unknown placeholder {{{name}}} (known:"
                                           f" {', '.join('{' + p + '}' for p in known)})")
        start, end = match.span()
        before_ok = start == 0 or text[:start].endswith(_SENTENCE_BEFORE)
        after_ok = end == len(text) or text[end] in " \n"
        if not (before_ok and after_ok):
            raise CatalogError(path, line, f"{context}: {{{name}}} must stand as a whole"
                                           " sentence")
    return _PLACEHOLDER_RE.sub(lambda m: ladder.advice(known[m.group(1)]), text)
