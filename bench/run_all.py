"""MagDaily delivery benchmark: ``make bench`` (= ``python -m bench.run_all``).

    python -m bench.run_all            the full run (make bench; under 15 minutes on 2 cores)
    python -m bench.run_all --quick    smaller N, a sampled day (make bench-quick)
    python -m bench.run_all --profile  also a profiled run: where the bot's CPU goes

Scenarios: 1,000,000 subscribers (due query, tick, an average minute, a
simulated day, RSS, size on disk); the pacer beside two CPU-bound processes (receiver's
busiest second); the peak minute (everyone at 09:00: lateness at 25/s and with paid
broadcasts at 1,000/s); and the figures from before (limiter off, duplicates, the common
per-user-job pattern).

Everything runs on 127.0.0.1. A lean Bot API sink (bench.sink) runs in its own process, so
the bot process's CPU time measures the bot alone; every scenario runs in a fresh process
(bench.worker), so peak RSS and CPU never mix between runs. Results are printed as
Markdown and written to bench/results/latest.md. Nothing here asserts a timing.

Both engines: the 1,000,000-subscriber scenario, the pacer under load and paid broadcasts
also run on PostgreSQL (`--engines sqlite` leaves it out): on MAGDAILY_BENCH_DATABASE_URL
(a server the run may create databases on) or else a throwaway server started from the
machine's PostgreSQL binaries (tests/pg.py, with PostgreSQL's durable defaults: fsync on).
Each run gets a fresh database holding the SQLite fixture's rows, moved by `run.py copy`'s
code; the report puts the two engines side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import select
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata, util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "latest.md"
README = ROOT / "bench" / "README.md"
# The full run's report replaces what stands between these two lines of bench/README.md.
README_START, README_END = "<!-- bench:latest:start -->", "<!-- bench:latest:end -->"
RESULT_PREFIX = "BENCH-RESULT "
RATE = 25.0  # SEND_RATE_PER_SECOND's default
LIMITED_SAMPLE = 500  # messages in a limiter-on run: 20 s at 25/s
TARGET_RATE = 1000.0
TARGET_DUE_MS = 10.0
TARGET_RSS_MB = 150.0
TARGET_TICK_US = 50.0
TARGET_MINUTE_MS = 50.0
TARGET_LANGUAGE_PCT = 5.0  # a mixed-language audience costs at most this much more CPU/msg
LANGUAGE_RUNS = 3  # English-only and mixed drains, alternated; the median of each
PAID_RATE = 1000.0  # Telegram's ceiling with paid broadcasts
RTT = 0.05  # a round trip to Telegram from a nearby hosting region (seconds)
HOGS = 2  # CPU-bound processes beside the bot in the pacer-under-load runs
MILLION = 1_000_000
ENGINES = ("sqlite", "postgres")


# --------------------------------------------------------------------- machine

def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_gb() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    return 0.0


def _disk() -> str:
    """The block device the temporary folder (where the databases live) is on."""
    try:
        device = os.stat(tempfile.gettempdir()).st_dev
        name = Path(f"/sys/dev/block/{os.major(device)}:{os.minor(device)}").resolve().name
        rotational = Path(f"/sys/block/{name}/queue/rotational")
        kind = ("rotating" if rotational.read_text().strip() == "1" else "solid-state"
                if rotational.exists() else "unknown kind")
        return f"{name} ({kind})"
    except OSError:
        return "unknown"


@contextlib.contextmanager
def postgres_server(log: list[str]) -> Iterator[dict[str, Any] | None]:
    """Where the PostgreSQL runs create their databases: MAGDAILY_BENCH_DATABASE_URL, or a
    throwaway server; None (and why, in the notes) where neither can be had."""
    given = os.environ.get("MAGDAILY_BENCH_DATABASE_URL", "").strip()
    if given:
        yield {"admin": given, "where": "MAGDAILY_BENCH_DATABASE_URL", **_pg_facts(given)}
        return
    from tests import pg

    try:
        with pg.local_server(durable=True) as server:
            yield {"admin": server.admin_url, "where": "a throwaway server (tests/pg.py), "
                   "PostgreSQL's defaults but max_connections=300", **_pg_facts(server.admin_url)}
    except pg.Unavailable as exc:
        log.append(f"PostgreSQL runs skipped: {exc}")
        yield None


def _pg_facts(admin: str) -> dict[str, Any]:
    import asyncio

    import asyncpg

    async def read() -> dict[str, Any]:
        connection = await asyncpg.connect(admin, timeout=10)
        try:
            settings = {name: await connection.fetchval(f"SHOW {name}") for name in (
                "shared_buffers", "fsync", "synchronous_commit", "wal_level", "work_mem")}
            return {"version": await connection.fetchval("SHOW server_version"),
                    "settings": settings}
        finally:
            await connection.close()

    return asyncio.run(read())


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def cpu_ticks() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0, 0.0
    values = [int(v) for v in fields]
    hz = os.sysconf("SC_CLK_TCK")
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / hz, sum(values[:8]) / hz


def background_load(seconds: float = 1.0) -> float:
    """Cores busy with other work right now (nothing of ours is running)."""
    busy0, _ = cpu_ticks()
    time.sleep(seconds)
    busy1, _ = cpu_ticks()
    return (busy1 - busy0) / seconds


def python_speed(additions: int = 2_000_000, runs: int = 5) -> float:
    """Milliseconds for a fixed pure-Python loop, best of `runs`: how fast this host runs
    Python right now. Hosts of one machine type differed 1.4-2.7x in a day, and one host
    3-4x within half an hour (bench/README.md), so runs are compared through this figure,
    not by their absolute times alone."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        total = 0
        for value in range(additions):
            total += value
        best = min(best, time.perf_counter() - began)
    return 1000 * best


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0,
        "cpu_model": _cpu_model(),
        "memory_gb": round(_mem_total_gb(), 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "sqlite": sqlite3.sqlite_version,
        "versions": {name: _version(name) for name in (
            "python-telegram-bot", "httpx", "httpcore", "anyio", "sniffio", "aiohttp",
            "aiosqlite", "APScheduler")},
        "sniffio_importable": util.find_spec("sniffio") is not None,
        "disk": _disk(),
        "python_ms": python_speed(),
    }


def host_ms(result: dict[str, Any]) -> str:
    """The host speed before and after a scenario (python_speed, ms; lower is faster)."""
    speeds = result.get("host_ms")
    if not speeds:
        return "–"
    before, after = speeds
    return f"{before:.0f} → {after:.0f}"


# ------------------------------------------------------------------------ sink

