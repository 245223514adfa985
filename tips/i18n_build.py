"""Build the content catalogues with Babel: extract, update, compile (`make i18n`).

    python -m tips.i18n_build extract   # tips/data → tips/locales/content.pot
    python -m tips.i18n_build update    # the template merged into each locale's .po
    python -m tips.i18n_build compile   # each .po → .mo beside it (committed)
    python -m tips.i18n_build all       # the three in turn (what `make i18n` runs)

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tips.i18n_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("extract", "update", "compile", "all"))
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the English content")
    parser.add_argument("--locales", type=Path, default=LOCALE_DIR, help="the catalogues")
    args = parser.parse_args(argv)
    if args.step in ("extract", "all"):
        written = extract(args.data, args.locales)
        print(f"{template_path(args.locales)}: {'written' if written else 'up to date'}")
    if args.step in ("update", "all"):
        for path in update(args.locales):
            print(f"{path}: updated")
    if args.step in ("compile", "all"):
        for path in compile_all(args.locales):
            print(f"{path}: compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
