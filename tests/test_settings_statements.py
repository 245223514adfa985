"""Every settings action costs at most one read and one write transaction.

Counted at SQLite itself: a trace callback on each connection the storage uses (the shared
aiosqlite connection and the writer thread's), so a statement cannot hide behind a helper.
A "read" is a statement outside any transaction (each is its own read transaction); a
"write" is one BEGIN … COMMIT. The actions run through the real Application, as a user
would press or type them, with the diary prompts on so a new zone or time has prompts to
move (and the move must be in the same transaction).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import USER, BotHarness

_BEGIN = re.compile(r"^\s*BEGIN\b", re.IGNORECASE)
_END = re.compile(r"^\s*(COMMIT|ROLLBACK|END)\b", re.IGNORECASE)


@dataclass
class Trace:
    """The statements each connection ran, in order, per connection."""

    by_connection: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on: bool = False

    def callback(self, name: str):
        def record(sql: str) -> None:
            if self.on:
                with self.lock:
                    self.by_connection.setdefault(name, []).append(" ".join(sql.split()))
        return record

    def start(self) -> None:
        with self.lock:
            self.by_connection.clear()
        self.on = True

    def stop(self) -> None:
        self.on = False

    def counts(self) -> tuple[int, int]:
        """(reads outside a transaction, write transactions) over every connection."""
        reads = writes = 0
        for statements in self.by_connection.values():
            inside = False
            for sql in statements:
                if _BEGIN.match(sql):
                    inside, writes = True, writes + 1
                elif _END.match(sql):
                    inside = False
                elif not inside:
                    reads += 1
        return reads, writes

    def statements(self) -> list[str]:
        return [sql for statements in self.by_connection.values() for sql in statements]


async def traced(bot: BotHarness) -> Trace:
    trace = Trace()
    db = bot.storage._db  # the storage's mechanism: both of its connections
    await db._connection.set_trace_callback(trace.callback("shared"))
    await db.transact(lambda connection: connection.set_trace_callback(
        trace.callback("writer")))
    return trace


async def subscribed_with_prompts(bot: BotHarness) -> None:
    """A signed-up private chat (zone and time answered), check-in and stretch on, and
    its settings panel open."""
    await bot.start()
    await bot.say("Munich")
    await bot.say("08:00")
    await bot.say("/diary")
    diary = bot.standin.messages_to(USER)[-1]
    for data in ("ds:ci:menu", "ds:ci:08:00", "ds:st:menu", "ds:st:21:00"):
        await bot.press(diary, data)
    assert bot.rows("SELECT checkin_time, stretch_time FROM diary_settings") == [
        ("08:00", "21:00")]
    await bot.say("/settings")


@dataclass(frozen=True)
class Action:
    name: str
    kind: str  # "say", "press" or "location" ("lat,lon")
    value: str
    before: tuple[tuple[str, str], ...] = ()  # steps that set the scene, not counted
    settled: bool = True  # signed up with prompts on first; else a chat never seen
    # Its budget, within the rule's one and one: a read outside the write only where the
    # handler must see the row to choose (the open sign-up question, create or resume),
    # no write for a view.
    reads: int = 0
    writes: int = 1


PAUSED = (("say", "/pause 3"), ("say", "/settings"))
STOPPED = (("say", "/stop"), ("say", "/settings"))
ACTIONS = (
    Action("/timezone Munich", "say", "/timezone Munich"),
    Action("/timezone Kolkata", "say", "/timezone Kolkata"),
    Action("zone button", "press", "tz:Europe/Berlin", before=(("press", "set:tz"),)),
    Action("zone while paused", "say", "/timezone Kolkata", before=PAUSED),
    Action("/time 07:30", "say", "/time 07:30"),
    Action("time button", "press", "time:07:00", before=(("press", "set:time"),)),
    Action("/pause", "say", "/pause"),
    Action("pause button", "press", "set:pause"),
    Action("/resume", "say", "/resume", before=PAUSED),
    Action("resume button", "press", "set:resume", before=PAUSED),
    Action("/stop", "say", "/stop"),
    Action("stop button", "press", "set:stop"),
    Action("resume after stop", "press", "set:resume", before=STOPPED),
    Action("/subscribe after stop", "say", "/subscribe", before=STOPPED, reads=1),
    Action("/start after stop", "say", "/start", before=STOPPED, reads=1),
    Action("topic toggle", "press", "topic:rest", before=(("press", "set:topics"),)),
    Action("topics done", "press", "topic:done",
           before=(("press", "set:topics"), ("press", "topic:rest")), reads=1, writes=0),
    Action("/topics", "say", "/topics", reads=1, writes=0),
    Action("/settings", "say", "/settings", reads=1, writes=0),
    Action("panel button", "press", "set:panel", before=(("press", "set:time"),),
           reads=1, writes=0),
    Action("first /start", "say", "/start", settled=False, reads=1),
    Action("sign-up: typed city", "say", "Munich", before=(("say", "/start"),),
           settled=False, reads=1),
    Action("sign-up: location", "location", "48.14,11.58", before=(("say", "/start"),),
           settled=False),
    Action("sign-up: typed time", "say", "07:30",
           before=(("say", "/start"), ("say", "Munich")), settled=False, reads=1),
    Action("sign-up: time button", "press", "time:07:00",
           before=(("say", "/start"), ("say", "Munich")), settled=False),
    Action("sign-up: keep the default", "say", "Keep the default",
           before=(("say", "/start"),), settled=False, reads=1),
    Action("sign-up: keep button", "press", "set:keep",
           before=(("say", "/start"), ("say", "🕐 Pick the time it is for me")),
           settled=False),
)


async def run(bot: BotHarness, kind: str, value: str) -> None:
    """Type `value`, or press it on the newest message that shows such a button."""
    if kind == "say":
        await bot.say(value)
        return
    if kind == "location":
        latitude, longitude = (float(part) for part in value.split(","))
        await bot.location(latitude, longitude)
        return
    shown = [m for m in bot.standin.messages_to(USER) if value in m.callback_data]
    assert shown, value
    await bot.press(shown[-1], value)


async def traced_action(bot: BotHarness, action: Action) -> Trace:
    """Set the scene, then run the action alone under the trace."""
    if action.settled:
        await subscribed_with_prompts(bot)
    for kind, value in action.before:
        await run(bot, kind, value)
    trace = await traced(bot)
    trace.start()
    await run(bot, action.kind, action.value)
    trace.stop()
    return trace


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
async def test_a_settings_action_is_one_read_and_one_write_at_most(bot, action):
    trace = await traced_action(bot, action)
    reads, writes = trace.counts()
    assert reads <= 1 and writes <= 1, (reads, writes, trace.statements())
    assert reads <= action.reads and writes <= action.writes, (
        reads, writes, trace.statements())


@pytest.mark.parametrize("action", [a for a in ACTIONS if a.name in (
    "/timezone Kolkata", "zone button", "/time 07:30", "time button")],
    ids=lambda a: a.name)
async def test_a_new_zone_or_time_moves_the_prompts_in_the_same_transaction(bot, action):
    """The write that sets the zone or time also moves the check-in: one BEGIN … COMMIT
    holds both UPDATEs."""
    trace = await traced_action(bot, action)
    transactions: list[list[str]] = []
    for statements in trace.by_connection.values():
        for sql in statements:
            if _BEGIN.match(sql):
                transactions.append([])
            elif transactions and not _END.match(sql):
                transactions[-1].append(sql)
    assert len(transactions) == 1, trace.statements()
    assert any(sql.startswith("UPDATE subscribers") for sql in transactions[0])
    assert any(sql.startswith("UPDATE diary_settings") for sql in transactions[0])


def _local(bot: BotHarness, column: str) -> tuple[str, str]:
    """(the subscriber's zone, the prompt's next slot as local 'YYYY-MM-DD HH:MM')."""
    ((zone, slot),) = bot.rows(f"SELECT s.timezone, d.{column} FROM subscribers s "
                               "JOIN diary_settings d USING (chat_id)")
    local = datetime.fromtimestamp(slot, UTC).astimezone(ZoneInfo(zone))
    return zone, local.strftime("%Y-%m-%d %H:%M")


async def test_a_failed_prompt_move_leaves_the_zone_as_it_was(bot):
    """A new zone and the prompts it moves are one change: if moving the prompts fails
    (here a trigger refuses it, as a full disk would), the zone is not changed either, so
    the prompts are never left in the old zone. Without the fault the check-in moves to
    08:00 in the new zone."""
    await subscribed_with_prompts(bot)
    assert _local(bot, "checkin_next_at") == ("Europe/Berlin", "2026-11-26 08:00")
    path = bot.runtime.deps.settings.database_path
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TRIGGER refuse BEFORE UPDATE ON diary_settings "
                           "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        connection.commit()
    await bot.say("/timezone Kolkata")
    assert _local(bot, "checkin_next_at") == ("Europe/Berlin", "2026-11-26 08:00")
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP TRIGGER refuse")
        connection.commit()
    await bot.say("/timezone Kolkata")
    assert _local(bot, "checkin_next_at") == ("Asia/Kolkata", "2026-11-26 08:00")