class Sink:
    """The sink process; stopped by `close`, whatever happened."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.sink", "--port", "0"], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], 30)
        line = self._process.stdout.readline().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"the sink did not start: {line!r}")
        self.url = line

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_bench/stats", timeout=30) as response:
            return json.loads(response.read())["result"]

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)


# ---------------------------------------------------------------------- runner

HOG_CODE = ("import time\nend = time.monotonic() + {seconds}\n"
            "while time.monotonic() < end:\n    pass\n")


@contextlib.contextmanager
def cpu_hogs(count: int, seconds: float) -> Iterator[None]:
    """`count` CPU-bound processes (busy loops) beside the scenario; each also stops by
    itself after `seconds`, so none can outlive a crashed benchmark for long."""
    hogs = [subprocess.Popen([sys.executable, "-c", HOG_CODE.format(seconds=seconds)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(count)]
    try:
        if hogs:
            time.sleep(1.0)  # let them reach full speed
        yield
    finally:
        for hog in hogs:
            hog.terminate()
        for hog in hogs:
            try:
                hog.wait(10)
            except subprocess.TimeoutExpired:
                hog.kill()
                hog.wait(10)


@dataclass
class Runner:
    sink: Sink
    workdir: str
    log: list[str] = field(default_factory=list)
    postgres: str | None = None  # where PostgreSQL runs create their databases
    sqlite: bool = True  # whether the runs on both engines include SQLite

    def on_engines(self, report: Report, scenario: str, spec: dict[str, Any], label: str,
                   timeout: float = 420) -> dict[str, Any] | None:
        """The PostgreSQL twin of a run (its SQLite result is added by the caller); the
        result, or None when PostgreSQL is not part of this run."""
        if self.postgres is None:
            return None
        result = self.run(scenario, {**spec, "postgres": self.postgres,
                                     "tag": f"{spec.get('tag', scenario)}-pg"},
                          f"{label}, PostgreSQL", timeout=timeout)
        report.engines.setdefault(scenario_key(scenario, spec), {})["postgres"] = result
        return result

    def run(self, scenario: str, spec: dict[str, Any], label: str,
            timeout: float = 420) -> dict[str, Any]:
        """One scenario in a fresh process; adds how busy the rest of the machine was."""
        spec = {"sink": self.sink.url, "workdir": self.workdir,
                "watchdog": max(1.0, timeout - 10), **spec}
        # One host's speed drifts within minutes (bench/README.md), so it is taken right
        # before and after every scenario, not once per run.
        before = python_speed(runs=3)
        with cpu_hogs(spec.pop("hogs", 0), timeout):
            result = self._run(scenario, spec, label, timeout)
        result["host_ms"] = (before, python_speed(runs=3))
        return result

    def _run(self, scenario: str, spec: dict[str, Any], label: str,
             timeout: float) -> dict[str, Any]:
        sink_before = self.sink.stats()["cpu"]
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy_before, _ = cpu_ticks()
        started = time.perf_counter()
        print(f"  … {label}", file=sys.stderr, flush=True)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.worker", scenario, json.dumps(spec)],
                cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            self.log.append(f"{label}: stopped after {timeout:.0f} s")
            return {"error": f"timed out after {timeout:.0f} s"}
        wall = time.perf_counter() - started
        busy_after, _ = cpu_ticks()
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        sink_cpu = self.sink.stats()["cpu"] - sink_before
        worker_cpu = ((children_after.ru_utime + children_after.ru_stime)
                      - (children_before.ru_utime + children_before.ru_stime))
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
        if done.returncode != 0 or not lines:
            tail = "\n".join(done.stderr.strip().splitlines()[-30:])
            self.log.append(f"{label}: failed (exit {done.returncode})\n{tail}")
            print(tail, file=sys.stderr)
            return {"error": f"exit {done.returncode}"}
        result = json.loads(lines[-1][len(RESULT_PREFIX):])
        other = max(0.0, busy_after - busy_before - worker_cpu - sink_cpu)
        result["other_load"] = other / wall if wall else 0.0
        result["process_wall"] = wall
        return result


# ---------------------------------------------------------------------- report

def scenario_key(scenario: str, spec: dict[str, Any]) -> str:
    """Which side-by-side row a run belongs to."""
    if scenario == "peak":
        return "paid"
    return "load" if scenario == "ours" else scenario


def _f(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(ours: float | None, common: float | None) -> str:
    if not ours or not common:
        return "–"
    return f"{ours / common:.2f}×"


def delivery_row(n_label: str, path: str, r: dict[str, Any]) -> str:
    if "error" in r:
        return f"| {n_label} | {path} | {r.get('request', '')} | {r['error']} |" + " |" * 8
    sent = r.get("sent", r.get("delivered", 0))
    wall = r.get("drain_wall", r.get("run_wall", 0.0))
    cpu = r.get("drain_cpu", r.get("run_cpu", 0.0))
    rate = sent / wall if wall else 0.0
    ms = 1000 * cpu / sent if sent else 0.0
    duplicates = r["sink_count"] - r["sink_distinct"]
    return (f"| {n_label} | {path} | {r['request']} "
            f"| {sent:,} of {r.get('due', r.get('sample')):,} "
            f"| {'**' + str(duplicates) + '**' if duplicates else 0} "
            f"| **{_f(rate)}** | **{_f(ms, 3)}** | {_f(1000 / ms if ms else None)} "
            f"| {_f(100 * cpu / wall if wall else None)} % "
            f"| {_f(100 * r['sink_cpu'] / wall if wall else None)} % "
            f"| {_f(r['other_load'], 2)} | {_f(r['peak_rss_mb'], 1)} |")


def rate_of(r: dict[str, Any]) -> float | None:
    if "error" in r:
        return None
    sent = r.get("sent", r.get("delivered", 0))
    wall = r.get("drain_wall", r.get("run_wall", 0.0))
    return sent / wall if wall else None


def ms_of(r: dict[str, Any]) -> float | None:
    if "error" in r:
        return None
    sent = r.get("sent", r.get("delivered", 0))
    cpu = r.get("drain_cpu", r.get("run_cpu", 0.0))
    return 1000 * cpu / sent if sent else None


@dataclass
class Report:
    info: dict[str, Any]
    delivery: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    pairs: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    limited: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    ticks: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    dueq: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    schedule: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    instant: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    profile: dict[str, Any] | None = None
    million: dict[str, Any] | None = None
    nudges: dict[str, Any] | None = None
    loaded: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    peak: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headline: dict[str, dict[str, Any]] = field(default_factory=dict)  # N -> ours as shipped
    # N -> (English only, a mixed-language audience): the same drain, medians of runs
    languages: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    # scenario -> engine -> result: the runs made on both engines, side by side
    engines: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def targets(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The issue's targets against the shipped configuration, each row with the
        scenario result it was read from (for the host speed measured before it)."""
        def yes(ok: bool) -> str:
            return "yes" if ok else "**no**"

        for n_label, r in self.headline.items():
            if "error" in r:
                continue
            rate, ms = rate_of(r) or 0.0, ms_of(r) or 0.0
            yield (f"| limiter off, N = {n_label}: ≥ {TARGET_RATE:,.0f} msg/s on one core "
                   f"| {rate:,.0f} msg/s wall; {ms:.3f} CPU ms/msg = {1000 / ms:,.0f} msg/s "
                   f"per core | {yes(rate >= TARGET_RATE and 1000 / ms >= TARGET_RATE)} |"), r
        for n_label, (english, mixed) in self.languages.items():
            plain, mixed_ms = ms_of(english) or 0.0, ms_of(mixed) or 0.0
            more = 100 * (mixed_ms / plain - 1) if plain else float("nan")
            yield (f"| mixed-language audience (en, ru, es, pt-BR, a quarter each), N = "
                   f"{n_label}: CPU per message ≤ {TARGET_LANGUAGE_PCT:g} % above English "
                   f"only | {mixed_ms:.3f} vs {plain:.3f} CPU ms/msg ({more:+.1f} %) "
                   f"| {yes(more <= TARGET_LANGUAGE_PCT)} |"), mixed
        for n_label, path, r in self.limited:
            if path != "ours" or "error" in r:
                continue
            achieved, most = r.get("steady_rate", 0.0), r.get("max_in_1s", 0)
            yield (f"| limiter on, N = {n_label}: ≥ 95 % of {RATE:g}/s, no 1-s window "
                   f"above | {100 * achieved / RATE:.1f} %, max {most} in 1 s "
                   f"| {yes(achieved >= 0.95 * RATE and most <= RATE)} |"), r
        for label, r in self.dueq:
            if not label.startswith("100,000") or "error" in r:
                continue
            median = r["due_subscribers"]["median_ms"]
            yield (f"| due query ≤ {TARGET_DUE_MS:g} ms, {label} | due_subscribers "
                   f"{median:.2f} ms (raw on the due index "
                   f"{r['raw'].get('index', {}).get('median_ms', float('nan')):.2f} ms) "
                   f"| {yes(median <= TARGET_DUE_MS)} |"), r
        m = self.million
        if m and "error" not in m:
            n = f"{m['subscribers']:,}"
            q = m["due_query"]["median_ms"]
            yield (f"| N = {n}: peak RSS ≤ {TARGET_RSS_MB:g} MB | {m['peak_rss_mb']:.1f} MB "
                   f"| {yes(m['peak_rss_mb'] <= TARGET_RSS_MB)} |"), m
            yield (f"| N = {n}: due query + hydration ≤ {TARGET_DUE_MS:g} ms per 2,000 rows "
                   f"| {q:.1f} ms | {yes(q <= TARGET_DUE_MS)} |"), m
            yield (f"| N = {n}: tick ≤ {TARGET_TICK_US:g} µs per due subscriber "
                   f"| {m['tick_us_per_due']:.0f} µs | "
                   f"{yes(m['tick_us_per_due'] <= TARGET_TICK_US)} |"), m
            minute = m["minute_ms"]["p50"]
            yield (f"| N = {n}: an average minute (~{m['minute_due']:.0f} due) ticked in ≤ "
                   f"{TARGET_MINUTE_MS:g} ms | {minute:.0f} ms (median of "
                   f"{m['ticks']:,} ticks) | {yes(minute <= TARGET_MINUTE_MS)} |"), m
            yield (f"| N = {n}: a whole day of ticks, CPU seconds | {day_cpu(m):,.0f} s"
                   f"{day_note(m)} | reported |"), m
            yield (f"| N = {n}: database size on disk | {m['db_bytes'] / 2**20:,.0f} MB "
                   "after the day | reported |"), m
        for label, r in self.loaded:
            if "error" in r or r.get("legacy"):
                continue
            achieved, most = r.get("steady_rate", 0.0), r.get("max_in_1s", 0)
            yield (f"| pacer beside {HOGS} CPU-bound processes ({label}): no 1-s window "
                   f"above {RATE:g}/s, ≥ 95 % | max {most} in 1 s, {100 * achieved / RATE:.1f} %"
                   f", other load {r['other_load']:.2f} cores "
                   f"| {yes(most <= RATE and achieved >= 0.95 * RATE)} |"), r
        for label, r in self.peak:
            if "error" in r or not r.get("rate"):
                continue
            achieved, most = r.get("steady_rate", 0.0), r.get("max_in_1s", 0)
            rate = r["rate"]
            after = r.get("rate_after_tick", 0.0)
            if r.get("rtt"):
                # Telegram's answer takes a round trip: the guard costs one per second
                # (rate / (1.005 + RTT)), and the sender must keep enough requests under way.
                rtt_ms = 1000 * r["rtt"]
                yield (f"| paid broadcasts, {label}, answers {rtt_ms:.0f} ms after arrival: "
                       f"rate kept, no window above | {100 * achieved / rate:.1f} % over the "
                       f"whole run ({100 * after / rate:.1f} % once the tick was done; the "
                       f"guard allows {100 / (1.005 + r['rtt']):.1f} %), max {most:,} in 1 s "
                       f"| reported |"), r
                continue
            yield (f"| paid broadcasts, {label}: ≥ 98 % of {rate:,.0f}/s, no window above "
                   f"| {100 * achieved / rate:.1f} % over the whole run ({100 * after / rate:.1f}"
                   f" % once the tick was done), max {most:,} in 1 s "
                   f"| {yes(achieved >= 0.98 * rate and most <= rate)} |"), r
            last = r["lateness"]["max"]
            sent_all = r["sink_distinct"] >= r["queued"]
            yield (f"| paid broadcasts, {label}: all sent within ~2 minutes of the tick "
                   f"| {r['sink_distinct']:,} of {r['queued']:,}, last after {last:.0f} s "
                   f"| {yes(sent_all and last <= 120)} |"), r
        big = self.headline.get("100,000")
        if big and "error" not in big:
            yield (f"| peak RSS ≤ {TARGET_RSS_MB:g} MB, N = 100,000 | {big['peak_rss_mb']:.1f} MB "
                   f"| {yes(big['peak_rss_mb'] <= TARGET_RSS_MB)} |"), big

    def engine_lines(self) -> Iterator[str]:
        """SQLite and PostgreSQL side by side, with PostgreSQL's targets."""
        pg = self.info.get("postgres")
        if not self.engines or not pg:
            return
        yield "## SQLite and PostgreSQL side by side"
        yield ""
        yield (f"PostgreSQL {pg['version']} on {pg['where']}, loopback; "
               + ", ".join(f"{k} {v}" for k, v in pg["settings"].items())
               + ". Each PostgreSQL run starts from a fresh database holding the SQLite "
               "fixture's rows, moved by `run.py copy`'s code (COPY in batches, one "
               "transaction, counts verified, ANALYZE). Failover is not run here: the "
               "end-to-end failover test (a leader killed with SIGKILL mid-broadcast) "
               "measures the takeover; see its figure in the README.")
        yield ""
        yield "| measure | SQLite | PostgreSQL | PostgreSQL target | met? |"
        yield "|---|---|---|---|---|"
        yield from self._engine_rows()
        yield ""
        m = self.engines.get("million", {}).get("postgres")
        plan = m and m.get("due_parts", {}).get("plan")
        if plan:
            yield ("The due query's plan on PostgreSQL (EXPLAIN ANALYZE, 1,000,000 "
                   "subscribers, 2,000 due):")
            yield ""
            yield "```"
            yield from plan
            yield "```"
            yield ""

    def _engine_rows(self) -> Iterator[str]:
        """One row per measure: (scenario, measure, how a result shows it, PostgreSQL's
        target, whether a PostgreSQL result meets it, or None where only reported)."""
        def due_ms(r: dict[str, Any]) -> float:
            return float(r["due_query"]["median_ms"])

        def achieved(r: dict[str, Any], rate: float) -> float:
            return float(r.get("steady_rate", 0.0)) / rate

        def duplicates(r: dict[str, Any]) -> int:
            return int(r["sink_count"] - r["sink_distinct"])

        rows: list[tuple[str, str, Any, str, Any]] = [
            ("million", f"{MILLION:,} subscribers: due query + hydration, 2,000 rows (median)",
             lambda r: f"{due_ms(r):.1f} ms", f"≤ {TARGET_DUE_MS:g} ms",
             lambda r: due_ms(r) <= TARGET_DUE_MS),
            ("million", f"{MILLION:,} subscribers: tick per due subscriber, over the day",
             lambda r: f"{r['tick_us_per_due']:.0f} µs", f"≤ {TARGET_TICK_US:g} µs",
             lambda r: r["tick_us_per_due"] <= TARGET_TICK_US),
            ("million", "an average minute's tick, median / p99",
             lambda r: f"{r['minute_ms']['p50']:.0f} / {r['minute_ms']['p99']:.0f} ms "
                       f"(~{r['minute_due']:.0f} due)", "reported", None),
            ("million", "a whole day of ticks, CPU seconds of the bot process",
             lambda r: f"{day_cpu(r):,.0f} s{day_note(r)}", "reported", None),
            ("million", "peak RSS of the bot process",
             lambda r: f"{r['peak_rss_mb']:.0f} MB", "reported", None),
            ("million", "database size after the day",
             lambda r: f"{r['db_bytes'] / 2**20:,.0f} MB", "reported", None),
            ("million", f"`run.py copy` of the {MILLION:,}-subscriber file",
             lambda r: f"{r['copy_s']:.1f} s, {r['copy_rows']:,} rows" if "copy_s" in r
             else "–", "reported", None),
            ("paid", f"paid broadcasts at {PAID_RATE:,.0f}/s: achieved, busiest 1-s window",
             lambda r: f"{100 * achieved(r, PAID_RATE):.1f} %, max {r.get('max_in_1s', 0):,}",
             f"≥ 98 %, none above {PAID_RATE:,.0f}",
             lambda r: achieved(r, PAID_RATE) >= 0.98
             and r.get("max_in_1s", 0) <= PAID_RATE),
            ("paid", "paid broadcasts: duplicate sends at the sink",
             lambda r: f"{duplicates(r):,}", "0", lambda r: duplicates(r) == 0),
            ("paid", "paid broadcasts: delivered, last arrival after the tick began",
             lambda r: f"{r['sink_distinct']:,} of {r['queued']:,}, "
                       f"{fmt_s(r['lateness']['max'])}", "reported", None),
            ("load", f"pacer at {RATE:g}/s beside {HOGS} CPU-bound processes: achieved, "
                     "busiest 1-s window",
             lambda r: f"{100 * achieved(r, RATE):.1f} %, max {r.get('max_in_1s', 0)}",
             f"≥ 95 %, none above {RATE:g}",
             lambda r: achieved(r, RATE) >= 0.95 and r.get("max_in_1s", 0) <= RATE),
        ]
        for scenario, measure, show, target, met in rows:
            pair = self.engines.get(scenario)
            if not pair:
                continue
            lite, pg = pair.get("sqlite"), pair.get("postgres")
            cells = [("not run" if r is None else r["error"] if "error" in r else show(r))
                     for r in (lite, pg)]
            verdict = "" if met is None or pg is None or "error" in pg else \
                ("yes" if met(pg) else "**no**")
            yield f"| {measure} | {cells[0]} | {cells[1]} | {target} | {verdict} |"

    def million_lines(self) -> Iterator[str]:
        m = self.million
        if not m:
            return
        yield f"## {MILLION:,} subscribers"
        yield ""
        if "error" in m:
            yield f"Failed: {m['error']}"
            yield ""
            return
        yield ("The bot as shipped (Application, attach_runtime, background tasks off) on a "
               "ManualClock; 2,000 subscribers due at the start, the rest spread evenly over "
               "the next 24 hours (about 694 a minute). Nothing is sent in this scenario (the "
               "outbox rows stay pending); sending is measured below.")
        yield ""
        q, first, parts = m["due_query"], m["first_tick"], m["due_parts"]
        yield "| measure | figure |"
        yield "|---|---|"
        yield (f"| RSS after start-up / peak | {m['rss_ready_mb']:.1f} MB / "
               f"**{m['peak_rss_mb']:.1f} MB** |")
        yield (f"| due query + hydration (`storage.outbox.due`, {m['due_rows']:,} rows) "
               f"| **{q['median_ms']:.1f} ms** median ({q['min_ms']:.1f}–{q['max_ms']:.1f}) |")
        phases = first["select_ms"] + first["plan_ms"] + first["apply_ms"]
        yield (f"| first minute's tick, {first['due']:,} due: select / plan / apply "
               f"| {first['select_ms']:.0f} / {first['plan_ms']:.0f} / {first['apply_ms']:.0f}"
               f" ms = {1000 * phases / max(1, first['due']):.0f} µs per due |")
        mm = m["minute_ms"]
        yield (f"| an average minute (median {m['minute_due']:.0f} due) | **{mm['p50']:.0f} ms**"
               f" median, p99 {mm['p99']:.0f} ms, max {mm['max']:.0f} ms |")
        yield (f"| tick per due subscriber, over the day | **{m['tick_us_per_due']:.0f} µs** |")
        yield (f"| a whole day of ticks ({m['ticks']:,} ticks, {m['day_due']:,} due) | "
               f"{m['day_wall']:,.1f} s wall, {m['day_cpu']:,.1f} s CPU{day_note(m)} |")
        yield f"| database on disk after the day | {m['db_bytes'] / 2**20:,.0f} MB |"
        yield ""
        yield ("Where the due query's time goes (medians, ms, same 2,000 rows; the "
               "statement `storage.outbox.due_sql`: one SELECT whose seen and "
               "disliked tips come as correlated lookups):")
        yield ""
        yield ("| SELECT without the lookups, sqlite3 | the SELECT, sqlite3 | the SELECT, "
               "aiosqlite | rows → DueSubscriber |")
        yield "|---|---|---|---|"
        yield (f"| {parts['plain_sqlite3_ms']:.1f} | {parts['full_sqlite3_ms']:.1f} "
               f"| {parts['full_aiosqlite_ms']:.1f} | {parts['hydrate_ms']:.1f} |")
        yield ""
        yield "Main-thread own time in `storage.outbox.due` by function (cProfile, top 12):"
        yield ""
        yield "| function | share |"
        yield "|---|---|"
        for name, share in m["profile_top"]:
            yield f"| `{name}` | {share} % |"
        yield ""

    def nudge_lines(self) -> Iterator[str]:
        n = self.nudges
        if not n:
            return
        yield f"## {MILLION:,} subscribers, 10 % with the afternoon water nudge"
        yield ""
        if "error" in n:
            yield f"Failed: {n['error']}"
            yield ""
            return
        yield (f"{n['nudges']:,} subscribers with the nudge on (every tenth), due at 15:00 "
               f"local in {n['instants']} distinct instants over the day; half of them "
               "logged a glass that day (their nudge is skipped). The prompt scheduler's "
               "tick (`runtime.prompts.tick`), one virtual minute apart for a day. Targets: "
               "tick ≤ 50 µs per due, due query ≤ 10 ms per 2,000.")
        yield ""
        q, f = n["due_query"], n["facts"]
        yield "| measure | figure |"
        yield "|---|---|"
        yield (f"| nudge due query (`storage.water.due_nudges`, {n['due_rows']:,} rows) | "
               f"**{q['median_ms']:.1f} ms** median ({q['min_ms']:.1f}–{q['max_ms']:.1f}) |")
        yield (f"| the batch's glass, hot-day and cap facts (`nudge_days`, one statement) | "
               f"{f['median_ms']:.1f} ms median |")
        yield (f"| tick per due nudge, over the day | **{n['tick_us_per_due']:.0f} µs** |")
        yield (f"| a day of ticks ({n['ticks']:,} ticks, {n['day_due']:,} due, "
               f"{n['queued']:,} queued) | {n['day_wall']:,.1f} s wall, "
               f"{n['day_cpu']:,.1f} s CPU; busiest tick {n['busiest_ms']:,.0f} ms, an idle "
               f"one {n['idle_tick_ms']:.2f} ms |")
        yield ""

    def loaded_lines(self) -> Iterator[str]:
        if not self.loaded:
            return
        yield f"## The pacer beside {HOGS} CPU-bound processes"
        yield ""
        yield (f"{HOGS} busy-loop Python processes run for the whole scenario (column *other "
               f"load*: cores they and anything else took). {RATE:g} msg/s configured; "
               "arrival instants at the sink. *legacy*: the pacer shipped before the current one "
               "(bench/legacy_pacer.py), same load, for comparison.")
        yield ""
        yield ("| run | pacer | delivered | achieved msg/s | % of configured | max in any 1 s "
               "| other load (cores) | no window above and ≥ 95 %? |")
        yield "|---|---|---|---|---|---|---|---|"
        for label, r in self.loaded:
            if "error" in r:
                yield f"| {label} | {r['error']} |" + " |" * 6
                continue
            achieved, most = r.get("steady_rate", 0.0), r.get("max_in_1s", 0)
            ok = most <= RATE and achieved >= 0.95 * RATE
            yield (f"| {label} | {'legacy' if r.get('legacy') else 'bot/delivery/pacer.py'} "
                   f"| {r['sent']} | {achieved:.2f} | {100 * achieved / RATE:.1f} % "
                   f"| {most} | {r['other_load']:.2f} | {'yes' if ok else '**no**'} |")
        yield ""

    def peak_lines(self) -> Iterator[str]:
        if not self.peak:
            return
        yield "## The peak minute: everyone due at 09:00"
        yield ""
        yield ("Every subscriber due at the same minute; the tick and the sender run "
               "together as in the bot (sender woken per tick batch). Lateness = sink "
               "arrival − start of the tick (the tick itself fires within TICK_SECONDS, "
               "default 20 s, of the minute: add up to that). *Measured*: a real run at "
               "that rate. *Simulated*: the limiter-off run's pipeline time of the k-th "
               "message combined with the k-th release of bot/delivery/pacer.py on a virtual clock "
               "(max of the two): running 100,000 messages at 25/s for real would take 67 "
               "minutes.")
        yield ""
        yield ("| N | rate | how | sent | lateness p50 | p99 | max | max in any 1 s "
               "| achieved (while / after the tick) | paid sends at the sink |")
        yield "|---|---|---|---|---|---|---|---|---|---|"
        for label, r in self.peak:
            if "error" in r:
                yield f"| {label} | {r['error']} |" + " |" * 8
                continue
            late = r["lateness"]
            if r.get("rate"):
                answers = (f", answered {1000 * r['rtt']:.0f} ms after arrival"
                           if r.get("rtt") else "")
                yield (f"| {label} | {r['rate']:,.0f}/s{' paid' if r['paid_setting'] else ''}"
                       f"{answers} | measured | {r['sink_distinct']:,} of {r['queued']:,} "
                       f"| {fmt_s(late['p50'])} | {fmt_s(late['p99'])} | {fmt_s(late['max'])} "
                       f"| {r.get('max_in_1s', 0):,} | {r.get('steady_rate', 0):,.1f}/s "
                       f"({r.get('rate_during_tick', 0):,.1f} / "
                       f"{r.get('rate_after_tick', 0):,.1f}/s) | {r['sink_paid']:,} |")
            else:
                yield (f"| {label} | limiter off | measured | {r['sink_distinct']:,} of "
                       f"{r['queued']:,} | {fmt_s(late['p50'])} | {fmt_s(late['p99'])} "
                       f"| {fmt_s(late['max'])} | – | "
                       f"{r['sink_count'] / max(late['max'], 1e-9):,.0f}/s | {r['sink_paid']:,} |")
                for rate, model in r.get("models", {}).items():
                    yield (f"| {label} | {float(rate):,.0f}/s | simulated | – "
                           f"| {fmt_s(model['p50'])} | {fmt_s(model['p99'])} "
                           f"| {fmt_s(model['max'])} | – | – | – |")
        yield ""

    def lines(self) -> Iterator[str]:
        info = self.info
        m = info["machine"]
        yield "# MagDaily delivery benchmark"
        yield ""
        yield (f"Run {info['started']} · {info['mode']} · {info['elapsed']:.0f} s in all. "
               "Sink: bench.sink on 127.0.0.1 in its own process. Every scenario in a fresh "
               "process. CPU = process CPU time (user + system, all threads).")
        yield ""
        yield "## Machine"
        yield ""
        yield (f"- {m['cpus']} CPUs ({m['usable_cpus']} usable), {m['cpu_model']}, "
               f"{m['memory_gb']} GB RAM, Linux {m['kernel']}")
        yield f"- Python {m['python']}, SQLite {m['sqlite']}, databases on {m['disk']}"
        yield "- " + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        if "python_ms" in m:
            yield (f"- Host speed: a fixed pure-Python loop of 2,000,000 additions takes "
                   f"{m['python_ms']:.0f} ms at the start (best of 5). Hosts of one machine "
                   "type differ, and one host drifts (2026-12-02: 1.4-2.7x within a day; "
                   "2026-12-06: 76 ms, then 250-320 ms half an hour later, with no steal "
                   "time reported): each target below gives the speed right before and "
                   "after its scenario (best of 3), and runs are compared through it and "
                   "the ratios to the common pattern.")
        yield (f"- Background load before the run: {info['background']:.2f} cores busy with "
               "other work (column *other load* below: the same during each scenario). "
               "Wall-clock rates drop when other work shares the two cores; CPU ms/msg "
               "barely moves, so *one-core capacity* (1000 / CPU ms per msg) is the "
               "figure to compare across runs.")
        yield ""
        targets = list(self.targets())
        if targets:
            yield "## Targets (ours, as shipped)"
            yield ""
            yield "| target | measured | met? | host speed (ms) |"
            yield "|---|---|---|---|"
            for line, record in targets:
                yield f"{line} {host_ms(record)} |"
            yield ""
        yield from self.engine_lines()
        yield from self.million_lines()
        yield from self.nudge_lines()
        yield from self.loaded_lines()
        yield from self.peak_lines()
        yield "## Limiter off: delivery throughput"
        yield ""
        yield ("*ours*: DailyScheduler.tick() then Sender.drain_once() (outbox, 8 workers, "
               "outcomes recorded in SQLite), Application and BotTransport exactly as "
               "build_application and attach_runtime make them (request class as shipped: "
               f"{info.get('shipped', '?')}; the other class swapped in for comparison). "
               "*common*: one JobQueue.run_daily job per subscriber, jobs run one after "
               "another (`await job.run(app)`), each `await context.bot.send_message(...)`; "
               "same text and keyboard, nothing recorded.")
        yield ""
        yield ("| N | path | request class | delivered | duplicate sends | msg/s (wall) "
               "| bot CPU ms/msg | one-core capacity msg/s | bot CPU | sink CPU "
               "| other load (cores) | peak RSS MB |")
        yield "|---|---|---|---|---|---|---|---|---|---|---|---|"
        for n_label, path, r in self.delivery:
            yield delivery_row(n_label, path, r)
        yield ""
        yield (f"Target: ≥ {TARGET_RATE:,.0f} msg/s on one core. *bot CPU* over 100 % means "
               "the aiosqlite thread ran beside the event loop. *duplicate sends*: messages "
               "the sink received beyond one per subscriber (should be 0).")
        yield ""
        if self.pairs:
            yield "## Ours / common"
            yield ""
            yield ("| N | compared | msg/s ratio (higher is better) "
                   "| CPU per msg ratio (lower is better) | peak RSS ratio (lower is better) |")
            yield "|---|---|---|---|---|"
            for n_label, kind, ours_r, common_r in self.pairs:
                yield (f"| {n_label} | {kind} | {_ratio(rate_of(ours_r), rate_of(common_r))} "
                       f"| {_ratio(ms_of(ours_r), ms_of(common_r))} "
                       f"| {_ratio(ours_r.get('peak_rss_mb'), common_r.get('peak_rss_mb'))} |")
            yield ""
        yield f"## Limiter on: {RATE:g} msg/s configured, {LIMITED_SAMPLE} messages"
        yield ""
        yield ("Arrival instants recorded by the sink. *Achieved* = (arrivals − 1) / (last − "
               "first); *max in any 1 s* = most arrivals inside any window [t, t + 1 s).")
        yield ""
        yield ("| N | path | limiter | delivered | achieved msg/s | % of configured "
               "| max in any 1 s | ≥ 95 % and no window above? |")
        yield "|---|---|---|---|---|---|---|---|"
        for n_label, path, r in self.limited:
            if "error" in r:
                yield f"| {n_label} | {path} | {r['error']} |" + " |" * 5
                continue
            achieved = r.get("steady_rate", 0.0)
            ok = achieved >= 0.95 * RATE and r.get("max_in_1s", 0) <= RATE
            sent = r.get("sent", r.get("delivered", 0))
            limiter = ("Pacer (bot/delivery/pacer.py)" if path == "ours"
                       else "PTB AIORateLimiter(overall_max_rate=25, period=1)")
            yield (f"| {n_label} | {path} | {limiter} | {sent} | {achieved:.2f} "
                   f"| {100 * achieved / RATE:.1f} % | {r.get('max_in_1s')} "
                   f"| {'yes' if ok else '**no**'} |")
        yield ""
        yield "## Due-subscriber query"
        yield ""
        yield ("Median (min–max) ms over repeated calls on a warm database. "
               "*due_subscribers* = `storage.outbox.due(now, LIMIT)`, LIMIT 2000 (what the "
               "tick asks) unless the row says otherwise: the query, "
               "DueSubscriber tuples, seen-tips and feedback lookups, all through aiosqlite. "
               "*raw, brief's query* = `SELECT chat_id FROM subscribers WHERE status = "
               "'active' AND next_send_at <= ? ORDER BY next_send_at LIMIT ?` (sqlite3). "
               "*raw, due index* = the same with the partial index's own predicate and "
               "`INDEXED BY subscribers_due`, as due_subscribers now asks (sqlite3, and "
               "through aiosqlite).")
        yield ""
        yield ("| database | rows | due_subscribers | raw, brief's query | raw, due index "
               "| raw, due index, via aiosqlite |")
        yield "|---|---|---|---|---|---|"
        plans: dict[str, None] = {}

        def cell(s: dict[str, Any] | None) -> str:
            if not s:
                return "–"
            if "error" in s:
                return s["error"]
            return f"{s['median_ms']:.2f} ({s['min_ms']:.2f}–{s['max_ms']:.2f})"

        for label, r in self.dueq:
            if "error" in r:
                yield f"| {label} | {r['error']} |" + " |" * 4
                continue
            raw = r["raw"]
            for key, name in (("brief", "brief's query"), ("index", "due index")):
                if "plan" in raw.get(key, {}):
                    plans[f"{name}: " + "; ".join(raw[key]["plan"])] = None
            yield (f"| {label} | {r['rows']:,} | **{cell(r['due_subscribers'])}** "
                   f"| {cell(raw.get('brief'))} | {cell(raw.get('index'))} "
                   f"| {cell(raw.get('index_aiosqlite'))} |")
        yield ""
        if self.dueq and "predicate" in self.dueq[-1][1]:
            yield (f"Partial index predicate: `{self.dueq[-1][1]['predicate']}` (the brief's "
                   "`status = 'active'` does not imply it, so that query cannot use the "
                   "index). Query plans:")
            yield ""
            for plan in plans:
                yield f"- {plan}"
            yield ""
        yield f"Target: ≤ {TARGET_DUE_MS:g} ms with 100,000 subscribers."
        yield ""
        yield "## The tick, and the common pattern's start-up"
        yield ""
        yield "| N | what | wall s | CPU s | per subscriber |"
        yield "|---|---|---|---|---|"
        for n_label, r in self.ticks:
            if "error" in r or not r.get("due"):
                continue
            yield (f"| {n_label} | ours: one tick for {r['due']:,} due (select, plan, "
                   f"apply in batches of 2,000) | {r['tick_wall']:.2f} | {r['tick_cpu']:.2f} "
                   f"| {1e6 * r['tick_wall'] / r['due']:.0f} µs |")
        for n_label, r in self.schedule:
            if "error" in r:
                continue
            grown = r["rss_jobs_mb"] - r["rss_ready_mb"]
            yield (f"| {n_label} | common: run_daily for {r['jobs']:,} jobs at every start "
                   f"(RSS +{grown:.1f} MB, {1024 * grown / r['jobs']:.1f} KB/job) "
                   f"| {r['schedule_wall']:.2f} | – | {1e6 * r['schedule_wall'] / r['jobs']:.0f}"
                   " µs |")
        yield ""
        yield "## Peak RSS"
        yield ""
        yield "| N | path | request class | RSS after start-up MB | peak RSS MB | target |"
        yield "|---|---|---|---|---|---|"
        for n_label, path, r in self.delivery:
            if "error" in r:
                continue
            extra = (f" (with {r['jobs']:,} jobs: {r['rss_jobs_mb']:.1f})"
                     if path == "common" else "")
            yield (f"| {n_label} | {path} | {r['request']} | {r['rss_ready_mb']:.1f}{extra} "
                   f"| **{r['peak_rss_mb']:.1f}** | ≤ {TARGET_RSS_MB:g} MB at 100,000 |")
        yield ""
        if self.instant:
            yield "## Common pattern: every job due at the same instant"
            yield ""
            yield ("All jobs re-timed to one instant (as when everyone keeps the default "
                   "09:00) and fired by APScheduler itself, PTB defaults "
                   "(misfire_grace_time 1 s, HTTPXRequest pool 256).")
            yield ""
            yield "| N | delivered | warnings and errors logged |"
            yield "|---|---|---|"
            for n_label, r in self.instant:
                if "error" in r:
                    yield f"| {n_label} | {r['error']} | |"
                    continue
                logs = "; ".join(f"{count:,} × {msg}" for msg, count in r["logs"].items())
                if r.get("setup_late"):
                    logs = "set-up overran the firing instant, result not valid; " + logs
                yield f"| {n_label} | {r['delivered']:,} of {r['sample']:,} | {logs or '–'} |"
            yield ""
        if self.profile:
            yield "## Where the bot's CPU goes (profiled run, main thread)"
            yield ""
            yield (f"ours, {self.profile['request']}, N = {self.profile['due']:,}: "
                   f"{1000 * self.profile['drain_cpu'] / max(1, self.profile['sent']):.3f} "
                   "CPU ms/msg under cProfile (slower than unprofiled); main thread "
                   f"{100 * self.profile['drain_main_thread'] / self.profile['drain_cpu']:.0f}"
                   " % of process CPU, the rest is the aiosqlite thread.")
            yield ""
            yield "| component | share of main-thread CPU |"
            yield "|---|---|"
            for label, share in self.profile["profile"].items():
                yield f"| {label} | {share} % |"
            yield ""
        if self.notes:
            yield "## Notes"
            yield ""
            for note in self.notes:
                yield f"- {note}"
            yield ""


