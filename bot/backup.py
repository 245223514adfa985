"""`run.py backup PATH`: a consistent copy of the live database.

Paths and messages live here; the copy itself (SQLite's online backup API, a valid
snapshot even while the bot keeps writing) is bot.storage.backup. The copy is written
beside the target and renamed into place only once it passed its integrity check.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.storage.backup import copy_database


def backup_database(source: Path, target: Path) -> int:
    """Copy the database to `target` (a file, or a folder to put it in); the exit code."""
    if not source.exists():
        print(f"magdaily: no database at {source} to back up", file=sys.stderr)
        return 2
    if target.exists() and target.is_dir():
        target = target / f"{source.stem}-backup{source.suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    if not copy_database(source, tmp):
        tmp.unlink(missing_ok=True)
        print("magdaily: backup failed its integrity check", file=sys.stderr)
        return 1
    tmp.replace(target)
    print(f"backup written to {target}")
    return 0
