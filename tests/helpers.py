"""Test harness: the real Application wired to the in-process Bot API stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from telegram import Update
from telegram.ext import Application

from bot.core.clock import Clock, ManualClock
from bot.core.config import Settings
from bot.core.database_url import PostgresUrl
from bot.delivery.pacer import Pacer
from bot.runtime.app import Runtime, attach_runtime, build_application, detach_runtime
from bot.services.content import ContentLibrary
from bot.services.diary import DiaryService
from bot.services.food import FoodLogService
from bot.services.tipfeed import TipFeed
from bot.storage import Storage
from bot.storage.postgres_engine import placeholders
from bot.ui import texts
from bot.ui.outbox import OutboxRenderer
from standin import BotApiStandIn, Fault, SentMessage, StandInRequest

USER = 1001
OTHER_USER = 1002
ADMIN = 4242
START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def stored_rows(path: Path | PostgresUrl, sql: str, params: Sequence = ()) -> list[tuple]:
    """What the database holds, read on a read-only connection of the test's own.

    Tests check stored facts here, not through the bot's storage API, so a query bug in
    the code under test cannot vouch for itself; read-only, so a check cannot change them.
    SQL may call `shown(code, cause, detail)` in its select list: a stored reason as /stats
    and /mydata show it. On PostgreSQL the same SQL (with `?` placeholders) runs in a
    read-only transaction on a connection of its own, from a thread (the test's loop is
    busy); `shown(…)` there reads its three values and renders them here.
    """
    if isinstance(path, PostgresUrl):
        return _pg_rows(path, sql, params)
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
        connection.create_function("shown", 3, shown_reason, deterministic=True)
        return connection.execute(sql, params).fetchall()


# `shown(a, b, c)` on PostgreSQL: the three values as a text array marked as shown's.
_SHOWN_CALL = re.compile(r"\bshown\(([^()]*)\)")
_SHOWN_MARK = "shown()"


def _shown_on_postgres(sql: str) -> str:
    def values(match: re.Match[str]) -> str:
        args = ", ".join(f"CAST({arg.strip()} AS TEXT)" for arg in match.group(1).split(","))
        return f"ARRAY['{_SHOWN_MARK}', {args}]"

    return _SHOWN_CALL.sub(values, sql)


def _shown_value(value: object) -> object:
    if isinstance(value, list) and value and value[0] == _SHOWN_MARK:
        return shown_reason(*value[1:])
    return value


def _pg_rows(url: PostgresUrl, sql: str, params: Sequence) -> list[tuple]:
    async def read() -> list[tuple]:
        connection = await asyncpg.connect(url.dsn, timeout=10)
        try:
            async with connection.transaction(readonly=True):
                records = await connection.fetch(placeholders(_shown_on_postgres(sql)),
                                                 *params)
        finally:
            await connection.close()
        return [tuple(_shown_value(value) for value in record) for record in records]

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def settings_for(database: Path | PostgresUrl, folder: Path, **kwargs) -> Settings:
    """Settings keeping the bot's data in `database` (the `database` fixture: a file in the
    test's `folder`, or a PostgreSQL database; then the file path is never used)."""
    postgres = database if isinstance(database, PostgresUrl) else None
    path = database if isinstance(database, Path) else folder / "bot.sqlite3"
    return Settings(token=None, database_path=path, postgres=postgres, **kwargs)


async def edit_rows(storage: Storage, *statements: tuple[str, Sequence]) -> None:
    """Change stored rows past the services, as a hand edit or an older version's bug
    would have left them, in one transaction on the bot's own write connection (either
    engine)."""
    async with storage._db.write() as tx:
        for sql, params in statements:
            await tx.execute(sql, params)


def virtual_pacer(clock: ManualClock, rate: float | None) -> Pacer:
    """A pacer on the test's clock: its waits move the clock instead of sleeping."""

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    return Pacer(rate, monotonic=lambda: clock.now().timestamp(), sleep=sleep)


