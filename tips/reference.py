"""Typed loaders for the reference pages (/causes, /need) kept in tips/data, and emergency numbers.

Loading into frozen dataclasses at start-up means a missing or misspelt key stops
the bot with file and line, instead of a KeyError when a user first asks.

Safety contracts the loaders enforce, because a wrong answer here could harm someone:
- every age band states its own supplement limit (65 mg at 1-3 years is not 350 mg) and a
  food example;
- the /causes overview fits a phone screen (MAX_OVERVIEW_CHARS) and every warning sign
  carries a level of the urgency ladder (in tips.catalog) and a source, so the most
  urgent advice can be shown first and each level is worded once, from the ladder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tips.catalog import (
    DATA_DIR,
    LEVEL_KEYS,
    CatalogError,
    Ladder,
    field_bool,
    field_int,
    field_optional_int,
    field_str,
    field_str_list,
    fill_levels,
    load_ladder,
    read_toml,
    reject_unknown_keys,
    table_list,
    translated_with_levels,
)
from tips.translation import (
    Translation,
    band_key,
    causes_key,
    rda_key,
    section_key,
    sign_key,
    translate,
)

CAUSES_FILE = "causes.toml"
RDA_FILE = "rda.toml"

# The age bands the NIH RDA table uses; the bot's age buttons are keyed on them.
BAND_KEYS = ("1-3", "4-8", "9-13", "14-18", "19-30", "31-50", "51+")

# The /causes first screen must fit a phone without scrolling through a wall of text.
MAX_OVERVIEW_CHARS = 1000
# The same screen in translation: Russian, Spanish and Portuguese run 5-20 % longer than
# English for the same sentences, and cutting a translation would cut a warning.
MAX_TRANSLATED_OVERVIEW_CHARS = 1200

_CAUSE_FIELDS = ("title", "text")
_WARNING_FIELDS = ("id", "level", "text", "source")
_CAUSES_KEYS = (
    "overview",
    "intro",
    "mechanism",
    "deficiency_cause",
    "other_cause",
    "see_professional",
    "warning_sign",
    "what_helps",
)
_RDA_KEYS = (
    "source",
    "upper_limit_note",
    "child_limit_note",
    "child_food_note",
    "food_note",
    "absorbed_percent",
    "band",
)
_BAND_FIELDS = (
    "key", "label", "male", "female", "pregnancy", "lactation", "supplement_limit_mg", "child",
    "young", "example",
)


@dataclass(frozen=True)
class WarningSign:
    """A sign that self-help is not enough and the ladder level saying how soon to act.

    ``text`` describes the sign only; how urgent it is comes from ``level`` (rendered by
    the ladder), never from the text. ``id`` is how tips, the diary and SOURCES.md name it.
    """

    id: str
    level: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class Causes:
    """The /causes page: a short overview, then why cramps happen, warning signs, what helps.

    ``when_to_see_doctor`` is each warning sign with its level's advice, most urgent
    first, for a single-page rendering; ``warning_signs`` carries the level for a
    sectioned one, and ``ladder`` words the levels.
    """

    intro: str
    mechanism: str
    deficiency_causes: tuple[tuple[str, str], ...]
    other_causes: tuple[tuple[str, str], ...]
    see_professional: str
    when_to_see_doctor: tuple[str, ...]
    overview: str = ""
    warning_signs: tuple[WarningSign, ...] = ()
    what_helps: tuple[tuple[str, str], ...] = ()
    ladder: Ladder | None = None

    def signs_at(self, level: str) -> tuple[str, ...]:
        """The warning-sign texts of one level, in file order."""
        return tuple(sign.text for sign in self.warning_signs if sign.level == level)

    def sign(self, sign_id: str) -> WarningSign:
        """One warning sign by id; KeyError for an id the data no longer has."""
        for sign in self.warning_signs:
            if sign.id == sign_id:
                return sign
        raise KeyError(sign_id)


@dataclass(frozen=True)
class RdaBand:
    """One age band; pregnancy/lactation are None where the source gives no figure.

    ``supplement_limit_mg`` is this band's own upper limit for magnesium from supplements
    and medicines; ``example`` names rows of the food table for the /need food example;
    ``child`` marks the bands that get the paediatrician line; ``young`` the ones (under 9)
    whose food example carries the small-portion, choking and allergy note.
    """

    key: str
    label: str
    male: int
    female: int
    pregnancy: int | None = None
    lactation: int | None = None
    supplement_limit_mg: int = 0
    child: bool = False
    example: tuple[str, ...] = ()
    young: bool = False


@dataclass(frozen=True)
class RdaTable:
    """The /need reference data, with bands in the file's (age) order."""

    source: str
    bands: tuple[RdaBand, ...]
    upper_limit_note: str
    absorbed_percent: str
    child_limit_note: str = ""
    child_food_note: str = ""
    food_note: str = ""

    @property
    def supplement_upper_limit_mg(self) -> int:
        """The limit from age 9 up (350 mg): the highest of the bands' own limits."""
        return max(band.supplement_limit_mg for band in self.bands)

    def band(self, key: str) -> RdaBand | None:
        """Look a band up by key, e.g. from a callback button; None if it no longer exists."""
        for band in self.bands:
            if band.key == key:
                return band
        return None


