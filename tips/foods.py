"""The /foods magnesium table and a forgiving lookup for what people type.

People ask for "Almond", "almnds" or "chia" in a chat, so lookup must tolerate case,
punctuation, plurals, aliases and one-letter typos. It must never guess between two
foods, though: a wrong magnesium figure is worse than asking the user to pick.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from tips.catalog import (
    DATA_DIR,
    CatalogError,
    display_path,
    field_int,
    field_str,
    field_str_list,
    read_toml,
    reject_unknown_keys,
    table_list,
)
from tips.translation import FOOD_GROUPS_KEY, Translation, food_key, split_words, translate

FOODS_FILE = "foods_table.toml"
MAX_QUERY_LENGTH = 100
# Below this length a one-edit typo is as likely another word ("chai" is not "chia").
MIN_TYPO_LENGTH = 5
SUGGEST_CUTOFF = 60.0

FOOD_FIELDS = ("name", "label", "aliases", "serving", "mg", "dv_percent")
# How far a listed %DV may drift from mg/daily value: sources round their percentages.
DV_TOLERANCE = 1

_NON_WORD_RE = re.compile(r"[\W_]+")
_APOSTROPHES_RE = re.compile(r"['’‘`]")


@dataclass(frozen=True)
class Food:
    """One row of the /foods table, with the figures exactly as the source gives them."""

    name: str
    label: str
    aliases: tuple[str, ...]
    serving: str
    mg: int
    dv_percent: int


@dataclass(frozen=True)
class FoodTable:
    """The whole table; the lookup index is built on first use and kept with it."""

    foods: tuple[Food, ...]
    daily_value_mg: int
    source: str
    groups: tuple[str, ...]

    @cached_property
    def _phrases(self) -> tuple[tuple[tuple[str, ...], int], ...]:
        """Every normalised name, alias and label as (words, food index)."""
        seen: set[tuple[tuple[str, ...], int]] = set()
        phrases: list[tuple[tuple[str, ...], int]] = []
        for index, food in enumerate(self.foods):
            for text in (food.name, *food.aliases, food.label):
                words = tuple(normalize(text).split())
                if words and (words, index) not in seen:
                    seen.add((words, index))
                    phrases.append((words, index))
        return tuple(phrases)

    @cached_property
    def _typo_choices(self) -> tuple[list[str], list[int]]:
        """Whole-phrase spellings (plain and singular) for one-edit typo matching."""
        choices: list[str] = []
        owners: list[int] = []
        for words, index in self._phrases:
            for form in _phrase_forms(words):
                choices.append(form)
                owners.append(index)
        return choices, owners

    @cached_property
    def _suggest_choices(self) -> tuple[list[str], list[int]]:
        return [" ".join(words) for words, _ in self._phrases], [i for _, i in self._phrases]


def normalize(text: str) -> str:
    """Lower-case, accent-free words separated by single spaces, punctuation dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES_RE.sub("", text.casefold())
    return _NON_WORD_RE.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def word_forms(word: str) -> frozenset[str]:
    """The word plus the singulars it could be the plural of.

    Generating several candidates (berries → berrie/berry, potatoes → potatoe/potato)
    and matching when the sets intersect avoids needing a correct singulariser.
    """
    forms = {word}
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])
        if word.endswith("es"):
            forms.add(word[:-2])
        if word.endswith("ies") and len(word) > 4:
            forms.add(word[:-3] + "y")
    return frozenset(forms)


def _phrase_forms(words: tuple[str, ...]) -> list[str]:
    """Spellings of a phrase with its last word in each singular form."""
    head = " ".join(words[:-1])
    return [f"{head} {form}" if head else form for form in sorted(word_forms(words[-1]))]


def _words_match(query: tuple[frozenset[str], ...], phrase: tuple[str, ...]) -> bool:
    """Whether the query words equal the phrase's leading words, plurals folded."""
    return all(
        not forms.isdisjoint(word_forms(word)) for forms, word in zip(query, phrase, strict=False)
    )


def _unique(matches: set[int]) -> int | None:
    return next(iter(matches)) if len(matches) == 1 else None


def _clean_query(query: str) -> str | None:
    """The normalised query, or None for input that cannot name a food.

    The length check comes first so a pasted wall of text costs nothing.
    """
    if len(query) > MAX_QUERY_LENGTH:
        return None
    cleaned = normalize(query)
    if not cleaned or not any(ch.isalpha() for ch in cleaned):
        return None
    return cleaned


def find_food(table: FoodTable, query: str) -> Food | None:
    """The one food the user most plausibly meant, or None if unsure.

    Tries progressively looser matches (exact words with plurals folded, leading
    words of a longer name, one typo in the whole name, one typo in its leading
    words) and stops at the first tier that matches anything: one food wins, two or
    more mean the query is ambiguous and looser tiers would only guess harder.
    """
    cleaned = _clean_query(query)
    if cleaned is None:
        return None
    words = tuple(cleaned.split())
    query_forms = tuple(word_forms(word) for word in words)
    phrases = table._phrases

    exact = {i for p, i in phrases if len(p) == len(words) and _words_match(query_forms, p)}
    prefix = {i for p, i in phrases if len(p) > len(words) and _words_match(query_forms, p)}
    for matches in (exact, prefix):
        if matches:
            return _food_or_none(table, _unique(matches))

    if len(cleaned.replace(" ", "")) < MIN_TYPO_LENGTH:
        return None
    choices, owners = table._typo_choices
    typo: set[int] = set()
    for form in _phrase_forms(words):
        for _, _, position in process.extract_iter(
            form, choices, scorer=DamerauLevenshtein.distance, score_cutoff=1
        ):
            typo.add(owners[position])
    if typo:
        return _food_or_none(table, _unique(typo))

    # One typo within the leading words of a longer name ("pumkin" → pumpkin seeds).
    typo_prefix: set[int] = set()
    for phrase, index in phrases:
        if len(phrase) > len(words):
            lead = phrase[: len(words)]
            for form in _phrase_forms(lead):
                if DamerauLevenshtein.distance(cleaned, form, score_cutoff=1) <= 1:
                    typo_prefix.add(index)
    return _food_or_none(table, _unique(typo_prefix))


