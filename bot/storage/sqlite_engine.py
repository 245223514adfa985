"""The SQLite engine: one aiosqlite connection, one write path, a few read helpers.

Owns how the bot talks to SQLite, not what it says: opening and configuring the file
(WAL, foreign keys, busy timeout), the single serialised write transaction, read helpers,
the integrity check, and the encoding of instants. The query modules beside it hold the
SQL of each aggregate and go through this object for every statement.

Why one write path: every coroutine shares this one connection, so without a lock one
task's statements could land inside another task's open transaction (and be committed or
rolled back with it). `write()` is the only place a transaction begins.

Why a checkpointer thread: SQLite copies the WAL back into the database file (a
checkpoint, with its fsyncs) inside whichever commit crosses the auto-checkpoint size, so
on a slow disk one tick or one outcome flush in a few hundred stalled for 0.6 s (bench,
1,000,000 subscribers) while the sender waited behind it. A thread with its own
connection checkpoints every second instead (PASSIVE: it never blocks a reader or the
writer), and the connection's own auto-checkpoint stays as a backstop at 40 MB of WAL.

Why `transact`: a write through aiosqlite is one hop to its thread per statement (BEGIN,
each statement, COMMIT), and every hop waits for a turn of the event loop, so while the
sender keeps the loop busy (paid broadcasts at 1,000/s) a tick's five-statement write holds
the write lock for five loop turns and the sender's outcome flush queues behind it.
`transact(fn)` runs a whole transaction, `fn(connection)`, in one hop on a second
connection owned by a thread of its own, under the same write lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.storage.db import Database, Row, ThreadWriter
from bot.storage.dialect import SQLITE

T = TypeVar("T")
log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 1.0  # seconds between background checkpoints
_BACKSTOP_PAGES = 10_000  # the connection's own auto-checkpoint (4 KB pages: ~40 MB of WAL)


class _Checkpointer(threading.Thread):
    """Checkpoints the WAL of one file from its own connection until stopped."""

    def __init__(self, path: str, every: float) -> None:
        super().__init__(name="sqlite-checkpointer", daemon=True)
        self._path = path
        self._every = every
        self._halt = threading.Event()

    def run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, timeout=1.0)
        except sqlite3.Error:  # the bot's own connection reports what is wrong with the file
            return
        failed = False
        try:
            while not self._halt.wait(self._every):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    failed = False
                except sqlite3.Error as exc:
                    if not failed:  # once per failing spell; the backstop still checkpoints
                        log.warning("background checkpoint failed (%s); retrying",
                                    type(exc).__name__)
                    failed = True
        finally:
            connection.close()

    def stop(self) -> None:
        self._halt.set()


class _Writer(ThreadWriter):
    """A second connection to one file, used only from the single thread it lives on."""

    def __init__(self, path: str) -> None:
        super().__init__("sqlite-writer")
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, timeout=5.0)
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA synchronous = NORMAL")
            self._connection = connection
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = fn(connection)
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
        return result

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class SqliteDatabase(Database):
    """One aiosqlite connection in WAL mode with a serialised write path; beside it, a
    writer thread's connection for one-hop transactions and the checkpointer's."""

    engine = "sqlite"
    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._connection = connection
        self._write_lock = asyncio.Lock()
        self._checkpointer: _Checkpointer | None = None
        self._writer = _Writer(path)

    @classmethod
    async def open(cls, path: Path | str) -> SqliteDatabase:  # type: ignore[override]
        """Connect (creating folders and file as needed) and configure the connection.

        A file, never ":memory:" (config refuses it): the checkpointer and the writer
        thread open connections of their own to the same file.
        """
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path))
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA busy_timeout = 5000")
            await connection.execute(f"PRAGMA wal_autocheckpoint = {_BACKSTOP_PAGES}")
        except BaseException:
            await connection.close()
            raise
        db = cls(connection, str(path))
        db._checkpointer = _Checkpointer(str(path), CHECKPOINT_EVERY)
        db._checkpointer.start()
        return db

    async def close(self) -> None:
        await self._writer.close()
        if self._checkpointer is not None:  # first, so the last close can drop the WAL
            self._checkpointer.stop()
            await asyncio.to_thread(self._checkpointer.join, 10.0)
            self._checkpointer = None
        await self._connection.close()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time on the shared connection; yields the connection.

        IMMEDIATE takes SQLite's write lock up front, so a backup or a second process
        never sees half of a change. Any exception rolls the whole transaction back.
        """
        async with self._write_lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.rollback()
                raise
            await self._connection.commit()

    async def transact(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` as one write transaction, in one hop; returns its result.

        For bulk writes (a tick's slice of plans): the whole transaction runs on the
        writer thread's own connection without a turn of the event loop between its
        statements, under the same lock as `write()`, so the two never interleave. `fn`
        gets a plain sqlite3 connection and must not await; any exception rolls the whole
        transaction back.
        """
        async with self._write_lock:
            return await self._writer.run(fn)

    async def run_script(self, script: str) -> None:
        """Run a multi-statement script (migrations at open time, before any other user).

        The script brings its own BEGIN/COMMIT: executescript commits first, so it cannot
        share the write path's transaction.
        """
        await self._connection.executescript(script)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a read, in one hop to the connection's thread, run to its end.

        A cursor opened in one hop and read in the next keeps its read transaction open
        between them, and every other coroutine's statement that lands on the shared
        connection meanwhile reads that older snapshot, not what the writer thread
        committed since. That is how the sender's refill once saw rows already recorded as
        sent (and sent them twice), and how a handler's BEGIN IMMEDIATE failed with
        "database is locked" at once (its snapshot was stale): every read is this one hop.
        """
        # aiosqlite types its rows as sqlite3.Row; with no row_factory they are tuples.
        return cast(list[Row], list(await self._connection.execute_fetchall(sql, params)))

    async def integrity_ok(self) -> bool:
        """SQLite's quick_check says the file is sound."""
        return await self.fetch_value("PRAGMA quick_check") == "ok"

    async def schema_version(self) -> int:
        return int(await self.fetch_value("PRAGMA user_version", default=0))

    async def apply_migration(self, number: int, script: str) -> None:
        # executescript commits first; the version bump rides in the same script so a
        # crash mid-migration leaves the previous version number in place.
        await self.run_script(f"BEGIN;\n{script}\nPRAGMA user_version = {int(number)};\nCOMMIT;")

    async def tables(self) -> list[str]:
        return [row[0] for row in await self.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name")]

    async def references_to(self, table: str, column: str) -> list[tuple[str, str]]:
        found = []
        for name in await self.tables():
            for row in await self.fetch_all(f"PRAGMA foreign_key_list({name})"):
                if row[2] == table and row[4] in (None, column):
                    found.append((name, row[3]))
        return found

    async def columns_of(self, table: str) -> list[str]:
        return [row[1] for row in await self.fetch_all(f"PRAGMA table_info({table})")]