def _load_cause_list(
    data: dict[str, Any], name: str, path: Path, text: str, translation: Translation | None
) -> tuple[tuple[str, str], ...]:
    """(title, text) pairs of one ``[[name]]`` array, in file order."""
    causes: list[tuple[str, str]] = []
    for index, (table, line) in enumerate(table_list(data, name, path, text)):
        context = f"{name} #{index + 1}"
        reject_unknown_keys(table, _CAUSE_FIELDS, path, line, context)
        title, body = (translate(translation, section_key(name, index + 1, field),
                                 field_str(table, field, path, line, context))
                       for field in _CAUSE_FIELDS)
        causes.append((title, body))
    if not causes:
        raise CatalogError(path, None, f"no [[{name}]] entries")
    return tuple(causes)


def _load_warning_signs(
    data: dict[str, Any], path: Path, text: str, translation: Translation | None
) -> tuple[WarningSign, ...]:
    """The ``[[warning_sign]]`` tables, sorted most urgent first (file order within a level).

    A sign's text may not hold a ``{level}`` placeholder: its level is its ``level`` key.
    """
    signs: list[WarningSign] = []
    seen: set[str] = set()
    for index, (table, line) in enumerate(table_list(data, "warning_sign", path, text)):
        context = f"warning_sign #{index + 1}"
        reject_unknown_keys(table, _WARNING_FIELDS, path, line, context)
        sign_id = field_str(table, "id", path, line, context)
        if sign_id in seen:
            raise CatalogError(path, line, f"{context}: duplicate id '{sign_id}'")
        seen.add(sign_id)
        level = field_str(table, "level", path, line, context)
        if level not in LEVEL_KEYS:
            raise CatalogError(
                path, line,
                f"{context}: unknown level '{level}' (known: {', '.join(LEVEL_KEYS)})",
            )
        body = field_str(table, "text", path, line, context)
        if "{" in body:
            raise CatalogError(path, line, f"{context}: the level comes from 'level', not from"
                                           " a placeholder in the text")
        signs.append(WarningSign(sign_id, level, _sign_text(body, sign_id, translation),
                                 field_str(table, "source", path, line, context)))
    if not signs:
        raise CatalogError(path, None, "no [[warning_sign]] entries")
    return tuple(sorted(signs, key=lambda sign: LEVEL_KEYS.index(sign.level)))


def _sign_text(english: str, sign_id: str, translation: Translation | None) -> str:
    """A sign's text in the translation's language; the English if it slips a level in."""
    text = translate(translation, sign_key(sign_id), english)
    return english if "{" in text else text


def load_causes(directory: Path = DATA_DIR, translation: Translation | None = None) -> Causes:
    """Load causes.toml; every section is required because /causes offers them all.

    With a ``translation`` the texts and the ladder are that language's (English where it
    has none); each sign keeps the level the data gives it.
    """
    path = directory / CAUSES_FILE
    data, text = read_toml(path)
    reject_unknown_keys(data, _CAUSES_KEYS, path, None, "")
    english_ladder = load_ladder(directory)
    raw_overview = field_str(data, "overview", path)
    overview = fill_levels(raw_overview, english_ladder, path, None, "overview")
    if len(overview) > MAX_OVERVIEW_CHARS:
        raise CatalogError(
            path, None,
            f"'overview' is {len(overview)} characters (max {MAX_OVERVIEW_CHARS}, one phone"
            " screen); move detail into the sections",
        )
    ladder = english_ladder
    if translation is not None:
        ladder = load_ladder(directory, translation)
        overview = translated_with_levels(raw_overview, causes_key("overview"), translation,
                                          ladder, MAX_TRANSLATED_OVERVIEW_CHARS, overview)
    signs = _load_warning_signs(data, path, text, translation)

    def one(field: str) -> str:
        return translate(translation, causes_key(field), field_str(data, field, path))

    return Causes(
        intro=one("intro"),
        mechanism=one("mechanism"),
        deficiency_causes=_load_cause_list(data, "deficiency_cause", path, text, translation),
        other_causes=_load_cause_list(data, "other_cause", path, text, translation),
        see_professional=one("see_professional"),
        when_to_see_doctor=tuple(f"{sign.text} {ladder.advice(sign.level)}" for sign in signs),
        overview=overview,
        warning_signs=signs,
        what_helps=_load_cause_list(data, "what_helps", path, text, translation),
        ladder=ladder,
    )


