"""One measured scenario in a fresh process: ``python -m bench.worker SCENARIO JSON``.

run_all starts one process per scenario so that CPU time, peak RSS and imported state never
mix between runs. The last stdout line is ``BENCH-RESULT {json}``.

Scenarios:

* ``populate``: build a fixture database (bench.fixtures); not measured.
* ``ours``: the bot's own path: Application + attach_runtime (as in production, background
  tasks off), then one DailyScheduler.tick() and one Sender.drain_once() against the sink.
* ``common``: the common pattern: a default PTB Application, one JobQueue.run_daily job per
  subscriber, each job doing ``await context.bot.send_message(...)``; fired in sequence
  (``fire=sequential``) or all at one instant by APScheduler itself (``fire=scheduler``).
* ``dueq``: the due-subscriber query against a fixture database.
* ``peak``: everyone due at one minute; tick and sender together as in the bot, lateness
  of every message at the sink (limiter off, or paced, e.g. paid broadcasts at 1,000/s).
* ``million``: 1,000,000 subscribers: due query and where its time goes, the tick, an
  average minute and a simulated day of ticks on a manual clock.

With ``postgres`` in the spec (the address of a server the run may create databases on),
``ours``, ``peak`` and ``million`` run the bot on PostgreSQL instead: a fresh database per
run, the SQLite fixture moved into it by `run.py copy`'s own code (bot.storage.copy:
PostgreSQL's COPY, in batches), timed and reported as ``copy_s``, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import collections
import collections.abc
import contextlib
import importlib.util
import json
import logging
import os
import resource
import shutil
import sqlite3
import statistics
import sys
import time
import types
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH-RESULT "


# ------------------------------------------------------------------- measuring

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * resource.getpagesize() / 2**20


class Meter:
    """Wall time, process CPU time (all threads, user + system) and this thread's CPU."""

    wall = cpu = thread = 0.0

    def __enter__(self) -> Meter:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        self._thread = time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.thread = time.thread_time() - self._thread


COMPONENTS = (  # (label, path fragments), first match wins
    ("PTB: objects, request building, JSON", ("/telegram/",)),
    ("aiohttp client", ("/aiohttp/", "/yarl/", "/multidict/", "/aiohappyeyeballs/")),
    ("httpx/httpcore/h11/anyio", ("/httpx/", "/httpcore/", "/h11/", "/anyio/")),
    ("bot code (sender, pacer, storage calls, render)", ("/bot/", "/tips/")),
    ("aiosqlite (event-loop side)", ("/aiosqlite/",)),
    ("asyncio event loop", ("/asyncio/", "selectors.py")),
    ("import machinery", ("<frozen importlib",)),
    ("json / urllib encoding", ("/json/", "/urllib/")),
)


def profile_breakdown(profile: Any) -> dict[str, float]:
    """Main-thread CPU share by component (cProfile's own time per function)."""
    import pstats

    shares: collections.Counter[str] = collections.Counter()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        label = "other Python"
        if filename == "~":
            label = ("sockets and other syscalls" if any(
                key in name for key in ("socket", "epoll", "select", "recv", "send"))
                else "C builtins")
        else:
            for candidate, fragments in COMPONENTS:
                if any(fragment in filename for fragment in fragments):
                    label = candidate
                    break
        shares[label] += tottime
    total = sum(shares.values()) or 1.0
    return {label: round(100 * value / total, 1) for label, value in shares.most_common()}


