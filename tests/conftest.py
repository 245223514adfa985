from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.database_url import PostgresUrl, parse_database_url
from bot.storage import Storage
from tests import pg
from tests.helpers import ADMIN, START, running_bot, settings_for

ENGINES = ("sqlite", "postgres")


def pytest_generate_tests(metafunc):
    """A module or test marked `both_engines` runs once per storage engine: every fixture
    built on `db_engine` (database, settings, bot) then gives SQLite's file or a fresh
    PostgreSQL database. A test in it marked `sqlite_only(reason)` runs on SQLite only."""
    marked = metafunc.definition.get_closest_marker
    if "db_engine" in metafunc.fixturenames and marked("both_engines") and not marked(
            "sqlite_only"):
        metafunc.parametrize("db_engine", ENGINES, indirect=True)


def pytest_collection_modifyitems(items):
    """Every test that needs the PostgreSQL server is marked `postgres`, however it asks."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if "pg_server" in getattr(item, "fixturenames", ()) or (
                callspec is not None and callspec.params.get("db_engine") == "postgres"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server for the session (tests/pg.py), or a skip with the reason."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(pg.session_server())
        except pg.Unavailable as exc:
            if pg.required():
                pytest.fail(f"MAGDAILY_REQUIRE_POSTGRES is set but: {exc}", pytrace=False)
            pytest.skip(f"no PostgreSQL server for the tests: {exc}")
        yield server


@contextlib.asynccontextmanager
async def fresh_database(server: pg.Server) -> AsyncIterator[str]:
    """A new, empty database on `server` for one test (its URL); dropped afterwards."""
    name = f"magdaily_test_{uuid.uuid4().hex[:12]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield server.url(name)
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(server: pg.Server, sql: str, *params: object) -> None:
    """One statement on the server's maintenance database."""
    admin = await asyncpg.connect(server.admin_url, timeout=10)
    try:
        await admin.execute(sql, *params)
    finally:
        await admin.close()


@pytest.fixture
async def pg_url(pg_server):
    """A fresh, empty database on the session's server; dropped after the test."""
    async with fresh_database(pg_server) as url:
        yield url


@pytest.fixture
def db_engine(request) -> str:
    """The storage engine under test: "sqlite" unless the test is marked both_engines."""
    return getattr(request, "param", "sqlite")


# Everything a test could change in the schema itself, so a database it altered is
# dropped rather than emptied and handed to the next test.
SCHEMA_SHAPE = """
    SELECT md5(coalesce(string_agg(part, ';' ORDER BY part), '')) FROM (
        SELECT concat_ws(':', table_name, column_name, data_type, column_default,
                         is_nullable) AS part
        FROM information_schema.columns WHERE table_schema = current_schema()
        UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
        UNION ALL SELECT conname || pg_get_constraintdef(oid) FROM pg_constraint
                  WHERE connamespace = current_schema()::regnamespace
        UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL SELECT proname FROM pg_proc
                  WHERE pronamespace = current_schema()::regnamespace
        UNION ALL SELECT 'version ' || version FROM schema_version) AS shape"""


@dataclass
class Spare:
    """The worker's one PostgreSQL database at the latest schema, emptied after each test
    that used it: creating and migrating a database costs about half a second a test,
    emptying it a few hundredths."""

    url: str | None = None
    shape: str | None = None


@pytest.fixture(scope="session")
def pg_spare() -> Spare:
    return Spare()


async def _schema_shape(url: str) -> str:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        return str(await connection.fetchval(SCHEMA_SHAPE))
    finally:
        await connection.close()