def fmt_s(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def day_cpu(m: dict[str, Any]) -> float:
    """CPU seconds for 1,440 ticks (scaled up when the run ticked fewer)."""
    return m["day_cpu"] * 1440 / max(1, m["ticks"])


def day_note(m: dict[str, Any]) -> str:
    if m["ticks"] >= 1440:
        return ""
    return f" (measured over {m['ticks']} ticks, scaled to 1,440)"


# ------------------------------------------------------------------------ plan

def fixture(runner: Runner, name: str, n: int, shape: str, due: int = LIMITED_SAMPLE,
            timeout: float = 300) -> str:
    path = str(Path(runner.workdir) / f"{name}.sqlite3")
    result = runner.run("populate", {"db": path, "n": n, "shape": shape, "due": due},
                        f"fixture {name}", timeout=timeout)
    if "error" in result:
        raise RuntimeError(f"could not build fixture {name}: {result['error']}")
    return path


PARTS = ("million", "nudges", "load", "peak", "10k", "languages", "100k")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="N = 10,000 (1,000,000 for an hour of ticks only)")
    parser.add_argument("--profile", action="store_true",
                        help="add a cProfile run of ours (aiohttp, 10,000)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--readme", type=Path, default=None,
                        help="also put the report into this README's marked section "
                             "(default: bench/README.md for a full run of every part)")
    parser.add_argument("--only", action="append", choices=PARTS,
                        help="run only these parts (repeatable; for day-to-day work)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="sqlite, postgres or both (default): which engines the "
                             "million, load and peak parts run on")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip() in ENGINES]
    only = set(args.only or PARTS)

    started = time.perf_counter()
    info: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                            "mode": "quick (N = 10,000; 1,000,000 for an hour of ticks)"
                            if args.quick else "full (N = 10,000, 100,000 and 1,000,000)",
                            "machine": machine(), "background": background_load()}
    report = Report(info)
    sniffio = info["machine"]["sniffio_importable"]
    httpx_kinds = ["httpx"] if sniffio else ["httpx", "httpx+sniffio"]
    if not sniffio:
        report.notes.append(
            "sniffio is not installed: httpcore 1.0.9 retries `import sniffio` (a full "
            "sys.path search) several times per request (encode/httpcore#1103). Rows "
            "'sniffio importable' add a stand-in module that answers as sniffio 1.3.1 does, "
            "to show what adding `sniffio` to the dependencies buys.")
    print(f"MagDaily delivery benchmark ({info['mode']})", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="magdaily-bench-") as workdir, \
            contextlib.ExitStack() as stack:
        server = (stack.enter_context(postgres_server(report.notes))
                  if "postgres" in engines else None)
        if server is not None:
            info["postgres"] = server
        sink = Sink()
        try:
            runner = Runner(sink, workdir, postgres=server["admin"] if server else None,
                            sqlite="sqlite" in engines)
            shipped = shipped_kind()
            info["shipped"] = shipped
            if "million" in only or "nudges" in only:
                plan_million(runner, report, args.quick, "million" in only,
                             "nudges" in only)
            if "load" in only:
                plan_load(runner, report)
            if "peak" in only:
                plan_peak(runner, report, args.quick)
            if "10k" in only:
                plan_10k(runner, report, httpx_kinds, args.profile, shipped)
            if "languages" in only:
                plan_languages(runner, report, shipped)
            if not args.quick and "100k" in only:
                plan_100k(runner, report, shipped)
        finally:
            sink.close()
        report.notes.extend(runner.log)

    duplicated = sum(r["sink_count"] - r["sink_distinct"] for _n, _p, r in report.delivery
                     if "error" not in r)
    if duplicated:
        report.notes.append(
            f"Duplicate sends in all: {duplicated}. The sink got a second sendMessage for "
            "a chat whose tip had already been delivered in the same drain.")
    info["elapsed"] = time.perf_counter() - started
    text = "\n".join(report.lines())
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(f"\nwritten to {args.out}", file=sys.stderr)
    readme = args.readme or (README if not args.quick and not args.only else None)
    if readme is not None:
        update_readme(readme, text)
        print(f"and into {readme}", file=sys.stderr)
    return 0


