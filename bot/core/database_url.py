"""DATABASE_URL: which database the bot keeps its data in, read once at start-up.

Hosting platforms hand a bot its database as one `DATABASE_URL` variable (Heroku, Render,
Railway, Fly fill it in); people who run the bot on their own disk keep `DATABASE_PATH`.
Both are accepted:

* `sqlite:///data/bot.sqlite3` — a file path after three slashes, relative to the folder
  the bot starts in; four slashes for an absolute one, `sqlite:////var/lib/magdaily/bot.sqlite3`
  (the spelling SQLAlchemy and most tools use).
* `postgres://…` or `postgresql://user:password@host:5432/dbname` — PostgreSQL, reached
  through asyncpg (`bot.storage.postgres`).

A PostgreSQL URL usually carries a password, so the parsed value (`PostgresUrl`) prints
itself with the password replaced by `***` (repr and str alike), and every error line
built here names the variable, never its value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql")
DEFAULT_PORT = 5432
# A query parameter that only says "this address is PgBouncer in transaction mode" (Prisma's
# and Supabase's convention). asyncpg would send it to the server as a setting, which the
# server rejects; it is read here and taken out of the address asyncpg gets.
POOLER_FLAG = "pgbouncer"
URL_EXAMPLE = "e.g. DATABASE_URL=postgresql://magdaily:PASSWORD@db.example.org:5432/magdaily"
SQLITE_EXAMPLE = ("e.g. DATABASE_URL=sqlite:///data/bot.sqlite3 (four slashes for an "
                  "absolute path: sqlite:////var/lib/magdaily/bot.sqlite3)")


class DatabaseUrlError(ValueError):
    """DATABASE_URL is unusable; the message is one line without the URL's password."""


@dataclass(frozen=True, slots=True, repr=False)
class PostgresUrl:
    """A PostgreSQL address; prints with its password hidden."""

    dsn: str = field(repr=False)  # what asyncpg connects to (pooler hint removed)
    user: str | None
    password: str | None = field(repr=False)
    host: str | None  # a host name, or a folder holding the server's unix socket
    port: int
    database: str | None
    pooler_flag: bool = False  # the URL says `pgbouncer=true`

    def where(self) -> str:
        """host:port (or the socket folder) for messages: no user, no password."""
        host = self.host or "localhost"
        return f"{host}:{self.port}" if not host.startswith("/") else f"{host} (socket)"

    def redacted(self) -> str:
        user = self.user or ""
        secret = ":***" if self.password else ""
        at = "@" if user or secret else ""
        host = self.host if self.host and not self.host.startswith("/") else ""
        path = f"/{self.database}" if self.database else ""
        return f"postgresql://{user}{secret}{at}{host}:{self.port}{path}"

    def secrets(self) -> list[str]:
        """Every spelling of the password a message could carry (raw and URL-encoded)."""
        if not self.password:
            return []
        return sorted({self.password, unquote(self.password)}, key=len, reverse=True)

    def __repr__(self) -> str:
        return f"PostgresUrl({self.redacted()!r})"

    def __str__(self) -> str:
        return self.redacted()


def parse_database_url(raw: str) -> Path | PostgresUrl:
    """A SQLite file path or a PostgreSQL address; DatabaseUrlError for anything else."""
    scheme, colon, _ = raw.partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in ("sqlite", *POSTGRES_SCHEMES):
        raise DatabaseUrlError("DATABASE_URL must start with sqlite:/// or postgresql://, "
                               + URL_EXAMPLE)
    if scheme == "sqlite":
        return _sqlite_path(raw)
    return _postgres(raw)


def _sqlite_path(raw: str) -> Path:
    prefix = "sqlite:///"
    if not raw.lower().startswith(prefix) or not raw[len(prefix):].strip():
        raise DatabaseUrlError("DATABASE_URL for SQLite needs three slashes and a file path, "
                               + SQLITE_EXAMPLE)
    path = raw[len(prefix):]
    if "?" in path or path == ":memory:":
        raise DatabaseUrlError("DATABASE_URL for SQLite must name a file (no :memory:, no "
                               "query), " + SQLITE_EXAMPLE)
    return Path(unquote(path))


def _postgres(raw: str) -> PostgresUrl:
    parts = urlsplit(raw)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise DatabaseUrlError("DATABASE_URL has an invalid port (1-65535), "
                               + URL_EXAMPLE) from None
    query = parse_qsl(parts.query, keep_blank_values=True)
    options = {key: value for key, value in query}
    pooler = options.get(POOLER_FLAG, "").lower() in ("true", "1", "yes", "on")
    kept = [(key, value) for key, value in query if key != POOLER_FLAG]
    dsn = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(kept), ""))
    password = parts.password or options.get("password") or None
    database = unquote(parts.path.lstrip("/")) or options.get("dbname") or None
    host = unquote(parts.hostname or "") or options.get("host") or None
    return PostgresUrl(dsn=dsn, user=unquote(parts.username) if parts.username else None,
                       password=password, host=host, port=port, database=database,
                       pooler_flag=pooler)
