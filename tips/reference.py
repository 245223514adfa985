"""Typed loaders for the reference pages (/causes, /rda) kept in tips/data.

Loading into frozen dataclasses at start-up means a missing or misspelt key stops
the bot with file and line, instead of a KeyError when a user first asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tips.catalog import (
    DATA_DIR,
    CatalogError,
    field_int,
    field_optional_int,
    field_str,
    field_str_list,
    read_toml,
    reject_unknown_keys,
    table_list,
)

CAUSES_FILE = "causes.toml"
RDA_FILE = "rda.toml"

# The age bands the NIH RDA table uses; the bot's age buttons are keyed on them.
BAND_KEYS = ("1-3", "4-8", "9-13", "14-18", "19-30", "31-50", "51+")

_CAUSE_FIELDS = ("title", "text")
_CAUSES_KEYS = (
    "intro",
    "mechanism",
    "deficiency_cause",
    "other_cause",
    "see_professional",
    "when_to_see_doctor",
)
_RDA_KEYS = (
    "source",
    "supplement_upper_limit_mg",
    "upper_limit_note",
    "absorbed_percent",
    "band",
)
_BAND_FIELDS = ("key", "label", "male", "female", "pregnancy", "lactation")


@dataclass(frozen=True)
class Causes:
    """The /causes page: why spasms happen and when to stop self-help and see someone."""

    intro: str
    mechanism: str
    deficiency_causes: tuple[tuple[str, str], ...]
    other_causes: tuple[tuple[str, str], ...]
    see_professional: str
    when_to_see_doctor: tuple[str, ...]


@dataclass(frozen=True)
class RdaBand:
    """One age band; pregnancy/lactation are None where the source gives no figure."""

    key: str
    label: str
    male: int
    female: int
    pregnancy: int | None = None
    lactation: int | None = None


@dataclass(frozen=True)
class RdaTable:
    """The /rda page data, with bands in the file's (age) order."""

    source: str
    bands: tuple[RdaBand, ...]
    supplement_upper_limit_mg: int
    upper_limit_note: str
    absorbed_percent: str

    def band(self, key: str) -> RdaBand | None:
        """Look a band up by key, e.g. from a callback button; None if it no longer exists."""
        for band in self.bands:
            if band.key == key:
                return band
        return None


def _load_cause_list(
    data: dict[str, Any], name: str, path: Path, text: str
) -> tuple[tuple[str, str], ...]:
    """(title, text) pairs of one ``[[name]]`` array, in file order."""
    causes: list[tuple[str, str]] = []
    for index, (table, line) in enumerate(table_list(data, name, path, text)):
        context = f"{name} #{index + 1}"
        reject_unknown_keys(table, _CAUSE_FIELDS, path, line, context)
        title = field_str(table, "title", path, line, context)
        causes.append((title, field_str(table, "text", path, line, context)))
    if not causes:
        raise CatalogError(path, None, f"no [[{name}]] entries")
    return tuple(causes)


def load_causes(directory: Path = DATA_DIR) -> Causes:
    """Load causes.toml; every section is required because /causes shows them all."""
    path = directory / CAUSES_FILE
    data, text = read_toml(path)
    reject_unknown_keys(data, _CAUSES_KEYS, path, None, "")
    when = field_str_list(data, "when_to_see_doctor", path)
    if not when:
        raise CatalogError(path, None, "'when_to_see_doctor' is empty")
    return Causes(
        intro=field_str(data, "intro", path),
        mechanism=field_str(data, "mechanism", path),
        deficiency_causes=_load_cause_list(data, "deficiency_cause", path, text),
        other_causes=_load_cause_list(data, "other_cause", path, text),
        see_professional=field_str(data, "see_professional", path),
        when_to_see_doctor=when,
    )


def load_rda(directory: Path = DATA_DIR) -> RdaTable:
    """Load rda.toml, rejecting unknown or repeated band keys the buttons could not reach."""
    path = directory / RDA_FILE
    data, text = read_toml(path)
    reject_unknown_keys(data, _RDA_KEYS, path, None, "")
    bands: list[RdaBand] = []
    seen: set[str] = set()
    for index, (table, line) in enumerate(table_list(data, "band", path, text)):
        raw_key = table.get("key")
        context = f"band '{raw_key}'" if isinstance(raw_key, str) else f"band #{index + 1}"
        reject_unknown_keys(table, _BAND_FIELDS, path, line, context)
        key = field_str(table, "key", path, line, context)
        if key not in BAND_KEYS:
            raise CatalogError(
                path, line, f"{context}: unknown band key (known: {', '.join(BAND_KEYS)})"
            )
        if key in seen:
            raise CatalogError(path, line, f"{context}: duplicate band key")
        seen.add(key)
        bands.append(
            RdaBand(
                key=key,
                label=field_str(table, "label", path, line, context),
                male=field_int(table, "male", path, line, context, minimum=1),
                female=field_int(table, "female", path, line, context, minimum=1),
                pregnancy=field_optional_int(table, "pregnancy", path, line, context, minimum=1),
                lactation=field_optional_int(table, "lactation", path, line, context, minimum=1),
            )
        )
    if not bands:
        raise CatalogError(path, None, "no [[band]] entries")
    return RdaTable(
        source=field_str(data, "source", path),
        bands=tuple(bands),
        supplement_upper_limit_mg=field_int(data, "supplement_upper_limit_mg", path, minimum=1),
        upper_limit_note=field_str(data, "upper_limit_note", path),
        absorbed_percent=field_str(data, "absorbed_percent", path),
    )
