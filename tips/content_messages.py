"""Every piece of health content a reader sees, as (context, English) pairs for translation.

The English in tips/data is the reference. A translation lives in a gettext catalogue
(tips/locales/<locale>/LC_MESSAGES/content.po) under the same stable key as its English
(``msgctxt``: ``tip:hyd-001``, ``sign:statin``, ``level:emergency:advice`` …) with the
English it was made from as its ``msgid``. So a translation knows which English text it
translates: when the English changes, the pair no longer matches, the reader gets the new
English (never a stale translation), and the catalogue checks name the entry as stale
until it is translated again.

The English is taken here as it stands in the data files (stripped, as the loaders read
it), with the urgency ladder's placeholders (``{same_day}``) still in place: a
translation keeps the placeholder and each language words the level once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tips.catalog import DATA_DIR, TIP_NUMBER, URGENCY_FILE, read_toml
from tips.translation import (
    FOOD_GROUPS_KEY,
    TIP_NUMBER_KEY,
    band_key,
    causes_key,
    food_key,
    level_key,
    rda_key,
    section_key,
    sign_key,
    tip_key,
)


@dataclass(frozen=True, slots=True)
class ContentMessage:
    """One translatable text: its stable key, the English, and where it comes from."""

    context: str
    english: str
    origin: str  # "causes.toml" (file name), for translators' comments


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _tips(path: Path, data: dict[str, Any]) -> list[ContentMessage]:
    out = []
    for table in data.get("tip", []):
        text = _text(table.get("text"))
        if text and _text(table.get("id")):
            out.append(ContentMessage(tip_key(table["id"].strip()), text, path.name))
    return out


def _causes(path: Path, data: dict[str, Any]) -> list[ContentMessage]:
    out = []
    for key in ("overview", "intro", "mechanism", "see_professional"):
        text = _text(data.get(key))
        if text:
            out.append(ContentMessage(causes_key(key), text, path.name))
    for section in ("deficiency_cause", "other_cause", "what_helps"):
        for number, table in enumerate(data.get(section, []), start=1):
            for field in ("title", "text"):
                text = _text(table.get(field))
                if text:
                    out.append(ContentMessage(section_key(section, number, field), text,
                                              path.name))
    for table in data.get("warning_sign", []):
        text = _text(table.get("text"))
        if text and _text(table.get("id")):
            out.append(ContentMessage(sign_key(table["id"].strip()), text, path.name))
    return out


def _ladder(path: Path, data: dict[str, Any]) -> list[ContentMessage]:
    out = []
    for table in data.get("level", []):
        for field in ("heading", "advice"):
            text = _text(table.get(field))
            if text and _text(table.get("key")):
                out.append(ContentMessage(level_key(table["key"].strip(), field), text,
                                          path.name))
    # Tips are written once for every country, so their emergency sentence names no number.
    out.append(ContentMessage(TIP_NUMBER_KEY, TIP_NUMBER, path.name))
    return out


def _foods(path: Path, data: dict[str, Any]) -> list[ContentMessage]:
    out = []
    groups = data.get("groups")
    if isinstance(groups, list) and groups:
        out.append(ContentMessage(FOOD_GROUPS_KEY, ", ".join(g.strip() for g in groups),
                                  path.name))
    for table in data.get("food", []):
        name = _text(table.get("name"))
        if not name:
            continue
        for field in ("label", "serving"):
            text = _text(table.get(field))
            if text:
                out.append(ContentMessage(food_key(name, field), text, path.name))
        # What a reader may type to find the food: the English name and aliases; the
        # translation lists the words of its own language, comma-separated.
        words = [name, *(a.strip() for a in table.get("aliases", []) if a.strip())]
        out.append(ContentMessage(food_key(name, "search"), ", ".join(words), path.name))
    return out


def _rda(path: Path, data: dict[str, Any]) -> list[ContentMessage]:
    out = []
    for key in ("upper_limit_note", "child_limit_note", "child_food_note", "food_note"):
        text = _text(data.get(key))
        if text:
            out.append(ContentMessage(rda_key(key), text, path.name))
    for table in data.get("band", []):
        label = _text(table.get("label"))
        if label and _text(table.get("key")):
            out.append(ContentMessage(band_key(table["key"].strip()), label, path.name))
    return out


_READERS = {
    "causes.toml": _causes,
    URGENCY_FILE: _ladder,
    "foods_table.toml": _foods,
    "rda.toml": _rda,
}


def content_messages(directory: Path = DATA_DIR) -> list[ContentMessage]:
    """Every translatable content text in ``directory``, in file order, keys unique."""
    messages: list[ContentMessage] = []
    for path in sorted(directory.glob("*.toml")):
        data, _ = read_toml(path)
        messages.extend(_READERS.get(path.name, _tips)(path, data))
    seen: set[str] = set()
    for message in messages:
        if message.context in seen:
            raise ValueError(f"{message.origin}: duplicate content key {message.context!r}")
        seen.add(message.context)
    return messages
