"""One bot process per database: an OS lock on a sidecar file next to the database.

Two processes on one database send every tip twice (each records its own send once, so
nothing looks wrong). The bot, the console and `run.py restore` therefore take an
exclusive `flock` on `<database>.lock` before they open the database, and keep it for
their whole life. The kernel drops a flock when its holder exits in any way — kill -9,
OOM, power loss of the container — so a stale lock cannot block the next start.
The holder's pid is written into the file so the refusal can name the running process.

`run.py check` (the HEALTHCHECK) and `run.py backup` only read, so they never take it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyRunning(Exception):
    """Another live process holds the database's lock; the message is one line."""

    def __init__(self, database: Path, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "another process"
        super().__init__(
            f"another MagDaily process ({holder}) is already running on database {database}; "
            "only one process may use a database at a time — stop it first")
        self.database = database
        self.pid = pid


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """An acquired lock; `release` (or process exit) frees it."""

    def __init__(self, database: Path, fd: int) -> None:
        self.database = database
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: Path) -> InstanceLock:
        """Take the lock without waiting; raises AlreadyRunning if another process has it.

        OSError (e.g. an unwritable folder) propagates: the caller reports it as one line.
        """
        path = lock_path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC (Python's default): a child process must not inherit the lock.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise AlreadyRunning(database, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(database, fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor drops the flock

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
