"""The PostgreSQL engine: asyncpg behind the same interface as the SQLite one (db.py).

What it keeps the same, so the query modules and their callers cannot tell the engines
apart:

* **One write at a time per process.** `write()` and `transact()` share one lock and one
  dedicated connection each, like SQLite's single writer. The rules were written (and
  tested) against serialised writes — a settings action reads a row and writes what it
  decided — and the leader is the only instance that writes, so the lock costs nothing
  in parallelism PostgreSQL could have offered.
* **aiosqlite's and sqlite3's shapes.** `write()` yields a connection whose
  `execute(sql, params)` is awaitable (or an async context) and gives a cursor with
  `rowcount`, `fetchone()`, `fetchall()`; `transact(fn)` gives `fn` a synchronous
  connection. asyncpg is asynchronous only, so `transact` runs `fn` on a thread of its
  own with its own event loop and its own asyncpg connection, driving each statement to
  completion there: the transaction is still one hop from the bot's event loop, which
  matters for the same reason as on SQLite (the sender keeps the loop busy at 1,000/s).
* **Rows are tuples** (asyncpg's Records are converted), and `rowcount` is the number
  the server reports (or the rows a RETURNING statement gave).

Reads go through a small pool, so a read never waits behind a write. SQL arrives with
SQLite's `?` / `?N` placeholders and is rewritten to `$N` once per statement text.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import asyncpg

from bot.core.database_url import PostgresUrl
from bot.storage.db import Database, Row, ThreadWriter
from bot.storage.dialect import POSTGRES
from bot.storage.postgres import CONNECT_TIMEOUT, close_quietly

T = TypeVar("T")

POOL_SIZE = 4
# A migration runs under this transaction-level advisory lock, so two instances started
# together do not both apply it ("magdaily" + 1; the leader's session lock is "magdaily").
MIGRATION_LOCK = int.from_bytes(b"magdaily", "big") + 1
_READ = re.compile(r"^\s*(SELECT|WITH|VALUES)\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|--[^\n]*|\?(\d*)")


@lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """SQLite's `?` (the next parameter) and `?N` (parameter N) → PostgreSQL's `$N`;
    a `?` inside a string literal or a comment stays."""
    counter = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal counter
        if not match.group(0).startswith("?"):
            return match.group(0)
        if match.group(1):
            return "$" + match.group(1)
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER.sub(replace, sql)


def _count(status: str) -> int:
    """The row count in a command tag ("UPDATE 3", "INSERT 0 1"); 0 for none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class Cursor:
    """A finished statement's rows and row count (aiosqlite's and sqlite3's shape)."""

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def fetchall(self) -> list[Row]:
        return list(self._rows)

    def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None


class AsyncCursor(Cursor):
    async def fetchall(self) -> list[Row]:  # type: ignore[override]
        return list(self._rows)

    async def fetchone(self) -> Row | None:  # type: ignore[override]
        return self._rows[0] if self._rows else None


async def _run(connection: Any, sql: str,
               params: Sequence[Any]) -> tuple[list[Row], int, int]:
    """(rows, row count, rows changed): a write's rows count as changes whether or not it
    returns them, a read's never (sqlite3's total_changes)."""
    text = placeholders(sql)
    read = bool(_READ.match(text))
    if read or _RETURNING.search(text):
        records = await connection.fetch(text, *params)
        rows = [tuple(record) for record in records]
        return rows, len(rows), 0 if read else len(rows)
    count = _count(await connection.execute(text, *params))
    return [], count, count


class _Pending:
    """`tx.execute(...)`: awaitable for the cursor, or usable as `async with … as cursor`."""

    def __init__(self, tx: AsyncTx, sql: str, params: Sequence[Any]) -> None:
        self._tx, self._sql, self._params = tx, sql, params

    def __await__(self) -> Generator[Any, None, AsyncCursor]:
        return self._tx._execute(self._sql, self._params).__await__()

    async def __aenter__(self) -> AsyncCursor:
        return await self._tx._execute(self._sql, self._params)

    async def __aexit__(self, *exc: object) -> None:
        return None


class AsyncTx:
    """The connection `write()` yields: aiosqlite's shape over asyncpg."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.total_changes = 0

    async def _execute(self, sql: str, params: Sequence[Any]) -> AsyncCursor:
        rows, count, changes = await _run(self._connection, sql, params)
        self.total_changes += changes
        return AsyncCursor(rows, count)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Pending:
        return _Pending(self, sql, params)

    async def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> AsyncCursor:
        total = 0
        for params in seq:
            total += (await self._execute(sql, params)).rowcount
        return AsyncCursor([], total)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return (await self._execute(sql, params)).rows


class SyncTx:
    """The connection `transact(fn)` gives `fn`: sqlite3's synchronous shape, each
    statement run to completion on the writer thread's own event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, connection: Any) -> None:
        self._loop = loop
        self._connection = connection
        self.total_changes = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        rows, count, changes = self._loop.run_until_complete(
            _run(self._connection, sql, params))
        self.total_changes += changes
        return Cursor(rows, count)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> Cursor:
        total = sum(self.execute(sql, params).rowcount for params in seq)
        return Cursor([], total)


