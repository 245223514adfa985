"""Command-line front door: settings and catalogue are checked before anything starts.

Start-up failures a person can fix (a bad variable, a broken tip file, an unwritable
database path) end with exactly one line and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path

from telegram import Update

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.storage import Storage
from tips.catalog import CatalogError, Tip, load_catalog
from tips.foods import load_foods
from tips.reference import load_causes, load_rda

EXIT_BAD_SETTING = 2


def _fail(message: str) -> int:
    print(f"magdaily: {message}", file=sys.stderr)
    return EXIT_BAD_SETTING


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="MagDaily Telegram bot")
    parser.add_argument("--console", action="store_true",
                        help="chat with the bot in this terminal (no Telegram needed)")
    parser.add_argument("--console-if-no-token", action="store_true",
                        help="console mode when TELEGRAM_BOT_TOKEN is unset (used by make run)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("check", help="validate config, database schema and tip catalogue")
    backup = sub.add_parser("backup", help="write a consistent copy of the live database")
    backup.add_argument("path", type=Path)
    return parser


async def _check_database(settings: Settings) -> str | None:
    """Open and migrate the database once; returns a one-line problem or None."""
    try:
        storage = await Storage.open(settings.database_path)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        return f"DATABASE_PATH {settings.database_path} is unusable: {exc}"
    try:
        if not await storage.integrity_ok():
            return f"DATABASE_PATH {settings.database_path} failed SQLite's integrity check"
    finally:
        await storage.close()
    return None


def _load_content() -> list[Tip]:
    catalog = load_catalog()
    load_foods()
    load_causes()
    load_rda()
    return catalog


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    try:
        catalog = _load_content()
    except CatalogError as exc:
        return _fail(f"tip catalogue error: {exc}")
    console = args.console or (args.console_if_no_token and not settings.token)
    # In the console, log lines would interleave with the chat: only warnings show there.
    setup_logging("WARNING" if console and settings.log_level in ("DEBUG", "INFO")
                  else settings.log_level, [settings.token or ""])

    problem = asyncio.run(_check_database(settings))
    if problem is not None:
        return _fail(problem)

    if args.command == "check":
        print(f"ok: config valid, database schema current, {len(catalog)} tips")
        return 0
    if args.command == "backup":
        from bot.backup import backup_database

        return backup_database(settings.database_path, args.path)

    if console:
        from bot.console import run_console

        return asyncio.run(run_console(settings, catalog))
    if not settings.token:
        return _fail("config error: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather), "
                     "or run `python run.py --console` to chat locally")

    if settings.webhook_url:
        from bot.webhook import run_webhook, webhook_problem

        webhook_error = webhook_problem(settings)
        if webhook_error is not None:
            return _fail(webhook_error)
        return run_webhook(settings, catalog)

    from bot.app import build_application

    application = build_application(settings, catalog=catalog)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
