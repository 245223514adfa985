"""Hostile input: every command, button and group message fed garbage must get a polite,
bounded, properly escaped answer and leave the database exactly as it was.

"Polite" here means: at least one answer (buttons: an answered callback), no generic error
text, no ERROR in the log, no request the stand-in refused (a 400 would mean unescaped HTML
or an over-long text reached "Telegram"), no stand-in bug, and a subscriber's settings
unchanged unless the input really was valid.
"""

from __future__ import annotations

import logging
from datetime import time

import pytest

from bot.runtime import app as app_module
from bot.ui import texts
from tests.helpers import OTHER_USER, USER

pytestmark = pytest.mark.both_engines

# ------------------------------------------------------------------ the garbage

LONG = "x" * 5000

HOSTILE: dict[str, str] = {
    "none": "",
    "long5000": LONG,
    "sql_drop": "'; DROP TABLE subscribers;--",
    "sql_or": "1 OR 1=1",
    "html_b": "<b>x</b>",
    "html_script": "<script>alert(1)</script>",
    "html_amp": "&amp; <i",
    "emoji": "💪🏽🥬",
    "arabic": "مرحبا",
    "rtl_override": "\u202eevil",
    "neg": "-1",
    "float": "3.14",
    "null": "null",
    "list": "[]",
    "dict": "{}",
    "several": "07:15 Europe/Berlin almonds <b>extra</b> 'x'",
}

COMMANDS = ("start", "subscribe", "stop", "unsubscribe", "tip", "causes", "foods", "time",
            "timezone", "topics", "settings", "help", "about")

# Inputs that are, on purpose, valid for a command: "3.14" reads like "19.30" (03:14) and
# "-1" like "UTC-5" (the UTC prefix is optional). They must change exactly that setting.
VALID = {
    ("time", "float"): {"send_time": "03:14"},
    ("timezone", "neg"): {"timezone": "UTC-1"},
}

SETTINGS_SQL = (
    "SELECT chat_id, user_id, chat_type, status, send_time, timezone, topics, next_send_at,"
    " paused_until, inactive_reason FROM subscribers ORDER BY chat_id"
)
SETTINGS_COLUMNS = ("chat_id", "user_id", "chat_type", "status", "send_time", "timezone",
                    "topics", "next_send_at", "paused_until", "inactive_reason")
CHANGES = object()  # "this column may change" in an expected row

POLITE_NOTICES = {None, texts.button_expired(), texts.not_subscribed(), texts.topic_last_one()}


# ------------------------------------------------------------------ helpers

_DATA_LOADERS = ("load_catalog", "load_foods", "load_causes", "load_rda")
_PARSED: dict = {}


@pytest.fixture(autouse=True)
def _parse_data_files_once(monkeypatch):
    """Parse the tip/food TOML files once per run, not once per test: the same data, but
    the wide matrix below stays fast. (A loader that moved is simply left alone.)"""
    for name in _DATA_LOADERS:
        original = getattr(app_module, name, None)
        if original is None:
            continue

        def cached(*args, _name=name, _original=original, **kwargs):
            key = (_name, args, tuple(sorted(kwargs.items())))
            if key not in _PARSED:
                _PARSED[key] = _original(*args, **kwargs)
            value = _PARSED[key]
            return list(value) if isinstance(value, list) else value

        monkeypatch.setattr(app_module, name, cached)


async def settings_rows(bot) -> list[dict]:
    rows = bot.rows(SETTINGS_SQL)
    return [dict(zip(SETTINGS_COLUMNS, row, strict=True)) for row in rows]


def table_names(bot) -> set[str]:
    """The tables the database's own catalogue lists (either engine)."""
    if bot.on_postgres:
        tables = bot.rows("""SELECT table_name FROM information_schema.tables
                             WHERE table_schema = current_schema()""")
    else:
        tables = bot.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in tables}


