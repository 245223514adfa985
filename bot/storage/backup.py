"""A consistent copy of the live database file, through SQLite's online backup API.

Owns the only storage access that does not go through the shared connection: the
backup runs in the `run.py backup` process, beside (not inside) the running bot. The
backup API copies pages under the database's own locking, so the copy is a valid
snapshot even while the bot keeps writing in WAL mode.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_database(source: Path, target: Path) -> bool:
    """Copy `source` to `target`; True when the copy passes SQLite's quick_check."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=1024)
            return bool(dst.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            dst.close()
    finally:
        src.close()
