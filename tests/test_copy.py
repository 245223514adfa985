"""`run.py copy --from sqlite:///… --to postgresql://…`: a SQLite bot's data moves whole into
an empty PostgreSQL database, and the bot carries on there as if nothing happened."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import asyncpg
import pytest

from bot.core.config import Settings
from bot.core.database_url import PostgresUrl, parse_database_url
from bot.runtime.instance_lock import InstanceLock
from bot.storage.copy import CopyError, copy_sqlite_to_postgres, source_rows
from bot.storage.schema import MIGRATIONS
from bot.storage.sqlite_engine import SqliteDatabase
from tests import pg
from tests.diary.test_data_rights import log
from tests.helpers import ADMIN, OTHER_USER, USER, running_bot, stored_rows
from tests.test_need import walk_need
from tests.test_privacy import full_history
from tests.test_stretch_later import STRETCH_TITLE

REPO = Path(__file__).resolve().parent.parent
WRONG = "Wr0ng%40pass-9c1e"


def postgres(raw: str) -> PostgresUrl:
    url = parse_database_url(raw)
    assert isinstance(url, PostgresUrl)
    return url


def sqlite_tables(path: Path) -> dict[str, list[str]]:
    """Every table of the file with its columns, read from its schema."""
    names = [name for (name,) in stored_rows(
        path, "SELECT name FROM sqlite_master WHERE type = 'table' "
              "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: [row[1] for row in stored_rows(path, f'PRAGMA table_info("{name}")')]
            for name in names}


def row_set(where: Path | PostgresUrl, table: str, columns: list[str]) -> list[tuple]:
    names = ", ".join(f'"{column}"' for column in columns)
    return sorted(stored_rows(where, f'SELECT {names} FROM "{table}"'), key=repr)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def fill_through_the_bot(bot) -> None:
    """Something in every table, each written the way a user or an admin writes it."""
    await full_history(bot, USER)  # subscribers, tips, deliveries, feedback
    await full_history(bot, OTHER_USER)
    await walk_need(bot, "31-50", "female", "none")
    summary = await log(bot)  # a cramp entry
    entry = next(d for d in summary.callback_data if d.startswith("ce:u:")).split(":")[2]
    await bot.press(summary, f"ce:t0:{entry}")  # … with a trigger
    await bot.say("/sos", chat_id=USER)
    screen = await bot.reply("/diary")
    await bot.press(screen, "ds:ci:menu")
    await bot.press(screen, "ds:ci:08:00")
    await bot.press(screen, "ds:st:menu")
    await bot.press(screen, "ds:st:20:00")
    water = await bot.reply("/water")
    await bot.press(water, "ws:menu:menu")
    await bot.press(bot.standin.message(USER, water.message_id), "ws:g:ml300")
    await bot.reply("/water")
    await bot.reply("/ate almonds")
    await bot.start(ADMIN)
    answers = await bot.say("/broadcast Hello all\n[ru]\nПривет всем", chat_id=ADMIN)
    await bot.press(answers[-1], answers[-1].callback_data[0])
    bot.clock.advance(hours=1)  # 09:00: the daily tips and the 08:00 check-in go out
    await bot.deliver_due()
    bot.clock.advance(days=1)
    await bot.deliver_due()
    question = next(m for m in bot.standin.messages_to(USER) if "Any cramps" in m.text)
    await bot.press(question, "ws:hot:hot")  # a hot day
    await bot.press(question, question.callback_data[0])
    bot.clock.set(datetime(2026, 11, 26, 20, 1, tzinfo=UTC))
    await bot.deliver_due()
    stretch = next(m for m in bot.standin.messages_to(USER)
                   if m.text.startswith(STRETCH_TITLE))
    await bot.press(stretch, "sd:20261126")  # "I stretched"


async def test_every_table_arrives_whole_and_the_bot_carries_on_on_postgres(
        settings, clock, pg_url):
    async with running_bot(settings, clock) as bot:
        await fill_through_the_bot(bot)
        mydata_before = (await bot.reply("/mydata")).text
    # The bot is stopped: its file is what the copy reads.
    source = settings.database_path
    tables = sqlite_tables(source)
    empty = [table for table, columns in tables.items() if not row_set(source, table, columns)]
    assert empty == [], "the fill should touch every table"
    before = digest(source)
    target = postgres(pg_url)

    counts = await copy_sqlite_to_postgres(source, target, batch=3)

    assert digest(source) == before  # the source is not changed
    assert set(counts) == set(tables)
    order = list(counts)  # copied parents first
    assert order.index("subscribers") < order.index("deliveries")
    assert order.index("broadcasts") < order.index("broadcast_texts")
    assert order.index("cramp_entries") < order.index("cramp_entry_triggers")
    for table, columns in tables.items():
        rows = row_set(source, table, columns)
        assert row_set(target, table, columns) == rows, table
        assert counts[table] == len(rows), table

    on_postgres = Settings(
        token=None, database_path=source.with_name("unused.sqlite3"), postgres=target,
        admin_ids=frozenset({ADMIN}))
    async with running_bot(on_postgres, clock) as moved:
        assert (await moved.reply("/mydata")).text == mydata_before
        largest = moved.rows("SELECT max(id) FROM deliveries")[0][0]
        await moved.reply("/tip")  # the first row written on PostgreSQL gets a new id
        assert moved.rows("SELECT max(id) FROM deliveries")[0][0] == largest + 1
        stats = (await moved.reply("/stats", chat_id=ADMIN)).text
        assert "Cramp diary: 1 person keeps one" in stats
    assert not source.with_name("unused.sqlite3").exists()


async def test_a_target_with_data_is_refused_and_left_as_it_was(bot, settings, pg_url):
    await bot.start()
    await bot.reply("/tip")
    target = postgres(pg_url)
    await copy_sqlite_to_postgres(settings.database_path, target)
    await bot.start(OTHER_USER)  # the source grows; the target must not take it again
    before = stored_rows(target, "SELECT chat_id FROM subscribers")
    with pytest.raises(CopyError) as refused:
        await copy_sqlite_to_postgres(settings.database_path, target)
    assert "already holds data (table" in str(refused.value)
    assert "copy only into an empty database" in str(refused.value)
    assert stored_rows(target, "SELECT chat_id FROM subscribers") == before == [(USER,)]


async def test_a_count_that_does_not_match_rolls_everything_back_naming_the_table(
        bot, settings, pg_url):
    await full_history(bot, USER)

    def one_row_short(source, table, columns, batch):
        for chunk in source_rows(source, table, columns, batch):
            yield chunk[:-1] if table == "feedback" else chunk

    target = postgres(pg_url)
    with pytest.raises(CopyError) as failed:
        await copy_sqlite_to_postgres(settings.database_path, target, rows=one_row_short)
    assert str(failed.value) == ("table feedback: 2 rows in the SQLite file but 1 arrived in "
                                 "PostgreSQL: the copy was rolled back, nothing was copied")
    for table in ("subscribers", "tips", "deliveries", "feedback"):
        assert stored_rows(target, f"SELECT count(*) FROM {table}") == [(0,)], table
    # Nothing half-done stays behind: the same copy, complete, now goes through.
    counts = await copy_sqlite_to_postgres(settings.database_path, target)
    assert counts["feedback"] == 2


async def test_a_table_on_one_side_only_is_named(bot, settings, pg_url):
    await bot.start()
    with sqlite3.connect(settings.database_path) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    target = postgres(pg_url)
    with pytest.raises(CopyError) as failed:
        await copy_sqlite_to_postgres(settings.database_path, target)
    assert str(failed.value).startswith("table notes exists in ")
    assert str(failed.value).endswith("but not in the PostgreSQL database: nothing was copied")
    with sqlite3.connect(settings.database_path) as connection:
        connection.execute("DROP TABLE notes")
    await _execute(target, "CREATE TABLE extras (id bigint)")
    with pytest.raises(CopyError) as failed:
        await copy_sqlite_to_postgres(settings.database_path, target)
    assert str(failed.value).startswith("table extras exists in the PostgreSQL database but "
                                        "not in ")
    assert stored_rows(target, "SELECT count(*) FROM subscribers") == [(0,)]


async def _execute(url: PostgresUrl, sql: str) -> None:
    connection = await asyncpg.connect(url.dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def test_a_source_behind_the_latest_schema_is_not_migrated_but_sent_to_the_bot(
        tmp_path, pg_url):
    path = tmp_path / "old.sqlite3"
    db = await SqliteDatabase.open(path)
    try:
        for number, script in enumerate(MIGRATIONS[:-1], start=1):
            await db.apply_migration(number, script)
    finally:
        await db.close()
    before = digest(path)
    with pytest.raises(CopyError) as failed:
        await copy_sqlite_to_postgres(path, postgres(pg_url))
    assert "upgrade first: run the bot once" in str(failed.value)
    assert digest(path) == before
    assert stored_rows(path, "PRAGMA user_version") == [(len(MIGRATIONS) - 1,)]


# --- as an operator meets it: `python run.py copy` -------------------------------------

async def _run(cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DATABASE_", "LOG_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "run.py"), "copy", *args, cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_copies_and_prints_the_counts_without_the_password(
        bot, settings, pg_url, tmp_path):
    await full_history(bot, USER)
    code, out, err = await _run(tmp_path, "--from", f"sqlite:///{settings.database_path.name}",
                                "--to", pg_url)
    assert (code, err) == (0, "")
    assert "subscribers: 1 rows" in out and "feedback: 2 rows" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("ok: copied ") and "counts verified" in last
    assert "postgresql://magdaily:***@127.0.0.1:" in last
    assert pg.PASSWORD not in out
    assert stored_rows(postgres(pg_url), "SELECT chat_id FROM subscribers") == [(USER,)]


async def test_the_command_refuses_while_the_bot_runs_on_the_file(bot, settings, pg_url,
                                                                  tmp_path):
    await bot.start()
    with InstanceLock.acquire(settings.database_path):  # what the running bot holds
        code, out, err = await _run(tmp_path, "--from", f"sqlite:///{settings.database_path}",
                                    "--to", pg_url)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(
        "magdaily: cannot copy while the bot runs: another MagDaily process (pid ")
    assert pg.PASSWORD not in err
    assert stored_rows(postgres(pg_url), "SELECT to_regclass('subscribers') IS NULL") == [
        (True,)]  # not even migrated


@pytest.mark.parametrize("case", ["wrong password", "backwards", "not a url", "no file"])
async def test_what_cannot_be_copied_is_one_line_exit_2_without_a_secret(
        case, bot, settings, pg_server, tmp_path):
    await bot.start()
    source = f"sqlite:///{settings.database_path}"
    target = pg_server.url("postgres", password=WRONG)
    if case == "wrong password":
        expected = "rejected the user name or password"
    elif case == "backwards":
        source, target = pg_server.url("postgres"), source
        expected = "copy goes from SQLite to PostgreSQL only"
    elif case == "not a url":
        source, expected = str(settings.database_path), "must start with sqlite:///"
    else:
        source, expected = "sqlite:///missing.sqlite3", "missing.sqlite3 does not exist"
    code, out, err = await _run(tmp_path, "--from", source, "--to", target)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("magdaily: ") and expected in err, err
    for secret in (pg.PASSWORD, WRONG, unquote(WRONG)):
        assert secret not in err
    assert not (tmp_path / "missing.sqlite3").exists()