async def db_snapshot(bot) -> dict:
    return {
        "tables": table_names(bot),
        "tips": bot.rows("SELECT count(*) FROM tips"),
        "rows": await settings_rows(bot),
    }


async def assert_db_intact(bot, before: dict, expected_rows: list[dict] | None = None) -> None:
    if not bot.on_postgres:  # PostgreSQL has no such check: it keeps its own pages whole
        assert bot.rows("PRAGMA integrity_check") == [("ok",)]
    after = await db_snapshot(bot)
    assert {"subscribers", "tips"} <= after["tables"]
    assert after["tables"] == before["tables"]
    assert after["tips"] == before["tips"]
    expected = expected_rows if expected_rows is not None else before["rows"]
    assert len(after["rows"]) == len(expected)
    for got, want in zip(after["rows"], expected, strict=True):
        for column, value in want.items():
            if value is not CHANGES:
                assert got[column] == value, (column, got, want)


def assert_nothing_broke(bot, caplog) -> None:
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records
              if r.levelno >= logging.ERROR]
    assert errors == []
    assert bot.standin.internal_errors == []
    refused = [r for r in bot.standin.call_log if r.status != 200]
    assert refused == [], "the stand-in refused a request (bad HTML or too long?)"
    assert all(m.text != texts.error_generic() for m in bot.standin.sent)


def assert_answers_sane(answers, raw: str) -> None:
    assert answers, "no answer at all"
    for answer in answers:
        assert answer.text != texts.error_generic()
        assert 0 < len(answer.text) <= 4096
        if "<" in raw or "&" in raw:
            assert raw not in answer.raw_text, "user HTML reached Telegram unescaped"
        if len(raw) > 100:
            assert raw[:100] not in answer.text, "a huge input was echoed back"


def command_text(command: str, raw: str) -> str:
    return f"/{command} {raw}" if raw else f"/{command}"


@pytest.fixture
async def subscribed(bot, caplog):
    """USER subscribed at 07:15 Europe/Berlin with 'rest' switched off; returns the snapshot."""
    caplog.set_level(logging.INFO)
    await bot.start()
    await bot.reply("/time 07:15")
    await bot.reply("/timezone Europe/Berlin")
    menu = await bot.reply("/topics")
    await bot.press(menu, "topic:rest")
    snapshot = await db_snapshot(bot)
    (row,) = snapshot["rows"]
    assert row["status"] == "active" and row["send_time"] == "07:15"
    assert row["timezone"] == "Europe/Berlin"
    assert "rest" not in row["topics"] and "doctor" in row["topics"]
    assert_nothing_broke(bot, caplog)
    caplog.clear()
    return snapshot


def expected_after(command: str, case: str, before: dict) -> list[dict]:
    (row,) = before["rows"]
    row = dict(row)
    if command in ("stop", "unsubscribe"):
        row.update(status="stopped", next_send_at=None)
    elif (command, case) in VALID:
        row.update(VALID[(command, case)], next_send_at=CHANGES)
    return [row]


# ------------------------------------------------------------------ commands

@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("command", COMMANDS)
async def test_command_with_hostile_argument(bot, subscribed, caplog, command, case):
    raw = HOSTILE[case]
    answers = await bot.say(command_text(command, raw))
    assert_answers_sane(answers, raw)
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, subscribed, expected_after(command, case, subscribed))


async def test_valid_looking_hostile_inputs_do_what_they_say(bot, subscribed):
    answer = await bot.reply("/time 3.14")
    assert "03:14" in answer.text
    assert (await bot.subscriber()).send_time == time(3, 14)
    answer = await bot.reply("/timezone -1")
    assert "UTC-1" in answer.text
    assert (await bot.subscriber()).timezone == "UTC-1"


@pytest.mark.parametrize("command", ("time", "timezone", "foods"))
async def test_bad_input_is_quoted_short_and_escaped(bot, subscribed, command):
    for raw in ("<script>alert(1)</script>", "&amp; <i", LONG):
        answer = await bot.reply(command_text(command, raw))
        assert raw not in answer.raw_text
        if len(raw) <= texts.MAX_ECHO:  # short enough to be quoted whole: shown literally
            assert raw in answer.text
        assert len(answer.text) < 1000