class LogCounter(logging.Handler):
    """Counts warnings and errors by logger and message template."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[f"{record.levelname} {record.name}: {str(record.msg)[:70]}"] += 1


def sink_call(sink: str, action: str, *, times: bool = False,
              delay: float = 0.0) -> dict[str, Any]:
    if action == "reset":
        request = urllib.request.Request(f"{sink}/_bench/reset?delay={delay}", data=b"",
                                         method="POST")
    else:
        request = urllib.request.Request(f"{sink}/_bench/stats" + ("?times=1" if times else ""))
    with urllib.request.urlopen(request, timeout=30) as response:  # loopback only
        return json.loads(response.read())["result"]


async def sink_async(sink: str, action: str, *, times: bool = False,
                     delay: float = 0.0) -> dict[str, Any]:
    return await asyncio.to_thread(sink_call, sink, action, times=times, delay=delay)


def install_sniffio_shim() -> str:
    """Make ``import sniffio`` succeed, as installing the sniffio package would.

    httpcore 1.0.x runs ``import sniffio`` every time it sets up a lock; with anyio >= 4.11
    sniffio is no longer installed, the import fails and Python retries the whole sys.path
    search on every request (encode/httpcore#1103). This shim answers exactly as sniffio
    1.3.1 does under asyncio; the benchmark uses it only to show what installing sniffio
    buys, without touching the environment.
    """
    if importlib.util.find_spec("sniffio") is not None:
        return "sniffio installed"
    module = types.ModuleType("sniffio")

    class AsyncLibraryNotFoundError(RuntimeError):
        pass

    def current_async_library() -> str:
        try:
            asyncio.current_task()
        except RuntimeError:
            raise AsyncLibraryNotFoundError("unknown async library") from None
        return "asyncio"

    module.AsyncLibraryNotFoundError = AsyncLibraryNotFoundError  # type: ignore[attr-defined]
    module.current_async_library = current_async_library  # type: ignore[attr-defined]
    sys.modules["sniffio"] = module
    return "sniffio shim"


def request_note(kind: str) -> str:
    if kind == "aiohttp":
        return "AiohttpRequest"
    sniffio = "sniffio" in sys.modules or importlib.util.find_spec("sniffio") is not None
    return "HTTPXRequest, " + ("sniffio importable" if sniffio else "sniffio absent")


def windows(times: list[float], width: float = 1.0) -> dict[str, float]:
    """Most arrivals inside any `width`-second window, and the steady arrival rate."""
    times = sorted(times)
    most = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= width:
            start += 1
        most = max(most, end - start + 1)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {"max_in_1s": most, "steady_rate": (len(times) - 1) / span if span else 0.0,
            "span": span}


def copy_db(source: str, workdir: str, name: str) -> Path:
    target = Path(workdir) / name
    shutil.copyfile(source, target)
    return target


@contextlib.asynccontextmanager
async def engine_settings(spec: dict[str, Any], name: str, **settings: Any
                          ) -> collections.abc.AsyncIterator[tuple[Any, dict[str, Any]]]:
    """Settings for the scenario's database: a copy of the fixture file on SQLite, or a
    fresh PostgreSQL database holding the same rows; and what setting it up measured."""
    from bot.core.config import Settings

    if not spec.get("postgres"):
        db = Path(spec["db"]) if spec.get("in_place") else copy_db(
            spec["db"], spec["workdir"], f"{name}.sqlite3")
        try:
            yield Settings(token=None, database_path=db, **settings), {"engine": "sqlite"}
        finally:
            if not spec.get("in_place"):
                db.unlink(missing_ok=True)
        return
    import asyncpg

    from bot.core.database_url import PostgresUrl, parse_database_url
    from bot.storage.copy import copy_sqlite_to_postgres

    admin = spec["postgres"]
    database = f"bench_{name.replace('-', '_')}_{os.getpid()}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()
    try:
        url = parse_database_url(admin.rsplit("/", 1)[0] + f"/{database}")
        assert isinstance(url, PostgresUrl)
        began = time.perf_counter()
        counts = await copy_sqlite_to_postgres(Path(spec["db"]), url, batch=20_000)
        setup = {"engine": "postgres", "copy_s": time.perf_counter() - began,
                 "copy_rows": sum(counts.values())}
        yield Settings(token=None, database_path=Path(spec["workdir"]) / "unused.sqlite3",
                       postgres=url, **settings), setup
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await connection.close()


async def database_bytes(storage: Any, settings: Any) -> int:
    """The database's size on disk: the file and its WAL, or PostgreSQL's own count."""
    if settings.postgres is not None:
        return int(await storage._db.fetch_value(
            "SELECT pg_database_size(current_database())"))
    db = settings.database_path
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def speak_four_languages(db: Path) -> None:
    """A mixed audience: a quarter each English, Russian, Spanish, Brazilian Portuguese
    (the fixture was made by the bot's own storage, so the column is there)."""
    connection = sqlite3.connect(db)
    try:
        connection.execute("""UPDATE subscribers SET language = CASE chat_id % 4
                                  WHEN 1 THEN 'ru' WHEN 2 THEN 'es' WHEN 3 THEN 'pt-BR'
                                  ELSE 'en' END""")
        connection.commit()
    finally:
        connection.close()


# ------------------------------------------------------------------ scenarios

async def populate(spec: dict[str, Any]) -> dict[str, Any]:
    from bench.fixtures import populate as build

    return await build(Path(spec["db"]), spec["n"], spec["shape"], spec.get("due", 500))


def make_application(settings: Any, kind: str) -> Any:
    """The bot's Application as build_application makes it, with `kind` requests.

    build_application's own request class is used as is; for the other class the same
    builder settings are repeated here (build_application drops base_url when handed a
    request object).
    """
    from telegram.ext import ApplicationBuilder
    from telegram.request import HTTPXRequest

    from bot.delivery.aiohttp_request import AiohttpRequest
    from bot.runtime.app import OFFLINE_TOKEN, build_application

    wanted = HTTPXRequest if kind.startswith("httpx") else AiohttpRequest
    app = build_application(settings)
    if type(app.bot.request) is wanted:
        return app
    request = wanted(connection_pool_size=16, read_timeout=15, write_timeout=15)
    return (ApplicationBuilder().token(OFFLINE_TOKEN).base_url(settings.api_base_url)
            .request(request).get_updates_request(wanted(connection_pool_size=1)).build())


async def ours(spec: dict[str, Any]) -> dict[str, Any]:

    sink, rate = spec["sink"], spec.get("rate") or None
    async with engine_settings(spec, f"ours-{spec['tag']}", api_base_url=f"{sink}/bot",
                               send_rate_per_second=rate or 25.0) as (settings, setup):
        if spec.get("languages"):
            speak_four_languages(settings.database_path)
        return {**setup, **await _ours(spec, settings, sink, rate)}


async def _ours(spec: dict[str, Any], settings: Any, sink: str, rate: float | None
                ) -> dict[str, Any]:
    from bot.delivery.pacer import Pacer
    from bot.runtime.app import attach_runtime, detach_runtime

    app = make_application(settings, spec["request"])
    await app.initialize()
    if spec.get("legacy"):
        from bench.legacy_pacer import LegacyPacer

        pacer: Any = LegacyPacer(rate)
    else:
        pacer = Pacer(rate)
    runtime = await attach_runtime(app, settings, background=False, pacer=pacer)
    try:
        rss_ready = rss_mb()
        before = await sink_async(sink, "reset")
        profiler = None
        if spec.get("profile"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        with Meter() as tick:
            ticked = await runtime.scheduler.tick()
        with Meter() as drain:
            stats = await runtime.sender.drain_once()
        if profiler is not None:
            profiler.disable()
        seen = await sink_async(sink, "stats", times=bool(rate))
    finally:
        await detach_runtime(app)
        await app.shutdown()
    result: dict[str, Any] = {
        "request": request_note(spec["request"]), "concurrency": 8,
        "due": ticked.due, "queued": ticked.queued, "missed": ticked.missed,
        "tick_wall": tick.wall, "tick_cpu": tick.cpu,
        "sent": stats.sent,
        "drain_wall": drain.wall, "drain_cpu": drain.cpu, "drain_main_thread": drain.thread,
        "sink_count": seen["count"], "sink_distinct": seen["distinct_chats"],
        "sink_cpu": seen["cpu"] - before["cpu"],
        "rss_ready_mb": rss_ready, "peak_rss_mb": peak_rss_mb(),
    }
    if rate:
        result.update(windows(seen["times"]))
    if profiler is not None:
        result["profile"] = profile_breakdown(profiler)
    return result


async def common(spec: dict[str, Any]) -> dict[str, Any]:
    """The common pattern: one run_daily job per subscriber, sequential send_message."""
    from telegram import LinkPreviewOptions
    from telegram.constants import ParseMode
    from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes

    from bot.core.zones import resolve_zone
    from bot.runtime.app import OFFLINE_TOKEN
    from bot.ui.keyboards import tip_actions
    from bot.ui.texts import tip_message
    from tips.catalog import load_catalog

    sink, rate, fire = spec["sink"], spec.get("rate") or 0, spec.get("fire", "sequential")
    if rate and importlib.util.find_spec("aiolimiter") is None:
        return {"request": request_note(spec["request"]),
                "error": "AIORateLimiter needs aiolimiter (python-telegram-bot[rate-limiter]),"
                         " which is not installed"}
    builder = ApplicationBuilder().token(OFFLINE_TOKEN).base_url(f"{sink}/bot")
    if spec["request"] == "aiohttp":
        from bot.delivery.aiohttp_request import AiohttpRequest

        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest())
    if rate:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=rate,
                                                      overall_time_period=1))
    app = builder.build()
    await app.initialize()
    rss_ready = rss_mb()

    # The same message ours sends: the tip's HTML text under the same reaction buttons.
    by_topic: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for tip in load_catalog():
        by_topic[tip.topic].append((tip_message(tip), tip.id))
    day = datetime.now(UTC).toordinal()
    delivered = 0

    async def send_tip(context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal delivered
        job = context.job
        assert job is not None and job.chat_id is not None
        pool = [tip for topic in job.data for tip in by_topic[topic]]  # type: ignore[attr-defined]
        text, tip_id = pool[(day + job.chat_id) % len(pool)]
        await context.bot.send_message(
            job.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=tip_actions(tip_id),
            link_preview_options=LinkPreviewOptions(is_disabled=True))
        delivered += 1

    # Start-up: the bot reads every subscriber and schedules one job each.
    connection = sqlite3.connect(spec["db"])
    rows = connection.execute(
        "SELECT chat_id, send_time, timezone, topics FROM subscribers "
        "WHERE status = 'active' ORDER BY chat_id").fetchall()
    connection.close()
    job_queue = app.job_queue
    assert job_queue is not None
    # Started paused: every job sits in APScheduler's store with its next run computed, as
    # in a running bot, but none fires on its own while we measure.
    job_queue.scheduler.start(paused=True)
    zones: dict[str, Any] = {}
    with Meter() as schedule:
        jobs = []
        for chat_id, send_time, zone, topics in rows:
            tz = zones.get(zone) or zones.setdefault(zone, resolve_zone(zone))
            hour, minute = (int(part) for part in send_time.split(":"))
            jobs.append(job_queue.run_daily(
                send_tip, datetime.min.time().replace(hour=hour, minute=minute, tzinfo=tz),
                chat_id=chat_id, data=tuple(topics.split(",")), name=f"daily-{chat_id}"))
    del rows
    rss_jobs = rss_mb()
    sample = min(len(jobs), spec.get("sample") or len(jobs))
    result: dict[str, Any] = {"request": request_note(spec["request"]), "jobs": len(jobs),
                              "schedule_wall": schedule.wall, "rss_ready_mb": rss_ready,
                              "rss_jobs_mb": rss_jobs, "fire": fire, "sample": sample}
    logs = LogCounter()
    logging.getLogger().addHandler(logs)
    before = await sink_async(sink, "reset")
    if fire == "sequential":
        with Meter() as run:
            for job in jobs[:sample]:
                await job.run(app)
    else:
        # Everyone's daily time is the same instant (as when most keep the default 09:00);
        # APScheduler itself fires them. The instant is far enough ahead that re-timing
        # the jobs (paused) ends before it, so any lateness is APScheduler's own.
        fire_at = datetime.now(UTC) + timedelta(seconds=2 + sample / 2000)
        for job in jobs[:sample]:
            job.job.modify(next_run_time=fire_at)
        result["setup_late"] = datetime.now(UTC) > fire_at
        fire_mono = time.monotonic() + (fire_at - datetime.now(UTC)).total_seconds()
        deadline = time.monotonic() + spec.get("timeout", 120)
        executor = job_queue._executor  # APScheduler's futures of jobs still running
        with Meter() as run:
            job_queue.scheduler.resume()
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                if time.monotonic() > fire_mono + 0.5 and not executor._pending_futures:
                    break
        job_queue.scheduler.pause()
    seen = await sink_async(sink, "stats", times=bool(rate) or fire != "sequential")
    await asyncio.sleep(0.1)  # let PTB's error-handler tasks log
    job_queue.scheduler.shutdown(wait=False)
    await app.shutdown()
    result.update({
        "run_wall": run.wall, "run_cpu": run.cpu, "delivered": delivered,
        "sink_count": seen["count"], "sink_distinct": seen["distinct_chats"],
        "sink_cpu": seen["cpu"] - before["cpu"], "peak_rss_mb": peak_rss_mb(),
        "logs": dict(logs.counts.most_common(6)),
    })
    if seen.get("times"):
        result.update(windows(seen["times"]))
    return result


BRIEF_SQL = ("SELECT chat_id FROM subscribers WHERE status = 'active' AND next_send_at <= ? "
             "ORDER BY next_send_at LIMIT ?")


def index_predicate(connection: sqlite3.Connection) -> str:
    """The WHERE of the partial due index: the raw query that can use it must repeat it."""
    row = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'subscribers_due'"
    ).fetchone()
    if not row or " WHERE " not in row[0].upper():
        return "status = 'active'"
    return " ".join(row[0][row[0].upper().rindex(" WHERE ") + 7:].split())


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered), "min_ms": ordered[0],
            "max_ms": ordered[-1]}


