"""Moving a stopped bot's data from its SQLite file into an empty PostgreSQL database.

`run.py copy --from sqlite:///data/bot.sqlite3 --to postgresql://…` is how an operator
leaves the one-file setup for a platform's DATABASE_URL. What it promises, and why:

* **The source is never changed.** It is opened read-only and must already be at this
  bot's latest SQLite schema: migrating it here would change it (and a copy that fails
  half-way must leave the operator where they were). One behind → "run the bot once".
* **Everything or nothing on the target.** The target is migrated to the latest
  PostgreSQL schema first (its own transactions, harmless to repeat), then every row is
  copied in ONE transaction, in foreign-key order (a parent before the rows that point
  at it), in batches through PostgreSQL's COPY (a million subscribers in seconds, memory
  bounded by the batch). Counts are compared per table inside that transaction, before
  it commits: a mismatch rolls everything back and names the table.
* **Every table.** The list is read from both schemas, not written down here, so a table
  a later migration adds is copied without anyone remembering this file; a table on one
  side only (a schema drift, an older target) stops the copy naming it. Only each
  engine's own bookkeeping (`schema_version`, the leader election's `leadership`) is not
  data and is left out.
* **Never over data.** A target that already holds any row in a data table is refused:
  merging two bots' histories would double-send and mix people's diaries.
* **Identity sequences continue after the copied ids** (setval to max(id)), so the first
  row the bot writes on PostgreSQL does not collide with a copied one.
* **No value in any message.** Errors name the table and the server's SQLSTATE, never an
  exception's text, which can quote a row (a diary entry) or the address (its password).

Copying back (PostgreSQL → SQLite) is not offered: a PostgreSQL database is moved with
pg_dump / pg_restore.
"""

from __future__ import annotations

import graphlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg

from bot.core.database_url import PostgresUrl
from bot.storage.engines import open_database
from bot.storage.files import copy_problem, read_only_uri
from bot.storage.postgres import close_quietly, connect, connection_problem
from bot.storage.schema import MIGRATIONS, migrate

# Tables that belong to one engine's machinery, not to the bot's data.
ENGINE_TABLES = frozenset({"schema_version", "leadership"})
BATCH_ROWS = 5_000


class CopyError(Exception):
    """The copy cannot be done or was rolled back; the message is one line, no secrets."""


Rows = Callable[[sqlite3.Connection, str, list[str], int], Iterator[list[tuple[Any, ...]]]]


