"""Command-line front door: settings and catalogue are checked before anything starts.

Start-up failures a person can fix (a bad variable, a broken tip file, an unwritable or
read-only database, a second process on the same database, a rejected token, a wrong
TELEGRAM_API_BASE_URL, a webhook port in use) end with exactly one line on stderr and exit
code 2, never a traceback, and never the token (every line passes the same redaction as
the logs). An unreachable Telegram is not a failure: the bot waits for it (bot.startup).

Which command takes the one-instance lock (bot.instance_lock):
  run (polling or webhook), --console, restore — yes: they write or replace the database;
  check, backup — no: they only read, and must keep working while the bot runs.
With DATABASE_URL=postgresql://… there is no file lock: `run` waits as a standby until it
leads (bot.runtime.standby), and backup/restore point to pg_dump.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.clock import SystemClock
from bot.core.config import ConfigError, Settings, load_settings, path_setting
from bot.core.database_url import DatabaseUrlError, PostgresUrl, parse_database_url
from bot.runtime.instance_lock import AlreadyRunning, InstanceLock
from bot.runtime.logs import redact, secret_forms, setup_logging
from bot.storage import Storage
from bot.storage.files import write_problem
from bot.ui import limits, texts
from tips.catalog import CatalogError, Tip, load_catalog
from tips.foods import load_foods
from tips.reference import load_causes, load_rda

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.core.telegram_app import TelegramApp
    from bot.runtime.health import DatabaseCheck, Health
    from bot.runtime.lifecycle import Starter

EXIT_BAD_SETTING = 2
EXIT_UNHEALTHY = 1  # `health`: Docker reads 1 as unhealthy (and reserves 2)


def _fail(message: str, secrets: list[str | None] | None = None) -> int:
    print(f"magdaily: {redact(message, secret_forms(secrets or []))}", file=sys.stderr)
    return EXIT_BAD_SETTING


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="MagDaily Telegram bot")
    parser.add_argument("--console", action="store_true",
                        help="chat with the bot in this terminal (no Telegram needed)")
    parser.add_argument("--console-if-no-token", action="store_true",
                        help="console mode when TELEGRAM_BOT_TOKEN is unset (used by make run)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("check", help="validate config, database schema and tip catalogue")
    sub.add_parser("health", help="Docker's HEALTHCHECK: GET /healthz when HEALTH_PORT or "
                                  "PORT is set, else the same checks as `check`; exit 0 or 1")
    backup = sub.add_parser("backup", help="write a verified copy of the live database")
    backup.add_argument("path", type=Path)
    restore = sub.add_parser(
        "restore", help="replace the database with a verified backup (the bot must be stopped)")
    restore.add_argument("path", type=Path)
    copy = sub.add_parser(
        "copy", help="copy a stopped bot's SQLite data into an empty PostgreSQL database")
    copy.add_argument("--from", dest="source", required=True, metavar="sqlite:///PATH")
    copy.add_argument("--to", dest="target", required=True, metavar="postgresql://…")
    return parser


async def _check_database(settings: Settings, *, health: bool = False) -> str | None:
    """Open and migrate the database once; returns a one-line problem or None.

    With `health` (the `check` command, Docker's HEALTHCHECK) a stalled sender is a
    problem too: sendable rows overdue by SENDER_STALL_MINUTES while no send was
    attempted for as long. A busy sender working through a backlog is not stalled.
    """
    try:
        storage = await Storage.open(settings.database_path)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        return f"DATABASE_PATH {settings.database_path} is unusable: {exc}"
    try:
        if not await storage.integrity_ok():
            return f"DATABASE_PATH {settings.database_path} failed SQLite's integrity check"
        if health:
            stalled = await _stall_problem(storage, settings)
            if stalled is not None:
                return stalled
    finally:
        await storage.close()
    try:
        return write_problem(settings.database_path)
    except sqlite3.Error as exc:
        return f"DATABASE_PATH {settings.database_path} is unusable: {exc}"


async def _stall_problem(storage: Storage, settings: Settings) -> str | None:
    minutes = settings.stall_minutes
    overdue = await storage.outbox.stall(SystemClock().now(), timedelta(minutes=minutes))
    if overdue:
        return (f"sender stalled: {overdue} deliveries due more than {minutes:g} min "
                f"ago and no send attempted for {minutes:g} min")
    return None


def _load_content() -> list[Tip]:
    catalog = load_catalog()
    load_foods()
    load_causes()
    load_rda()
    return catalog


def _lock(settings: Settings) -> InstanceLock | str:
    try:
        return InstanceLock.acquire(settings.database_path)
    except AlreadyRunning as exc:
        return str(exc)
    except OSError as exc:
        return (f"DATABASE_PATH {settings.database_path} is unusable: cannot create its "
                f"lock file ({exc.strerror or exc})")


CONSOLE_DATABASE_DEFAULT = "data/console.sqlite3"


def _console_settings(settings: Settings) -> Settings:
    """The console's own database (CONSOLE_DATABASE_PATH, default data/console.sqlite3),
    so trying the bot never leaves a fake subscriber in the real one."""
    raw = path_setting(os.environ, "CONSOLE_DATABASE_PATH", CONSOLE_DATABASE_DEFAULT)
    return dataclasses.replace(settings, database_path=Path(raw), postgres=None)


POSTGRES_BACKUP = ("backup and restore copy a SQLite file; with DATABASE_URL=postgresql://… "
                   "use pg_dump and pg_restore, e.g. pg_dump --format=custom --file=bot.dump "
                   "\"$DATABASE_URL\"")
def _on_postgres(settings: Settings, url: PostgresUrl, catalog: list[Tip], command: str | None,
                 secrets: list[str | None]) -> int:
    """`run` and `check` with DATABASE_URL=postgresql://….

    The address is checked first as the bot will use it (bot.storage.postgres: one line
    for a wrong password, an unreachable server, a missing database or a transaction
    pooler). `check` then opens and migrates the database and reports as on SQLite, minus
    the file checks. `run` takes no file lock: several instances may share the database,
    one leads and the others wait as standbys (bot.runtime.standby).
    """
    from bot.storage.postgres import connection_problem

    problem = asyncio.run(connection_problem(url))
    if problem is not None:
        return _fail(problem, secrets)
    where = f"PostgreSQL at {url.where()}/{url.database or url.user or ''}"
    if command == "check":
        problem = asyncio.run(_check_postgres(url, settings))
        if problem is not None:
            return _fail(f"{where}: {problem}", secrets)
        return _checked(f"{where}: ok, database schema current", catalog)
    problem = _start_problem(settings, console=False)
    if problem is not None:
        return _fail(problem, secrets)
    return _run_bot(settings, catalog, secrets, postgres=url)


async def _check_postgres(url: PostgresUrl, settings: Settings) -> str | None:
    """Open (and so migrate) the PostgreSQL database once; a one-line problem or None."""
    import asyncpg

    try:
        storage = await Storage.open(url)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, RuntimeError) as exc:
        return f"cannot open the bot's tables ({type(exc).__name__})"
    try:
        return await _stall_problem(storage, settings)
    finally:
        await storage.close()


def _checked(database: str, catalog: list[Tip]) -> int:
    """`check` passed: the one ok line, and which tips are kept out of rotation."""
    print(f"ok: config valid, {database}, {len(catalog)} tips")
    quarantined = {tip.id: problem for tip in catalog
                   if (problem := limits.tip_problem(tip)) is not None}
    if quarantined:
        print(f"warning: {texts.tips_quarantined(quarantined)}")
    return 0


def _start_problem(settings: Settings, *, console: bool) -> str | None:
    """What stops `run` before it starts: no token, or an unusable webhook address/port."""
    if not console and not settings.token:
        return ("config error: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather), "
                "or run `python run.py --console` to chat locally")
    if not console and settings.webhook_url:
        from bot.runtime.webhook import port_problem, webhook_problem

        return webhook_problem(settings) or port_problem(settings)
    return None


def _secrets(settings: Settings) -> list[str | None]:
    return [settings.token, settings.webhook_secret,
            *(settings.postgres.secrets() if settings.postgres else [])]


def _health() -> int:
    """Docker's HEALTHCHECK: the running bot's /healthz where it serves one, else the checks
    of `check`; 0 healthy, 1 unhealthy (Docker reserves 2).

    The health checks listen on the webhook's server when they share its port, else on
    their own.
    """
    try:
        settings = load_settings()
    except ConfigError:
        settings = None  # `check` says what is wrong, in its one line
    address = None if settings is None else _health_address(settings)
    if settings is None or address is None:
        return EXIT_UNHEALTHY if main(["check"]) else 0
    from bot.runtime.health import local_address, probe

    problem = probe(local_address(address[0]), address[1])
    if problem is not None:
        _fail(problem, _secrets(settings))
        return EXIT_UNHEALTHY
    print("ok: /healthz answered 200")
    return 0


COPY_DIRECTION = ("copy goes from SQLite to PostgreSQL only, e.g. run.py copy --from "
                  "sqlite:///data/bot.sqlite3 --to postgresql://magdaily:PASSWORD@db:5432/"
                  "magdaily (a PostgreSQL database moves with pg_dump and pg_restore)")


def _copy(source_url: str, target_url: str) -> int:
    """`copy --from sqlite:///… --to postgresql://…`: the SQLite bot's data into an empty
    PostgreSQL database (bot.storage.copy), holding the file's instance lock throughout so
    the bot cannot start on it half-way. Needs no other setting."""
    from bot.storage.copy import CopyError, copy_sqlite_to_postgres

    try:
        source, target = parse_database_url(source_url), parse_database_url(target_url)
    except DatabaseUrlError as exc:  # its message never holds the address's password
        return _fail(f"copy --from/--to: {exc}")
    secrets: list[str | None] = [
        *(source.secrets() if isinstance(source, PostgresUrl) else []),
        *(target.secrets() if isinstance(target, PostgresUrl) else [])]
    if isinstance(source, PostgresUrl) or not isinstance(target, PostgresUrl):
        return _fail(COPY_DIRECTION, secrets)
    setup_logging("WARNING", [secret for secret in secrets if secret])
    if not source.is_file():
        return _fail(f"{source} does not exist (--from names the bot's SQLite file)")
    try:
        lock = InstanceLock.acquire(source)
    except AlreadyRunning as exc:
        return _fail(f"cannot copy while the bot runs: {exc}")
    except OSError as exc:
        return _fail(f"{source}: cannot create its lock file ({exc.strerror or exc})")
    with lock:
        try:
            counts = asyncio.run(copy_sqlite_to_postgres(source, target))
        except CopyError as exc:
            return _fail(str(exc), secrets)
    for table, rows in counts.items():
        print(f"{table}: {rows} rows")
    print(f"ok: copied {sum(counts.values())} rows in {len(counts)} tables from {source} "
          f"to {target.redacted()}, counts verified; set DATABASE_URL to it and start the bot")
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "health":
        return _health()
    if args.command == "copy":
        return _copy(args.source, args.target)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    secrets = _secrets(settings)
    console = args.console or (args.console_if_no_token and not settings.token)
    if console and args.command not in ("backup", "restore", "check"):
        try:
            settings = _console_settings(settings)
        except ConfigError as exc:
            return _fail(f"config error: {exc}")
    # In the console, log lines would interleave with the chat: only warnings show there.
    setup_logging("WARNING" if console and settings.log_level in ("DEBUG", "INFO")
                  else settings.log_level, [secret for secret in secrets if secret])

    if settings.postgres is not None and args.command in ("backup", "restore"):
        return _fail(POSTGRES_BACKUP)
    if args.command == "backup":
        from bot.runtime.backup import backup_database

        return backup_database(settings.database_path, args.path)
    if args.command == "restore":
        from bot.runtime.backup import restore_database

        lock = _lock(settings)
        if isinstance(lock, str):
            return _fail(f"cannot restore while the bot runs: {lock}")
        with lock:
            return restore_database(settings.database_path, args.path)

    try:
        catalog = _load_content()
    except CatalogError as exc:
        return _fail(f"tip catalogue error: {exc}")

    if settings.postgres is not None:
        return _on_postgres(settings, settings.postgres, catalog, args.command, secrets)

    if args.command == "check":
        problem = asyncio.run(_check_database(settings, health=True))
        if problem is not None:
            return _fail(problem, secrets)
        return _checked("database schema current", catalog)

    start_problem = _start_problem(settings, console=console)
    if start_problem is not None:
        return _fail(start_problem, secrets)

    lock = _lock(settings)
    if isinstance(lock, str):
        return _fail(lock, secrets)
    with lock:
        problem = asyncio.run(_check_database(settings))
        if problem is not None:
            return _fail(problem, secrets)
        if console:
            from bot.runtime.console import run_console

            return asyncio.run(run_console(settings, catalog))
        return _run_bot(settings, catalog, secrets)


def _run_bot(settings: Settings, catalog: list[Tip], secrets: list[str | None],
             postgres: PostgresUrl | None = None) -> int:
    """Run until stopped; with PostgreSQL, first as a standby until this process leads."""
    from bot.runtime.app import build_application, halt_sending
    from bot.runtime.lifecycle import StartupFailed, run

    starter, on_poll, health = _updates_starter(settings)
    candidacy = None
    if postgres is not None:
        from bot.runtime.standby import Candidacy

        candidacy = Candidacy(postgres, health, _health_address(settings))

    def build() -> TelegramApp:
        application = build_application(settings, catalog=catalog, on_poll=on_poll,
                                        epoch=candidacy.epoch if candidacy else None)
        if candidacy is not None:  # a lost lock stops sending before anything else
            candidacy.on_lost(lambda: halt_sending(application))
        return application

    try:
        return asyncio.run(run(settings, build, starter, gate=candidacy))
    except StartupFailed as exc:
        return _fail(str(exc), secrets)


def _health_address(settings: Settings) -> tuple[str, int] | None:
    """Where the health checks listen (beside the webhook when they share its port)."""
    if settings.health_port is None:
        return None
    listen = settings.webhook_listen if settings.health_beside_webhook else \
        settings.health_listen
    return listen, settings.health_port


def _updates_starter(settings: Settings) -> tuple[Starter, Callable[[], None] | None,
                                                  Health | None]:
    """Polling or the webhook, with the health checks (if on) on their own port or, when
    they share the webhook's (a platform's one PORT), on the webhook's server; what a
    completed getUpdates reports to; and the checks' state."""
    from bot.runtime.lifecycle import start_polling

    def updates(health: Health | None = None) -> Starter:
        if not settings.webhook_url:
            return start_polling
        from bot.runtime.webhook import webhook_starter

        return webhook_starter(settings, health)

    port = settings.health_port
    if port is None:
        return updates(), None, None
    from bot.runtime.app import RUNTIME_KEY
    from bot.runtime.health import STALE_AFTER, Health, with_database_check, with_health

    def storage_check(app: TelegramApp) -> DatabaseCheck:
        return app.bot_data[RUNTIME_KEY].storage.reachable

    # A webhook is posted to only when someone writes: quiet is not stale there.
    health = Health(SystemClock(), stale_after=None if settings.webhook_url else STALE_AFTER)
    if settings.health_beside_webhook:
        starter = with_database_check(updates(health), health, storage_check)
    else:
        starter = with_health(updates(), health, settings.health_listen, port, storage_check)
    return starter, health.updates_seen, health
