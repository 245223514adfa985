"""`run.py backup PATH`: a consistent copy of the live database.

SQLite's online backup API copies pages under the database's own locking, so the copy is
a valid snapshot even while the bot keeps writing in WAL mode.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path


def backup_database(source: Path, target: Path) -> int:
    if not source.exists():
        print(f"magdaily: no database at {source} to back up", file=sys.stderr)
        return 2
    if target.exists() and target.is_dir():
        target = target / f"{source.stem}-backup{source.suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=1024)
            ok = dst.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            dst.close()
    finally:
        src.close()
    if not ok:
        tmp.unlink(missing_ok=True)
        print("magdaily: backup failed its integrity check", file=sys.stderr)
        return 1
    tmp.replace(target)
    print(f"backup written to {target}")
    return 0