class _Writer(ThreadWriter):
    """A thread with its own event loop and asyncpg connection, for `transact`."""

    def __init__(self, url: PostgresUrl) -> None:
        super().__init__("postgres-writer")
        self._url = url
        self._loop = asyncio.new_event_loop()
        self._connection: Any = None

    def _transaction(self, fn: Callable[[SyncTx], T]) -> T:
        loop = self._loop
        if self._connection is None or self._connection.is_closed():
            self._connection = loop.run_until_complete(
                asyncpg.connect(self._url.dsn, timeout=CONNECT_TIMEOUT))
        connection = self._connection
        transaction = connection.transaction()
        loop.run_until_complete(transaction.start())
        try:
            result = fn(SyncTx(loop, connection))
        except BaseException:
            if not connection.is_closed():
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError,
                                         OSError):
                    loop.run_until_complete(transaction.rollback())
            raise
        loop.run_until_complete(transaction.commit())
        return result

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(close_quietly(self._connection))
            self._connection = None
        self._loop.close()


class PostgresDatabase(Database):
    """A read pool, one write connection and the writer thread's, on one database."""

    engine = "postgres"
    dialect = POSTGRES

    def __init__(self, url: PostgresUrl, pool: Any, writer: Any) -> None:
        self.url = url
        self._pool = pool
        self._write_connection = writer
        self._write_lock = asyncio.Lock()
        self._writer = _Writer(url)

    @classmethod
    async def open(cls, url: PostgresUrl) -> PostgresDatabase:  # type: ignore[override]
        pool = await asyncpg.create_pool(url.dsn, min_size=1, max_size=POOL_SIZE,
                                         timeout=CONNECT_TIMEOUT)
        try:
            writer = await asyncpg.connect(url.dsn, timeout=CONNECT_TIMEOUT)
        except BaseException:
            await pool.close()
            raise
        return cls(url, pool, writer)

    async def close(self) -> None:
        await self._writer.close()
        await close_quietly(self._write_connection)
        try:
            await asyncio.wait_for(self._pool.close(), CONNECT_TIMEOUT)
        except (TimeoutError, asyncpg.InterfaceError, OSError):
            self._pool.terminate()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncTx]:
        async with self._write_lock:
            connection = self._write_connection
            async with connection.transaction():
                yield AsyncTx(connection)

    async def transact(self, fn: Callable[[Any], T]) -> T:
        async with self._write_lock:
            return await self._writer.run(fn)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._pool.acquire() as connection:
            records = await connection.fetch(placeholders(sql), *params)
        return [tuple(record) for record in records]

    async def schema_version(self) -> int:
        exists = await self.fetch_value("SELECT to_regclass('schema_version') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.fetch_value("SELECT max(version) FROM schema_version",
                                          default=0))

    async def apply_migration(self, number: int, script: str) -> None:
        """Under a transaction-level advisory lock, and only if no other instance applied
        it meanwhile (two instances may start together)."""
        async with self._write_lock:
            connection = self._write_connection
            async with connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                await connection.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
                    " applied_at timestamptz NOT NULL DEFAULT now())")
                done = await connection.fetchval(
                    "SELECT count(*) FROM schema_version WHERE version = $1", number)
                if done:
                    return
                await connection.execute(script)
                await connection.execute("INSERT INTO schema_version (version) VALUES ($1)",
                                         number)

    async def integrity_ok(self) -> bool:
        """PostgreSQL keeps its own consistency (checksums, WAL); what can be checked
        from here is that the database answers."""
        return bool(await self.fetch_value("SELECT 1") == 1)

    async def tables(self) -> list[str]:
        return [row[0] for row in await self.fetch_all(
            """SELECT table_name FROM information_schema.tables
               WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               ORDER BY table_name""")]

    async def references_to(self, table: str, column: str) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in await self.fetch_all(
            """SELECT src.relname, a.attname
               FROM pg_constraint c
               JOIN pg_class src ON src.oid = c.conrelid
               JOIN pg_class dst ON dst.oid = c.confrelid
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]
               WHERE c.contype = 'f' AND dst.relname = ? AND b.attname = ?
                 AND src.relnamespace = current_schema()::regnamespace
               ORDER BY 1, 2""", (table, column))]

    async def columns_of(self, table: str) -> list[str]:
        return [row[0] for row in await self.fetch_all(
            """SELECT column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = ?
               ORDER BY ordinal_position""", (table,))]
