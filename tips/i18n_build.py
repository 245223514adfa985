"""Build the catalogues with Babel: extract, update, compile (`make i18n`).

    python -m tips.i18n_build extract   # tips/data → tips/locales/content.pot,
                                        # bot/ → bot/locales/messages.pot
    python -m tips.i18n_build update    # each template merged into each locale's .po
    python -m tips.i18n_build compile   # each .po → .mo beside it (committed)
    python -m tips.i18n_build all       # the three in turn (what `make i18n` runs)

Two domains: "content" (the health texts, keyed by msgctxt, merged as below) and
"messages" (the bot's own sentences and labels, extracted from the ``_()``, ``ngettext()``,
``pgettext()`` calls in bot/; see `ui_template`).

Update merges by key (msgctxt), not by Babel's fuzzy guess over all texts, which could
carry one tip's translation to another with similar English: an entry whose English
changed keeps its translation, marked fuzzy with the previous English beside it (so it is
not compiled and the reader gets the new English until a translator confirms it); a key
the English no longer has becomes obsolete (``#~``). Files are rewritten only when their
content changes, so a rerun leaves git clean.

The tests use the in-memory halves (`template`, `compiled`) to fail when the committed
template or a committed .mo is out of date.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from tips.catalog import DATA_DIR
from tips.content_messages import content_messages
from tips.i18n import DOMAIN, LOCALE_DIR, LOCALES, catalogue_path
from tips.translation_checks import Entry

PROJECT = "MagDaily content"
WIDTH = 100  # as the committed files are wrapped


def template_path(localedir: Path = LOCALE_DIR) -> Path:
    return localedir / f"{DOMAIN}.pot"


def template(data_dir: Path = DATA_DIR, creation_date: datetime | None = None) -> Catalog:
    """The catalogue template: every content text of ``data_dir`` under its key."""
    catalog = Catalog(project=PROJECT, version="1", copyright_holder="MagDaily",
                      creation_date=creation_date or datetime.now(UTC), fuzzy=False)
    for message in content_messages(data_dir):
        flags = ["python-brace-format"] if "{" in message.english else []
        catalog.add(message.english, context=message.context, auto_comments=[message.origin],
                    flags=flags)
    return catalog


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def po_bytes(catalog: Catalog, **options: bool) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, **options)
    return buffer.getvalue()


def compiled(catalog: Catalog) -> bytes:
    """The .mo of ``catalog``: fuzzy and untranslated entries left out, so English shows."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def same_messages(first: Catalog, second: Catalog) -> bool:
    """Whether two catalogues hold the same texts, keys, comments and flags (dates aside)."""

    def content(catalog: Catalog) -> list[tuple[object, ...]]:
        return [(m.context, m.id, m.string or "", tuple(m.auto_comments), tuple(sorted(m.flags)))
                for m in catalog if m.id]

    return content(first) == content(second)


def entries(catalog: Catalog) -> list[Entry]:
    """A catalogue's entries, obsolete ones included, as tips.translation_checks reads them."""
    found = [Entry(m.context or "", str(m.id), str(m.string or ""), m.fuzzy)
             for m in catalog if m.id]
    found += [Entry(m.context or "", str(m.id), str(m.string or ""), m.fuzzy, obsolete=True)
              for m in catalog.obsolete.values()]
    return found


def merged(translations: Catalog, new_template: Catalog) -> Catalog:
    """``translations`` brought up to ``new_template``, merged by key (see the module doc)."""
    by_key = {m.context: m for m in translations if m.id}
    result = Catalog(locale=translations.locale, project=PROJECT, version="1",
                     copyright_holder="MagDaily", creation_date=new_template.creation_date,
                     fuzzy=False)
    result.mime_headers = translations.mime_headers
    result.creation_date = new_template.creation_date
    result.obsolete.update(translations.obsolete)
    for message in new_template:
        if not message.id:
            continue
        old = by_key.pop(message.context, None)
        string, flags, previous = "", set(message.flags), []
        if old is not None and isinstance(old.string, str) and old.string:
            string = old.string
            if old.id != message.id:
                flags.add("fuzzy")
                previous = [str(old.id)]
            elif old.fuzzy:
                flags.add("fuzzy")
                previous = list(old.previous_id)
        result[message.id] = Message(message.id, string, auto_comments=message.auto_comments,
                                     flags=flags, previous_id=previous, context=message.context)
    for old in by_key.values():
        result.obsolete[(str(old.id), str(old.context))] = old
    return result