def update_readme(path: Path, report: str) -> None:
    """Put the report between the README's markers, one heading level down, no title."""
    body = [f"#{line}" if line.startswith("#") else line
            for line in report.splitlines() if not line.startswith("# ")]
    readme = path.read_text()
    start = readme.index(README_START) + len(README_START)
    end = readme.index(README_END)
    path.write_text(readme[:start] + "\n" + "\n".join(body).strip() + "\n" + readme[end:])


def shipped_kind() -> str:
    """Which request class build_application uses today ("aiohttp" or "httpx")."""
    from bot.core.config import Settings
    from bot.delivery.aiohttp_request import AiohttpRequest
    from bot.runtime.app import build_application

    app = build_application(Settings(token=None, database_path=Path("unused.sqlite3")))
    return "aiohttp" if isinstance(app.bot.request, AiohttpRequest) else "httpx"


def plan_10k(runner: Runner, report: Report, httpx_kinds: list[str], profile: bool,
             shipped: str) -> None:
    n, label = 10_000, "10,000"
    all_due = fixture(runner, "all-10k", n, "all")
    some_due = fixture(runner, "sample-10k", n, "sample")
    ours: dict[str, dict[str, Any]] = {}
    for kind in [*httpx_kinds, "aiohttp"]:
        ours[kind] = runner.run("ours", {"db": all_due, "request": kind, "tag": kind},
                                f"ours, {kind}, {label}")
        report.delivery.append((label, "ours", ours[kind]))
    report.ticks.append((label, ours[shipped]))
    report.headline[label] = ours[shipped]
    common: dict[str, dict[str, Any]] = {}
    for kind in ("httpx", "aiohttp"):
        common[kind] = runner.run("common", {"db": all_due, "request": kind},
                                  f"common, {kind}, {label}")
        report.delivery.append((label, "common", common[kind]))
    report.schedule.append((label, common["httpx"]))
    report.pairs.append((label, f"as shipped ({shipped}) / PTB defaults (httpx)",
                         ours[shipped], common["httpx"]))
    for kind in ("httpx", "aiohttp"):
        report.pairs.append((label, f"same request class: {kind}", ours[kind], common[kind]))
    report.limited.append((label, "ours", runner.run(
        "ours", {"db": some_due, "request": shipped, "rate": RATE, "tag": "limited"},
        f"ours, limiter on, {label}")))
    report.limited.append((label, "common", runner.run(
        "common", {"db": all_due, "request": "httpx", "rate": RATE, "sample": LIMITED_SAMPLE},
        f"common, limiter on, {label}")))
    report.instant.append((label, runner.run(
        "common", {"db": all_due, "request": "httpx", "fire": "scheduler"},
        f"common, all jobs at one instant, {label}", timeout=240)))
    report.dueq.append((f"{label} subscribers, {LIMITED_SAMPLE} due", runner.run(
        "dueq", {"db": some_due, "tag": "s10k"}, f"due query, {label}")))
    report.dueq.append((f"{label} subscribers, all due", runner.run(
        "dueq", {"db": all_due, "tag": "a10k"}, f"due query, {label} all due")))
    if profile:
        r = runner.run("ours", {"db": all_due, "request": shipped, "tag": "profile",
                                "profile": True}, f"ours, {shipped}, {label}, profiled")
        if "error" not in r:
            report.profile = r