@dataclass
class BotHarness:
    app: Application
    standin: BotApiStandIn
    runtime: Runtime
    clock: ManualClock
    pacer: Pacer

    @property
    def storage(self):
        return self.runtime.storage

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Rows the database file holds (see stored_rows)."""
        settings = self.runtime.deps.settings
        return stored_rows(settings.postgres or settings.database_path, sql, params)

    @property
    def on_postgres(self) -> bool:
        return self.runtime.deps.settings.postgres is not None

    def tables_with(self, column: str) -> list[str]:
        """Every table with a column of that name, read from the schema (either engine)."""
        if self.on_postgres:
            rows = self.rows(
                """SELECT table_name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND column_name = ?
                   ORDER BY table_name""", (column,))
        else:
            rows = self.rows(
                """SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
                   WHERE m.type = 'table' AND c.name = ? ORDER BY m.name""", (column,))
        return [name for (name,) in rows]

    async def _process(self, update: dict) -> None:
        taken = self.standin.next_update_nowait()
        assert taken is not None and taken["update_id"] == update["update_id"]
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def say(self, text: str, chat_id: int = USER, **kwargs) -> list[SentMessage]:
        """The user sends `text`; returns the messages the bot sent to that chat in answer."""
        before = len(self.standin.messages_to(chat_id))
        await self._process(self.standin.user_sends(chat_id, text, **kwargs))
        return self.standin.messages_to(chat_id)[before:]

    async def reply(self, text: str, chat_id: int = USER, **kwargs) -> SentMessage:
        """Exactly one answer is expected; returns it."""
        answers = await self.say(text, chat_id, **kwargs)
        assert len(answers) == 1, [a.text for a in answers]
        return answers[0]

    async def start(self, chat_id: int = USER, **kwargs) -> SentMessage:
        """/start; returns the welcome (the time-zone question follows it in private chats)."""
        return (await self.say("/start", chat_id, **kwargs))[0]

    async def location(self, latitude: float, longitude: float,
                       chat_id: int = USER) -> list[SentMessage]:
        """The user taps "📍 Share location"; returns the bot's answers."""
        before = len(self.standin.messages_to(chat_id))
        await self._process(self.standin.user_sends_location(chat_id, latitude, longitude))
        return self.standin.messages_to(chat_id)[before:]

    async def press(self, message: SentMessage, data: str, chat_id: int | None = None,
                    **kwargs) -> list[SentMessage]:
        chat = chat_id if chat_id is not None else message.chat_id
        before = len(self.standin.messages_to(chat))
        await self._process(self.standin.user_presses(chat, message.message_id, data, **kwargs))
        return self.standin.messages_to(chat)[before:]

    async def sticker(self, chat_id: int = USER) -> list[SentMessage]:
        before = len(self.standin.messages_to(chat_id))
        await self._process(self.standin.user_sends_sticker(chat_id))
        return self.standin.messages_to(chat_id)[before:]

    async def deliver_due(self) -> None:
        """Run one tick and drain the outbox, as the background job would."""
        await self.runtime.scheduler.tick()
        await self.runtime.prompts.tick()
        await self.runtime.sender.drain_once()

    async def subscriber(self, chat_id: int = USER):
        return await self.storage.subscribers.get(chat_id)

    async def deliver_days(self, first: datetime, days: int,
                           chat_id: int = USER) -> list[SentMessage]:
        """One tick a day at `first`'s time for `days` days; what the chat got from them."""
        before = len(self.standin.messages_to(chat_id))
        for day in range(days):
            self.clock.set(first + timedelta(days=day))
            await self.deliver_due()
        return self.standin.messages_to(chat_id)[before:]


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """The real Application on `settings`' database, talking to a fresh Bot API stand-in,
    with no background jobs: the test drives every tick (`deliver_due`)."""
    standin = BotApiStandIn()
    app = build_application(settings, request=StandInRequest(standin), clock=clock,
                            background=False)
    await app.initialize()
    pacer = virtual_pacer(clock, None)
    runtime = await attach_runtime(app, settings, clock=clock, background=False, pacer=pacer)
    try:
        yield BotHarness(app, standin, runtime, clock, pacer)
    finally:
        await detach_runtime(app)
        await app.shutdown()


def ten_percent_faults(seed: int, retry_after: int, spare: frozenset[int] = frozenset()):
    """A stand-in fault policy: ~10 % of sendMessage calls get 429, 502 or a timeout.

    At most three faults per chat: with five attempts allowed every reachable chat must
    get through, whatever order the concurrent sends ran in. Chats in `spare` never fault.
    """
    rng = random.Random(seed)
    tries: Counter[int] = Counter()

    def policy(method: str, params: dict) -> Fault | None:
        if method.lower() != "sendmessage":
            return None
        chat = int(params["chat_id"])
        tries[chat] += 1
        if chat in spare or tries[chat] > 3:
            return None
        roll = rng.random()
        if roll < 0.02:
            return Fault("retry_after", retry_after=retry_after)
        if roll < 0.06:
            return Fault("server_error")
        if roll < 0.10:
            return Fault("timeout")
        return None

    return policy


def make_renderer(feed: TipFeed, storage: Storage, clock: Clock) -> OutboxRenderer:
    """The shipped outbox renderer, as the wiring builds it, for a sender made by hand."""
    content = ContentLibrary.load()
    food_log = FoodLogService(storage, clock, content.english().foods.daily_value_mg)
    return OutboxRenderer(feed, DiaryService(storage, clock, food_log), content)


def shown_reason(code: str | None, cause: str | None = None,
                 detail: str | None = None) -> str | None:
    """A stored reason (code, give-up cause, Telegram's words) as /stats and /mydata show it."""
    return None if code is None else texts.reason_text(code, cause, detail)


@contextlib.contextmanager
def interface_catalogue(folder: Path, monkeypatch, catalog) -> Iterator[None]:
    """`catalog` (a Babel Catalog of the messages domain) compiled into `folder` as the
    bot's interface catalogue of its locale, for the block; the cache is cleared around."""
    from babel.messages.mofile import write_mo

    from bot.core import i18n

    target = folder / str(catalog.locale) / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", folder)
    i18n.translations.cache_clear()
    try:
        yield
    finally:
        i18n.translations.cache_clear()
