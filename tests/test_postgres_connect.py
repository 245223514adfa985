"""Reaching PostgreSQL at start-up: each way it can fail is one line without the password,
against a real throwaway server (tests/pg.py), in-process and as `python run.py`."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest

from bot.core.database_url import PostgresUrl, parse_database_url
from bot.storage.postgres import connection_problem, switches_sessions
from tests import pg

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WRONG = "Wr0ng%40pass-9c1e"  # URL-encoded "Wr0ng@pass-9c1e"


def postgres(raw: str) -> PostgresUrl:
    url = parse_database_url(raw)
    assert isinstance(url, PostgresUrl)
    return url


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_good_url_has_no_problem(pg_url):
    url = postgres(pg_url)
    assert await connection_problem(url) is None
    connection = await asyncpg.connect(url.dsn)
    try:
        assert await connection.fetchval("SELECT current_database()") == url.database
        assert not await switches_sessions(connection)
    finally:
        await connection.close()


async def test_a_wrong_password_is_one_line_without_it(pg_server):
    line = await connection_problem(postgres(pg_server.url("postgres", password=WRONG)))
    assert line == (f"PostgreSQL at 127.0.0.1:{pg_server.port} rejected the user name or "
                    "password in DATABASE_URL; check both (the password is not shown)")


async def test_an_unknown_database_is_named_with_the_fix(pg_server):
    line = await connection_problem(postgres(pg_server.url("no_such_db")))
    assert line == (f"PostgreSQL at 127.0.0.1:{pg_server.port} has no database named "
                    "'no_such_db'; create it (createdb no_such_db) or fix the name in "
                    "DATABASE_URL")


async def test_a_refused_connection_is_unreachable():
    port = closed_port()
    line = await connection_problem(postgres(f"postgresql://u:pw@127.0.0.1:{port}/x"))
    assert line == f"cannot reach PostgreSQL at 127.0.0.1:{port}: connection refused"


async def test_a_server_that_never_answers_is_given_up_on_within_the_timeout():
    async def silent(reader, writer):
        await reader.read()  # never answers the start-up message
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        started = time.monotonic()
        line = await connection_problem(postgres(f"postgresql://u:pw@127.0.0.1:{port}/x"),
                                        connect_timeout=0.5)
        took = time.monotonic() - started
    finally:
        server.close()
    assert line == f"cannot reach PostgreSQL at 127.0.0.1:{port}: no answer within 0.5 s"
    assert took < 3


@pytest.mark.parametrize(("suffix", "why"), [
    (":5432/bot?pgbouncer=true", "it says pgbouncer=true"),
    (":6543/bot", "port 6543 is the transaction-mode pooler's port"),
])
async def test_a_transaction_pooler_is_refused_with_the_reason(suffix, why):
    line = await connection_problem(postgres(f"postgresql://u:pw@127.0.0.1{suffix}"))
    assert line == (f"DATABASE_URL points at a transaction-mode connection pooler ({why}); "
                    "the bot holds a session advisory lock to elect its leader and needs a "
                    "session: use the direct or session-mode address, e.g. port 5432")


class _PoolerConnection:
    """What a transaction pooler looks like from the client: each statement may land in
    another server session."""

    def __init__(self) -> None:
        self.pids = iter([101, 202, 101])

    async def fetchval(self, query: str) -> int:
        assert query == "SELECT pg_backend_pid()"
        return next(self.pids)


async def test_statements_landing_in_different_sessions_give_a_pooler_away():
    assert await switches_sessions(_PoolerConnection())


# --- as an operator meets it: `python run.py` ------------------------------------------

def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DATABASE_", "LOG_", "HEALTH_", "PORT"))}
    env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1",
                "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot"})
    env.update(extra)
    return env


async def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "run.py"), *args, cwd=env["RUN_CWD"], env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


async def test_check_on_postgres_migrates_and_says_where_without_the_password(
        pg_url, tmp_path):
    code, output = await _run(_env(DATABASE_URL=pg_url, RUN_CWD=str(tmp_path)), "check")
    assert code == 0, output
    port, name = urlsplit(pg_url).port, urlsplit(pg_url).path.lstrip("/")
    lines = [line for line in output.strip().splitlines() if " DEBUG " not in line]
    assert lines[0].startswith(
        f"ok: config valid, PostgreSQL at 127.0.0.1:{port}/{name}: ok, database schema "
        "current, "), output
    assert lines[0].endswith(" tips"), output
    assert pg.PASSWORD not in output
    assert list(tmp_path.iterdir()) == []  # nothing written beside it
    connection = await asyncpg.connect(pg_url)
    try:
        assert await connection.fetchval("SELECT count(*) FROM subscribers") == 0
        assert await connection.fetchval("SELECT count(*) FROM leadership") == 0
    finally:
        await connection.close()


@pytest.mark.parametrize(("case", "command"), [
    ("wrong password", ()), ("wrong password", ("check",)),
    ("unknown database", ()), ("unreachable", ()), ("pooler", ()), ("also DATABASE_PATH", ()),
])
async def test_every_failing_start_is_one_line_exit_2_and_never_shows_a_password(
        case, command, pg_server, tmp_path):
    extra: dict[str, str] = {}
    if case == "wrong password":
        raw, expected = pg_server.url("postgres", password=WRONG), "rejected the user name"
    elif case == "unknown database":
        raw, expected = pg_server.url("nope"), "has no database named 'nope'"
    elif case == "unreachable":
        raw = f"postgresql://magdaily:{WRONG}@127.0.0.1:{closed_port()}/x"
        expected = "connection refused"
    elif case == "pooler":
        raw, expected = pg_server.url("postgres") + "?pgbouncer=true", "pooler"
    else:
        raw, expected = pg_server.url("postgres"), "DATABASE_PATH"
        extra["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    code, output = await _run(_env(DATABASE_URL=raw, RUN_CWD=str(tmp_path), **extra),
                              *command)
    assert code == 2, output
    lines = [line for line in output.strip().splitlines() if " DEBUG " not in line]
    assert len(lines) == 1 and expected in lines[0], output
    for secret in (pg.PASSWORD, WRONG, unquote(WRONG)):
        assert secret not in output, output
    assert list(tmp_path.iterdir()) == []  # no SQLite file was made instead


async def test_backup_on_postgres_says_to_use_pg_dump(pg_server, tmp_path):
    code, output = await _run(_env(DATABASE_URL=pg_server.url("postgres"),
                                   RUN_CWD=str(tmp_path)), "backup", str(tmp_path / "b"))
    assert code == 2
    assert [line for line in output.strip().splitlines() if " DEBUG " not in line] == [
        'magdaily: backup and restore copy a SQLite file; with DATABASE_URL=postgresql://… use '
        'pg_dump and pg_restore, e.g. pg_dump --format=custom --file=bot.dump "$DATABASE_URL"']
    assert pg.PASSWORD not in output
