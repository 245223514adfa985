"""Facts about a database *file*, and copies of it, from outside the bot's own connection.

`run.py check`, `backup` and `restore` need answers the Storage layer never has to give
while it runs: can this file be written at all (a read-only file or volume opens fine and
even reads fine — the first failure would be the first send hours later), is this file a
MagDaily database or some other SQLite file, and does it pass SQLite's full integrity
check. Each answer is one line for the person at the terminal, or None.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# Tables every schema version has had since the first migration.
REQUIRED_TABLES = frozenset({"subscribers", "tips", "deliveries"})


def read_only_uri(path: Path) -> str:
    """A URI opening `path` read-only: never creates the file, never writes to it."""
    return path.resolve().as_uri() + "?mode=ro"


def write_problem(path: Path, busy_timeout: float = 10.0) -> str | None:
    """None if SQLite can write to `path`; else one line saying it cannot.

    A write transaction is started and rolled back, so nothing changes. If another process
    (the running bot) holds the write lock past `busy_timeout`, the file is evidently
    writable and that is not a problem here.
    """
    connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            connection.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return None
        if "readonly" in text or "read-only" in text or "read only" in text:
            return (f"DATABASE_PATH {path} is read-only: the bot must write to it (check the "
                    "file's permissions and that its volume is mounted read-write)")
        return f"DATABASE_PATH {path} cannot be written: {exc}"
    finally:
        connection.close()
    return None


def copy_problem(connection: sqlite3.Connection, name: str) -> str | None:
    """None if the open database is intact and is a MagDaily database; else one line."""
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        return f"{name} failed SQLite's integrity check"
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version < 1 or not REQUIRED_TABLES <= tables:
        return f"{name} is not a MagDaily database (no MagDaily schema in it)"
    return None


def copy_into(source: Path, target: Path) -> str | None:
    """Copy `source` into the new file `target`; None if the copy is intact and MagDaily's.

    SQLite's online backup API copies pages under the database's own locking, so the copy
    is a valid snapshot even while the bot keeps writing in WAL mode. The source is opened
    read-only (never created); the copy is one self-contained file, with no -wal to carry.
    """
    try:
        src = sqlite3.connect(read_only_uri(source), uri=True, timeout=30)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst, pages=1024)
                dst.execute("PRAGMA journal_mode = DELETE")
                return copy_problem(dst, str(source))
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.DatabaseError as exc:
        return f"{source} is not a readable SQLite database ({exc})"