async def dueq(spec: dict[str, Any]) -> dict[str, Any]:
    """storage.outbox.due, and the raw due query two ways, on a warm database."""
    from bot.storage import Storage
    from bot.storage.sqlite_engine import SqliteDatabase as Database

    runs, limit = spec.get("runs", 21), spec.get("limit", 2000)
    db = copy_db(spec["db"], spec["workdir"], f"dueq-{spec['tag']}.sqlite3")
    now = datetime.now(UTC)
    ts = int(now.timestamp())
    connection = sqlite3.connect(db)
    predicate = index_predicate(connection)
    index_sql = (f"SELECT chat_id FROM subscribers INDEXED BY subscribers_due WHERE {predicate} "
                 "AND next_send_at <= ? ORDER BY next_send_at LIMIT ?")

    async def timed(call: Any) -> tuple[dict[str, float], int]:
        rows = await call()  # warm the page cache once
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await call()
            samples.append((time.perf_counter() - started) * 1000)
        return summary(samples), len(rows)

    def direct(sql: str) -> dict[str, Any]:
        try:
            plan = [row[-1] for row in
                    connection.execute("EXPLAIN QUERY PLAN " + sql, (ts, limit))]
        except sqlite3.OperationalError as exc:  # e.g. "no query solution"
            return {"error": str(exc)}
        rows = len(connection.execute(sql, (ts, limit)).fetchall())
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            connection.execute(sql, (ts, limit)).fetchall()
            samples.append((time.perf_counter() - started) * 1000)
        return {**summary(samples), "plan": plan, "rows": rows}

    try:
        total = connection.execute("SELECT count(*) FROM subscribers").fetchone()[0]
        raw = {"brief": direct(BRIEF_SQL), "index": direct(index_sql)}
    finally:
        connection.close()
    storage = await Storage.open(db)
    try:
        api, rows = await timed(lambda: storage.outbox.due(now, limit))
    finally:
        await storage.close()
    if "error" not in raw["index"]:
        mechanism = await Database.open(db)  # the storage's own connection and read path
        try:
            raw["index_aiosqlite"], _ = await timed(
                lambda: mechanism.fetch_all(index_sql, (ts, limit)))
        finally:
            await mechanism.close()
    db.unlink(missing_ok=True)
    return {"subscribers": total, "limit": limit, "rows": rows, "runs": runs,
            "predicate": predicate, "due_subscribers": api, "raw": raw}


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p99": at(0.99), "max": ordered[-1]}


