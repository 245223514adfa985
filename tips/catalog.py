"""The tip catalog: loading and validating the `[[tip]]` tables in tips/data/*.toml.

Tips are content written by people, so every mistake must be reported with the
file and line to fix, and the bot must refuse to start on a broken catalog rather
than send a half-checked tip to thousands of subscribers.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tips.translation import TIP_NUMBER_KEY, Translation, level_key, tip_key, translate

logger = logging.getLogger(__name__)

TOPICS: dict[str, str] = {
    "hydration": "Hydration",
    "foods": "Magnesium-rich foods",
    "rest": "Rest & recovery",
    "electrolytes": "Electrolytes",
    "doctor": "When to see a doctor",
}

TOPIC_EMOJI: dict[str, str] = {
    "hydration": "💧",
    "foods": "🥬",
    "rest": "😴",
    "electrolytes": "⚡",
    "doctor": "🩺",
}

MAX_TIP_LENGTH = 600
DATA_DIR = Path(__file__).parent / "data"

TIP_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
TIP_FIELDS = ("id", "topic", "text", "source")

# tomllib (3.11) puts the position only in the message text, e.g.
# "Invalid value (at line 3, column 7)"; the exception has no lineno attribute.
_TOML_POSITION_RE = re.compile(r"at line (\d+), column \d+")


@dataclass(frozen=True, slots=True)
class Tip:
    """One deliverable tip; frozen so it can be shared between subscribers safely."""

    id: str
    topic: str
    text: str
    source: str
    # The most urgent level of the urgency ladder (below) the tip sends someone to, or None
    # for a tip that sends nobody to care. Derived from its placeholders, never typed.
    level: str | None = None


class CatalogError(Exception):
    """A problem in a data file, pinned to the place a human has to edit.

    Shared by every loader of tips/data so that start-up failures all read the same
    way: ``path:line: message``.
    """

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


def display_path(path: Path) -> str:
    """Show paths relative to the working directory, as an editor or CI log expects."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse one data file, turning read and syntax errors into CatalogError.

    The raw text is returned too because tomllib gives no positions for values, so
    callers scan it to find the line of the table they complain about.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(path, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(path, None, f"cannot read file: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION_RE.search(str(exc))
        line = int(match.group(1)) if match else None
        raise CatalogError(path, line, f"TOML syntax error: {exc}") from exc
    return data, text


def table_header_lines(text: str, name: str) -> list[int]:
    """Return the 1-based line numbers of every ``[[name]]`` header, in order.

    The N-th header belongs to the N-th entry tomllib returns, which is how an error
    about entry N gets a line number. Lines inside multi-line strings are skipped so
    a tip quoting "[[tip]]" cannot shift the count.
    """
    key = re.escape(name)
    header = re.compile(rf"""^\s*\[\[\s*(?:{key}|"{key}"|'{key}')\s*\]\]\s*(?:#.*)?$""")
    lines: list[int] = []
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is None and header.match(line):
            lines.append(number)
            continue
        # Track multi-line strings coarsely: an odd number of delimiters toggles.
        for delimiter in ('"""', "'''"):
            if in_string in (None, delimiter) and line.count(delimiter) % 2 == 1:
                in_string = None if in_string == delimiter else delimiter
    return lines


def entry_line(header_lines: list[int], index: int, expected: int) -> int | None:
    """Line of entry ``index`` if the header scan agrees with tomllib, else None.

    A disagreement (e.g. an inline ``tip = [{...}]`` array) means the scan cannot be
    trusted, and no line is better than a wrong one.
    """
    if len(header_lines) == expected and 0 <= index < expected:
        return header_lines[index]
    return None


def _describe(context: str, key: str) -> str:
    return f"{context}: '{key}'" if context else f"'{key}'"


def field_str(
    table: dict[str, Any], key: str, path: Path, line: int | None = None, context: str = ""
) -> str:
    """A required non-empty string, stripped; the reference loaders share this check."""
    if key not in table:
        raise CatalogError(path, line, f"{_describe(context, key)} is missing")
    value = table[key]
    if not isinstance(value, str):
        raise CatalogError(path, line, f"{_describe(context, key)} must be a string")
    if not value.strip():
        raise CatalogError(path, line, f"{_describe(context, key)} is empty")
    return value.strip()


def field_optional_int(
    table: dict[str, Any],
    key: str,
    path: Path,
    line: int | None = None,
    context: str = "",
    *,
    minimum: int = 0,
) -> int | None:
    """An integer if present (bools rejected: TOML ``true`` is no amount of milligrams)."""
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogError(path, line, f"{_describe(context, key)} must be a whole number")
    if value < minimum:
        raise CatalogError(path, line, f"{_describe(context, key)} must be at least {minimum}")
    return value


def field_int(
    table: dict[str, Any],
    key: str,
    path: Path,
    line: int | None = None,
    context: str = "",
    *,
    minimum: int = 0,
) -> int:
    """A required integer, with the same checks as field_optional_int."""
    value = field_optional_int(table, key, path, line, context, minimum=minimum)
    if value is None:
        raise CatalogError(path, line, f"{_describe(context, key)} is missing")
    return value


def field_bool(
    table: dict[str, Any],
    key: str,
    path: Path,
    line: int | None = None,
    context: str = "",
    *,
    default: bool,
) -> bool:
    """A true/false flag, ``default`` when absent; "yes" or 1 are refused, not guessed at."""
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, bool):
        raise CatalogError(path, line, f"{_describe(context, key)} must be true or false")
    return value


def field_str_list(
    table: dict[str, Any],
    key: str,
    path: Path,
    line: int | None = None,
    context: str = "",
    *,
    required: bool = True,
) -> tuple[str, ...]:
    """A list of non-empty strings, stripped, as an immutable tuple."""
    if key not in table:
        if required:
            raise CatalogError(path, line, f"{_describe(context, key)} is missing")
        return ()
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CatalogError(path, line, f"{_describe(context, key)} must be a list of strings")
    if not all(item.strip() for item in value):
        raise CatalogError(path, line, f"{_describe(context, key)} contains an empty string")
    return tuple(item.strip() for item in value)


def table_list(
    data: dict[str, Any], name: str, path: Path, text: str
) -> list[tuple[dict[str, Any], int | None]]:
    """The ``[[name]]`` tables of a file, each with its header line for error messages."""
    if name not in data:
        raise CatalogError(path, None, f"no [[{name}]] tables")
    tables = data[name]
    if not isinstance(tables, list):
        raise CatalogError(path, None, f"'{name}' must be an array of [[{name}]] tables")
    headers = table_header_lines(text, name)
    located: list[tuple[dict[str, Any], int | None]] = []
    for index, table in enumerate(tables):
        line = entry_line(headers, index, len(tables))
        if not isinstance(table, dict):
            raise CatalogError(path, line, f"{name} #{index + 1}: expected a [[{name}]] table")
        located.append((table, line))
    return located


def reject_unknown_keys(
    table: dict[str, Any], allowed: tuple[str, ...], path: Path, line: int | None, context: str
) -> None:
    """Catch misspelt keys (``sorce``) that would otherwise be silently ignored."""
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        prefix = f"{context}: " if context else ""
        raise CatalogError(
            path,
            line,
            f"{prefix}unknown key(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})",
        )


def validate_tip(tip_id: str, topic: str, text: str, source: str) -> list[str]:
    """List what is wrong with a tip, in words an admin can act on.

    Used both when loading files and when an admin adds a tip from chat, so the
    messages avoid file jargon and say what would be accepted instead. Values are
    judged after stripping surrounding whitespace, as they will be stored.
    """
    problems: list[str] = []
    tip_id = tip_id.strip()
    if not tip_id:
        problems.append("id is empty")
    elif not TIP_ID_RE.match(tip_id):
        problems.append(
            f"id '{tip_id}' must be 2-32 characters of lower-case letters, digits and"
            " hyphens, starting with a letter or digit"
        )
    topic = topic.strip()
    if topic not in TOPICS:
        shown = f"'{topic}'" if topic else "(empty)"
        problems.append(f"unknown topic {shown} (known: {', '.join(TOPICS)})")
    text = text.strip()
    if not text:
        problems.append("text is empty")
    elif len(text) > MAX_TIP_LENGTH:
        problems.append(f"text is {len(text)} characters (max {MAX_TIP_LENGTH})")
    if not source.strip():
        problems.append("source is empty")
    return problems


def make_tip(tip_id: str, topic: str, text: str, source: str) -> Tip:
    """Build a Tip the way the loader stores it (stripped), or raise ValueError.

    Lets admin-added tips go through exactly the same checks as file tips.
    """
    problems = validate_tip(tip_id, topic, text, source)
    if problems:
        raise ValueError("; ".join(problems))
    return Tip(id=tip_id.strip(), topic=topic.strip(), text=text.strip(), source=source.strip())


def _tip_from_table(path: Path, line: int | None, index: int, table: Any) -> Tip:
    """Check one ``[[tip]]`` table's shape before its content, so type slips read clearly."""
    label = f"tip #{index + 1}"
    if not isinstance(table, dict):
        raise CatalogError(path, line, f"{label}: expected a [[tip]] table")
    raw_id = table.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        label = f"tip '{raw_id.strip()}'"
    reject_unknown_keys(table, TIP_FIELDS, path, line, label)
    values: dict[str, str] = {}
    for field in TIP_FIELDS:
        if field not in table:
            raise CatalogError(path, line, f"{label}: missing '{field}'")
        value = table[field]
        if not isinstance(value, str):
            raise CatalogError(path, line, f"{label}: '{field}' must be a string")
        values[field] = value
    try:
        return make_tip(values["id"], values["topic"], values["text"], values["source"])
    except ValueError as exc:
        raise CatalogError(path, line, f"{label}: {exc}") from None


def _with_levels(tip: Tip, path: Path, line: int | None,
                 translation: Translation | None = None) -> Tip:
    """The tip with its ``{level}`` placeholders filled from the urgency ladder.

    The ladder is read only for a tip that names a level, so a directory of plain tips
    (tests, a bare catalogue) needs no urgency.toml. The English is checked first and stops
    loading on a mistake; a translation is then filled with its own language's ladder.
    """
    named = levels_named(tip.text)
    text = tip.text
    label = f"tip '{tip.id}'"
    if "{" in text:
        text = fill_levels(text, load_ladder(path.parent), path, line, label)
        if len(text) > MAX_TIP_LENGTH:
            raise CatalogError(path, line, f"{label}: text is {len(text)} characters with its"
                                           f" urgency advice (max {MAX_TIP_LENGTH})")
    if translation is not None:
        ladder = load_ladder(path.parent, translation) if named else None
        text = translated_with_levels(tip.text, tip_key(tip.id), translation, ladder,
                                      MAX_TIP_LENGTH, text)
    return Tip(tip.id, tip.topic, text, tip.source, named[0] if named else None)


def translated_with_levels(raw: str, key: str, translation: Translation, ladder: Ladder | None,
                           limit: int, english: str) -> str:
    """The translation of ``raw`` with its levels worded by ``ladder``, or ``english``.

    ``english`` is ``raw`` already filled and checked. A translation must name exactly the
    English's levels, each as a whole sentence, and stay within ``limit`` characters once
    filled; one that does not gives way to the English (logged), because one translator's
    slip must neither change how urgent a text is nor keep the bot from starting.
    """
    text = translate(translation, key, raw)
    if text == raw:  # no translation: the English text, its levels worded in English too
        return english
    try:
        if (sorted(_PLACEHOLDER_RE.findall(text)) != sorted(_PLACEHOLDER_RE.findall(raw))
                or text.count("{") != raw.count("{")):
            raise CatalogError(key, None, "its placeholders are not the English's")
        if ladder is not None:
            text = fill_levels(text, ladder, Path(key), None, key)
        if len(text) > limit:
            raise CatalogError(key, None, f"{len(text)} characters (max {limit})")
    except CatalogError as exc:
        logger.warning("content: the translation of %s is not used (%s); English shown",
                       key, exc.message)
        return english
    return text


def _load_located_tips(
    path: Path, translation: Translation | None = None
) -> list[tuple[Tip, int | None]] | None:
    """Tips of one file with their header lines, or None when it has no ``tip`` key."""
    data, text = read_toml(path)
    if "tip" not in data:
        return None
    tables = data["tip"]
    if not isinstance(tables, list):
        raise CatalogError(path, None, "'tip' must be an array of [[tip]] tables")
    headers = table_header_lines(text, "tip")
    located: list[tuple[Tip, int | None]] = []
    for index, table in enumerate(tables):
        line = entry_line(headers, index, len(tables))
        tip = _tip_from_table(path, line, index, table)
        located.append((_with_levels(tip, path, line, translation), line))
    return located


def load_catalog(directory: Path = DATA_DIR, translation: Translation | None = None) -> list[Tip]:
    """Load every tip file in ``directory``, failing on the first problem found.

    Files are read in name order so the catalog order (and thus error reports) does
    not depend on the filesystem. Ids must be unique across files because delivery
    history and dislikes are stored by id. With a ``translation`` the texts are that
    language's (English where it has none); ids, topics, sources and levels stay the same.
    """
    if not directory.is_dir():
        raise CatalogError(directory, None, "tip data directory not found")
    tips: list[Tip] = []
    first_seen: dict[str, tuple[Path, int | None]] = {}
    for path in sorted(directory.glob("*.toml")):
        located = _load_located_tips(path, translation)
        if located is None:
            continue
        for tip, line in located:
            if tip.id in first_seen:
                first_path, first_line = first_seen[tip.id]
                where = display_path(first_path)
                if first_line is not None:
                    where = f"{where}:{first_line}"
                raise CatalogError(
                    path, line, f"tip '{tip.id}': duplicate id (first defined at {where})"
                )
            first_seen[tip.id] = (path, line)
            tips.append(tip)
    if not tips:
        raise CatalogError(
            directory, None, "no tips found (expected [[tip]] tables in *.toml files)"
        )
    return tips


# ------------------------------------------------------------------ the urgency ladder

# The urgency ladder: four levels of "how soon to get care", worded once in urgency.toml.
#
# Why a ladder: a health bot that says "urgent" in a tip and "same day" on /causes for the
# same sign teaches people to wait. So no text in tips/data types out how urgent something
# is. A warning sign names its level (``level = "immediately"``); a tip or the /causes
# overview puts a level's advice in as a whole sentence with a placeholder (``{same_day}``),
# and `fill_levels` replaces it with the ladder's wording when the data is loaded.
#
# Contracts:
# - The levels are exactly LEVEL_KEYS, in that order (most urgent first), so code can rank
#   them and the file cannot silently drop one.
# - A placeholder stands as a whole sentence (at the start, or after ". ", "? " or "! "),
#   so the level's sentence is never glued into another one (which a translation could not
#   follow). An unknown placeholder stops loading with file and line.
# - Tips name no country, so their emergency sentence says "emergency services"; the bot
#   renders headings and sign advice for one person with `Ladder.advice(key, number)`.

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
    """The four levels in order, most urgent first, in one language.

    ``tip_number`` is what stands for the number where none is given: in tips, which are
    written once for every country.
    """

    levels: tuple[Level, ...]
    tip_number: str = TIP_NUMBER

    def level(self, key: str) -> Level:
        for level in self.levels:
            if level.key == key:
                return level
        raise KeyError(key)

    def rank(self, key: str) -> int:
        """0 for the most urgent level; lower is more urgent."""
        return LEVEL_KEYS.index(key)

    def advice(self, key: str, number: str | None = None) -> str:
        return self.level(key).advice.format(number=self.tip_number if number is None else number)

    def heading(self, key: str, number: str | None = None) -> str:
        return self.level(key).heading.format(number=self.tip_number if number is None else number)


def load_ladder(directory: Path = DATA_DIR, translation: Translation | None = None) -> Ladder:
    """Load urgency.toml: exactly the LEVEL_KEYS, in order, each with a heading and advice.

    With a ``translation`` each level is worded in its language; a wording that would not
    take the number is refused (and the English kept), like any other translation slip.
    """
    path = directory / URGENCY_FILE
    data, text = read_toml(path)
    reject_unknown_keys(data, ("level",), path, None, "")
    levels: list[Level] = []
    for index, (table, line) in enumerate(table_list(data, "level", path, text)):
        context = f"level #{index + 1}"
        reject_unknown_keys(table, _LEVEL_FIELDS, path, line, context)
        key = field_str(table, "key", path, line, context)
        wording: dict[str, str] = {}
        for name in ("heading", "advice"):
            english = field_str(table, name, path, line, context)
            if not _takes_number(english):
                raise CatalogError(path, line, f"{context}: '{name}' may only use {{number}}")
            wording[name] = english
            translated = translate(translation, level_key(key, name), english)
            if _takes_number(translated):
                wording[name] = translated
            else:
                logger.warning("content: the translation of %s is not used (it may only use"
                               " {number}); English shown", level_key(key, name))
        levels.append(Level(key, wording["heading"], wording["advice"]))
    keys = tuple(level.key for level in levels)
    if keys != LEVEL_KEYS:
        raise CatalogError(path, None, f"levels must be {', '.join(LEVEL_KEYS)} in this order,"
                                       f" not {', '.join(keys)}")
    return Ladder(tuple(levels), translate(translation, TIP_NUMBER_KEY, TIP_NUMBER))


def _takes_number(text: str) -> bool:
    try:
        text.format(number=TIP_NUMBER)
    except (KeyError, IndexError, ValueError):
        return False
    return True


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
