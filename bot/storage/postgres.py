"""Reaching PostgreSQL (DATABASE_URL=postgresql://…) through asyncpg, checked at start-up.

`connection_problem` opens one connection the way the bot will and turns every reason it
can fail into one line for the operator, built here from the URL's host, port and
database name and the server's SQLSTATE, never from an exception's text or the URL
itself, so the password cannot leak into stderr, a log or a traceback:

* wrong password or a user the server does not let in → "rejected the user name or password";
* no such database → names it, with the `createdb` that fixes it;
* refused, unknown host, or no answer within CONNECT_TIMEOUT (5 s) → "cannot reach";
* a transaction-mode pooler → refused, see below.

Why a transaction-mode pooler is refused: the bot elects its leader with a *session*
advisory lock held on one dedicated connection (bot.storage.leader). Behind PgBouncer (or
Supavisor) in transaction mode, "one connection" is a different server session after every
transaction: the lock would be taken in a session the bot no longer talks to, held by
nobody it can see, and released by nobody — two instances could both believe they lead.
Session-mode pooling and direct connections are fine.

A pooler does not announce itself (PgBouncer's maintainers declined to add a marker), so
detection is what can reasonably be seen:

1. the URL says so: `?pgbouncer=true` is Prisma's and Supabase's flag for a transaction
   pooler;
2. port 6543, Supabase's transaction-mode pooler port (its session mode is on 5432);
3. on the live connection, a few statements in a row: a backend pid that changes between
   them, or a prepared statement the server has forgotten, is a transaction pooler handing
   our statements to different sessions.

(3) only shows when the pooler actually switches sessions, so (1) and (2) matter; a
direct server on port 6543 is unusual enough to ask for another port.
"""

from __future__ import annotations

import socket
from typing import Any

import asyncpg

from bot.core.database_url import URL_EXAMPLE, PostgresUrl

CONNECT_TIMEOUT = 5.0
TRANSACTION_POOLER_PORT = 6543
_POOLER_PROBES = 3


async def connect(url: PostgresUrl, *, connect_timeout: float = CONNECT_TIMEOUT,
                  server_settings: dict[str, str] | None = None) -> Any:
    """One asyncpg connection to `url` (raises what asyncpg raises)."""
    return await asyncpg.connect(url.dsn, timeout=connect_timeout,
                                 server_settings=server_settings)


def pooler_in_url(url: PostgresUrl) -> str | None:
    """Why the URL itself names a transaction-mode pooler, or None."""
    if url.pooler_flag:
        return "it says pgbouncer=true"
    if url.port == TRANSACTION_POOLER_PORT:
        return f"port {TRANSACTION_POOLER_PORT} is the transaction-mode pooler's port"
    return None


def _pooler_line(url: PostgresUrl, why: str) -> str:
    return (f"DATABASE_URL points at a transaction-mode connection pooler ({why}); the bot "
            "holds a session advisory lock to elect its leader and needs a session: use "
            "the direct or session-mode address, e.g. port 5432")


async def switches_sessions(connection: Any) -> bool:
    """True when consecutive statements run in different server sessions (a pooler)."""
    try:
        pids = {await connection.fetchval("SELECT pg_backend_pid()")
                for _ in range(_POOLER_PROBES)}
    except (asyncpg.exceptions.InvalidSQLStatementNameError,
            asyncpg.exceptions.DuplicatePreparedStatementError):
        return True  # our prepared statement went to a session that never saw it
    return len(pids) > 1


def _reach_reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, socket.gaierror):
        return "host name not found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError):
        return (exc.strerror or type(exc).__name__).lower()
    return type(exc).__name__


def _refusal_line(url: PostgresUrl, exc: asyncpg.PostgresError) -> str:
    where = url.where()
    if isinstance(exc, (asyncpg.exceptions.InvalidPasswordError,
                        asyncpg.exceptions.InvalidAuthorizationSpecificationError)):
        return (f"PostgreSQL at {where} rejected the user name or password in DATABASE_URL; "
                "check both (the password is not shown)")
    if isinstance(exc, asyncpg.exceptions.InvalidCatalogNameError):
        name = url.database or url.user or "?"
        return (f"PostgreSQL at {where} has no database named {name!r}; create it "
                f"(createdb {name}) or fix the name in DATABASE_URL")
    if isinstance(exc, asyncpg.exceptions.TooManyConnectionsError):
        return f"PostgreSQL at {where} has no free connection slots (too many connections)"
    return f"PostgreSQL at {where} refused the connection (SQLSTATE {exc.sqlstate})"


async def connection_problem(url: PostgresUrl, *,
                             connect_timeout: float = CONNECT_TIMEOUT) -> str | None:
    """Connect once as the bot will; a one-line reason it cannot work, or None."""
    why = pooler_in_url(url)
    if why is not None:
        return _pooler_line(url, why)
    try:
        connection = await connect(url, connect_timeout=connect_timeout)
    except asyncpg.PostgresError as exc:
        return _refusal_line(url, exc)
    except (OSError, TimeoutError) as exc:
        return f"cannot reach PostgreSQL at {url.where()}: {_reach_reason(exc, connect_timeout)}"
    except (asyncpg.InterfaceError, ValueError) as exc:
        return (f"DATABASE_URL is not usable by the PostgreSQL driver "
                f"({type(exc).__name__}), {URL_EXAMPLE}")
    try:
        if await switches_sessions(connection):
            return _pooler_line(url, "consecutive statements ran in different sessions")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        return f"PostgreSQL at {url.where()} dropped the connection ({type(exc).__name__})"
    finally:
        await close_quietly(connection, connect_timeout)
    return None


async def close_quietly(connection: Any, limit: float = CONNECT_TIMEOUT) -> None:
    """Close politely, or drop the socket when the server is gone or slow to answer."""
    try:
        await connection.close(timeout=limit)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
        connection.terminate()