async def paced_schedule(count: int, rate: float) -> list[float]:
    """When bot.pacer.Pacer releases `count` sends at `rate` on a virtual clock (answers
    instant): the physical floor of a crowded minute, independent of this machine."""
    from bot.delivery.pacer import Pacer

    now = [0.0]

    async def sleep(delay: float) -> None:
        now[0] += delay

    pacer = Pacer(rate, monotonic=lambda: now[0], sleep=sleep)
    released = []
    for chat in range(count):
        dispatch = await pacer.acquire(chat)
        released.append(now[0])
        pacer.settle(dispatch)
    return released


async def peak(spec: dict[str, Any]) -> dict[str, Any]:
    """Everyone due at the same minute: the tick and the sender run together, as in the bot.

    Lateness = the sink's arrival instant minus the moment the tick began (the tick fires
    within TICK_SECONDS of the chosen minute; that phase is not included). With `model`,
    the run is limiter-off and the lateness at each `model` rate is computed as
    max(pipeline time of the k-th message, the pacer's k-th release on a virtual clock).
    """

    sink, rate, paid = spec["sink"], spec.get("rate") or None, bool(spec.get("paid"))
    async with engine_settings(spec, f"peak-{spec['tag']}", api_base_url=f"{sink}/bot",
                               send_rate_per_second=rate or 25.0,
                               allow_paid_broadcast=paid) as (settings, setup):
        return {**setup, **await _peak(spec, settings, sink, rate, paid)}


