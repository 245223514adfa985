"""`run.py backup PATH` and `run.py restore PATH`: a verified copy out, a verified copy in.

Backup. SQLite's online backup API copies pages under the database's own locking, so the
copy is a valid snapshot even while the bot keeps writing in WAL mode. The source is
opened read-only: a mistyped DATABASE_PATH or a run from another folder is one line and
exit code 2, never a freshly created empty database "backed up". The copy is written to
a temporary file in the destination folder, checked (full integrity check, MagDaily
schema), flushed to disk and only then renamed over the destination (os.replace is
atomic within a folder): a failed or interrupted backup never leaves a half-written file
under the destination's name, nor replaces an older good backup.

Restore. The caller holds the instance lock (so the bot is not running — see
bot.instance_lock). The backup is copied the same way into a temporary file next to the
database, checked, and opened once with the bot's own Storage (which refuses a newer
schema and migrates an older one). The database it replaces is moved aside — together
with its -wal and -shm files, which hold its latest commits — to
`<database>.replaced-<UTC time>`; no stale -wal can remain to be replayed into the
restored file. Then the new file is renamed into place.

Both print one line on success and one line (exit code 2) on any failure.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.storage import Storage
from bot.storage.files import copy_into

EXIT_FAILED = 2
SIDECARS = ("-wal", "-shm", "-journal")


class _Failed(Exception):
    """One line to print; the operation changed nothing."""


def _fail(message: str) -> int:
    print(f"magdaily: {message}", file=sys.stderr)
    return EXIT_FAILED


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verified_copy(source: Path, folder: Path, prefix: str,
                   also_check: Callable[[Path], str | None] | None = None) -> Path:
    """Copy `source` into a new temporary file in `folder`, verified and on disk."""
    try:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".partial", dir=folder)
    except OSError as exc:
        raise _Failed(f"cannot write to {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        problem = copy_into(source, tmp)
        if problem is None and also_check is not None:
            problem = also_check(tmp)
        if problem is not None:
            raise _Failed(problem)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        for path in [tmp, *(Path(f"{tmp}{s}") for s in SIDECARS)]:
            path.unlink(missing_ok=True)
        raise
    return tmp


def backup_database(source: Path, target: Path) -> int:
    if not source.is_file():
        return _fail(f"no database at {source} to back up (check DATABASE_PATH and the "
                     "folder you run from); nothing was written")
    if target.is_dir():
        target = target / f"{source.stem}-backup{source.suffix}"
    folder = target.parent
    if not folder.is_dir():
        return _fail(f"the backup folder {folder} does not exist; nothing was written")
    try:
        tmp = _verified_copy(source, folder, f".{target.name}.")
        try:
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise _Failed(f"cannot write the backup to {target}: {exc.strerror or exc}") \
                from None
        _fsync_folder(folder)
    except _Failed as exc:
        return _fail(str(exc))
    print(f"backup written to {target} (integrity check ok)")
    return 0


def _bot_can_open(path: Path) -> str | None:
    """Opened once as the bot would: refuses a newer schema, migrates an older one."""

    async def open_once() -> None:
        storage = await Storage.open(path)
        await storage.close()

    try:
        asyncio.run(open_once())
    except (RuntimeError, sqlite3.Error) as exc:
        return f"this bot cannot use that backup: {exc}"
    return None


def restore_database(database: Path, backup: Path, now: datetime | None = None) -> int:
    """Replace `database` with a verified copy of `backup`; the caller holds the lock."""
    if not backup.is_file():
        return _fail(f"no backup at {backup}; nothing was changed")
    if backup.resolve() == database.resolve():
        return _fail(f"{backup} is the database itself; give a backup file")
    folder = database.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = _verified_copy(backup, folder, f".{database.name}.restore.", _bot_can_open)
    except OSError as exc:
        return _fail(f"cannot write to {folder}: {exc.strerror or exc}")
    except _Failed as exc:
        return _fail(f"{exc}; nothing was changed")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    replaced = database.with_name(f"{database.name}.replaced-{stamp}")
    try:
        if database.exists():
            os.rename(database, replaced)
        for suffix in SIDECARS:
            sidecar = Path(f"{database}{suffix}")
            if sidecar.exists():
                os.rename(sidecar, Path(f"{replaced}{suffix}"))
        os.replace(tmp, database)
        _fsync_folder(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return _fail(f"restore stopped half-way ({exc.strerror or exc}); the previous "
                     f"database is at {replaced if replaced.exists() else database}")
    kept = f"; the database it replaced is kept at {replaced}" if replaced.exists() else ""
    print(f"restored {database} from {backup} (integrity check ok){kept}")
    return 0
