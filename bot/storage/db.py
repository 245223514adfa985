"""The storage mechanism as the query modules see it, whichever engine is underneath.

The query modules (subscribers.py, outbox.py, …) hold the SQL of each aggregate and reach
the database only through this interface: a read (`fetch_all`, `fetch_one`,
`fetch_value`), one write transaction at a time (`write()`, yielding a connection with
aiosqlite's shape: `await tx.execute(sql, params)` → a cursor with `rowcount`,
`fetchone()`, `fetchall()`; `executemany`; `execute_fetchall`; `total_changes`), and the
one-hop bulk form `transact(fn)`, where `fn` gets a connection with sqlite3's synchronous
shape and runs the whole transaction without a turn of the event loop.

Two engines implement it: SQLite (sqlite_engine.py, the embedded default) and PostgreSQL
through asyncpg (postgres_engine.py). The SQL is written once, with `?` placeholders
(`?N` to repeat a parameter) and in the common dialect of both; where the two disagree
(JSON rows, string aggregation, index hints, the greatest of two values) a query module
asks `db.dialect` for its engine's spelling instead of branching on the engine. This
is mautrix-python's "one SQL, two engines" without an ORM.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from bot.storage.dialect import Dialect

Row = tuple[Any, ...]
T = TypeVar("T")


def to_ts(moment: datetime) -> int:
    """Aware datetime → integer UNIX seconds, the storage format for instants."""
    return int(moment.timestamp())


def from_ts(value: int | None) -> datetime | None:
    """Stored UNIX seconds → aware UTC datetime (None stays None)."""
    return None if value is None else datetime.fromtimestamp(value, UTC)


class ThreadWriter(abc.ABC):
    """A connection that lives on one thread of its own, for `Database.transact`: the
    whole transaction runs there in one hop from the event loop."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)

    @abc.abstractmethod
    def _transaction(self, fn: Callable[[Any], T]) -> T:
        """On the thread: begin, `fn(connection)`, commit (roll back on any exception)."""

    @abc.abstractmethod
    def _close(self) -> None:
        """On the thread: close the connection, if one was opened."""

    async def run(self, fn: Callable[[Any], T]) -> T:
        work = asyncio.get_running_loop().run_in_executor(self._executor, self._transaction, fn)
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            # The thread cannot be stopped mid-transaction: hold the write lock until it
            # has committed or rolled back, then let the cancellation through.
            with contextlib.suppress(Exception):
                await work
            raise

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)


class Database(abc.ABC):
    """One database, one serialised write path, read helpers; see the module docstring."""

    engine: ClassVar[str]
    dialect: Dialect

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    def write(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """One write transaction at a time; yields the connection (aiosqlite's shape).
        Any exception rolls the whole transaction back."""

    @abc.abstractmethod
    async def transact(self, fn: Callable[[Any], T]) -> T:
        """Run `fn(connection)` (sqlite3's synchronous shape) as one write transaction in
        one hop, under the same lock as `write()`; any exception rolls it back."""

    @abc.abstractmethod
    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a read, as tuples, in one hop."""

    @abc.abstractmethod
    async def schema_version(self) -> int:
        """The number of migrations applied (0 for an empty database)."""

    @abc.abstractmethod
    async def apply_migration(self, number: int, script: str) -> None:
        """Run migration `number` (1-based) and record it, atomically."""

    @abc.abstractmethod
    async def integrity_ok(self) -> bool:
        """The engine's own consistency check passes."""

    @abc.abstractmethod
    async def tables(self) -> list[str]:
        """The names of the bot's tables."""

    @abc.abstractmethod
    async def references_to(self, table: str, column: str) -> list[tuple[str, str]]:
        """(table, column) of every foreign key that points at `table`.`column`."""

    @abc.abstractmethod
    async def columns_of(self, table: str) -> list[str]:
        """A table's column names, in their order."""

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a read, or None; for reads of one row (a key, an aggregate,
        or a LIMIT 1), since every row is read in the same hop."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Sequence[Any] = (),
                          default: Any = None) -> Any:
        """The first column of the first row; `default` when there is no row or it is NULL."""
        row = await self.fetch_one(sql, params)
        return default if row is None or row[0] is None else row[0]