async def _empty(server: pg.Server, url: str, shape: str) -> None:
    """Every row gone and every id counter back at 1, if the schema is as migrated;
    raises otherwise (the caller then drops the database)."""
    await _admin(server, """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                            WHERE datname = $1 AND pid <> pg_backend_pid()""",
                 url.rsplit("/", 1)[1])
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute("SET lock_timeout = '5s'")
        if await connection.fetchval(SCHEMA_SHAPE) != shape:
            raise RuntimeError("the test changed the schema")
        tables = [row[0] for row in await connection.fetch(
            """SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
               AND tablename <> 'schema_version'""")]
        listed = ", ".join(f'"{table}"' for table in tables)  # names from the catalogue
        await connection.execute(f"TRUNCATE {listed} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def migrated_database(server: pg.Server, spare: Spare) -> AsyncIterator[str]:
    """The worker's spare database, empty at the latest schema (made on first use)."""
    if spare.url is None or spare.shape is None:
        name = f"magdaily_test_{uuid.uuid4().hex[:12]}"
        await _admin(server, f'CREATE DATABASE "{name}"')
        url = server.url(name)
        storage = await Storage.open(postgres_url(url))
        await storage.close()
        spare.url, spare.shape = url, await _schema_shape(url)
    url, shape = spare.url, spare.shape
    try:
        yield url
    finally:
        try:
            await _empty(server, url, shape)
        except (asyncpg.PostgresError, OSError, RuntimeError):
            spare.url = spare.shape = None
            await _admin(server, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def postgres_url(url: str) -> PostgresUrl:
    parsed = parse_database_url(url)
    assert isinstance(parsed, PostgresUrl)
    return parsed


@pytest.fixture
async def database(db_engine, tmp_path, request) -> AsyncIterator[Path | PostgresUrl]:
    """Where the test's bot keeps its data (what Storage.open and Settings take): a file
    in the test's folder, or an empty PostgreSQL database already at the latest schema
    (a test that needs one without any schema takes `pg_url`)."""
    if db_engine == "sqlite":
        yield tmp_path / "bot.sqlite3"
        return
    async with migrated_database(request.getfixturevalue("pg_server"),
                                 request.getfixturevalue("pg_spare")) as url:
        yield postgres_url(url)


@pytest.fixture
async def second_database(db_engine, tmp_path, request) -> AsyncIterator[Path | PostgresUrl]:
    """Another database on the same engine, for a test that compares two separate runs."""
    if db_engine == "sqlite":
        yield tmp_path / "second.sqlite3"
        return
    async with fresh_database(request.getfixturevalue("pg_server")) as url:
        yield postgres_url(url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path, database) -> Settings:
    return settings_for(database, tmp_path, admin_ids=frozenset({ADMIN}))


@pytest.fixture
async def bot(settings, clock):
    async with running_bot(settings, clock) as harness:
        yield harness


# The checkout's data/ belongs to whoever runs the bot from it (`make run`): a test that
# wrote there would lock out (or be locked out by) the open console, and leave files behind.
CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "data"


def data_snapshot(folder: Path, ignore: frozenset[str]) -> dict[str, tuple[int, int]]:
    """(size, modification time) of every file under `folder` but `ignore`d names."""
    if not folder.exists():
        return {}
    return {path.relative_to(folder).as_posix(): (stat.st_size, stat.st_mtime_ns)
            for path in sorted(folder.rglob("*"))
            if path.name not in ignore and path.is_file() and (stat := path.stat())}


def running_databases(folder: Path) -> frozenset[str]:
    """The files of every database in `folder` that a live process holds (its lock file
    names the pid): a bot started from this checkout, whose own writes are not a test's."""
    names: set[str] = set()
    for lock in folder.glob("*.lock") if folder.exists() else ():
        try:
            pid = int(lock.read_text(errors="replace").strip() or "0")
            os.kill(pid, 0) if pid > 0 else None
        except (OSError, ValueError):
            continue
        if pid > 0:
            database = lock.name.removesuffix(".lock")
            names |= {lock.name, database, f"{database}-wal", f"{database}-shm",
                      f"{database}-journal"}
    return frozenset(names)


def data_changes(ignore: frozenset[str]) -> Iterator[list[str]]:
    """Yields, then fills, what changed in the checkout's data/ meanwhile: the names of
    files created, changed or removed, or ["data/"] for a folder that was not there."""
    existed, before = CHECKOUT_DATA.exists(), data_snapshot(CHECKOUT_DATA, ignore)
    changes: list[str] = []
    yield changes
    after = data_snapshot(CHECKOUT_DATA, ignore)
    changes.extend(sorted(name for name in set(before) | set(after)
                          if before.get(name) != after.get(name)))
    if not changes and CHECKOUT_DATA.exists() and not existed and not ignore:
        changes.append("data/")


@pytest.fixture(scope="session")
def foreign_data() -> Iterator[frozenset[str]]:
    """Fails the run if the tests as a whole created or changed anything in data/."""
    ignore = running_databases(CHECKOUT_DATA)
    watch = data_changes(ignore)
    changes = next(watch)
    yield ignore
    next(watch, None)
    if changes:
        pytest.fail(f"the tests changed the checkout's data/: {changes}", pytrace=False)


@pytest.fixture(autouse=True)
def checkout_data_untouched(foreign_data: frozenset[str], request) -> Iterator[None]:
    """Names the test that wrote into the checkout's data/ (every test's paths are
    temporary folders: the console's database too)."""
    watch = data_changes(foreign_data)
    changes = next(watch)
    yield
    next(watch, None)
    if changes:
        pytest.fail(f"{request.node.nodeid} wrote into the checkout's data/: {changes}",
                    pytrace=False)