PATH_LIKE_ZONES = ("../../etc/passwd", "/etc/localtime", "Europe/../../../etc/passwd",
                   "posix/Europe/Berlin", "right/UTC", "localtime", "Factory", "zone.tab",
                   "tzdata.zi", "Europe/Berlin\x00", "Europe\\Berlin", "~/.bashrc")


async def test_path_like_time_zones_are_refused(bot, subscribed, caplog):
    for raw in PATH_LIKE_ZONES:
        answer = await bot.reply(command_text("timezone", raw))
        assert "don’t know the time zone" in answer.text, raw
        assert_answers_sane([answer], raw)
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, subscribed)


BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


async def test_echoed_input_carries_no_bidi_override(bot, subscribed):
    for command in ("time", "timezone", "foods"):
        answer = await bot.reply(command_text(command, "\u202eevil"))
        assert "evil" in answer.text  # it is quoted ...
        assert [c for c in answer.text if c in BIDI_CONTROLS] == [], command  # ... defused


@pytest.mark.parametrize("command", COMMANDS)
async def test_command_with_hostile_argument_before_start(bot, caplog, command):
    """Someone who never pressed /start: same politeness, and no row appears unless they
    asked to subscribe."""
    caplog.set_level(logging.INFO)
    for case, raw in HOSTILE.items():
        chat_id = OTHER_USER
        before = await db_snapshot(bot)
        answers = await bot.say(command_text(command, raw), chat_id=chat_id)
        assert_answers_sane(answers, raw)
        assert_nothing_broke(bot, caplog)
        if command in ("start", "subscribe"):
            rows = await settings_rows(bot)
            assert [r["chat_id"] for r in rows] == [OTHER_USER], case
            assert rows[0]["send_time"] == "09:00" and rows[0]["timezone"] == "UTC"
            assert rows[0]["status"] == "active"
        else:
            await assert_db_intact(bot, before)
            assert before["rows"] == [], case


async def test_hostile_plain_text_unknown_commands_and_stickers(bot, subscribed, caplog):
    for raw in HOSTILE.values():
        if not raw.strip():
            continue
        answers = await bot.say(raw)
        assert_answers_sane(answers, raw)
        assert [a.text for a in answers] == [texts.not_a_command()], raw
    for text in ("/frobnicate <script>alert(1)</script>", "/drop_table '; DROP TABLE tips;--",
                 "/" + "x" * 60, "/time@MagDailyBot <b>x</b>", "/TIME <b>x</b>", "/ 07:00"):
        answers = await bot.say(text)
        assert_answers_sane(answers, text.split(maxsplit=1)[-1])
    assert [m.text for m in await bot.sticker()] == [texts.not_a_command()]
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, subscribed)


# ------------------------------------------------------------------ buttons

HOSTILE_DATA = (
    "time:99:99",
    "time:",
    "time:-1",
    "time:<b>x</b>",
    "tz:../../etc/passwd",
    "tz:/etc/localtime",
    "tz:",
    "tz:null",
    "tz:&amp; <i",
    "tz:\u202eevil",
    "topic:nope",
    "topic:",
    "topic:<script>alert(1)</script>",
    "topic:'; DROP TABLE subscribers;--",
    "menu:",
    "menu:tip:extra",
    "set:",
    "set:bogus",
    "set:stop;DROP TABLE subscribers",
    ":",
    "::::",
    "x" * 64,
    "tz:" + "Z" * 61,
    "time:" + "9" * 59,
    "topic:" + "ü" * 29,  # 64 bytes, 35 characters
    "💪🏽🥬",
    "null",
)