def load_rda(directory: Path = DATA_DIR, translation: Translation | None = None) -> RdaTable:
    """Load rda.toml, rejecting unknown or repeated band keys the buttons could not reach.

    With a ``translation`` the notes and band labels are that language's; every figure
    comes from the file.
    """
    path = directory / RDA_FILE
    data, text = read_toml(path)

    def note(field: str) -> str:
        return translate(translation, rda_key(field), field_str(data, field, path))

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
                label=translate(translation, band_key(key),
                                field_str(table, "label", path, line, context)),
                male=field_int(table, "male", path, line, context, minimum=1),
                female=field_int(table, "female", path, line, context, minimum=1),
                pregnancy=field_optional_int(table, "pregnancy", path, line, context, minimum=1),
                lactation=field_optional_int(table, "lactation", path, line, context, minimum=1),
                supplement_limit_mg=field_int(
                    table, "supplement_limit_mg", path, line, context, minimum=1
                ),
                child=field_bool(table, "child", path, line, context, default=False),
                young=field_bool(table, "young", path, line, context, default=False),
                example=_example(table, path, line, context),
            )
        )
    if not bands:
        raise CatalogError(path, None, "no [[band]] entries")
    return RdaTable(
        source=field_str(data, "source", path),
        bands=tuple(bands),
        upper_limit_note=note("upper_limit_note"),
        absorbed_percent=field_str(data, "absorbed_percent", path),
        child_limit_note=note("child_limit_note"),
        child_food_note=note("child_food_note"),
        food_note=note("food_note"),
    )


def _example(table: dict[str, Any], path: Path, line: int | None, context: str) -> tuple[str, ...]:
    """A band's food example: at least one food-table name, none repeated."""
    names = field_str_list(table, "example", path, line, context)
    if not names:
        raise CatalogError(path, line, f"{context}: 'example' is empty")
    if len(set(names)) != len(names):
        raise CatalogError(path, line, f"{context}: 'example' repeats a food")
    return names


# ------------------------------------------------------------------ emergency numbers

# Countries (ISO 3166 codes, as tzdata's zone.tab gives them) whose emergency number the
# bot may name. EU member states and their outermost regions with own codes (Aland, French
# Guiana, Guadeloupe, Martinique, Mayotte, Reunion, Saint-Martin) answer 112; the UK and
# the Crown Dependencies 999; the US, its territories and Canada 911.
_EU = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
    " AX GF GP MQ YT RE MF".split()
)
_NUMBER_BY_COUNTRY: dict[str, str] = {
    **dict.fromkeys(_EU, "112"),
    **dict.fromkeys(("GB", "GG", "JE", "IM"), "999"),
    **dict.fromkeys(("US", "CA", "PR", "VI", "GU", "AS", "MP"), "911"),
}
# Old zone names people still pick (tzdata keeps them as links, zone.tab does not list them).
_LEGACY_ZONES: dict[str, str] = {
    "GB": "GB", "GB-Eire": "GB", "Europe/Belfast": "GB", "Eire": "IE", "Poland": "PL",
    "Portugal": "PT", "Europe/Nicosia": "CY", "Navajo": "US", "America/Shiprock": "US",
    "America/Indianapolis": "US", "America/Fort_Wayne": "US", "America/Louisville": "US",
    "America/Knox_IN": "US", "America/Atka": "US", "America/Montreal": "CA",
    "America/Nipigon": "CA", "America/Thunder_Bay": "CA", "America/Rainy_River": "CA",
    "America/Yellowknife": "CA", "America/Pangnirtung": "CA",
}
_LEGACY_PREFIXES: tuple[tuple[str, str], ...] = (("US/", "US"), ("Canada/", "CA"))


@cache
def _zone_countries() -> dict[str, str]:
    """zone name -> ISO country code, from the zone.tab that the tzdata package ships."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    countries: dict[str, str] = {}
    for row in text.splitlines():
        if row and not row.startswith("#"):
            fields = row.split("\t")
            countries[fields[2]] = fields[0]
    return countries


def zone_country(zone_name: str) -> str | None:
    """The country an IANA time-zone name belongs to, or None if it names no single one."""
    country = _zone_countries().get(zone_name) or _LEGACY_ZONES.get(zone_name)
    if country is None:
        country = next((code for prefix, code in _LEGACY_PREFIXES
                        if zone_name.startswith(prefix)), None)
    return country


def emergency_number(zone_name: str) -> str | None:
    """The emergency number to name for someone in ``zone_name``, or None when unsure.

    112 for EU time zones, 999 for the UK (Europe/London), 911 for the US and Canada.
    A time zone is only a hint at the country, so anything else (including zones shared by
    several countries, and UTC) gives None and the caller says "your local emergency number".
    """
    country = zone_country(zone_name.strip())
    return _NUMBER_BY_COUNTRY.get(country) if country else None
