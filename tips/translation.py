"""How a translatable content text is named, and the one look-up the loaders call.

The loaders (tips, /causes, the urgency ladder, /foods, /need) and the list of texts
handed to translators (tips.content_messages) must agree on every key, so both build them
here. A key names the place a text fills (``tip:hyd-001``, ``level:emergency:advice``),
never its wording, so it survives edits to the English.

A translation is anything with gettext's ``pgettext(context, message)``: the English
reader needs none (``None``: the English is returned as it is), a reader of another
language gets a ``tips.i18n.ContentTranslator``.
"""

from __future__ import annotations

from typing import Protocol


class Translation(Protocol):
    """gettext's look-up by context and English: the English back when there is none."""

    def pgettext(self, context: str, message: str) -> str: ...


def translate(translation: Translation | None, key: str, english: str) -> str:
    """``english`` in the translation's language (the English itself without one)."""
    return english if translation is None else translation.pgettext(key, english)


def tip_key(tip_id: str) -> str:
    return f"tip:{tip_id}"


def causes_key(field: str) -> str:
    """A one-off /causes text: overview, intro, mechanism, see_professional."""
    return f"causes:{field}"


def section_key(section: str, number: int, field: str) -> str:
    """The title or text of the ``number``-th (from 1) entry of a /causes section."""
    return f"causes:{section}:{number}:{field}"


def sign_key(sign_id: str) -> str:
    return f"sign:{sign_id}"


def level_key(level: str, field: str) -> str:
    """A ladder level's heading or advice."""
    return f"level:{level}:{field}"


# What tips say in place of an emergency number ("emergency services" in English).
TIP_NUMBER_KEY = "level:tip-number"
FOOD_GROUPS_KEY = "foods:groups"


def food_key(name: str, field: str) -> str:
    """A food's label, serving, or ``search``: the words a reader may type to find it."""
    return f"food:{name}:{field}"


def rda_key(field: str) -> str:
    """A /need note: upper_limit_note, child_limit_note, child_food_note, food_note."""
    return f"rda:{field}"


def band_key(band: str) -> str:
    """An age band's label on /need ("1–3 years")."""
    return f"rda:{band}:label"


def split_words(text: str) -> tuple[str, ...]:
    """A comma-separated list (food groups, search words) as its stripped, non-empty items."""
    return tuple(item.strip() for item in text.split(",") if item.strip())