def _write_if_changed(path: Path, content: bytes) -> bool:
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def extract(data_dir: Path = DATA_DIR, localedir: Path = LOCALE_DIR) -> bool:
    """Write the template; kept as it is (date included) when its messages have not changed."""
    path = template_path(localedir)
    fresh = template(data_dir)
    if path.exists() and same_messages(read_catalogue(path), fresh):
        return False
    return _write_if_changed(path, po_bytes(fresh))


def update(localedir: Path = LOCALE_DIR, locales: Sequence[str] = LOCALES) -> list[Path]:
    """Merge the template into each locale's .po (created when absent); the files changed."""
    new_template = read_catalogue(template_path(localedir))
    changed = []
    for locale in locales:
        path = catalogue_path(locale, localedir)
        old = read_catalogue(path, locale) if path.exists() else Catalog(locale=locale)
        fresh = merged(old, new_template)
        if path.exists() and same_messages(old, fresh) and _same_obsolete(old, fresh):
            continue
        if _write_if_changed(path, po_bytes(fresh, include_previous=True)):
            changed.append(path)
    return changed


def _same_obsolete(first: Catalog, second: Catalog) -> bool:
    return set(first.obsolete) == set(second.obsolete)


def compile_all(localedir: Path = LOCALE_DIR, locales: Sequence[str] = LOCALES) -> list[Path]:
    """Compile each locale's .po into the .mo beside it; the files changed."""
    changed = []
    for locale in locales:
        mo = catalogue_path(locale, localedir, ".mo")
        if _write_if_changed(mo, compiled(read_catalogue(catalogue_path(locale, localedir),
                                                         locale))):
            changed.append(mo)
    return changed


# ------------------------------------------------------------------ the bot's own texts

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"
UI_LOCALE_DIR = BOT_DIR / "locales"
UI_DOMAIN = "messages"
UI_PROJECT = "MagDaily"
# The text layer's gettext functions (bot/core/i18n.py): argument positions of the message.
UI_KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
TRANSLATOR_TAG = "Translators:"


def ui_template_path(localedir: Path = UI_LOCALE_DIR) -> Path:
    return localedir / f"{UI_DOMAIN}.pot"


def ui_catalogue_path(locale: str, localedir: Path = UI_LOCALE_DIR, suffix: str = ".po") -> Path:
    return localedir / locale / "LC_MESSAGES" / f"{UI_DOMAIN}{suffix}"


def ui_template(source_dir: Path = BOT_DIR, creation_date: datetime | None = None) -> Catalog:
    """Every message of the bot's text layer, from its source (Babel's python extractor).

    Placeholders are named braces, so an entry is flagged python-brace-format and never
    python-format (Babel would guess that from any "%" followed by a letter, as in "a % of
    your need"). Comments that start "Translators:" go to the translators.
    """
    catalog = Catalog(project=UI_PROJECT, version="1", copyright_holder="MagDaily",
                      creation_date=creation_date or datetime.now(UTC), fuzzy=False)
    root = source_dir.parent
    found = extract_from_dir(str(source_dir), method_map=[("**.py", "python")],
                             keywords=UI_KEYWORDS, comment_tags=(TRANSLATOR_TAG,),
                             strip_comment_tags=False)
    for filename, lineno, message, comments, context in found:
        location = ((source_dir / filename).relative_to(root).as_posix(), lineno)
        existing = catalog.get(message, context)
        if existing is not None:
            existing.locations.append(location)
            existing.auto_comments.extend(c for c in comments
                                          if c not in existing.auto_comments)
            continue
        entry = catalog.add(message, locations=[location], auto_comments=comments,
                            context=context)
        assert entry is not None
        entry.flags.discard("python-format")
        if "{" in (entry.id if isinstance(entry.id, str) else entry.id[0]):
            entry.flags.add("python-brace-format")
    return catalog


def _sorted_messages(catalog: Catalog) -> list[tuple[object, ...]]:
    # Babel adds python-format to any message it guesses is one whenever it reads a file.
    return sorted((repr(m.context), repr(m.id), repr(m.string or ""), tuple(m.auto_comments),
                   tuple(sorted(m.flags - {"python-format"}))) for m in catalog if m.id)


