from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.database_url import PostgresUrl, parse_database_url
from bot.runtime.app import attach_runtime, build_application, detach_runtime
from bot.storage import Storage
from standin import BotApiStandIn, StandInRequest
from tests import pg
from tests.helpers import ADMIN, START, BotHarness, settings_for, virtual_pacer

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


async def create_database(server: pg.Server) -> str:
    """A new, empty database on `server`; its name."""
    name = f"magdaily_test_{uuid.uuid4().hex[:12]}"
    await _on_server(server, f'CREATE DATABASE "{name}"')
    return name


async def drop_database(server: pg.Server, name: str) -> None:
    """Drops it, ending whatever connections a test left open to it."""
    await _on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _on_server(server: pg.Server, statement: str) -> None:
    admin = await asyncpg.connect(server.admin_url, timeout=10)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def fresh_database(server: pg.Server) -> AsyncIterator[str]:
    """A new, empty database on `server` for one test (its URL); dropped afterwards."""
    name = await create_database(server)
    try:
        yield server.url(name)
    finally:
        await drop_database(server, name)


@pytest.fixture
async def pg_url(pg_server):
    """A fresh, empty database on the session's server; dropped after the test."""
    async with fresh_database(pg_server) as url:
        yield url


@pytest.fixture
def db_engine(request) -> str:
    """The storage engine under test: "sqlite" unless the test is marked both_engines."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def reused_pg(pg_server) -> Iterator[dict[str, Any]]:
    """Holds the session's reused database (see emptied_database); dropped at the end."""
    held: dict[str, Any] = {}
    yield held
    if "url" in held and held["url"].database:
        asyncio.run(drop_database(pg_server, held["url"].database))


async def _shape(connection: asyncpg.Connection) -> tuple:
    """The tables and schema version a database has (a test that changed them spoils it)."""
    tables = tuple(row[0] for row in await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"))
    version = await connection.fetchval("SELECT max(version) FROM schema_version") \
        if "schema_version" in tables else None
    return tables, version


async def emptied_database(server: pg.Server, held: dict[str, Any]) -> PostgresUrl:
    """The session's database, migrated once and emptied for each test: creating and
    migrating one per test costs about half a second (each xdist worker has its own
    server, so no other test uses it meanwhile). Connections a test left open are ended;
    one whose tables or version a test changed is replaced."""
    url = held.get("url")
    if url is not None:
        connection = await asyncpg.connect(url.dsn, timeout=10)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            tables, _version = shape = await _shape(connection)
            if shape == held["shape"]:
                # Only tables holding rows (truncating all of them takes ~0.1 s), then
                # every sequence from 1 again, as in a new database.
                filled = [row[0] for row in await connection.fetch(" UNION ALL ".join(
                    f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")"
                    for t in tables if t != "schema_version"))]
                if filled:
                    quoted = ", ".join(f'"{t}"' for t in filled)
                    await connection.execute(f"TRUNCATE {quoted} CASCADE")
                await connection.execute(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S' "
                    "AND c.relnamespace = current_schema()::regnamespace")
                return url
        finally:
            await connection.close()
        await drop_database(server, url.database or "")
    url = parse_database_url(server.url(await create_database(server)))
    assert isinstance(url, PostgresUrl)
    await (await Storage.open(url)).close()  # migrated
    connection = await asyncpg.connect(url.dsn, timeout=10)
    try:
        held["shape"] = await _shape(connection)
    finally:
        await connection.close()
    held["url"] = url
    return url


@pytest.fixture
async def database(db_engine, tmp_path, request) -> AsyncIterator[Path | PostgresUrl]:
    """Where the test's bot keeps its data: a file in the test's folder, or on PostgreSQL
    the session's database with no rows and the current schema (what Storage.open and
    Settings take). A test about migrating an empty PostgreSQL database takes pg_url."""
    if db_engine == "sqlite":
        yield tmp_path / "bot.sqlite3"
        return
    yield await emptied_database(request.getfixturevalue("pg_server"),
                                 request.getfixturevalue("reused_pg"))


@pytest.fixture
async def second_database(db_engine, tmp_path, request) -> AsyncIterator[Path | PostgresUrl]:
    """Another database on the same engine, for a test that compares two separate runs."""
    if db_engine == "sqlite":
        yield tmp_path / "second.sqlite3"
        return
    async with fresh_database(request.getfixturevalue("pg_server")) as url:
        parsed = parse_database_url(url)
        assert isinstance(parsed, PostgresUrl)
        yield parsed


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path, database) -> Settings:
    return settings_for(database, tmp_path, admin_ids=frozenset({ADMIN}))


@pytest.fixture
async def bot(settings, clock):
    standin = BotApiStandIn()
    app = build_application(settings, request=StandInRequest(standin), clock=clock,
                            background=False)
    await app.initialize()
    pacer = virtual_pacer(clock, None)
    runtime = await attach_runtime(app, settings, clock=clock, background=False, pacer=pacer)
    yield BotHarness(app, standin, runtime, clock, pacer)
    await detach_runtime(app)
    await app.shutdown()


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