def plan_languages(runner: Runner, report: Report, shipped: str) -> None:
    """The same 10,000 daily tips to an English-only audience and to one in four languages
    (each row rendered in its recipient's language at send time), alternated."""
    n, label = 10_000, "10,000"
    all_due = fixture(runner, "languages-10k", n, "all")  # its own: the 10k part built all-10k
    runs: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for number in range(LANGUAGE_RUNS):
        for mixed in (False, True):
            what = "mixed languages" if mixed else "English only"
            runs[mixed].append(runner.run(
                "ours", {"db": all_due, "request": shipped, "tag": f"lang{number}{mixed:d}",
                         "languages": mixed}, f"ours, {what}, {label}, run {number + 1}"))

    def median(results: list[dict[str, Any]]) -> dict[str, Any]:
        good = sorted((r for r in results if "error" not in r), key=lambda r: ms_of(r) or 0)
        return good[len(good) // 2] if good else results[0]

    report.languages[label] = (median(runs[False]), median(runs[True]))


COMMON_FIRED_100K = 5_000  # sequential sends at 100,000 jobs: a sample, for the time budget


def plan_100k(runner: Runner, report: Report, shipped: str) -> None:
    n, label = 100_000, "100,000"
    all_due = fixture(runner, "all-100k", n, "all")
    some_due = fixture(runner, "sample-100k", n, "sample")
    ours = runner.run("ours", {"db": all_due, "request": shipped, "tag": "a100k"},
                      f"ours, {shipped}, {label}", timeout=480)
    report.delivery.append((label, "ours", ours))
    report.ticks.append((label, ours))
    report.headline[label] = ours
    sample = COMMON_FIRED_100K
    common = runner.run("common", {"db": all_due, "request": "httpx", "sample": sample},
                        f"common, httpx, {label} jobs, {sample:,} fired", timeout=300)
    report.delivery.append((f"{label} jobs ({sample:,} fired)", "common", common))
    report.pairs.append((label, f"as shipped ({shipped}) / PTB defaults (httpx); common "
                         f"sends {sample:,} of its {n:,} jobs", ours, common))
    report.schedule.append((label, common))
    report.limited.append((label, "ours", runner.run(
        "ours", {"db": some_due, "request": shipped, "rate": RATE, "tag": "limited100k"},
        f"ours, limiter on, {label}")))
    minute = round(n / 1440)
    report.dueq.append((f"{label} subscribers, LIMIT {minute} (an average minute's rows)",
                        runner.run("dueq", {"db": some_due, "tag": "m100k", "limit": minute},
                                   f"due query, {label}, {minute} rows")))
    report.dueq.append((f"{label} subscribers, {LIMITED_SAMPLE} due", runner.run(
        "dueq", {"db": some_due, "tag": "s100k"}, f"due query, {label}")))
    report.dueq.append((f"{label} subscribers, all due", runner.run(
        "dueq", {"db": all_due, "tag": "a100k"}, f"due query, {label} all due")))



def plan_million(runner: Runner, report: Report, quick: bool, daily: bool = True,
                 nudges: bool = True) -> None:
    """1,000,000 subscribers; quick mode ticks one virtual hour and scales it to a day.
    Then, on the same file, 10 % of them with the afternoon water nudge: a whole day of
    the prompt scheduler's ticks (cheap when nothing is due, so quick mode runs it too)."""
    path = fixture(runner, "day-1m", MILLION, "day", due=2000, timeout=900)
    if daily:
        spec = {"db": path, "n": MILLION, "ticks": 60 if quick else 1440}
        label = f"{MILLION:,} subscribers, a day of ticks"
        # PostgreSQL first: the SQLite run ticks the fixture file in place.
        runner.on_engines(report, "million", spec, label, timeout=900)
        if runner.sqlite:
            report.million = runner.run("million", spec, label, timeout=900)
            report.engines.setdefault("million", {})["sqlite"] = report.million
    if nudges:
        report.nudges = runner.run("nudges", {"db": path, "n": MILLION},
                                   f"{MILLION:,} subscribers, 10 % with the water nudge",
                                   timeout=900)
    Path(path).unlink(missing_ok=True)
    Path(f"{path}-wal").unlink(missing_ok=True)


def plan_load(runner: Runner, report: Report) -> None:
    """The pacer at 25/s beside two CPU-bound processes; the pre-issue-13 pacer likewise."""
    n = 10_000
    some_due = fixture(runner, "load-10k", n, "sample", due=LIMITED_SAMPLE)
    runs = [("new", False), ("legacy", True)]
    for name, legacy in runs if runner.sqlite else ():
        r = runner.run("ours", {"db": some_due, "request": "aiohttp", "rate": RATE,
                                "tag": f"load-{name}", "legacy": legacy, "hogs": HOGS},
                       f"pacer beside {HOGS} CPU-bound processes ({name})")
        if "error" not in r:
            r["legacy"] = legacy
        else:
            report.engines.setdefault("load", {}).setdefault("sqlite", r)
        report.loaded.append((f"{LIMITED_SAMPLE} messages, N = {n:,}", r))
        if not legacy:
            report.engines.setdefault("load", {})["sqlite"] = r
    runner.on_engines(report, "ours", {"db": some_due, "request": "aiohttp", "rate": RATE,
                                       "tag": "load-new", "hogs": HOGS},
                      f"pacer beside {HOGS} CPU-bound processes (new)")


def plan_peak(runner: Runner, report: Report, quick: bool) -> None:
    """Everyone at 09:00: limiter off (plus the 25/s schedule), and paid at 1,000/s."""
    n = 10_000 if quick else 100_000
    label = f"{n:,}"
    all_due = fixture(runner, f"peak-{n}", n, "all")
    report.peak.append((label, runner.run(
        "peak", {"db": all_due, "tag": "off", "model": [RATE, PAID_RATE]},
        f"peak minute, {label}, limiter off", timeout=600)))
    paid = {"db": all_due, "tag": "paid", "rate": PAID_RATE, "paid": True}
    paid_label = f"peak minute, {label}, paid broadcasts at {PAID_RATE:,.0f}/s"
    if runner.sqlite:
        report.peak.append((label, runner.run("peak", paid, paid_label, timeout=600)))
        report.engines.setdefault("paid", {})["sqlite"] = report.peak[-1][1]
    runner.on_engines(report, "peak", paid, paid_label, timeout=600)
    Path(all_due).unlink(missing_ok=True)
    # The same against a distant Telegram: the sink answers each send RTT after it arrived.
    n = 10_000 if quick else 30_000
    all_due = fixture(runner, f"peak-{n}", n, "all")
    report.peak.append((f"{n:,}", runner.run(
        "peak", {"db": all_due, "tag": "paid-rtt", "rate": PAID_RATE, "paid": True,
                 "rtt": RTT},
        f"peak minute, {n:,}, paid at {PAID_RATE:,.0f}/s, answers after {RTT * 1000:.0f} ms",
        timeout=600)))
    Path(all_due).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