def same_ui_messages(first: Catalog, second: Catalog) -> bool:
    """Whether two catalogues hold the same messages, comments, flags and translations,
    in any order and wherever in the source they stand (code moves need no new template)."""
    return _sorted_messages(first) == _sorted_messages(second)


def ui_po_bytes(catalog: Catalog, **options: bool) -> bytes:
    """A .po or .pot of the bot's texts: files named, not line numbers (which move with
    every edit)."""
    return po_bytes(catalog, include_lineno=False, **options)


def ui_extract(source_dir: Path = BOT_DIR, localedir: Path = UI_LOCALE_DIR) -> bool:
    """Write the template; kept as it is (date included) when its messages have not changed."""
    path = ui_template_path(localedir)
    fresh = ui_template(source_dir)
    if path.exists() and same_ui_messages(read_catalogue(path), fresh):
        return False
    return _write_if_changed(path, ui_po_bytes(fresh))


def ui_merged(translations: Catalog, new_template: Catalog) -> Catalog:
    """``translations`` brought up to ``new_template``. The English is the key: a message
    whose English changed is matched to its old translation, marked fuzzy with the
    previous English beside it (not compiled until a translator confirms it); a message
    the code no longer has is kept obsolete (``#~``)."""
    result = read_po(io.BytesIO(ui_po_bytes(translations)), locale=translations.locale)
    result.update(new_template, update_header_comment=False)
    result.creation_date = new_template.creation_date
    for message in result:
        if message.id:
            message.flags.discard("python-format")
    return result


def ui_update(localedir: Path = UI_LOCALE_DIR, locales: Sequence[str] = LOCALES) -> list[Path]:
    """Merge the template into each locale's .po (created when absent); the files changed."""
    new_template = read_catalogue(ui_template_path(localedir))
    changed = []
    for locale in locales:
        path = ui_catalogue_path(locale, localedir)
        old = read_catalogue(path, locale) if path.exists() else Catalog(
            locale=locale, project=UI_PROJECT, version="1", copyright_holder="MagDaily",
            fuzzy=False)
        fresh = ui_merged(old, new_template)
        if path.exists() and same_ui_messages(old, fresh) and _same_obsolete(old, fresh):
            continue
        if _write_if_changed(path, ui_po_bytes(fresh, include_previous=True)):
            changed.append(path)
    return changed


def ui_compile_all(localedir: Path = UI_LOCALE_DIR,
                   locales: Sequence[str] = LOCALES) -> list[Path]:
    """Compile each locale's messages.po into the .mo beside it; the files changed."""
    changed = []
    for locale in locales:
        mo = ui_catalogue_path(locale, localedir, ".mo")
        po = read_catalogue(ui_catalogue_path(locale, localedir), locale)
        if _write_if_changed(mo, compiled(po)):
            changed.append(mo)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tips.i18n_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("extract", "update", "compile", "all"))
    parser.add_argument("--data", type=Path, help="the English content (tips/data)")
    parser.add_argument("--locales", type=Path, help="the content catalogues")
    parser.add_argument("--source", type=Path, help="the bot's code (bot/)")
    parser.add_argument("--ui-locales", type=Path, help="the bot's catalogues (bot/locales)")
    args = parser.parse_args(argv)
    # Paths given for one domain build that domain only; none given: both, in the checkout.
    content_given = args.data is not None or args.locales is not None
    ui_given = args.source is not None or args.ui_locales is not None
    data, locales = args.data or DATA_DIR, args.locales or LOCALE_DIR
    source, ui_locales = args.source or BOT_DIR, args.ui_locales or UI_LOCALE_DIR
    content, ui = content_given or not ui_given, ui_given or not content_given
    if args.step in ("extract", "all"):
        if content:
            written = extract(data, locales)
            print(f"{template_path(locales)}: {'written' if written else 'up to date'}")
        if ui:
            written = ui_extract(source, ui_locales)
            print(f"{ui_template_path(ui_locales)}: {'written' if written else 'up to date'}")
    if args.step in ("update", "all"):
        for path in [*(update(locales) if content else []),
                     *(ui_update(ui_locales) if ui else [])]:
            print(f"{path}: updated")
    if args.step in ("compile", "all"):
        for path in [*(compile_all(locales) if content else []),
                     *(ui_compile_all(ui_locales) if ui else [])]:
            print(f"{path}: compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