async def _peak(spec: dict[str, Any], settings: Any, sink: str, rate: float | None,
                paid: bool) -> dict[str, Any]:
    from bot.delivery.pacer import Pacer
    from bot.runtime.app import attach_runtime, detach_runtime

    app = make_application(settings, "aiohttp")
    await app.initialize()
    runtime = await attach_runtime(app, settings, background=False, pacer=Pacer(rate))
    try:
        before = await sink_async(sink, "reset", delay=spec.get("rtt", 0.0))
        cpu0 = time.process_time()
        started = time.monotonic()
        sender = asyncio.create_task(runtime.sender.run(idle_poll=0.2))
        with Meter() as tick:
            ticked = await runtime.scheduler.tick()
        runtime.sender.wake()
        # Done when the outbox holds nothing pending. (Not "sink count == ticked.queued":
        # apply_daily_plans counts its rows from total_changes read before it takes the
        # write lock, so a sender flush landing in between inflates TickResult.queued.)
        storage = runtime.storage
        deadline = started + spec.get("timeout", 600)
        pending = await any_pending(storage, "daily")
        while pending and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            pending = await any_pending(storage, "daily")
        finished = time.monotonic()
        counts = await delivery_counts(storage, "daily")
        cpu = time.process_time() - cpu0
        runtime.sender.stop()
        await asyncio.wait_for(sender, 30)
        seen = await sink_async(sink, "stats", times=True)
    finally:
        await detach_runtime(app)
        await app.shutdown()
    arrivals = sorted(seen["times"])
    late = [t - started for t in arrivals]
    result: dict[str, Any] = {
        "due": ticked.due, "queued": sum(counts.values()), "tick_queued": ticked.queued,
        "db_counts": counts, "rate": rate, "paid_setting": paid, "rtt": spec.get("rtt", 0.0),
        "sink_count": seen["count"], "sink_distinct": seen["distinct_chats"],
        "sink_paid": seen["paid"], "sink_cpu": seen["cpu"] - before["cpu"],
        "tick_wall": tick.wall, "tick_cpu": tick.cpu, "wall": finished - started, "cpu": cpu,
        "lateness": percentiles(late), "peak_rss_mb": peak_rss_mb(),
    }
    if rate and arrivals:
        result.update(windows(arrivals))
        # While the tick runs, the sender shares the one aiosqlite connection (and its
        # write lock) with the tick's batches; the rate once the tick is done, apart:
        after = [a for a in arrivals if a >= started + tick.wall]
        if len(after) > 1:
            result["rate_after_tick"] = windows(after)["steady_rate"]
        # ... and while it runs (from the first arrival to the tick's end).
        during = len(arrivals) - len(after)
        if during > 1 and started + tick.wall > arrivals[0]:
            result["rate_during_tick"] = during / (started + tick.wall - arrivals[0])
    models = {}
    for model_rate in spec.get("model", []):
        floor = await paced_schedule(len(late), model_rate)
        models[str(model_rate)] = percentiles([max(a, b) for a, b in zip(late, floor,
                                                                           strict=True)])
    if models:
        result["models"] = models
    return result


