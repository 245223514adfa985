"""The health content in each language the bot speaks, picked by the reader's locale.

One bundle per locale (tips by id, /causes with its urgency ladder, the /need table, the
food table with its translated search words), built at start-up from tips/data and the
content catalogues (tips.i18n): English is the reference, every other language falls back
to it text by text, never to a blank. Whatever renders content takes `library.current()`
(the locale of the update or outbox row being worded), so a reader sees one language.

Tips are stored (and sent, rotated, voted on) by id; the stored English decides whether a
translation applies: a tip whose stored text is not the English its translation was made
from (an admin's tip, or one edited since) is shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

from bot.core.i18n import ENGLISH, LOCALES, current_locale
from tips.catalog import Tip, load_catalog
from tips.foods import Food, FoodTable, find_food, load_foods
from tips.i18n import ContentTranslator
from tips.reference import Causes, RdaTable, load_causes, load_rda


@dataclass(frozen=True, slots=True)
class Content:
    """One language's content."""

    locale: str
    causes: Causes
    rda: RdaTable
    foods: FoodTable
    # id → (the English it was made from, the tip in this language)
    tips: Mapping[str, tuple[str, Tip]]

    def tip(self, tip: Tip) -> Tip:
        """``tip`` (as stored) in this language, or as stored where no translation fits."""
        entry = self.tips.get(tip.id)
        if entry is None or entry[0] != tip.text:
            return tip
        translated = entry[1]
        return translated if translated.source == tip.source else replace(
            tip, text=translated.text)


@cache
def load_content(locale: str) -> Content:
    """A locale's bundle from the shipped data and catalogues (read once per process)."""
    translation = None if locale == ENGLISH else ContentTranslator(LOCALES[locale])
    english = {tip.id: tip.text for tip in load_catalog()}
    tips = {tip.id: (english[tip.id], tip) for tip in load_catalog(translation=translation)}
    return Content(locale, load_causes(translation=translation),
                   load_rda(translation=translation), load_foods(translation=translation),
                   tips)


class ContentLibrary:
    """Every locale's bundle, and the current one."""

    def __init__(self, bundles: Mapping[str, Content]) -> None:
        if ENGLISH not in bundles:
            raise ValueError("the English content is the reference and must be there")
        self._bundles = dict(bundles)

    @classmethod
    def load(cls) -> ContentLibrary:
        return cls({locale: load_content(locale) for locale in LOCALES})

    def get(self, locale: str) -> Content:
        return self._bundles.get(locale) or self._bundles[ENGLISH]

    def current(self) -> Content:
        """The bundle of the locale being rendered in (bot.core.i18n)."""
        return self.get(current_locale())

    def find_food(self, query: str) -> Food | None:
        """The food a reader typed, in the current language's table: their own language's
        words first, then any other's (a Russian name typed in an English chat finds it)."""
        current = self.current()
        food = find_food(current.foods, query)
        if food is not None:
            return food
        for content in self._bundles.values():
            if content is not current and (other := find_food(content.foods, query)):
                return next((f for f in current.foods.foods if f.name == other.name), None)
        return None

    def english(self) -> Content:
        return self._bundles[ENGLISH]

    def all(self) -> tuple[Content, ...]:
        return tuple(self._bundles.values())