def _food_or_none(table: FoodTable, index: int | None) -> Food | None:
    return None if index is None else table.foods[index]


def top_foods(table: FoodTable, limit: int) -> list[Food]:
    """The richest sources, a sensible answer when the query gave nothing to go on."""
    return sorted(table.foods, key=lambda food: -food.mg)[:limit]


def suggest_foods(table: FoodTable, query: str, limit: int = 4) -> list[Food]:
    """Foods to offer when find_food is unsure: the nearest names, else the richest foods.

    WRatio scores partial overlaps well ("seeds" → pumpkin and chia seeds), which is
    what a "did you mean" list needs even when the query is not one food's name.
    """
    if limit <= 0:
        return []
    cleaned = _clean_query(query[:MAX_QUERY_LENGTH])
    if cleaned is None:
        return top_foods(table, limit)
    choices, owners = table._suggest_choices
    results = process.extract(
        cleaned, choices, scorer=fuzz.WRatio, score_cutoff=SUGGEST_CUTOFF, limit=None
    )
    suggestions: list[Food] = []
    picked: set[int] = set()
    for _, _, position in results:
        index = owners[position]
        if index not in picked:
            picked.add(index)
            suggestions.append(table.foods[index])
            if len(suggestions) == limit:
                break
    return suggestions or top_foods(table, limit)


def percent_of(mg: int, need_mg: int) -> int:
    """``mg`` as a whole percentage of ``need_mg``, rounding half up like label tables.

    Integer arithmetic avoids both float error and Python's round-half-to-even.
    """
    if need_mg <= 0:
        raise ValueError("need_mg must be positive")
    return (200 * mg + need_mg) // (2 * need_mg)


def load_foods(directory: Path = DATA_DIR, translation: Translation | None = None) -> FoodTable:
    """Load and check foods_table.toml so /foods can trust every figure it shows.

    Names and aliases must not be shared between foods, because lookup would then
    be ambiguous by construction, and each %DV must agree with mg / daily value.
    With a ``translation`` labels, servings and groups are that language's, and each food
    is also found by its translated search words; the English name and aliases still
    work, and ``name`` stays the food's English key.
    """
    path = directory / FOODS_FILE
    data, text = read_toml(path)
    reject_unknown_keys(data, ("daily_value_mg", "source", "groups", "food"), path, None, "")
    daily_value = field_int(data, "daily_value_mg", path, minimum=1)
    source = field_str(data, "source", path)
    groups = field_str_list(data, "groups", path)

    foods: list[Food] = []
    owner_of: dict[str, tuple[str, int | None]] = {}
    for index, (table, line) in enumerate(table_list(data, "food", path, text)):
        raw_name = table.get("name")
        context = f"food '{raw_name}'" if isinstance(raw_name, str) else f"food #{index + 1}"
        reject_unknown_keys(table, FOOD_FIELDS, path, line, context)
        name = field_str(table, "name", path, line, context)
        if name != normalize(name):
            raise CatalogError(
                path, line, f"{context}: 'name' must be lower-case words, like '{normalize(name)}'"
            )
        mg = field_int(table, "mg", path, line, context)
        dv_percent = field_int(table, "dv_percent", path, line, context)
        expected = percent_of(mg, daily_value)
        if abs(expected - dv_percent) > DV_TOLERANCE:
            raise CatalogError(
                path,
                line,
                f"{context}: dv_percent is {dv_percent} but {mg} mg of {daily_value} mg"
                f" is {expected}%",
            )
        food = Food(
            name=name,
            label=field_str(table, "label", path, line, context),
            aliases=field_str_list(table, "aliases", path, line, context, required=False),
            serving=field_str(table, "serving", path, line, context),
            mg=mg,
            dv_percent=dv_percent,
        )
        for spelling in {normalize(s) for s in (food.name, *food.aliases)}:
            if spelling in owner_of and owner_of[spelling][0] != food.name:
                other, other_line = owner_of[spelling]
                where = display_path(path) + (f":{other_line}" if other_line else "")
                raise CatalogError(
                    path,
                    line,
                    f"{context}: '{spelling}' already names food '{other}' (at {where})",
                )
            owner_of[spelling] = (food.name, line)
        foods.append(_translated(food, translation))
    if not foods:
        raise CatalogError(path, None, "no [[food]] entries")
    if translation is not None:
        english_groups = ", ".join(groups)
        groups = split_words(translate(translation, FOOD_GROUPS_KEY, english_groups)) or groups
    return FoodTable(foods=tuple(foods), daily_value_mg=daily_value, source=source, groups=groups)


def _translated(food: Food, translation: Translation | None) -> Food:
    """``food`` worded in the translation's language, found by its words as well."""
    if translation is None:
        return food
    english_words = ", ".join((food.name, *food.aliases))
    words = split_words(translate(translation, food_key(food.name, "search"), english_words))
    aliases = tuple(dict.fromkeys((*words, *food.aliases)))
    return Food(
        name=food.name,
        label=translate(translation, food_key(food.name, "label"), food.label),
        aliases=tuple(word for word in aliases if normalize(word) != food.name),
        serving=translate(translation, food_key(food.name, "serving"), food.serving),
        mg=food.mg,
        dv_percent=food.dv_percent,
    )