def fixture_now(db: Path) -> datetime:
    """The instant a bench fixture was made at (its subscribers' created_at)."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        (created,) = connection.execute("SELECT max(created_at) FROM subscribers").fetchone()
    return datetime.fromtimestamp(created, UTC)


async def runtime_on(settings: Any, start: datetime) -> tuple[Any, Any, Any]:
    """The bot as shipped (Application, attach_runtime, background tasks off) on the
    settings' database, on a ManualClock at `start` (the fixture's "now"): (application,
    runtime, clock)."""
    from bot.core.clock import ManualClock
    from bot.delivery.pacer import Pacer
    from bot.runtime.app import attach_runtime

    clock = ManualClock(start)
    app = make_application(settings, "aiohttp")
    await app.initialize()
    runtime = await attach_runtime(app, settings, clock=clock, background=False,
                                   pacer=Pacer(None))
    return app, runtime, clock


async def million(spec: dict[str, Any]) -> dict[str, Any]:
    """1,000,000 subscribers: the due query, the tick, an average minute and a whole day.

    The bot as shipped (Application, attach_runtime, background tasks off) on a ManualClock
    started at the fixture's "now"; the day is 1,440 ticks one virtual minute apart
    (``ticks`` fewer in quick mode, then scaled to a day). Nothing is sent here: the
    outbox rows stay pending (sending is measured by the other scenarios).
    """
    start = fixture_now(Path(spec["db"]))
    # On SQLite the file is used in place: this scenario is the fixture's only user.
    async with engine_settings({**spec, "in_place": True}, "million",
                               api_base_url=f"{spec['sink']}/bot") as (settings, setup):
        return {**setup, **await _million(spec, settings, start)}


async def _million(spec: dict[str, Any], settings: Any, start: datetime) -> dict[str, Any]:
    import cProfile

    from bot.runtime.app import detach_runtime

    app, runtime, clock = await runtime_on(settings, start)
    storage = runtime.storage
    scheduler = runtime.scheduler
    runs = spec.get("runs", 11)
    try:
        rss_ready = rss_mb()
        # 1. due query + hydration, 2,000 rows, warm
        await storage.outbox.due(clock.now(), 2000)
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            due = await storage.outbox.due(clock.now(), 2000)
            samples.append((time.perf_counter() - began) * 1000)
        parts = await due_parts(storage, settings, clock.now(), runs)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            await storage.outbox.due(clock.now(), 2000)
        profiler.disable()
        top = top_functions(profiler)
        # 2. the first minute's tick (2,000 due), phase by phase
        now = clock.now()
        with Meter() as select:
            due = await storage.outbox.due(now, 2000)
        with Meter() as planning:
            plans = [scheduler.plan(item, now) for item in due]
        with Meter() as applying:
            queued = await storage.outbox.apply_daily_plans(plans, now)
        first = {"due": len(due), "queued": queued, "select_ms": 1000 * select.wall,
                 "plan_ms": 1000 * planning.wall, "apply_ms": 1000 * applying.wall}
        # 3. the day: one tick a virtual minute
        ticks = spec.get("ticks", 1440)
        walls, dues = [], []
        with Meter() as day:
            for _ in range(ticks):
                clock.advance(seconds=60)
                began = time.perf_counter()
                result = await scheduler.tick()
                walls.append(time.perf_counter() - began)
                dues.append(result.due)
        counts = await delivery_counts(storage, "daily")
        size = await database_bytes(storage, settings)
    finally:
        await detach_runtime(app)
        await app.shutdown()
    busy = [(w, d) for w, d in zip(walls, dues, strict=True) if d]
    total_due = sum(dues)
    return {
        "subscribers": spec["n"], "rss_ready_mb": rss_ready, "peak_rss_mb": peak_rss_mb(),
        "due_query": summary(samples), "due_rows": len(due), "due_parts": parts,
        "profile_top": top, "first_tick": first,
        "ticks": ticks, "day_wall": day.wall, "day_cpu": day.cpu, "day_due": total_due,
        "minute_ms": percentiles([1000 * w for w, _ in busy]),
        "minute_due": statistics.median([d for _, d in busy]) if busy else 0,
        "tick_us_per_due": 1e6 * sum(w for w, _ in busy) / total_due if total_due else 0.0,
        "db_counts": counts, "db_bytes": size,
    }


def add_water_nudges(db: Path, start: datetime, share: int = 10) -> dict[str, int]:
    """Set-up, not measured: every `share`-th subscriber turns the afternoon nudge on (its
    next slot as the bot plans it: 15:00 local, the first one after `start`), and half of
    them log a glass on that slot's local day (their nudge is skipped as the bot skips it).
    """
    from bot.core.zones import resolve_zone
    from bot.diary.prompts import PromptKind, next_slot, nudge_window

    at = nudge_window(None)[0]
    slots: dict[str, tuple[int, str]] = {}
    ts = int(start.timestamp())
    with contextlib.closing(sqlite3.connect(db)) as connection:
        rows = connection.execute(
            "SELECT chat_id, timezone FROM subscribers WHERE chat_id % ? = 0",
            (share,)).fetchall()
        settings, glasses = [], []
        for chat_id, zone in rows:
            if zone not in slots:
                instant, day = next_slot(PromptKind.NUDGE, at, resolve_zone(zone), start)
                slots[zone] = (int(instant.timestamp()), day.isoformat())
            slot, day = slots[zone]
            settings.append((chat_id, slot, ts, ts))
            if chat_id % (2 * share) == 0:
                glasses.append((chat_id, day, 250, slot - 3600))
        with connection:
            connection.executemany(
                "INSERT INTO water_settings (chat_id, nudge, nudge_next_at, created_at, "
                "updated_at) VALUES (?, 1, ?, ?, ?)", settings)
            connection.executemany(
                "INSERT INTO water_glasses (chat_id, local_date, ml, logged_at) "
                "VALUES (?, ?, ?, ?)", glasses)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"nudges": len(settings), "with_glass": len(glasses), "instants": len(
        {slot for slot, _ in slots.values()})}


async def nudges(spec: dict[str, Any]) -> dict[str, Any]:
    """The afternoon water nudge at 1,000,000 subscribers, 10 % of them with it on.

    The prompt scheduler's tick (`runtime.prompts.tick`: the diary prompts' due queries and
    the nudges', set-based facts, plans, writes) over a day of ticks one virtual minute
    apart, and its nudge due query with the batch's facts (one statement) for 2,000 rows.
    Every zone's nudges fall due at its 15:00, so a day has a few busy minutes.
    """
    from bot.core.config import Settings
    from bot.core.zones import zone_or_utc
    from bot.diary.prompts import slot_date
    from bot.runtime.app import detach_runtime
    from bot.storage.models import DueNudge

    db = Path(spec["db"])
    setup = add_water_nudges(db, fixture_now(db))
    settings = Settings(token=None, api_base_url=f"{spec['sink']}/bot", database_path=db)
    app, runtime, clock = await runtime_on(settings, fixture_now(db))
    storage, prompts = runtime.storage, runtime.prompts
    runs = spec.get("runs", 11)
    try:
        # 1. the nudge due query and its batch's facts, 2,000 rows, at the busiest instant
        with contextlib.closing(sqlite3.connect(db)) as connection:
            (busiest,) = connection.execute(
                "SELECT nudge_next_at FROM water_settings GROUP BY nudge_next_at "
                "ORDER BY count(*) DESC LIMIT 1").fetchone()
        at = datetime.fromtimestamp(busiest, UTC)

        def days(due: list[DueNudge]) -> list[tuple[int, Any]]:
            return [(d.chat_id, slot_date(d.slot, zone_or_utc(d.timezone))) for d in due]

        samples, facts_ms = [], []
        found: list[DueNudge] = await storage.water.due_nudges(at, 2000)
        for _ in range(runs):
            began = time.perf_counter()
            found = await storage.water.due_nudges(at, 2000)
            middle = time.perf_counter()
            await storage.water.nudge_days(days(found))
            samples.append((middle - began) * 1000)
            facts_ms.append((time.perf_counter() - middle) * 1000)
        # 2. a day of prompt ticks
        walls, dues, queued = [], [], 0
        with Meter() as day:
            for _ in range(spec.get("ticks", 1440)):
                clock.advance(seconds=60)
                began = time.perf_counter()
                result = await prompts.tick()
                walls.append(time.perf_counter() - began)
                dues.append(result.due)
                queued += result.queued
        counts = await delivery_counts(storage, "nudge")
    finally:
        await detach_runtime(app)
        await app.shutdown()
    busy = [(w, d) for w, d in zip(walls, dues, strict=True) if d]
    idle = [w for w, d in zip(walls, dues, strict=True) if not d]
    total_due = sum(dues)
    return {
        "subscribers": spec["n"], **setup, "due_rows": len(found),
        "due_query": summary(samples), "facts": summary(facts_ms),
        "ticks": len(walls), "day_wall": day.wall, "day_cpu": day.cpu,
        "day_due": total_due, "queued": queued, "busy_ticks": len(busy),
        "busiest_ms": 1000 * max((w for w, _ in busy), default=0.0),
        "idle_tick_ms": 1000 * statistics.median(idle) if idle else 0.0,
        "tick_us_per_due": 1e6 * sum(w for w, _ in busy) / total_due if total_due else 0.0,
        "db_counts": counts,
    }


async def delivery_counts(storage: Any, kind: str) -> dict[str, int]:
    """Outbox rows of one kind by status (bench introspection, through the bot's connection)."""
    rows = await storage._db.fetch_all(
        "SELECT status, count(*) FROM deliveries WHERE kind = ? GROUP BY status", (kind,))
    return {str(status): int(count) for status, count in rows}


async def any_pending(storage: Any, kind: str) -> bool:
    """Whether an outbox row of `kind` is still pending: one probe of the pending index.

    Polled every 0.2 s while a peak run sends; counting every row by status instead (a
    scan of 100,000 rows) took CPU from the run it measures."""
    db = storage._db
    rows = await db.fetch_all(
        f"SELECT EXISTS (SELECT 1 FROM deliveries {db.dialect.indexed_by('deliveries_pending')}"
        " WHERE status = 'pending' AND kind = ?)", (kind,))
    return bool(rows[0][0])


async def due_parts(storage: Any, settings: Any, now: datetime, runs: int) -> dict[str, Any]:
    """storage.outbox.due taken apart (its statement from bot/storage/outbox.py, the same
    without the seen/disliked lookups, and the Python around it), medians in ms for 2,000
    due rows."""
    from bot.storage import outbox as outbox_module
    from bot.storage import rotation as rotation_module
    from bot.storage import subscribers as subscribers_module

    db = storage._db  # the storage's own mechanism: same connection, same read path
    ts = int(now.timestamp())
    plain_sql = (f"SELECT {subscribers_module.DUE_COLUMNS} "
                 f"{outbox_module.due_where(db.dialect)}")
    full_sql = outbox_module.due_sql(db.dialect)
    rows = await db.fetch_all(full_sql, (ts, 2000))
    decode = subscribers_module.decode_due
    tip_set, disliked = rotation_module.tip_ids, outbox_module._disliked
    postgres = settings.postgres is not None
    connection = None if postgres else sqlite3.connect(str(settings.database_path))

    async def timed_async(call: Any) -> float:
        out = []
        for _ in range(runs):
            began = time.perf_counter()
            await call()
            out.append((time.perf_counter() - began) * 1000)
        return statistics.median(out)

    def timed(call: Any) -> float:
        out = []
        for _ in range(runs):
            began = time.perf_counter()
            call()
            out.append((time.perf_counter() - began) * 1000)
        return statistics.median(out)

    parts: dict[str, Any] = {
        "rows": len(rows),
        # The statement through the engine's own read path (aiosqlite, or asyncpg's pool).
        "full_aiosqlite_ms": await timed_async(lambda: db.fetch_all(full_sql, (ts, 2000))),
        "hydrate_ms": timed(lambda: [decode(r, tip_set(r[-2]), disliked(r[-1]))
                                     for r in rows]),
    }
    if postgres:
        parts["plain_asyncpg_ms"] = await timed_async(
            lambda: db.fetch_all(plain_sql, (ts, 2000)))
        plan = await db.fetch_all("EXPLAIN (ANALYZE, BUFFERS) " + full_sql, (ts, 2000))
        parts["plan"] = [row[0] for row in plan]
        return parts
    assert connection is not None
    try:
        parts["plain_sqlite3_ms"] = timed(lambda: connection.execute(plain_sql, (ts, 2000))
                                          .fetchall())
        parts["full_sqlite3_ms"] = timed(lambda: connection.execute(full_sql, (ts, 2000))
                                         .fetchall())
    finally:
        connection.close()
    return parts


def top_functions(profile: Any, limit: int = 12) -> list[tuple[str, float]]:
    """Main-thread own time by function, as shares (cProfile; aiosqlite's thread unseen)."""
    import pstats

    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values()) or 1.0
    ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:limit]
    return [(f"{Path(f).name}:{line} {name}" if f != "~" else name,
             round(100 * v[2] / total, 1)) for (f, line, name), v in ranked]


SCENARIOS = {"populate": populate, "ours": ours, "common": common, "dueq": dueq,
             "peak": peak, "million": million, "nudges": nudges}


def main(argv: list[str]) -> None:
    scenario, spec = argv[0], json.loads(argv[1])
    if spec.get("watchdog"):
        import faulthandler

        # A scenario that hangs shows where, in the runner's log, before it is stopped.
        faulthandler.dump_traceback_later(spec["watchdog"], exit=True)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if spec.get("request") == "httpx+sniffio":
        spec["sniffio"] = install_sniffio_shim()
    result = asyncio.run(SCENARIOS[scenario](spec))
    if "sniffio" in spec:
        result["sniffio"] = spec["sniffio"]
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
