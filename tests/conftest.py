from __future__ import annotations

import contextlib
import uuid

import asyncpg
import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.runtime.app import attach_runtime, build_application, detach_runtime
from standin import BotApiStandIn, StandInRequest
from tests import pg
from tests.helpers import ADMIN, START, BotHarness, virtual_pacer


def pytest_collection_modifyitems(items):
    """Every test that needs the PostgreSQL server is marked `postgres`, however it asks."""
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
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


@pytest.fixture
async def pg_url(pg_server):
    """A fresh, empty database on the session's server; dropped after the test."""
    name = f"magdaily_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_server.admin_url, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield pg_server.url(name)
    admin = await asyncpg.connect(pg_server.admin_url, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(token=None, database_path=tmp_path / "bot.sqlite3",
                    admin_ids=frozenset({ADMIN}))


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