def source_rows(source: sqlite3.Connection, table: str, columns: list[str],
                batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `table`, `batch` at a time (names come from the schema)."""
    names = ", ".join(f'"{column}"' for column in columns)
    cursor = source.execute(f'SELECT {names} FROM "{table}"')
    while rows := cursor.fetchmany(batch):
        yield rows


def _open_source(path: Path) -> sqlite3.Connection:
    """The SQLite file, read-only, checked to be an intact MagDaily database at the
    latest schema."""
    if not path.is_file():
        raise CopyError(f"{path} does not exist (--from names the bot's SQLite file, "
                        "e.g. --from sqlite:///data/bot.sqlite3)")
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=30,
                                     isolation_level=None)
    except sqlite3.Error as exc:
        raise CopyError(f"{path} is not a readable SQLite database ({exc})") from None
    try:
        problem = copy_problem(connection, str(path))
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise CopyError(f"{path} is not a readable SQLite database ({exc})") from None
    if problem is None and version < len(MIGRATIONS):
        problem = (f"{path} is at schema version {version}, this bot's is "
                   f"{len(MIGRATIONS)}: upgrade first: run the bot once on it with this "
                   "version (it migrates on start), stop it, then copy")
    if problem is None and version > len(MIGRATIONS):
        problem = (f"{path} is at schema version {version}, newer than this bot "
                   f"({len(MIGRATIONS)}): copy with the bot version that wrote it")
    if problem is not None:
        connection.close()
        raise CopyError(problem)
    return connection


def _source_tables(source: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [row[0] for row in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {table: [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
            for table in tables if table not in ENGINE_TABLES}


async def _migrate_target(target: PostgresUrl) -> dict[str, list[str]]:
    """Bring the target to the latest PostgreSQL schema; its data tables and columns."""
    db = await open_database(target)
    try:
        await migrate(db)
        return {table: await db.columns_of(table) for table in await db.tables()
                if table not in ENGINE_TABLES}
    finally:
        await db.close()


def _same_tables(source: dict[str, list[str]], target: dict[str, list[str]],
                 path: Path) -> None:
    only_source = sorted(set(source) - set(target))
    only_target = sorted(set(target) - set(source))
    if only_source:
        raise CopyError(f"table {', '.join(only_source)} exists in {path} but not in the "
                        "PostgreSQL database: nothing was copied")
    if only_target:
        raise CopyError(f"table {', '.join(only_target)} exists in the PostgreSQL database "
                        f"but not in {path}: nothing was copied")
    for table, columns in source.items():
        if set(columns) != set(target[table]):
            differ = sorted(set(columns) ^ set(target[table]))
            raise CopyError(f"table {table} has different columns in {path} and in the "
                            f"PostgreSQL database ({', '.join(differ)}): nothing was copied")


async def _parents_first(connection: Any, tables: list[str]) -> list[str]:
    """The tables in an order where every foreign key's target comes before its source."""
    edges = await connection.fetch(
        """SELECT src.relname, dst.relname
           FROM pg_constraint c
           JOIN pg_class src ON src.oid = c.conrelid
           JOIN pg_class dst ON dst.oid = c.confrelid
           WHERE c.contype = 'f' AND src.relnamespace = current_schema()::regnamespace""")
    graph: dict[str, set[str]] = {table: set() for table in sorted(tables)}
    for child, parent in edges:
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    return list(graphlib.TopologicalSorter(graph).static_order())


async def _refuse_non_empty(connection: Any, tables: list[str], target: PostgresUrl) -> None:
    for table in tables:
        if await connection.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
            raise CopyError(
                f"the PostgreSQL database {target.database or ''} at {target.where()} "
                f"already holds data (table {table} has rows): copy only into an empty "
                "database, e.g. a new one made with createdb")


async def _continue_identities(connection: Any) -> None:
    """Every identity column's sequence continues after the largest copied id."""
    for table, column in await connection.fetch(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND is_identity = 'YES'"""):
        await connection.execute(
            f'SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max("{column}"), 0) + 1,'
            f' false) FROM "{table}"', f'"{table}"', column)


async def _copy_rows(source: sqlite3.Connection, connection: Any,
                     tables: dict[str, list[str]], order: list[str], batch: int,
                     rows: Rows) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in order:
        columns = tables[table]
        try:
            for chunk in rows(source, table, columns, batch):
                await connection.copy_records_to_table(table, records=chunk, columns=columns)
        except asyncpg.PostgresError as exc:
            raise CopyError(f"copying table {table} failed on PostgreSQL (SQLSTATE "
                            f"{exc.sqlstate}): nothing was copied") from None
        except (asyncpg.DataError, ValueError, TypeError) as exc:
            raise CopyError(f"table {table} holds a value its PostgreSQL column does not "
                            f"take ({type(exc).__name__}): nothing was copied") from None
        expected = source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        copied = await connection.fetchval(f'SELECT count(*) FROM "{table}"')
        if copied != expected:
            raise CopyError(f"table {table}: {expected} rows in the SQLite file but {copied} "
                            "arrived in PostgreSQL: the copy was rolled back, nothing was "
                            "copied")
        counts[table] = copied
    return counts


async def copy_sqlite_to_postgres(source: Path, target: PostgresUrl, *,
                                  batch: int = BATCH_ROWS,
                                  rows: Rows = source_rows) -> dict[str, int]:
    """Copy every row of the SQLite file `source` into the empty database `target`;
    the rows per table (in the order copied). Raises CopyError with one line.

    The caller keeps the bot stopped meanwhile (the SQLite file's instance lock).
    """
    problem = await connection_problem(target)
    if problem is not None:
        raise CopyError(problem)
    database = _open_source(source)
    try:
        source_tables = _source_tables(database)
        try:
            target_tables = await _migrate_target(target)
        except RuntimeError as exc:  # a schema newer than this bot
            raise CopyError(f"the PostgreSQL database cannot be used: {exc}") from None
        except asyncpg.PostgresError as exc:
            raise CopyError(f"PostgreSQL at {target.where()} refused the schema (SQLSTATE "
                            f"{exc.sqlstate}): nothing was copied") from None
        _same_tables(source_tables, target_tables, source)
        connection = await connect(target)
        try:
            order = await _parents_first(connection, list(source_tables))
            database.execute("BEGIN")  # one snapshot of the source for every table
            async with connection.transaction():
                await _refuse_non_empty(connection, order, target)
                counts = await _copy_rows(database, connection, source_tables, order,
                                          batch, rows)
                await _continue_identities(connection)
            # Fresh statistics, so the planner picks the bot's indexes from the first
            # query rather than after autovacuum's next look.
            await connection.execute("ANALYZE")
            return counts
        except asyncpg.PostgresError as exc:
            raise CopyError(f"PostgreSQL at {target.where()} refused the copy (SQLSTATE "
                            f"{exc.sqlstate}): nothing was copied") from None
        except (OSError, TimeoutError, asyncpg.InterfaceError) as exc:
            raise CopyError(f"lost the connection to PostgreSQL at {target.where()} during "
                            f"the copy ({type(exc).__name__}): nothing was copied") from None
        finally:
            await close_quietly(connection)
    finally:
        database.close()
