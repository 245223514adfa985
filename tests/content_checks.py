"""Checks that treat health content like code: figures, repeats, length and reading level.

Each check is a pure function returning the problems it found (empty when all is well), so
the test suite can run it over the real catalogue and also prove, on planted mistakes,
that it would catch them. A part of the tests: nothing here runs when the bot serves users.

- ``figure_problems``: every "N mg" in a tip must be explained. A figure right after a food
  name must be that food's row in the food table (or the total of the foods named so far,
  as in "with beans the plate reaches 102 mg"); a figure with no food before it must be a
  total of foods named earlier in the tip, or a reference figure (RDA, supplement limit,
  Daily Value). So "almonds have 90 mg" fails, and so does an RDA number next to a food.
- ``near_duplicates``: pairs of tips sharing too many word trigrams (overlap coefficient:
  shared trigrams / trigrams of the shorter tip). Trigrams catch reused phrasing, which is
  what readers notice when the same advice comes round twice.
- ``word_count`` and ``flesch_kincaid_grade``: length and a reading-grade estimate (a
  vowel-group syllable counter, about one grade either way; textstat was not used because
  its current release downloads a pronunciation dictionary at run time).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tips.catalog import Tip
from tips.foods import Food, FoodTable, normalize, word_forms

_MG_RE = re.compile(r"(\d+)\s?mg\b")
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")
_WORD_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+(?:[.,:]\d+)*")
_VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")


# ------------------------------------------------------------------ food figures


@dataclass(frozen=True)
class _Mention:
    start: int  # character offset in the tip text
    end: int
    food: Food


def food_mentions(text: str, table: FoodTable) -> list[_Mention]:
    """Foods named in ``text`` (name or alias, plurals folded), longest phrase first.

    "soy milk" is one mention of soymilk, not also one of milk; "peanut butter" is not also
    peanuts. Offsets are character positions so figures can be related to the names.
    """
    tokens = [(m.start(), m.end(), normalize(m.group())) for m in _WORD_RE.finditer(text)]
    phrases: list[tuple[tuple[str, ...], Food]] = []
    for food in table.foods:
        for spelling in (food.name, *food.aliases):
            words = tuple(normalize(spelling).split())
            if words:
                phrases.append((words, food))
    phrases.sort(key=lambda item: -len(item[0]))
    mentions: list[_Mention] = []
    taken: set[int] = set()
    for words, food in phrases:
        size = len(words)
        for index in range(len(tokens) - size + 1):
            span = range(index, index + size)
            if taken.intersection(span):
                continue
            window = [tokens[i][2] for i in span]
            if all(not word_forms(have).isdisjoint(word_forms(want))
                   for have, want in zip(window, words, strict=True)):
                taken.update(span)
                mentions.append(_Mention(tokens[index][0], tokens[index + size - 1][1], food))
    return sorted(mentions, key=lambda mention: mention.start)


def _subset_sums(values: Sequence[int]) -> set[int]:
    """Every total of two or more of ``values``."""
    return {sum(combo) for size in range(2, len(values) + 1)
            for combo in itertools.combinations(values, size)}


def figure_problems(text: str, table: FoodTable, reference_mg: Iterable[int]) -> list[str]:
    """What is wrong with the "N mg" figures of one tip, in words an editor can act on."""
    references = set(reference_mg)
    mentions = food_mentions(text, table)
    sentence_starts = [0] + [m.end() for m in _SENTENCE_END_RE.finditer(text)]
    problems: list[str] = []
    previous_end = 0
    for match in _MG_RE.finditer(text):
        figure = int(match.group(1))
        sentence_start = max(start for start in sentence_starts if start <= match.start())
        window_start = max(previous_end, sentence_start)
        previous_end = match.end()
        named_so_far = list({m.food.name: m.food for m in mentions
                             if m.end <= match.start()}.values())
        in_window = [m.food for m in mentions if window_start <= m.start and m.end <= match.start()]
        totals = _subset_sums([food.mg for food in named_so_far])
        if in_window:
            food = in_window[-1]
            if figure != food.mg and figure not in totals:
                problems.append(
                    f"{figure} mg follows '{food.name}', whose table figure is {food.mg} mg"
                )
        elif figure not in totals and figure not in references:
            problems.append(
                f"{figure} mg names no food, is no total of the foods named before it and"
                " is no reference figure (RDA, supplement limit, Daily Value)"
            )
    return problems


# ------------------------------------------------------------------ repeats


def word_trigrams(text: str) -> frozenset[tuple[str, str, str]]:
    words = normalize(text).split()
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def trigram_overlap(first: str, second: str) -> float:
    """Shared word trigrams over the trigrams of the shorter text (0.0 to 1.0)."""
    a, b = word_trigrams(first), word_trigrams(second)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def near_duplicates(tips: Sequence[Tip], threshold: float) -> list[tuple[str, str, float]]:
    """Pairs of tip ids whose overlap reaches ``threshold``, highest first."""
    pairs = [(a.id, b.id, trigram_overlap(a.text, b.text))
             for a, b in itertools.combinations(tips, 2)]
    return sorted((p for p in pairs if p[2] >= threshold), key=lambda p: -p[2])


# ------------------------------------------------------------------ length and reading level


def word_count(text: str) -> int:
    return len(_WORD_RE.findall(text))


def count_syllables(word: str) -> int:
    """Vowel groups, less a silent final e; numbers count as two (\"twenty\", \"3.7\")."""
    word = word.lower()
    if word[0].isdigit():
        return 2
    groups = len(_VOWEL_GROUP_RE.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)


def flesch_kincaid_grade(text: str) -> float:
    """The Flesch-Kincaid grade: 0.39 words/sentence + 11.8 syllables/word - 15.59."""
    words = _WORD_RE.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len(_SENTENCE_END_RE.findall(text)))
    syllables = sum(count_syllables(word) for word in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