@pytest.mark.parametrize("data", HOSTILE_DATA)
async def test_hostile_button_data_is_answered_politely(bot, subscribed, caplog, data):
    message = await bot.reply("/settings")
    bot.standin.message(USER, message.message_id).reply_markup = {
        "inline_keyboard": [[{"text": "forged", "callback_data": data}]]}
    caplog.clear()
    answered = len(bot.standin.answered_callbacks)
    answers = await bot.press(message, data, strict=False)
    new = bot.standin.answered_callbacks[answered:]
    assert [c.data for c in new] == [data], "the press was not answered exactly once"
    assert new[0].text in POLITE_NOTICES
    for answer in answers:
        assert_answers_sane([answer], data.partition(":")[2])
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, subscribed)


@pytest.mark.parametrize("data", ("topic:nope", "topic:" + "a" * 58, "topic:<b>x</b>"))
async def test_forged_topic_on_the_real_topics_menu(bot, subscribed, caplog, data):
    menu = await bot.reply("/topics")
    caplog.clear()
    answered = len(bot.standin.answered_callbacks)
    await bot.press(menu, data, strict=False)
    assert [c.data for c in bot.standin.answered_callbacks[answered:]] == [data]
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, subscribed)


async def test_topics_done_pressed_twice(bot, subscribed, caplog):
    menu = await bot.reply("/topics")
    await bot.press(menu, "topic:done")
    caplog.clear()
    answered = len(bot.standin.answered_callbacks)
    await bot.press(menu, "topic:done", strict=False)
    assert [c.data for c in bot.standin.answered_callbacks[answered:]] == ["topic:done"]
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, subscribed)


async def test_hostile_button_before_start(bot, caplog):
    caplog.set_level(logging.INFO)
    message = await bot.reply("/help", chat_id=OTHER_USER)
    for data in HOSTILE_DATA:
        bot.standin.message(OTHER_USER, message.message_id).reply_markup = {
            "inline_keyboard": [[{"text": "forged", "callback_data": data}]]}
        answered = len(bot.standin.answered_callbacks)
        answers = await bot.press(message, data, strict=False)
        new = bot.standin.answered_callbacks[answered:]
        assert [c.data for c in new] == [data]
        assert new[0].text in POLITE_NOTICES, data
        for answer in answers:
            assert_answers_sane([answer], data.partition(":")[2])
        assert_nothing_broke(bot, caplog)
        assert await settings_rows(bot) == [], data


# ------------------------------------------------------------------ group chats

GROUP = -987654


async def test_hostile_text_in_a_group_chat(bot, subscribed, caplog):
    for raw in HOSTILE.values():
        if raw.strip():
            await bot.say(raw, chat_id=GROUP, chat_type="group")
    for command in ("help", "foods", "time", "timezone", "settings", "tip"):
        for case in ("html_script", "sql_drop", "long5000", "rtl_override"):
            raw = HOSTILE[case]
            answers = await bot.say(command_text(command, raw), chat_id=GROUP,
                                    chat_type="group")
            assert_answers_sane(answers, raw)
    await bot.sticker(chat_id=GROUP)
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, subscribed)  # the group never subscribed: no row for it


async def test_hostile_commands_in_a_subscribed_group(bot, subscribed, caplog):
    answers = await bot.say("/start@MagDailyBot", chat_id=GROUP, chat_type="group")
    assert answers and "Welcome" in answers[0].text
    before = await db_snapshot(bot)
    group_row = next(r for r in before["rows"] if r["chat_id"] == GROUP)
    assert group_row["chat_type"] == "group"
    caplog.clear()
    for command in COMMANDS:
        if command in ("stop", "unsubscribe"):
            continue
        for case in ("sql_drop", "html_amp", "long5000", "emoji", "dict", "several"):
            raw = HOSTILE[case]
            answers = await bot.say(command_text(command, raw), chat_id=GROUP,
                                    chat_type="group")
            assert_answers_sane(answers, raw)
    assert_nothing_broke(bot, caplog)
    await assert_db_intact(bot, before)
